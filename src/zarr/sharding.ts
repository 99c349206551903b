// Fetching one shard's index (the only I/O of the sharding codec besides chunk reads).
//
//   index_location "end":   size(key) once (HEAD over HTTP; cached by the store), then one explicit
//                           range [size − indexSize, size). Never a suffix range: those are not
//                           CORS-safelisted and cost a preflight per request in browsers.
//   index_location "start": one range [0, indexSize); a NotFoundError means the shard is missing.
//
// A missing shard object means every chunk in it is fill_value (zarr-python deletes shards whose
// chunks are all empty), so it decodes as `null` rather than an error.

import { CorruptDataError, NotFoundError, throwIfAborted } from '../errors.js';
import type { ByteStore } from '../io/types.js';
import { decodeShardIndex, shardIndexSize, type ShardIndex, type ShardingCodec } from './codecs/sharding.js';

export async function fetchShardIndex(
  store: ByteStore,
  key: string,
  sharding: ShardingCodec,
  chunksPerShard: number,
  signal?: AbortSignal,
): Promise<ShardIndex | null> {
  throwIfAborted(signal, key);
  const where = `${store.url}/${key}`;
  const indexSize = shardIndexSize(sharding, chunksPerShard);
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
  const size = await store.size(key, { signal });
  if (size === undefined) return null;
  if (size < indexSize) {
    throw new CorruptDataError(`shard has ${size} bytes, smaller than its ${indexSize}-byte index`, { where });
  }
  const bytes = await store.getRange(key, { offset: size - indexSize, length: indexSize }, { signal });
  return decodeShardIndex(bytes, sharding, chunksPerShard, size - indexSize, where);
}
