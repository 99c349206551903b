// Executing read plans: fetch shard indexes (cached), fetch coalesced chunk byte ranges with
// bounded concurrency, decode through the injected ChunkDecoder, and copy strips into one output
// typed array of the array's data type (uint32 → Uint32Array, int64 → BigInt64Array, bool → Uint8Array).
//
//   readRanges(a, {starts, ends})  homeobox read_ranges: concatenated in input order + per-range lengths
//   readRows(a, rows)              whole rows along axis 0 (dense (N, F) layers): rows.length × F values
//   readAll(a)                     every element, C order
//
// I/O per read: per touched shard, size + one index range on a cache miss; then one request per
// coalesced group of needed chunks. The first failure (or the caller's abort) cancels the rest.

import { CorruptDataError, NotFoundError, throwIfAborted } from '../errors.js';
import { mapLimit } from '../io/ranges.js';
import { manyListeners, untilAborted } from '../io/abortable.js';
import { isOwned } from '../io/owned.js';
import type { ReadOptions, RequestPriority } from '../io/types.js';
import { outerChunkKey, outerChunkSizeHint, type ZarrArray } from './array.js';
import { decodeChunks, inThreadChunkDecoder, planChunkDecode, type ChunkDecoder, type ChunkDecodePlan } from './chunk-decoder.js';
import { CHUNK_FIELDS, STRIP_FIELDS, type EncodedRead } from './encoded-read.js';
import { allocate, fillRange, isZeroFill, itemSize, type DataType, type TypedArrayFor, type ZarrTypedArray } from './dtype.js';
import { planRanges, planShardFetch, rowRanges, type ChunkPlan, type RangePlan, type RangesInput } from './plan.js';
import { shardIndexSize, type ShardingCodec } from './codecs/sharding.js';
import { product, unravel } from './grid.js';
import { fetchShardIndex, fetchWholeShard, maxShardBytes, SMALL_SHARD_BYTES } from './sharding.js';

export interface ReadProgress {
  /** Store calls made so far by this read (size probes, index ranges, chunk ranges, whole chunks). */
  requests: number;
  /** Bytes received so far. */
  bytes: number;
  /** Shard indexes fetched (cache misses). */
  indexReads: number;
  chunksDecoded: number;
  chunksFilled: number;
  /** Inner chunks this read touches. */
  chunksTotal: number;
}

export interface ArrayReadOptions {
  signal?: AbortSignal;
  /** Where chunks are decoded; default an in-thread decoder over the wasm codecs. */
  decoder?: ChunkDecoder;
  /** Merge chunk byte ranges of one shard across gaps up to this size. Default 1 MiB (object_store's, which homeobox uses). */
  maxGap?: number;
  /** Cap on one merged request. Default 16 MiB. */
  maxRequest?: number;
  /** Requests in flight. Default 6 (a browser's per-origin HTTP/1.1 limit). */
  concurrency?: number;
  /** Shards that can hold at most this many bytes are fetched whole in one GET. Default 64 KiB; 0 disables. */
  wholeShardBytes?: number;
  /** Decoded bytes per decoder call (bounds peak memory of one request's chunks). Default 32 MiB. */
  decodeBatchBytes?: number;
  /** Priority of the chunk requests (not of shard-index reads); see ReadOptions.priority. */
  priority?: RequestPriority;
  onProgress?: (p: Readonly<ReadProgress>) => void;
}

export interface RangesResult<D extends DataType> {
  /** All ranges' elements concatenated in input order. */
  data: TypedArrayFor[D];
  /** Elements per range (Int32Array unless a range exceeds 2^31−1 elements). */
  lengths: Int32Array | Float64Array;
}

let defaultDecoder: ChunkDecoder | undefined;

