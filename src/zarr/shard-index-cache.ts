// A bounded LRU of decoded shard indexes, so each shard's index is fetched once per session and
// memory stays bounded on long sessions over big atlases (a homeobox index is 16 KiB encoded,
// 16 KiB decoded for 1024 chunks; the default 1024 entries ≈ 16 MiB).
//
// Entries are promises: concurrent readers of the same shard share one fetch. A failed fetch is
// evicted so the next read retries. "Missing shard" (null) is cached like any other answer —
// stored objects are immutable, so absence is too.
//
// Keys are the store URL + the full shard key (array path + chunk key): one cache can be shared by
// every array of a group, or across groups and stores.

import type { ShardIndex } from './codecs/sharding.js';

export const DEFAULT_INDEX_CACHE_SIZE = 1024;

export class ShardIndexCache {
  readonly capacity: number;
  readonly #map = new Map<string, Promise<ShardIndex | null>>();

  constructor(capacity = DEFAULT_INDEX_CACHE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`index cache capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The cached index for `key`, or `load()`'s, remembered (most recently used last). */
  getOrLoad(key: string, load: () => Promise<ShardIndex | null>): Promise<ShardIndex | null> {
    const hit = this.#map.get(key);
    if (hit) {
      this.#map.delete(key);
      this.#map.set(key, hit);
      return hit;
    }
    const p = load();
    this.#map.set(key, p);
    p.catch(() => {
      if (this.#map.get(key) === p) this.#map.delete(key);
    });
    while (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value!);
    return p;
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  clear(): void {
    this.#map.clear();
  }
}
