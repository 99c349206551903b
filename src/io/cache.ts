// Caching of immutable bytes (pinned manifests, data files, index pages, shard indexes, chunks).
// A checked-out atlas never changes, so every byte range it reads can be kept; the only mutable
// files are Lance's `latest_version_hint.json`, which is never cached. Entries are keyed by
// store URL + key + range + a namespace (the caller passes e.g. the pinned snapshot version), and
// remember the ETag they were read with.
import type { ByteRange, ByteStore, ReadOptions } from './types.js';

export interface ByteCache {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  /** Bytes currently held. */
  size(): Promise<number>;
  clear(): Promise<void>;
}

/** In-memory LRU with a byte budget. */
export class MemoryCache implements ByteCache {
  readonly #map = new Map<string, Uint8Array>();
  #bytes = 0;
  constructor(readonly budgetBytes = 256 * 1024 * 1024) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.#map.get(key);
    if (v) {
      this.#map.delete(key);
      this.#map.set(key, v); // most recently used goes last
    }
    return v;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    if (value.length > this.budgetBytes) return;
    const old = this.#map.get(key);
    if (old) this.#bytes -= old.length;
    this.#map.delete(key);
    this.#map.set(key, value);
    this.#bytes += value.length;
    for (const [k, v] of this.#map) {
      if (this.#bytes <= this.budgetBytes) break;
      this.#map.delete(k);
      this.#bytes -= v.length;
    }
  }

  async size(): Promise<number> {
    return this.#bytes;
  }

  async clear(): Promise<void> {
    this.#map.clear();
    this.#bytes = 0;
  }
}

const sharedIdb = new Map<string, IndexedDbCache>();

interface IdbIndexEntry {
  bytes: number;
  used: number;
}

/**
 * Persistent cache in IndexedDB (browsers) through idb-keyval, with a byte budget and LRU eviction.
 * The usage index lives in memory and is persisted under one key, so lookups cost one IDB read.
 */
export class IndexedDbCache implements ByteCache {
  readonly #dbName: string;
  readonly #budget: number;
  #ready: Promise<{ idb: typeof import('idb-keyval'); store: ReturnType<typeof import('idb-keyval').createStore>; index: Map<string, IdbIndexEntry> }> | undefined;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: { dbName?: string; budgetBytes?: number } = {}) {
    this.#dbName = options.dbName ?? 'ragged-atlas-cache';
    this.#budget = options.budgetBytes ?? 512 * 1024 * 1024;
  }

  static available(): boolean {
    return typeof indexedDB !== 'undefined';
  }

  /**
   * One instance per database in this realm: its usage index lives in memory, so two instances of
   * one database would each miss what the other just stored until the index is persisted.
   */
  static shared(options: { dbName?: string; budgetBytes?: number } = {}): IndexedDbCache {
    const name = options.dbName ?? 'ragged-atlas-cache';
    let c = sharedIdb.get(name);
    if (!c) sharedIdb.set(name, (c = new IndexedDbCache(options)));
    return c;
  }

  #open() {
    this.#ready ??= (async () => {
      const idb = await import('idb-keyval');
      const store = idb.createStore(this.#dbName, 'bytes');
      const saved = (await idb.get<[string, IdbIndexEntry][]>('__index__', store)) ?? [];
      return { idb, store, index: new Map(saved) };
    })();
    return this.#ready;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const { idb, store, index } = await this.#open();
    const entry = index.get(key);
    if (!entry) return undefined;
    const v = await idb.get<Uint8Array>(key, store);
    if (!v) {
      index.delete(key);
      return undefined;
    }
    entry.used = Date.now();
    this.#scheduleSave();
    return v;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    if (value.length > this.#budget) return;
    const { idb, store, index } = await this.#open();
    await idb.set(key, value, store);
    index.set(key, { bytes: value.length, used: Date.now() });
    let total = 0;
    for (const e of index.values()) total += e.bytes;
    if (total > this.#budget) {
      const oldest = [...index.entries()].sort((a, b) => a[1].used - b[1].used);
      const drop: string[] = [];
      for (const [k, e] of oldest) {
        if (total <= this.#budget * 0.9) break; // evict to 90% so we do not evict on every write
        drop.push(k);
        total -= e.bytes;
        index.delete(k);
      }
      await idb.delMany(drop, store);
    }
    this.#scheduleSave();
  }

  async size(): Promise<number> {
    const { index } = await this.#open();
    let total = 0;
    for (const e of index.values()) total += e.bytes;
    return total;
  }

  async clear(): Promise<void> {
    const { idb, store, index } = await this.#open();
    await idb.clear(store);
    index.clear();
  }

  #scheduleSave(): void {
    if (this.#saveTimer) return;
    this.#saveTimer = setTimeout(async () => {
      this.#saveTimer = undefined;
      const { idb, store, index } = await this.#open();
      await idb.set('__index__', [...index.entries()], store);
    }, 250);
  }
}

export interface CacheOptions {
  cache: ByteCache;
  /** Separates entries of different pinned snapshots or servers; e.g. `atlas@v3`. */
  namespace?: string;
  /** Which keys are immutable and may be cached; default: all but Lance's version hint. */
  cacheable?: (key: string) => boolean;
}

const defaultCacheable = (key: string) => !key.endsWith('latest_version_hint.json');

/** Wraps a store so immutable reads are served from `cache` after the first fetch. */
export function withCache(inner: ByteStore, options: CacheOptions): ByteStore {
  const { cache } = options;
  const ok = options.cacheable ?? defaultCacheable;
  const prefix = `${options.namespace ?? ''}|${inner.url}|`;
  const cached = async <T extends Uint8Array | undefined>(id: string, key: string, load: () => Promise<T>): Promise<T> => {
    if (!ok(key)) return load();
    const hit = await cache.get(prefix + id).catch(() => undefined);
    if (hit) return hit as T;
    const v = await load();
    if (v) await cache.set(prefix + id, v).catch(() => undefined); // a full or broken cache never fails a read
    return v;
  };
  const store: ByteStore = {
    url: inner.url,
    get: (key: string, opts?: ReadOptions) => cached(key, key, () => inner.get(key, opts)),
    getRange: (key: string, range: ByteRange, opts?: ReadOptions) =>
      cached(`${key}@${range.offset}+${range.length}`, key, () => inner.getRange(key, range, opts)),
    async size(key: string, opts?: ReadOptions) {
      if (!ok(key)) return inner.size(key, opts);
      const hit = await cache.get(`${prefix}${key}#size`).catch(() => undefined);
      if (hit) return new DataView(hit.buffer, hit.byteOffset, 8).getFloat64(0, true);
      const s = await inner.size(key, opts);
      if (s !== undefined) {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, s, true);
        await cache.set(`${prefix}${key}#size`, b).catch(() => undefined);
      }
      return s;
    },
  };
  if (inner.list) store.list = inner.list.bind(inner);
  return store;
}
