// Fetching one shard's index (the only I/O of the sharding codec besides chunk reads).
//
//   index_location "end":   with a size hint from zarr.json (size-hints.ts) and a CRC32C on the index:
//                           one range request. Otherwise, or when the hinted read fails its checks:
//                           the last indexSize bytes and the shard's size (io/types.ts readTail): one
//                           suffix-range request over HTTP where no CORS preflight applies (Node,
//                           same-origin pages), else size(key) (one HEAD, cached) and a range.
//   index_location "start": one range [0, indexSize); a NotFoundError means the shard is missing.
//
//   small shards (see SMALL_SHARD_BYTES): one GET of the whole object, index taken from its tail.
//
// A missing shard object means every chunk in it is fill_value (zarr-python deletes shards whose
// chunks are all empty), so it decodes as `null` rather than an error.

import { AbortedError, CorruptDataError, NotFoundError, throwIfAborted, UnsupportedError } from '../errors.js';
import { readTail, type ByteStore } from '../io/types.js';
import { decodeShardIndex, shardIndexSize, type ShardIndex, type ShardingCodec } from './codecs/sharding.js';

/** No real shard index is this big (homeobox's: 16 KiB); beyond it zarr.json is wrong or hostile. */
const MAX_INDEX_BYTES = 1 << 30;

export async function fetchShardIndex(
  store: ByteStore,
  key: string,
  sharding: ShardingCodec,
  chunksPerShard: number,
  { signal, sizeHint }: { signal?: AbortSignal; sizeHint?: number } = {},
): Promise<ShardIndex | null> {
  throwIfAborted(signal, key);
  const where = `${store.url}/${key}`;
  const indexSize = shardIndexSize(sharding, chunksPerShard);
  if (indexSize > MAX_INDEX_BYTES) {
    throw new UnsupportedError(`a shard index of ${indexSize} bytes (${chunksPerShard} inner chunks per shard)`, { feature: 'shard index over 1 GiB', where });
  }
  if (sharding.indexLocation === 'end' && sizeHint !== undefined && sizeHint >= indexSize && hasChecksum(sharding)) {
    try {
      const bytes = await store.getRange(key, { offset: sizeHint - indexSize, length: indexSize }, { signal });
      return decodeShardIndex(bytes, sharding, chunksPerShard, sizeHint - indexSize, where);
    } catch (err) {
      if (err instanceof AbortedError || signal?.aborted) throw err;
      // Missing object, refused or short range, checksum or bounds failure: the hint is stale (or
      // the host failed); the size-asking path below repeats the read and reports what persists.
    }
  }
  if (sharding.indexLocation === 'start') {
    let bytes: Uint8Array;
    try {
      bytes = await store.getRange(key, { offset: 0, length: indexSize }, { signal });
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
    return decodeShardIndex(bytes, sharding, chunksPerShard, undefined, where);
  }
  const tail = await readTail(store, key, indexSize, { signal });
  if (tail === undefined) return null;
  if (tail.size < indexSize) {
    throw new CorruptDataError(`shard has ${tail.size} bytes, smaller than its ${indexSize}-byte index`, { where });
  }
  return decodeShardIndex(tail.bytes, sharding, chunksPerShard, tail.size - indexSize, where);
}

function hasChecksum(sharding: ShardingCodec): boolean {
  return sharding.index.bytesCodecs.length > 0;
}

/**
 * Shards whose largest possible encoded size is at most this many bytes are fetched whole in one
 * GET: zarr-python's `shards="auto"` writes arrays like `csc/indptr` as many ~2 KiB shards, and
 * for those HEAD + index + chunk would be three sequential round trips for a few kilobytes.
 */
export const SMALL_SHARD_BYTES = 64 * 1024;

/** Upper bound of a shard's encoded size: every inner chunk present, plus codec overhead and the index. */
export function maxShardBytes(sharding: ShardingCodec, chunksPerShard: number, chunkBytes: number): number {
  // BP-128 adds ≤ 1 byte per 512 plus a 5-byte header; zstd ≤ ~1/128 for incompressible data plus a frame header.
  return chunksPerShard * (chunkBytes + Math.ceil(chunkBytes / 64) + 64) + shardIndexSize(sharding, chunksPerShard);
}

/** The whole shard object and its decoded index (index at the end), or null when the shard is missing. */
export async function fetchWholeShard(
  store: ByteStore,
  key: string,
  sharding: ShardingCodec,
  chunksPerShard: number,
  signal?: AbortSignal,
): Promise<{ index: ShardIndex; bytes: Uint8Array } | null> {
  throwIfAborted(signal, key);
  const where = `${store.url}/${key}`;
  const bytes = await store.get(key, { signal });
  if (!bytes) return null;
  const indexSize = shardIndexSize(sharding, chunksPerShard);
  if (bytes.length < indexSize) {
    throw new CorruptDataError(`shard has ${bytes.length} bytes, smaller than its ${indexSize}-byte index`, { where });
  }
  const index = decodeShardIndex(bytes.subarray(bytes.length - indexSize), sharding, chunksPerShard, bytes.length - indexSize, where);
  return { index, bytes };
}
