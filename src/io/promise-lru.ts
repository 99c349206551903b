// A bounded LRU of promises for immutable things loaded by key (shard indexes, decoded index
// pages). Concurrent callers of one key share one load; a failed load is evicted so the next call
// retries; the least recently used entries go once `capacity` is exceeded.

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
