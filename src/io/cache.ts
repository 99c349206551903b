// Caching of immutable bytes (pinned manifests, data files, index pages, shard indexes, chunks).
// A checked-out atlas never changes, so every byte range it reads can be kept; the only mutable
// files are Lance's `latest_version_hint.json`, which is never cached.
//
// Entries are keyed by namespace (the caller passes e.g. the pinned snapshot version) + store URL +
// key + the file's ETag + range. Per file, a small record keeps the ETag its cached entries were read
// with. A cached range is valid only together with that ETag: how and when it is checked against
// the server is `CacheOptions.revalidate` (see there and `withCache`).
import { disown } from './owned.js';
import { HttpError, isRaggedAtlasError } from '../errors.js';
import { untilAborted } from './abortable.js';
import { isMutableKey, versionTag, type ByteRange, type ByteStore, type ObjectVersion, type ReadOptions, type Tail } from './types.js';

export interface ByteCache {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  /** Bytes currently held. */
  size(): Promise<number>;
  clear(): Promise<void>;
  /**
   * Removes every entry whose key starts with `prefix`. Optional: `withCache` calls it to drop the
   * entries of a file whose ETag changed. Without it such entries are never read again (the ETag is
   * part of their key) and leave under the LRU budget.
   */
  deletePrefix?(prefix: string): Promise<void>;
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

  async deletePrefix(prefix: string): Promise<void> {
    for (const [k, v] of this.#map) {
      if (!k.startsWith(prefix)) continue;
      this.#map.delete(k);
      this.#bytes -= v.length;
    }
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
  #budget: number;
  #ready: Promise<{ idb: typeof import('idb-keyval'); store: ReturnType<typeof import('idb-keyval').createStore>; index: Map<string, IdbIndexEntry> }> | undefined;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** Keys indexed whose bytes are still being written. */
  readonly #writing = new Set<string>();

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
    // A later checkout's budget applies too (the next write evicts down to it): it was dropped.
    else if (options.budgetBytes !== undefined) c.#budget = options.budgetBytes;
    return c;
  }