/** Reads element ranges `[starts[i], ends[i])` (C-order indices), like homeobox's read_ranges. */
export async function readRanges<D extends DataType>(
  array: ZarrArray<D>,
  ranges: RangesInput | readonly (readonly [number, number])[],
  opts: ArrayReadOptions = {},
): Promise<RangesResult<D>> {
  const input: RangesInput = Array.isArray(ranges)
    ? { starts: ranges.map((r) => r[0]), ends: ranges.map((r) => r[1]) }
    : (ranges as RangesInput);
  const plan = planRanges(array.layout, input, where(array));
  const data = await executePlan(array, plan, opts);
  const big = plan.lengths.some((l) => l > 0x7fffffff);
  return { data, lengths: big ? Float64Array.from(plan.lengths) : Int32Array.from(plan.lengths) };
}

/** Reads whole rows along axis 0, in the order given (duplicates allowed): rows.length × rowSize values. */
export async function readRows<D extends DataType>(array: ZarrArray<D>, rows: ArrayLike<number | bigint>, opts: ArrayReadOptions = {}): Promise<TypedArrayFor[D]> {
  const plan = planRanges(array.layout, rowRanges(array.shape, rows, where(array)), where(array));
  return executePlan(array, plan, opts);
}

/** Reads the whole array in C order. */
export async function readAll<D extends DataType>(array: ZarrArray<D>, opts: ArrayReadOptions = {}): Promise<TypedArrayFor[D]> {
  const plan = planRanges(array.layout, { starts: [0], ends: [array.layout.totalElements] }, where(array));
  return executePlan(array, plan, opts);
}

async function executePlan<D extends DataType>(array: ZarrArray<D>, plan: RangePlan, opts: ArrayReadOptions): Promise<TypedArrayFor[D]> {
  const out = allocate(array.dataType, plan.totalElements);
  if (plan.chunkCount === 0) return out;
  await fetchPlan(array, plan, opts, scatterInto(array, out, opts));
  return out;
}

/**
 * Like readRanges, but stops before decoding: the needed encoded chunks come back as one
 * EncodedRead (encoded-read.ts) for a decode worker to turn into values next to their consumer.
 */
export async function fetchRangesEncoded(array: ZarrArray, ranges: RangesInput, opts: ArrayReadOptions = {}): Promise<{ read: EncodedRead; lengths: Int32Array | Float64Array }> {
  const plan = planRanges(array.layout, ranges, where(array));
  const collected = collectEncoded(array, plan);
  if (plan.chunkCount > 0) await fetchPlan(array, plan, opts, collected.sink);
  const big = plan.lengths.some((l) => l > 0x7fffffff);
  return { read: collected.finish(), lengths: big ? Float64Array.from(plan.lengths) : Int32Array.from(plan.lengths) };
}

/** What a read does with fetched chunks: decode and place them now, or keep them encoded. */
interface ChunkSink {
  consume(key: string, parts: { chunk: ChunkPlan; bytes: Uint8Array }[], signal: AbortSignal, progress: ReadProgress): Promise<void>;
  /** Chunks absent from the store: their strips take the fill value. */
  fill(chunks: ChunkPlan[]): void;
}

async function fetchPlan(array: ZarrArray, plan: RangePlan, opts: ArrayReadOptions, sink: ChunkSink): Promise<void> {
  const ctx = new ReadContext(array, plan, opts, sink);
  try {
    if (array.meta.codecs.kind === 'chunked') await ctx.readChunked();
    else await ctx.readSharded();
  } finally {
    ctx.dispose();
  }
}

function decodePlanOf(array: ZarrArray): ChunkDecodePlan {
  const codecs = array.meta.codecs;
  return planChunkDecode(codecs.kind === 'sharded' ? codecs.sharding.inner : codecs.chain, where(array));
}

