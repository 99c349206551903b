// The one interface every reader uses to reach bytes: a read-only store of immutable files under a
// root (an atlas, a Lance table, a zarr group). Keys are '/'-separated paths relative to the root,
// never starting with '/'. Extra behaviour (coalescing, caching, counting) is added by wrapping.

export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * What a backend said about the version of an object an answer came from. HTTP: the `ETag` verbatim
 * (quotes and `W/` included) and the total size from `Content-Range` / `Content-Length`.
 */
export interface ObjectVersion {
  /**
   * The answer's ETag; without one (none sent, or not exposed cross-origin), `last-modified:<date>`
   * from its Last-Modified header; undefined when it had neither.
   */
  etag?: string;
  size?: number;
}

/** The tag an answer's version is compared by (a weak ETag compares like its strong form); null without one. */
export function versionTag(v: ObjectVersion | undefined): string | null {
  return v?.etag ? v.etag.replace(/^W\//, '') : null;
}

/** Files that change in place (Lance's version hint); every other file of an atlas is immutable. */
export function isMutableKey(key: string): boolean {
  return key.endsWith('latest_version_hint.json');
}

export interface ReadOptions {
  signal?: AbortSignal;
  /**
   * Called by backends that know it (HttpStore) with the version of the object the answer came from,
   * before the read resolves. Wrapping stores pass their options through, so a wrapper (the cache)
   * can learn the ETag of what reached it; backends without validators never call it.
   */
  onVersion?: (version: ObjectVersion) => void;
  /**
   * The answer must reflect the server's current version, not a copy held by an HTTP cache in
   * between (HttpStore: fetch `cache: 'no-cache'`, i.e. a conditional request when the browser holds
   * a copy; no CORS preflight, the page adds no header). Set by the cache for reads that check a
   * file's ETag. Answers a store already holds itself (HttpStore's whole body, known size) are kept.
   */
  fresh?: boolean;
  /**
   * Told the size of every body that arrived for this read (HttpStore: per response). A host that
   * ignores Range answers a one-byte read with the whole file; counting only the bytes handed back
   * would hide that from `atlas.stats` and progress events.
   */
  onReceived?: (bytes: number) => void;
  /**
   * Told when the store answered this read from what it already holds, with no request (HttpStore:
   * the whole body of a host that ignores Range, a size it learned): `atlas.stats` counts requests
   * that reached the network.
   */
  onLocal?: () => void;
  /**
   * How urgent the read is relative to the store's other reads (HttpStore: fetch `priority`). Bulk
   * matrix chunks go `low`, so that the small reads that gate them (obs pages, metadata, shard
   * indexes) are not queued behind them on a browser's six HTTP/1.1 connections.
   */
  priority?: RequestPriority;
  /**
   * The object's size, when the caller knows it (a Lance manifest records its data files' sizes).
   * HttpStore refuses a whole-body answer of another length instead of keeping it to serve the
   * file's later ranges: one bad answer fails that read only.
   */
  size?: number;
}

export type RequestPriority = 'high' | 'low' | 'auto';

/** The last bytes of an object and its total size (`ByteStore.getTail`). */
export interface Tail {
  bytes: Uint8Array;
  size: number;
}

export interface ByteStore {
  /** Where this store points, for error messages and cache keys (a URL or an absolute path). */
  readonly url: string;
  /** The whole object, or undefined when it does not exist. */
  get(key: string, opts?: ReadOptions): Promise<Uint8Array | undefined>;
  /**
   * Exactly `range.length` bytes starting at `range.offset`. Throws NotFoundError when the object is
   * missing and HttpError/CorruptDataError when fewer bytes come back than asked for.
   */
  getRange(key: string, range: ByteRange, opts?: ReadOptions): Promise<Uint8Array>;
  /** Size in bytes, or undefined when the object does not exist. */
  size(key: string, opts?: ReadOptions): Promise<number | undefined>;
  /**
   * Optional: the last `length` bytes (the whole object when it is shorter) and the object's size,
   * in one request where the backend can (HttpStore: a suffix range), or undefined when the object
   * is missing. Readers go through `readTail`, which falls back to size() + getRange().
   */
  getTail?(key: string, length: number, opts?: ReadOptions): Promise<Tail | undefined>;
  /** Keys under a prefix, when the backend can list (local files, S3 ListObjectsV2); else undefined. */
  list?(prefix: string, opts?: ReadOptions): Promise<string[] | undefined>;
}

/** Joins store-relative path parts, dropping empty parts and duplicate slashes. */
export function joinKey(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p !== '' && p !== '.')
    .join('/');
}

/** The last `length` bytes of `key` and its size: `store.getTail` when it has one, else `tailBySize`. */
export function readTail(store: ByteStore, key: string, length: number, opts?: ReadOptions): Promise<Tail | undefined> {
  return store.getTail ? store.getTail(key, length, opts) : tailBySize(store, key, length, opts);
}

/** A tail the plain way: size(), then a range. Undefined when the object is missing. */
export async function tailBySize(store: Pick<ByteStore, 'size' | 'getRange'>, key: string, length: number, opts?: ReadOptions): Promise<Tail | undefined> {
  const size = await store.size(key, opts);
  if (size === undefined) return undefined;
  const n = Math.min(length, size);
  return { bytes: n ? await store.getRange(key, { offset: size - n, length: n }, opts) : new Uint8Array(0), size };
}
