// A streaming writer for one sharded zarr v3 array, chunked along axis 0 only (every inner
// chunk spans all trailing axes, as homeobox's sparse 1-D and dense (rows, F) arrays do).
//
// Memory stays bounded by one raw inner chunk plus a few MiB of encoded chunks waiting to be
// written: chunks are encoded as soon as they fill and appended to the shard object on disk;
// only the shard's 16 KiB index is held until the shard closes. A shard is written under a
// `.partial` name and renamed when its index is on disk, so a reader (or a crash) never sees a
// shard without an index. zarr.json is written last, with the exact final shape, which is also
// the moment the array becomes visible to zarr readers.
import { mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeInnerChunk, type WriterCodecs } from '../codecs.js';
import { arrayMetadataJson, chunkKey, isFloat, type DType, type InnerCodec } from './metadata.js';
import { ShardIndex } from './shard.js';
import { HINTS_ATTRIBUTE } from '../../zarr/size-hints.js';

export type TypedArrayFor<D extends DType> = D extends 'uint32'
  ? Uint32Array
  : D extends 'int32'
    ? Int32Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'float32'
        ? Float32Array
        : D extends 'float64'
          ? Float64Array
          : D extends 'uint16'
            ? Uint16Array
            : Uint8Array;

export type AnyTypedArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

export function allocTyped(dtype: DType, n: number): AnyTypedArray {
  switch (dtype) {
    case 'uint32':
      return new Uint32Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
  }
}

export interface ShardedArrayOptions {
  /** Directory of the zarr store root (the atlas's `zarr_store/`). */
  root: string;
  /** Array path relative to the root, e.g. `3f2a…/csr/indices`. */
  path: string;
  dtype: DType;
  /** Trailing axes, whole in every chunk: `[]` for 1-D, `[F]` for dense (rows, F). */
  rowShape: readonly number[];
  chunkRows: number;
  /** Must be a multiple of chunkRows. */
  shardRows: number;
  codec: InnerCodec;
  codecs: WriterCodecs;
  /**
   * Record each shard's byte size in zarr.json (`attributes.ragged_atlas.shard_nbytes`, default
   * true), so a browser reads a shard's index with one range request instead of a HEAD first
   * (src/zarr/size-hints.ts). `false` writes zarr-python's document byte for byte.
   */
  sizeHints?: boolean;
}

/** Bytes of encoded chunks buffered before one writev (keeps syscalls few and memory small). */
const FLUSH_BYTES = 4 << 20;

export class ShardedArrayWriter {
  readonly options: ShardedArrayOptions;
  readonly #rowElems: number;
  readonly #chunkElems: number;
  readonly #chunksPerShard: number;
  readonly #chunk: AnyTypedArray;
  #chunkFill = 0; // elements in #chunk
  #chunkInShard = 0; // inner chunk index within the current shard
  #shard = 0; // current shard index
  #rows = 0;
  #index: ShardIndex;
  #file: FileHandle | undefined;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #bytesWritten = 0;
  #shardStart = 0; // #bytesWritten when the current shard's file was opened
  readonly #shardSizes: Record<string, number> = {};
  #closed = false;

  constructor(options: ShardedArrayOptions) {
    const { chunkRows, shardRows, rowShape } = options;
    if (!(chunkRows > 0) || !(shardRows > 0) || shardRows % chunkRows !== 0) {
      throw new RangeError(`shard rows ${shardRows} must be a positive multiple of chunk rows ${chunkRows}`);
    }
    this.options = options;
    this.#rowElems = rowShape.reduce((a, b) => a * b, 1);
    this.#chunkElems = chunkRows * this.#rowElems;
    this.#chunksPerShard = shardRows / chunkRows;
    this.#chunk = allocTyped(options.dtype, this.#chunkElems);
    this.#index = new ShardIndex(this.#chunksPerShard);
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.#rows;
  }