/** Decodes each request's chunks through the decoder as it arrives and copies strips into `out`. */
function scatterInto(array: ZarrArray, out: ZarrTypedArray, opts: ArrayReadOptions): ChunkSink {
  const out8 = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const item = itemSize(array.dataType);
  const chunkBytes = array.layout.innerElements * item;
  const decodePlan = decodePlanOf(array);
  const decoder = opts.decoder ?? (defaultDecoder ??= inThreadChunkDecoder());
  const perBatch = Math.max(1, Math.floor((opts.decodeBatchBytes ?? 32 << 20) / Math.max(1, chunkBytes)));
  return {
    async consume(key, parts, signal, progress) {
      for (let b = 0; b < parts.length; b += perBatch) {
        const batch = parts.slice(b, b + perBatch);
        const names = batch.map((p) => `${array.store.url}/${key} (inner chunk ${p.chunk.inner})`);
        const decoded = await decodeChunks(decoder, decodePlan, batch.map((p) => p.bytes), chunkBytes, names, signal);
        batch.forEach((p, i) => {
          const d = decoded[i]!;
          for (const s of p.chunk.strips) out8.set(d.subarray(s.chunkOffset * item, (s.chunkOffset + s.length) * item), s.outOffset * item);
        });
        progress.chunksDecoded += batch.length;
        opts.onProgress?.(progress);
      }
    },
    fill(chunks) {
      const fv = array.meta.fillValue;
      if (isZeroFill(fv)) return;
      for (const c of chunks) for (const s of c.strips) fillRange(out, fv, s.outOffset, s.outOffset + s.length);
    },
  };
}

/**
 * Keeps fetched chunks encoded; `finish` packs them into one EncodedRead. When every answer is the
 * reader's own (io/owned.ts), the answers themselves go to the worker; else the chunks are copied
 * back to back into one buffer (~0.4 s of the calling thread per 400 MB in Chromium here).
 */
function collectEncoded(array: ZarrArray, plan: RangePlan): { sink: ChunkSink; finish: () => EncodedRead } {
  const parts: { key: number; chunk: ChunkPlan; bytes: Uint8Array }[] = [];
  const keys: string[] = [];
  const keyIndex = new Map<string, number>();
  const fills: number[] = [];
  const sink: ChunkSink = {
    async consume(key, got) {
      let k = keyIndex.get(key);
      if (k === undefined) keyIndex.set(key, (k = keys.push(key) - 1));
      for (const p of got) parts.push({ key: k, ...p });
    },
    fill(chunks) {
      for (const c of chunks) for (const s of c.strips) fills.push(s.outOffset, s.length);
    },
  };
  const finish = (): EncodedRead => {
    let total = 0;
    let nStrips = 0;
    for (const p of parts) {
      total += p.bytes.length;
      nStrips += p.chunk.strips.length;
    }
    const chunks = new Float64Array(parts.length * CHUNK_FIELDS);
    const strips = new Float64Array(nStrips * STRIP_FIELDS);
    const buffers: Uint8Array[] = [];
    const place: { buffer: number; at: number }[] = [];
    if (parts.length && parts.every((p) => isOwned(p.bytes))) {
      const index = new Map<ArrayBufferLike, number>();
      for (const p of parts) {
        let k = index.get(p.bytes.buffer);
        if (k === undefined) index.set(p.bytes.buffer, (k = buffers.push(new Uint8Array(p.bytes.buffer)) - 1));
        place.push({ buffer: k, at: p.bytes.byteOffset });
      }
    } else {
      const bytes = new Uint8Array(total);
      let at = 0;
      for (const p of parts) {
        bytes.set(p.bytes, at);
        place.push({ buffer: 0, at });
        at += p.bytes.length;
      }
      buffers.push(bytes);
    }
    let s = 0;
    parts.forEach((p, i) => {
      chunks.set([place[i]!.at, p.bytes.length, s, s + p.chunk.strips.length, p.chunk.inner, p.key, place[i]!.buffer], i * CHUNK_FIELDS);
      for (const st of p.chunk.strips) strips.set([st.chunkOffset, st.outOffset, st.length], STRIP_FIELDS * s++);
    });
    return {
      dataType: array.dataType,
      totalElements: plan.totalElements,
      chunkBytes: array.layout.innerElements * itemSize(array.dataType),
      decode: decodePlanOf(array),
      buffers,
      chunks,
      strips,
      fills: Float64Array.from(fills),
      fillValue: array.meta.fillValue,
      where: array.store.url,
      keys,
    };
  };
  return { sink, finish };
}

class ReadContext {
  readonly progress: ReadProgress;
  readonly #controller = new AbortController();
  readonly #signal: AbortSignal;
  /** Options of every chunk request: this read's signal and the caller's priority. */
  readonly #chunkRead: ReadOptions;
  readonly #unlisten: () => void;

