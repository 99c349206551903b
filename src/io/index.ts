export type { ByteRange, ByteStore, ReadOptions } from './types.js';
export { joinKey } from './types.js';
export { HttpStore, type HttpStoreOptions } from './http.js';
export { openStore } from './open.js';
export { withPrefix } from './prefix.js';
export { withStats, type IoStats } from './stats.js';
export { coalesceRanges, readRanges, mapLimit, type CoalescedRequest } from './ranges.js';
export { withInflightDedupe } from './dedupe.js';
export { withCache, MemoryCache, IndexedDbCache, type ByteCache, type CacheOptions } from './cache.js';
