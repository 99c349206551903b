// The zarr v3 `sharding_indexed` shard body, index at the end (homeobox's only layout):
//
//   [chunk bytes][chunk bytes]…[index: n × (offset u64 LE, nbytes u64 LE)][crc32c(index) u32 LE]
//
// Index entries are in C order of the inner-chunk grid; an empty chunk (all fill value, omitted
// because zarr-python writes with write_empty_chunks=False) is (2^64−1, 2^64−1). Chunks are laid
// out in zarr-python's Morton order, which for homeobox's grids — 1-D, or (k, 1) for dense
// arrays whose chunks span every column — is plain C order, so a streaming writer that appends
// chunks as they fill produces the same bytes zarr-python would.
import { crc32c } from '../../codecs/crc32c.js';

const EMPTY = 0xffff_ffff_ffff_ffffn;

/** Byte size of the index of a shard with `chunksPerShard` inner chunks (16·n + 4). */
export function shardIndexBytes(chunksPerShard: number): number {
  return 16 * chunksPerShard + 4;
}

/** Accumulates (offset, nbytes) per inner chunk while chunk bytes are appended elsewhere. */
export class ShardIndex {
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  #offset = 0;
  #filled = 0;

  constructor(readonly chunksPerShard: number) {
    this.#bytes = new Uint8Array(16 * chunksPerShard + 4);
    this.#view = new DataView(this.#bytes.buffer);
    for (let i = 0; i < chunksPerShard; i++) {
      this.#view.setBigUint64(16 * i, EMPTY, true);
      this.#view.setBigUint64(16 * i + 8, EMPTY, true);
    }
  }

  /** Records that chunk `i` (C order within the shard) occupies the next `nbytes` bytes. */
  record(i: number, nbytes: number): void {
    if (i < 0 || i >= this.chunksPerShard) throw new RangeError(`inner chunk ${i} outside shard of ${this.chunksPerShard}`);
    this.#view.setBigUint64(16 * i, BigInt(this.#offset), true);
    this.#view.setBigUint64(16 * i + 8, BigInt(nbytes), true);
    this.#offset += nbytes;
    this.#filled++;
  }

  /** Bytes of chunk data recorded so far (= where the index will start). */
  get dataBytes(): number {
    return this.#offset;
  }

  /** Number of non-empty chunks; 0 means the shard must not be written at all. */
  get nonEmpty(): number {
    return this.#filled;
  }

  /** The index plus its CRC32C, ready to append after the chunk data. */
  encode(): Uint8Array {
    const n = 16 * this.chunksPerShard;
    this.#view.setUint32(n, crc32c(this.#bytes.subarray(0, n)), true);
    return this.#bytes;
  }
}

/** Whole shard in memory from per-chunk encodings (`undefined` = empty chunk); undefined if all empty. */
export function encodeShard(chunks: readonly (Uint8Array | undefined)[], chunksPerShard = chunks.length): Uint8Array | undefined {
  const index = new ShardIndex(chunksPerShard);
  const parts: Uint8Array[] = [];
  chunks.forEach((c, i) => {
    if (c === undefined) return;
    index.record(i, c.length);
    parts.push(c);
  });
  if (index.nonEmpty === 0) return undefined;
  parts.push(index.encode());
  return Buffer.concat(parts);
}