  constructor(
    readonly array: ZarrArray,
    readonly plan: RangePlan,
    readonly opts: ArrayReadOptions,
    readonly sink: ChunkSink,
  ) {
    this.progress = { requests: 0, bytes: 0, indexReads: 0, chunksDecoded: 0, chunksFilled: 0, chunksTotal: plan.chunkCount };
    const user = opts.signal;
    throwIfAborted(user, where(array));
    const onAbort = () => this.#controller.abort(user?.reason);
    user?.addEventListener('abort', onAbort, { once: true });
    this.#unlisten = () => user?.removeEventListener('abort', onAbort);
    this.#signal = manyListeners(this.#controller.signal);
    this.#chunkRead = { signal: this.#signal, ...(opts.priority ? { priority: opts.priority } : {}) };
  }

  dispose(): void {
    this.#unlisten();
  }

  async readChunked(): Promise<void> {
    await this.#each(this.plan.shards, async (shard) => {
      const key = outerChunkKey(this.array, shard.coords);
      const bytes = await this.array.store.get(key, this.#chunkRead);
      this.#note(bytes?.length ?? 0);
      if (!bytes) return this.#fill(shard.chunks);
      await this.sink.consume(key, [{ chunk: shard.chunks[0]!, bytes }], this.#signal, this.progress);
    });
  }

  async readSharded(): Promise<void> {
    const { array } = this;
    const sharding = array.meta.codecs.kind === 'sharded' ? array.meta.codecs.sharding : undefined;
    if (!sharding) return;
    const keys = this.plan.shards.map((s) => outerChunkKey(array, s.coords));
    // A cached index load is shared by every concurrent read of the shard, so it does not take
    // this read's signal (one reader's abort must not fail the others); each reader stops waiting
    // on its own abort instead. Index objects are small: letting a load finish costs little.
    // Tiny shards come whole in one GET; their bytes serve this read's chunks without more requests.
    const whole = wholeShards(array, sharding, this.opts.wholeShardBytes);
    const shardBytes = new Map<number, Uint8Array>();
    const indexes = await this.#each(this.plan.shards, async (_, i) => {
      const cacheKey = indexCacheKey(array, keys[i]!);
      const recorded = outerChunkSizeHint(array, this.plan.shards[i]!.coords);
      const load = array.indexCache.getOrLoad(cacheKey, async () => {
        this.progress.indexReads++;
        if (whole) {
          const shard = await fetchWholeShard(array.store, keys[i]!, sharding, array.layout.chunksPerShard);
          this.#note(shard?.bytes.length ?? 0, 1);
          if (shard) shardBytes.set(i, shard.bytes);
          return shard?.index ?? null;
        }
        const index = await fetchShardIndex(array.store, keys[i]!, sharding, array.layout.chunksPerShard, { sizeHint: recorded });
        // An index at the end: one range with a size hint, or a tail read where the store has them (readTail), else size + range.
        this.#note(index ? shardIndexSize(sharding, array.layout.chunksPerShard) : 0, sharding.indexLocation === 'end' && index && recorded === undefined && !array.store.getTail ? 2 : 1);
        return index;
      });
      // A shard whose size zarr.json records was written: if the store has none, that is an
      // incomplete upload or a host that failed, not fill_value (zarr-python deletes all-empty
      // shards, and the companion then records no size). The absence is not remembered (the next
      // read asks again), also when this read stops waiting first (another shard failed).
      if (recorded !== undefined) void load.then((index) => index === null && array.indexCache.forget(cacheKey, load), () => undefined);
      const index = await untilAborted(load, this.#signal, keys[i]!);
      if (index === null && recorded !== undefined) {
        throw new NotFoundError(`${keys[i]} is missing, but zarr.json records ${recorded} bytes for it (an incomplete upload, or the host failed)`, {
          where: `${array.store.url}/${keys[i]}`,
        });
      }
      return index;
    });
    const tasks = this.plan.shards.flatMap((shard, i) => {
      const fp = planShardFetch(shard, indexes[i]!, { maxGap: this.opts.maxGap ?? 1 << 20, maxRequest: this.opts.maxRequest ?? 16 << 20 });
      this.#fill(fp.fill);
      return fp.requests.map((request) => ({ key: keys[i]!, request, shard: shardBytes.get(i) }));
    });
    await this.#each(tasks, async ({ key, request, shard }) => {
      let bytes: Uint8Array;
      if (shard) {
        if (request.range.offset + request.range.length > shard.length) {
          throw new CorruptDataError(`shard index points past the end of the ${shard.length}-byte shard`, { where: `${array.store.url}/${key}` });
        }
        bytes = shard.subarray(request.range.offset, request.range.offset + request.range.length);
      } else {
        bytes = await array.store.getRange(key, request.range, this.#chunkRead);
        this.#note(bytes.length);
      }
      await this.sink.consume(
        key,
        request.parts.map((p) => ({ chunk: p.chunk, bytes: bytes.subarray(p.offset, p.offset + p.length) })),
        this.#signal,
        this.progress,
      );
    });
  }

  /** Runs `fn` over items with bounded concurrency; the first failure aborts the others' I/O. */
  async #each<T, R>(items: readonly T[], fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
    return mapLimit(items, this.opts.concurrency ?? 6, async (item, i) => {
      throwIfAborted(this.#signal, where(this.array));
      try {
        return await fn(item, i);
      } catch (err) {
        this.#controller.abort(err);
        throw err;
      }
    });
  }

  #fill(chunks: ChunkPlan[]): void {
    if (!chunks.length) return;
    this.sink.fill(chunks);
    this.progress.chunksFilled += chunks.length;
    this.opts.onProgress?.(this.progress);
  }

  #note(bytes: number, requests = 1): void {
    this.progress.requests += requests;
    this.progress.bytes += bytes;
    this.opts.onProgress?.(this.progress);
  }
}


