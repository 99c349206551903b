// Read planning, as pure functions (no I/O): which inner chunks a set of element ranges touches,
// where each piece lands in the output, and — once a shard's index is known — which byte ranges
// of the shard to fetch. Tests snapshot plans directly; read.ts only executes them.
//
// Semantics follow homeobox's RustBatchReader.read_ranges (spec §9):
//   - a range [start, end) is over C-order (raveled) element indices;
//   - results are concatenated in input order (output offset = running sum of lengths);
//   - per shard, needed inner chunks are de-duplicated and sorted by their C-order index.
// Unlike homeobox, a range may span several rows of the last (fused) axis: it is split per row.
// Then we go further than homeobox: needed chunk byte ranges are coalesced across gaps of at most
// `maxGap` bytes (homeobox relies on object_store doing the same with a 1 MiB gap).

import { QueryError } from '../errors.js';
import { coalesceRanges } from '../io/ranges.js';
import type { ByteRange } from '../io/types.js';
import type { ShardIndex } from './codecs/sharding.js';
import { product, ravel, type ChunkLayout } from './grid.js';

/** One contiguous run of elements copied from a decoded inner chunk into the output. */
export interface Strip {
  /** Element offset inside the decoded inner chunk. */
  chunkOffset: number;
  /** Element offset in the output. */
  outOffset: number;
  length: number;
}

export interface ChunkPlan {
  /** C-order index of the inner chunk within its outer chunk (0 when unsharded). */
  inner: number;
  strips: Strip[];
}

export interface ShardPlan {
  /** Fused outer-chunk coordinates (see grid.ts outerKeyCoords for the stored key). */
  coords: number[];
  /** Needed inner chunks, sorted by `inner`. */
  chunks: ChunkPlan[];
}

export interface RangePlan {
  totalElements: number;
  /** Elements per input range, in input order. */
  lengths: number[];
  /** Touched outer chunks, sorted by C-order position. */
  shards: ShardPlan[];
  chunkCount: number;
}

/** Element ranges as parallel start/end arrays (int64 pointer columns may arrive as bigint). */
export interface RangesInput {
  starts: ArrayLike<number | bigint>;
  ends: ArrayLike<number | bigint>;
}

/**
 * Chunks one read may touch. Far beyond any real read (homeobox's 40,960-element chunks: 40 G
 * elements), and it keeps a wrong or hostile zarr.json (2^44 elements in 2^20-element chunks) from
 * exhausting memory while the plan is built, before any output is allocated.
 */
const MAX_PLAN_CHUNKS = 1 << 20;

export function planRanges(layout: ChunkLayout, ranges: RangesInput, where: string): RangePlan {
  const n = ranges.starts.length;
  if (ranges.ends.length !== n) throw new QueryError(`${n} range starts but ${ranges.ends.length} ends`, { where });
  const { shape, outer, inner, outerGrid, perOuter } = layout;
  const last = shape.length - 1;
  const L = shape[last]!;
  const lengths = new Array<number>(n);
  const shardMap = new Map<number, { coords: number[]; chunks: Map<number, ChunkPlan> }>();
  let chunkCount = 0;
  let out = 0;
  const sc = new Array<number>(shape.length);
  const ic = new Array<number>(shape.length);
  const lc = new Array<number>(shape.length);
  // One run of elements [g, e), placed at the running output offset.
  const walk = (g: number, e: number) => {
    while (g < e) {
      // Leading (non-last) coordinates of this row of the last axis.
      let row = Math.floor(g / L);
      const x0 = g - row * L;
      const take = Math.min(e - g, L - x0);
      for (let a = last - 1; a >= 0; a--) {
        const c = row % shape[a]!;
        row = (row - c) / shape[a]!;
        sc[a] = Math.floor(c / outer[a]!);
        const inOuter = c - sc[a]! * outer[a]!;
        ic[a] = Math.floor(inOuter / inner[a]!);
        lc[a] = inOuter - ic[a]! * inner[a]!;
      }
      // Split the run along the last axis at inner-chunk boundaries.
      let x = x0;
      const xEnd = x0 + take;
      while (x < xEnd) {
        sc[last] = Math.floor(x / outer[last]!);
        const inOuter = x - sc[last]! * outer[last]!;
        ic[last] = Math.floor(inOuter / inner[last]!);
        lc[last] = inOuter - ic[last]! * inner[last]!;
        const len = Math.min(xEnd - x, inner[last]! - lc[last]!);
        const shardId = ravel(sc, outerGrid);
        let shard = shardMap.get(shardId);
        if (!shard) {
          shard = { coords: sc.slice(), chunks: new Map() };
          shardMap.set(shardId, shard);
        }
        const innerId = ravel(ic, perOuter);
        let chunk = shard.chunks.get(innerId);
        if (!chunk) {
          chunk = { inner: innerId, strips: [] };
          shard.chunks.set(innerId, chunk);
          if (++chunkCount > MAX_PLAN_CHUNKS) {
            throw new QueryError(`the read touches more than ${MAX_PLAN_CHUNKS} chunks: read fewer elements at a time`, { where });
          }
        }
        chunk.strips.push({ chunkOffset: ravel(lc, inner), outOffset: out, length: len });
        out += len;
        x += len;
      }
      g += take;
    }
  };
  // Ranges that continue one another (consecutive CSR rows: end[r] = start[r + 1]) land next to
  // each other in the output too, so they are planned as one run: one strip per chunk touched
  // instead of one per range (toBatches plans ~200,000 ranges per 200,000 cells).
  let runStart = 0;
  let runEnd = -1;
  for (let r = 0; r < n; r++) {
    const s = Number(ranges.starts[r]);
    const e = Number(ranges.ends[r]);
    if (!Number.isSafeInteger(s) || !Number.isSafeInteger(e) || s < 0 || e < s || e > layout.totalElements) {
      throw new QueryError(`range ${r} [${ranges.starts[r]}, ${ranges.ends[r]}) is not within [0, ${layout.totalElements}]`, { where });
    }
    lengths[r] = e - s;
    if (s === e) continue;
    if (s === runEnd) {
      runEnd = e;
      continue;
    }
    if (runEnd > runStart) walk(runStart, runEnd);
    runStart = s;
    runEnd = e;
  }
  if (runEnd > runStart) walk(runStart, runEnd);
  const shards = [...shardMap.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, s]) => ({ coords: s.coords, chunks: [...s.chunks.values()].sort((a, b) => a.inner - b.inner) }));
  return { totalElements: out, lengths, shards, chunkCount };
}

