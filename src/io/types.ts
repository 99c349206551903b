// The one interface every reader uses to reach bytes: a read-only store of immutable files under a
// root (an atlas, a Lance table, a zarr group). Keys are '/'-separated paths relative to the root,
// never starting with '/'. Extra behaviour (coalescing, caching, counting) is added by wrapping.

export interface ByteRange {
  offset: number;
  length: number;
}

export interface ReadOptions {
  signal?: AbortSignal;
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