function where(array: ZarrArray): string {
  return `${array.store.url}/${array.path}`;
}

/** Whether the shards of `array` are small enough to be fetched whole (index taken from their tail). */
function wholeShards(array: ZarrArray, sharding: ShardingCodec, wholeShardBytes = SMALL_SHARD_BYTES): boolean {
  const chunkBytes = array.layout.innerElements * itemSize(array.dataType);
  return sharding.indexLocation === 'end' && maxShardBytes(sharding, array.layout.chunksPerShard, chunkBytes) <= wholeShardBytes;
}

/** The index cache's key of one shard (every read of the array and prefetchShardIndexes share it). */
function indexCacheKey(array: ZarrArray, shardKey: string): string {
  return `${array.store.url}\u0000${shardKey}`;
}

/**
 * Starts loading the index of every shard of `array` into its index cache, when it has at most
 * `maxShards` shards, so that a read made later finds them there. For callers that know which
 * array they will read before they know which elements (a features() query's CSC arrays, while the
 * feature layouts are still being read): the index round trips (size + tail range over HTTP) then
 * overlap that wait. Shards fetched whole are left to the read (their bytes serve its chunks), and
 * failures are dropped: the read repeats the load and reports them.
 */
export function prefetchShardIndexes(array: ZarrArray, maxShards = 4, opts: Pick<ArrayReadOptions, 'wholeShardBytes'> = {}): void {
  const sharding = array.meta.codecs.kind === 'sharded' ? array.meta.codecs.sharding : undefined;
  if (!sharding || wholeShards(array, sharding, opts.wholeShardBytes)) return;
  const grid = array.layout.outerGrid;
  const n = product(grid);
  if (n === 0 || n > maxShards) return;
  for (let flat = 0; flat < n; flat++) {
    const coords = unravel(flat, grid);
    const key = outerChunkKey(array, coords);
    const sizeHint = outerChunkSizeHint(array, coords);
    array.indexCache.getOrLoad(indexCacheKey(array, key), () => fetchShardIndex(array.store, key, sharding, array.layout.chunksPerShard, { sizeHint })).catch(() => undefined);
  }
}