  #open() {
    this.#ready ??= (async () => {
      const idb = await import('idb-keyval');
      const store = idb.createStore(this.#dbName, 'bytes');
      const saved = (await idb.get<[string, IdbIndexEntry][]>('__index__', store)) ?? [];
      const index = new Map(saved);
      // Entries no saved index lists (a page closed before its index was saved, or another tab's
      // index saved over this one's) are counted by no budget and found by no lookup: delete them.
      const orphans = (await idb.keys<string>(store)).filter((k) => k !== '__index__' && !index.has(k));
      if (orphans.length) await idb.delMany(orphans, store);
      // Save the index as the page goes away, not 250 ms later (when nothing runs any more).
      (globalThis as { addEventListener?: (t: string, f: () => void) => void }).addEventListener?.('pagehide', () => void idb.set('__index__', [...index.entries()], store).catch(() => undefined));
      return { idb, store, index };
    })();
    return this.#ready;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const { idb, store, index } = await this.#open();
    const entry = index.get(key);
    if (!entry) return undefined;
    const v = await idb.get<Uint8Array>(key, store);
    if (!v) {
      if (!this.#writing.has(key)) index.delete(key); // (a write in flight lands soon)
      return undefined;
    }
    entry.used = Date.now();
    this.#scheduleSave();
    return v;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    if (value.length > this.#budget) return;
    const { idb, store, index } = await this.#open();
    // Indexed before the write settles: a page that goes away meanwhile saves an index that lists
    // it (on pagehide), where it used to save one without it, and the next page deleted the written
    // bytes as an orphan. An entry whose write never landed reads as missing (get() drops it).
    index.set(key, { bytes: value.length, used: Date.now() });
    this.#writing.add(key);
    try {
      await idb.set(key, value, store);
    } catch (e) {
      index.delete(key);
      throw e;
    } finally {
      this.#writing.delete(key);
    }
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

  async deletePrefix(prefix: string): Promise<void> {
    const { idb, store, index } = await this.#open();
    const drop = [...index.keys()].filter((k) => k.startsWith(prefix));
    if (drop.length === 0) return;
    for (const k of drop) index.delete(k); // gone for readers at once: lookups consult the index first
    await idb.delMany(drop, store);
    this.#scheduleSave();
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
  /**
   * When cached bytes of a file are checked against the file's current ETag. A "session" is one
   * `withCache` wrapper (one `RaggedAtlas.checkout`): within it a file is never re-checked.
   * - `'session'` (default): the first time a session would answer a file from the cache, it sends one
   *   request for the file's first byte (`Range: bytes=0-0`: CORS-simple; sent past HTTP caches in
   *   between, see `ReadOptions.fresh`) and compares the ETag. A missing file drops its entries.
   *   A file whose first read in the session goes to the network costs nothing extra: that answer
   *   carries the ETag. Cost: at most one tiny request per file per session, none per range.
   * - `'never'`: no validation requests; cached entries are trusted by name (namespace + URL + key +
   *   the ETag last recorded for the file). A changed file is noticed only when a range of it that is
   *   not cached is read; if the session already returned bytes of that file, the read then fails.
   * In both modes a session never returns bytes of one file read under two different ETags (see
   * `withCache`). Files whose server sends no ETag (or hides it from a cross-origin page) are cached
   * by name and never validated: no extra requests, and no protection against rewrites.
   */
  revalidate?: 'session' | 'never';
  /**
   * Keys whose name is never reused for other bytes, so the name alone identifies the content: they
   * are cached by name, without an ETag, and never validated (an ETag could change with identical
   * bytes, e.g. after a copy, and must not fail a read then). Default: the files the Lance format
   * names with a UUID — `<table>.lance/data/*.lance`, `_indices/<uuid>/…`, `_deletions/…`,
   * `_transactions/…`. Version manifests `_versions/*.manifest` are checked like other files: a
   * table never rewrites one, but a table dropped and created again (an atlas rebuilt at the same
   * URL) numbers its versions from 1 again, and the old manifest would point at the old data
   * files, whose bytes the cache may still hold. Zarr files, the companion's config and everything
   * else are checked too.
   */
  uniqueNames?: (key: string) => boolean;
}

const defaultCacheable = (key: string) => !isMutableKey(key);
const LANCE_UNIQUE = /\.lance\/(data\/[^/]+\.lance|_indices\/[^/]+\/[^/]+|_deletions\/[^/]+|_transactions\/[^/]+)$/;
/** The default `uniqueNames`: files the Lance format names with a UUID (to compose with your own rule). */
export const isLanceUniqueName = (key: string): boolean => LANCE_UNIQUE.test(key);

/** Version of the key layout below; entries of other layouts are never read and leave under LRU. */
const LAYOUT = 'ra2';

/** An ETag as compared and keyed: without `W/` (RFC 9110 weak comparison); null when none was sent. */
type Tag = string | null;

/** What one session knows about one file. */
interface FileSession {
  /** Resolves once `recorded` is loaded from the cache. */
  ready: Promise<void>;
  /** The ETag the cache's entries of this file were stored with; undefined when there is no record. */
  recorded: Tag | undefined;
  /** The ETag this session serves the file at: fixed by the first network answer or validation. */
  pinned: Tag | undefined;
  /** Whether bytes (or the size) of the file at `pinned` were returned to a caller. */
  served: boolean;
  /**
   * The session found the file at another ETag than the cache recorded: its reads then bypass HTTP
   * caches in between (`ReadOptions.fresh`), which may still hold the old version.
   */
  changed: boolean;
  validation?: Promise<void>;
  /** Set when the file changed under the session: every later read of the file throws it. */
  failure?: HttpError;
}

/**
 * A cache call that can neither fail a read nor hold it: a rejection or a synchronous throw gives
 * `fallback`, and so does a call still pending after CACHE_WAIT_MS (an IndexedDB open blocked by a
 * pending deleteDatabase in another tab never settles). A cache only ever costs speed.
 */
async function bounded<T>(call: () => Promise<T>, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((ok) => (timer = setTimeout(() => ok(fallback), CACHE_WAIT_MS)));
  try {
    return await Promise.race([Promise.resolve().then(call).catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a read waits for the cache before it goes to the network. */
const CACHE_WAIT_MS = 3000;

/**
 * Wraps a store so immutable reads are served from `cache` after the first fetch.
 *
 * ETags: every network answer's ETag (reported by the inner store through `ReadOptions.onVersion`,
 * which wrappers between the cache and the HttpStore must pass through) is part of the cache key, and
 * the first answer (or validation, `revalidate: 'session'`) of a file in a session pins the ETag
 * the session serves that file at. When it differs from the ETag recorded in the cache, every cached
 * entry of the file is dropped and reads go to the network. A later answer for the same file with yet
 * another ETag means the file changed while the session was reading it (or the server is
 * inconsistent, e.g. replicas with different ETags): since bytes of the old version were already
 * returned, re-reading cannot make the caller's data consistent, so that read and every later read of
 * the file in this session throw an `HttpError` (fields `etag`, `expectedEtag`); the stale entries are
 * dropped, and a new session (a new checkout) reads the new version. Bytes of two ETags are never
 * mixed. Where a host sends (or exposes) no ETag, its Last-Modified date is the version (HttpStore);
 * an answer with neither cannot be compared and is accepted as the pinned version.
 */
export function withCache(inner: ByteStore, options: CacheOptions): ByteStore {
  const { cache } = options;
  const ok = options.cacheable ?? defaultCacheable;
  const policy = options.revalidate ?? 'session';
  const unique = options.uniqueNames ?? isLanceUniqueName;
  /** The version an answer for `key` is keyed and compared by. */
  const tagFor = (key: string, v: ObjectVersion | undefined): Tag => (unique(key) ? null : versionTag(v));
  const base = `${LAYOUT}|${encodeURIComponent(options.namespace ?? '')}|${encodeURIComponent(inner.url)}|`;
  const fileId = (key: string) => `${base}${encodeURIComponent(key)}|`;
  const versionId = (key: string, tag: Tag) => `${fileId(key)}${tag === null ? 'n:' : `e:${encodeURIComponent(tag)}`}|`;
  const metaKey = (key: string) => `${fileId(key)}meta`;
  const files = new Map<string, FileSession>();
  // A full or broken cache never fails a read: rejections and synchronous throws alike.
  const quietly = (call: () => Promise<unknown> | undefined) => {
    try {
      void call()?.catch(() => undefined);
    } catch {
      /* a cache that throws is no cache */
    }
  };

  const session = (key: string): FileSession => {
    let s = files.get(key);
    if (!s) {
      const fresh: FileSession = { ready: Promise.resolve(), recorded: undefined, pinned: undefined, served: false, changed: false };
      fresh.ready = Promise.resolve().then(() => cache.get(metaKey(key))).then(
        (b) => void (fresh.recorded = decodeRecord(b)),
        () => undefined,
      );
      files.set(key, (s = fresh));
    }
    return s;
  };

  /** Serve the file at `tag` from now on; what the cache holds under another ETag is dropped. */
  const adopt = (key: string, s: FileSession, tag: Tag) => {
    s.pinned = tag;
    if (s.recorded === tag) return;
    if (s.recorded !== undefined) {
      const before = s.recorded;
      quietly(() => cache.deletePrefix?.(versionId(key, before)));
      s.changed = true;
    }
    s.recorded = tag;
    quietly(() => cache.set(metaKey(key), encodeRecord(tag)));
  };

  /** A network answer for the file arrived with `tag`; `deliver`: its bytes go to the caller. */
  const observe = (key: string, s: FileSession, tag: Tag, deliver: boolean) => {
    if (s.failure) throw s.failure;
    if (s.pinned === undefined || s.pinned === tag || (!s.served && tag !== null)) {
      if (s.pinned !== tag) adopt(key, s, tag);
      s.served ||= deliver;
      return;
    }
    // Different from what the session serves, which was already returned to a caller.
    if (tag === null || s.pinned === null) {
      s.served ||= deliver; // one side has no ETag: nothing to compare (documented: cached by name)
      return;
    }
    const old = s.pinned;
    quietly(() => cache.deletePrefix?.(versionId(key, old)));
    s.recorded = tag;
    s.changed = true;
    quietly(() => cache.set(metaKey(key), encodeRecord(tag)));
    s.failure = new HttpError(
      `${key} changed while this session was reading it (ETag ${old}, now ${tag}); its cached bytes were dropped: open the atlas again`,
      { url: `${inner.url}/${key}`, etag: tag, expectedEtag: old },
    );
    throw s.failure;
  };

  /** One tiny request per file and session: the file's current ETag against what the cache holds. */
  const validate = (key: string, s: FileSession, signal: AbortSignal | undefined): Promise<void> => {
    s.validation ??= (async () => {
      let seen: ObjectVersion | undefined;
      try {
        await inner.getRange(key, { offset: 0, length: 1 }, { fresh: true, onVersion: (v) => (seen = v) });
      } catch (err) {
        const gone = isRaggedAtlasError(err, 'NotFound') || (isRaggedAtlasError(err, 'Http') && err.fields.status === 416);
        if (!gone) {
          s.validation = undefined; // a network failure: a later read tries again
          throw err;
        }
        // Missing or now empty: nothing cached is valid; the read itself goes to the network.
        if (s.pinned === undefined) {
          quietly(() => cache.deletePrefix?.(fileId(key)));
          s.recorded = undefined;
        }
        return;
      }
      observe(key, s, tagFor(key, seen), false);
    })();
    return signal ? untilAborted(s.validation, signal) : s.validation;
  };

  /** Whether an entry found under `tag` may be returned now. */
  const usable = async (key: string, s: FileSession, tag: Tag, signal: AbortSignal | undefined): Promise<boolean> => {
    if (s.pinned === undefined && (tag === null || policy === 'never')) adopt(key, s, tag);
    if (s.pinned === undefined) await validate(key, s, signal);
    if (s.failure) throw s.failure;
    if (s.pinned !== tag) return false;
    s.served = true; // in the same turn as the check: no answer with another ETag can slip in between
    return true;
  };

  const read = async <T extends Uint8Array | undefined>(key: string, part: string, opts: ReadOptions | undefined, load: (o: ReadOptions) => Promise<T>): Promise<T> => {
    const s = session(key);
    await bounded(() => s.ready, undefined);
    if (s.failure) throw s.failure;
    const tag = s.pinned !== undefined ? s.pinned : s.recorded;
    if (tag !== undefined) {
      const hit = await bounded(() => cache.get(versionId(key, tag) + part), undefined);
      if (hit && (await usable(key, s, tag, opts?.signal))) {
        opts?.onVersion?.({ etag: tag ?? undefined });
        return hit as T;
      }
    }
    let seen: ObjectVersion | undefined;
    const v = await load({
      ...opts,
      ...(s.changed ? { fresh: true } : {}),
      onVersion: (x) => ((seen = x), opts?.onVersion?.(x)),
    });
    if (v === undefined) return v;
    observe(key, s, tagFor(key, seen), true);
    // A view of a bigger buffer (a range sliced from a whole body a host sent instead) is stored
    // as its own bytes: IndexedDB would clone, and a memory cache keep, the whole buffer.
    const whole = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
    if (whole) disown(v); // the cache keeps these bytes (a memory cache keeps this very array)
    await bounded(() => cache.set(versionId(key, s.pinned!) + part, whole ? v : v.slice()), undefined);
    return v;
  };

  const store: ByteStore = {
    url: inner.url,
    get: (key: string, opts?: ReadOptions) => (ok(key) ? read(key, 'all', opts, (o) => inner.get(key, o)) : inner.get(key, opts)),
    getRange: (key: string, range: ByteRange, opts?: ReadOptions) =>
      ok(key) && range.length > 0
        ? read(key, `${range.offset}+${range.length}`, opts, (o) => inner.getRange(key, range, o))
        : inner.getRange(key, range, opts),
    async size(key: string, opts?: ReadOptions) {
      if (!ok(key)) return inner.size(key, opts);
      const b = await read(key, 'size', opts, async (o) => {
        const n = await inner.size(key, o);
        return n === undefined ? undefined : packTail({ bytes: new Uint8Array(0), size: n });
      });
      return b === undefined ? undefined : unpackTail(b).size;
    },
  };
  if (inner.getTail) {
    const getTail = inner.getTail.bind(inner);
    store.getTail = async (key: string, length: number, opts?: ReadOptions) => {
      if (!ok(key)) return getTail(key, length, opts);
      const b = await read(key, `tail+${length}`, opts, async (o) => {
        const t = await getTail(key, length, o);
        return t === undefined ? undefined : packTail(t);
      });
      return b === undefined ? undefined : unpackTail(b);
    };
  }
  if (inner.list) store.list = inner.list.bind(inner);
  return store;
}

/** One cache entry for a tail and its object's size: the bytes, then the size as a float64 (a size alone: no bytes). */
function packTail(t: Tail): Uint8Array {
  const out = new Uint8Array(t.bytes.length + 8);
  out.set(t.bytes);
  new DataView(out.buffer).setFloat64(t.bytes.length, t.size, true);
  return out;
}

function unpackTail(b: Uint8Array): Tail {
  const n = b.length - 8;
  return { bytes: b.subarray(0, n), size: new DataView(b.buffer, b.byteOffset + n, 8).getFloat64(0, true) };
}

function encodeRecord(tag: Tag): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ etag: tag }));
}

function decodeRecord(b: Uint8Array | undefined): Tag | undefined {
  if (!b) return undefined;
  try {
    const r = JSON.parse(new TextDecoder().decode(b)) as { etag?: unknown };
    return typeof r.etag === 'string' || r.etag === null ? r.etag : undefined;
  } catch {
    return undefined;
  }
}