  /** Bytes of shard objects written so far (chunks + indexes). */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /** Appends whole rows (values.length must be a multiple of the row size); copies the data. */
  async append(values: AnyTypedArray): Promise<void> {
    if (this.#closed) throw new Error(`array ${this.options.path} is already finished`);
    if (values.constructor !== this.#chunk.constructor) {
      throw new TypeError(`append to ${this.options.path} (${this.options.dtype}) needs a ${this.#chunk.constructor.name}, got ${values.constructor.name}`);
    }
    if (values.length % this.#rowElems !== 0) {
      throw new RangeError(`append of ${values.length} elements to ${this.options.path}: not whole rows of ${this.#rowElems}`);
    }
    let pos = 0;
    while (pos < values.length) {
      const take = Math.min(this.#chunkElems - this.#chunkFill, values.length - pos);
      (this.#chunk as Uint8Array).set((values as Uint8Array).subarray(pos, pos + take), this.#chunkFill);
      this.#chunkFill += take;
      pos += take;
      if (this.#chunkFill === this.#chunkElems) await this.#closeChunk();
    }
    this.#rows += values.length / this.#rowElems;
  }

  /** Flushes the padded last chunk and last shard, then writes zarr.json with the exact shape. */
  async finish(): Promise<{ shape: number[]; bytes: number }> {
    if (this.#closed) throw new Error(`array ${this.options.path} is already finished`);
    if (this.#chunkFill > 0) {
      this.#chunk.fill((this.#chunk instanceof BigInt64Array ? 0n : 0) as never, this.#chunkFill); // the tail of the last chunk holds the fill value
      await this.#closeChunk();
    }
    if (this.#chunkInShard > 0) await this.#closeShard();
    this.#closed = true;
    const shape = [this.#rows, ...this.options.rowShape];
    const { dtype, codec, chunkRows, shardRows, rowShape } = this.options;
    const attributes = this.options.sizeHints === false ? undefined : { [HINTS_ATTRIBUTE]: { shard_nbytes: { ...this.#shardSizes } } };
    const json = arrayMetadataJson({ shape, dtype, codec, chunkShape: [chunkRows, ...rowShape], shardShape: [shardRows, ...rowShape], ...(attributes ? { attributes } : {}) });
    const dir = join(this.options.root, this.options.path);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'zarr.json'), json);
    return { shape, bytes: this.#bytesWritten };
  }

  /** Closes any open shard file without publishing it (the caller removes the group). */
  async abort(): Promise<void> {
    this.#closed = true;
    const file = this.#file;
    this.#file = undefined;
    this.#pending = [];
    if (file) {
      await file.close().catch(() => undefined);
      await rm(this.#shardPath() + '.partial', { force: true }).catch(() => undefined);
    }
  }

  async #closeChunk(): Promise<void> {
    if (!isFillChunk(this.#chunk, this.options.dtype)) {
      const c = this.#chunk;
      const raw = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
      const encoded = encodeInnerChunk(this.options.codecs, this.options.codec, raw);
      this.#index.record(this.#chunkInShard, encoded.length);
      this.#pending.push(encoded);
      this.#pendingBytes += encoded.length;
      if (this.#pendingBytes >= FLUSH_BYTES) await this.#flush();
    }
    this.#chunkFill = 0;
    this.#chunkInShard++;
    if (this.#chunkInShard === this.#chunksPerShard) await this.#closeShard();
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    if (!this.#file) {
      const path = this.#shardPath() + '.partial';
      await mkdir(dirname(path), { recursive: true });
      this.#file = await open(path, 'w');
    }
    const parts = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    let n = 0;
    for (const p of parts) n += p.length;
    const { bytesWritten } = await this.#file.writev(parts);
    if (bytesWritten !== n) throw new Error(`short write to ${this.#shardPath()}: ${bytesWritten} of ${n} bytes`);
    this.#bytesWritten += n;
  }

  async #closeShard(): Promise<void> {
    if (this.#index.nonEmpty > 0) {
      this.#pending.push(this.#index.encode());
      this.#pendingBytes += this.#index.chunksPerShard * 16 + 4;
      await this.#flush();
      await this.#file!.close();
      this.#file = undefined;
      await rename(this.#shardPath() + '.partial', this.#shardPath());
      this.#shardSizes[this.#shardKey()] = this.#bytesWritten - this.#shardStart;
    }
    this.#shardStart = this.#bytesWritten;
    // A shard whose chunks are all empty is not written (zarr-python deletes it).
    this.#shard++;
    this.#chunkInShard = 0;
    this.#index = new ShardIndex(this.#chunksPerShard);
  }

  #shardKey(): string {
    return chunkKey([this.#shard, ...this.options.rowShape.map(() => 0)]);
  }

  #shardPath(): string {
    return join(this.options.root, this.options.path, this.#shardKey());
  }
}

/** zarr-python omits chunks equal to the fill value (0); for floats that includes −0.0. */
export function isFillChunk(c: AnyTypedArray, dtype: DType): boolean {
  if (isFloat(dtype)) {
    const f = c as Float32Array | Float64Array;
    for (let i = 0; i < f.length; i++) if (f[i] !== 0) return false;
    return true;
  }
  const bytes = c.byteLength;
  if (bytes % 4 === 0 && c.byteOffset % 4 === 0) {
    const w = new Uint32Array(c.buffer, c.byteOffset, bytes / 4);
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }
  const b = new Uint8Array(c.buffer, c.byteOffset, bytes);
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}