/** Ranges covering whole rows (index along axis 0) of an array of `shape`: row r → [r·rowSize, (r+1)·rowSize). */
export function rowRanges(shape: readonly number[], rows: ArrayLike<number | bigint>, where: string): { starts: Float64Array; ends: Float64Array } {
  if (shape.length === 0) throw new QueryError('a 0-d array has no rows', { where });
  const rowSize = product(shape.slice(1));
  const starts = new Float64Array(rows.length);
  const ends = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = Number(rows[i]);
    if (!Number.isSafeInteger(r) || r < 0 || r >= shape[0]!) throw new QueryError(`row ${rows[i]} is not within [0, ${shape[0]})`, { where });
    starts[i] = r * rowSize;
    ends[i] = (r + 1) * rowSize;
  }
  return { starts, ends };
}

/** One byte-range request to a shard and the encoded chunks it carries. */
export interface ShardRequest {
  range: ByteRange;
  parts: { chunk: ChunkPlan; offset: number; length: number }[];
}

export interface ShardFetchPlan {
  /** Chunks that are empty in the index (or whose shard is missing): fill_value. */
  fill: ChunkPlan[];
  requests: ShardRequest[];
}

export interface CoalesceOptions {
  /** Merge neighbouring chunk ranges whose gap is at most this many bytes. */
  maxGap: number;
  /** Do not grow a merged request past this many bytes (a single larger chunk is still one request). */
  maxRequest: number;
}

/** Byte ranges to fetch for one shard, given its index (`null` = missing shard: everything is fill). */
export function planShardFetch(shard: ShardPlan, index: ShardIndex | null, opts: CoalesceOptions): ShardFetchPlan {
  if (!index) return { fill: shard.chunks.slice(), requests: [] };
  const fill: ChunkPlan[] = [];
  const present: ChunkPlan[] = [];
  const ranges: ByteRange[] = [];
  for (const c of shard.chunks) {
    const off = index.offsets[c.inner]!;
    if (off < 0) fill.push(c);
    else {
      present.push(c);
      ranges.push({ offset: off, length: index.nbytes[c.inner]! });
    }
  }
  // Zero-length entries would be dropped by coalesceRanges; they decode (and fail) like any other.
  const requests: ShardRequest[] = coalesceRanges(ranges, opts.maxGap, opts.maxRequest).map((req) => ({
    range: req.range,
    parts: req.members.map((i) => ({ chunk: present[i]!, offset: ranges[i]!.offset - req.range.offset, length: ranges[i]!.length })),
  }));
  present.forEach((c, i) => {
    if (ranges[i]!.length === 0) requests.push({ range: { offset: ranges[i]!.offset, length: 0 }, parts: [{ chunk: c, offset: 0, length: 0 }] });
  });
  return { fill, requests };
}
