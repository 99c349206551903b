// A bounded LRU of decoded shard indexes, so each shard's index is fetched once per session and
// memory stays bounded on long sessions over big atlases (a homeobox index is 16 KiB encoded,
// 16 KiB decoded for 1024 chunks; the default 1024 entries ≈ 16 MiB).
//
// Entries are promises: concurrent readers of the same shard share one fetch. A failed fetch is
// evicted so the next read retries. "Missing shard" (null) is cached like any other answer —
// stored objects are immutable, so absence is too — except for a shard whose size zarr.json
// records (read.ts): its absence is a failure, and the next read asks again.
//
// Keys are the store URL + the full shard key (array path + chunk key): one cache can be shared by
// every array of a group, or across groups and stores.

import { PromiseLru } from '../io/promise-lru.js';
import type { ShardIndex } from './codecs/sharding.js';

export const DEFAULT_INDEX_CACHE_SIZE = 1024;

export class ShardIndexCache extends PromiseLru<ShardIndex | null> {
  constructor(capacity = DEFAULT_INDEX_CACHE_SIZE) {
    super(capacity);
  }
}
