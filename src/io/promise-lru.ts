// Promises for immutable things loaded by key. Concurrent callers of one key share one load; a
// failed load is forgotten so the next call retries. `loadOnce` keeps every entry (a checkout's file
// metadata, catalog rows, opened arrays); PromiseLru is the bounded form (shard indexes, decoded
// index pages): the least recently used entries go once `capacity` is exceeded.
//
// A shared load must not take any one caller's AbortSignal: queries of one checkout run at once
// (an explorer aborts the last gene's query as the next starts), and one caller's abort would fail
// every other waiter. Loads run without a signal; each caller waits with its own (awaitShared).
import { untilAborted } from './abortable.js';

/** loadOnce, waited for with the caller's own signal: the caller stops at its abort, the load goes on. */
export function awaitShared<K, T>(map: Map<K, Promise<T>>, key: K, load: () => Promise<T>, signal: AbortSignal | undefined, where?: string): Promise<T> {
  return untilAborted(loadOnce(map, key, load), signal, where);
}

/** `map`'s promise for `key`, or else `load()`'s, remembered until it fails. */
export function loadOnce<K, T>(map: Map<K, Promise<T>>, key: K, load: () => Promise<T>): Promise<T> {
  const hit = map.get(key);
  if (hit) return hit;
  const p = load();
  map.set(key, p);
  p.catch(() => {
    if (map.get(key) === p) map.delete(key);
  });
  return p;
}

export class PromiseLru<T> {
  readonly capacity: number;
  readonly #map = new Map<string, Promise<T>>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`cache capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The cached promise for `key`, or `load()`'s, remembered (most recently used last). */
  getOrLoad(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#map.get(key);
    if (hit) {
      this.#map.delete(key);
      this.#map.set(key, hit);
      return hit;
    }
    const p = loadOnce(this.#map, key, load);
    while (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value!);
    return p;
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** Forgets `key` if it still holds `p` (a later caller may already have replaced it). */
  forget(key: string, p: Promise<T>): void {
    if (this.#map.get(key) === p) this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }
}
