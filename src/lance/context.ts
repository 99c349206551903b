// State shared by a table and every version checked out from it: the store, the decompressors,
// and caches of immutable things (data-file metadata, deletion files). Data files and deletion
// files never change once written, so the caches are safe across versions.
import { isRaggedAtlasError, NotFoundError } from '../errors.js';
import { concatBytes } from '../io/bytes.js';
import { readTail, type ByteStore } from '../io/types.js';
import type { Decompressors } from './decompressors.js';
import type { PageDecoder } from './page-decoder.js';
import { deletionKey, parseDeletionFile } from './deletions.js';
import { DEFAULT_TAIL_BYTES, parseFileMetadata, parseFooter, type FileMetadata } from './file-reader.js';
import type { DataFragmentProto } from './proto/table.js';
import { guard } from './guard.js';
import { awaitShared, PromiseLru } from '../io/promise-lru.js';

/**
 * Files up to this size are read whole with their metadata. Small tables (datasets, layouts,
 * index pages) then take one round trip instead of two or three; the extra bytes cost less than
 * a round trip at any bandwidth above ~10 MB/s.
 */
export const WHOLE_FILE_BYTES = 512 * 1024;

/** Decoded index windows kept per table (a btree window is ≤ a few pages of 4,096 keys). */
const INDEX_PAGE_CACHE_ENTRIES = 32;

export interface IoOptions {
  /** Merge ranges of one file whose gap is at most this many bytes (default 64 KiB). */
  maxGap?: number;
  /** Largest merged request (default 16 MiB). */
  maxRequest?: number;
  /** Requests in flight per file (default 6). */
  concurrency?: number;
  /** A page read longer than twice this is fetched as parallel parts of this size (default 1 MiB; 0: never split). */
  partBytes?: number;
}

/** ≈ one round trip's worth of bytes at 50 MB/s and 20 ms: smaller parts would mostly wait on latency. */
export const PART_BYTES = 1 << 20;

export class TableContext {
  readonly store: ByteStore;
  readonly dec: Decompressors;
  readonly name: string;
  readonly io: IoOptions;
  readonly tailBytes: number;
  readonly wholeFileBytes: number;
  /** Where big pages are decoded (a worker pool); undefined: on the reading thread. */
  readonly pages: PageDecoder | undefined;
  /**
   * Decoded scalar-index pages (index files never change), by file and row window: concurrent
   * lookups of one index (one per dataset layout, say) decode a shared page once, not each.
   */
  readonly indexPages = new PromiseLru<unknown>(INDEX_PAGE_CACHE_ENTRIES);
  readonly #files = new Map<string, Promise<FileMetadata>>();
  readonly #deletions = new Map<string, Promise<Uint32Array>>();

  constructor(store: ByteStore, dec: Decompressors, opts: { io?: IoOptions; tailBytes?: number; wholeFileBytes?: number; pages?: PageDecoder } = {}) {
    this.store = store;
    this.dec = dec;
    this.name = store.url.replace(/\/+$/, '').split('/').pop() ?? store.url;
    this.io = opts.io ?? {};
    this.tailBytes = opts.tailBytes ?? DEFAULT_TAIL_BYTES;
    this.wholeFileBytes = opts.wholeFileBytes ?? WHOLE_FILE_BYTES;
    this.pages = opts.pages;
  }

  /**
   * Footer and column metadata of a data file: one speculative read of the last `tailBytes`
   * (size from the manifest, so no HEAD), and a second read only if the metadata is larger.
   * A file of at most `wholeFileBytes` is read whole: its pages then cost no further request
   * (FragmentReader serves ranges inside `tail` from memory).
   */
  fileMetadata(key: string, sizeHint: number, signal?: AbortSignal): Promise<FileMetadata> {
    // Shared by every reader of the file, so loaded without any one caller's signal (promise-lru.ts).
    const load = () => this.#readMetadata(key, sizeHint).catch((err: unknown) => Promise.reject(explainMissing(err, this.name)));
    return awaitShared(this.#files, key, load, signal, `${this.name}/${key}`);
  }

  async #readMetadata(key: string, sizeHint: number): Promise<FileMetadata> {
    const where = `${this.name}/${key}`;
    let size = sizeHint;
    let first: number;
    let tail: Uint8Array;
    if (size > 0) {
      first = size <= this.wholeFileBytes ? 0 : Math.max(0, size - this.tailBytes);
      // The known size lets the store refuse a whole-body answer of another length (http.ts).
      tail = await this.store.getRange(key, { offset: first, length: size - first }, { size });
    } else {
      // No size in the manifest (older writers): the tail and the size in one read where the store
      // can (readTail), then the rest of a small file, which is read whole.
      const t = await readTail(this.store, key, this.tailBytes);
      if (t === undefined) throw new NotFoundError('data file is missing', { where: `${this.store.url}/${key}` });
      size = t.size;
      first = size - t.bytes.length;
      tail = t.bytes;
      if (first > 0 && size <= this.wholeFileBytes) {
        tail = concatBytes([await this.store.getRange(key, { offset: 0, length: first }, { size }), tail]);
        first = 0;
      }
    }
    const footer = guard(where, () => parseFooter(tail, size, where));
    let tailOffset = first;
    if (footer.columnMetaStart < first) {
      tail = concatBytes([await this.store.getRange(key, { offset: footer.columnMetaStart, length: first - footer.columnMetaStart }, { size }), tail]);
      tailOffset = footer.columnMetaStart;
    }
    return guard(where, () => parseFileMetadata(tail, tailOffset, footer, where));
  }

  /** Sorted deleted row offsets of a fragment (empty if it has no deletion file). */
  deletions(frag: DataFragmentProto, signal?: AbortSignal): Promise<Uint32Array> {
    const d = frag.deletionFile;
    if (!d) return Promise.resolve(new Uint32Array(0));
    const key = deletionKey(frag.id, d);
    const where = `${this.name}/${key}`;
    const load = async () => {
      const bytes = await this.store.get(key);
      if (!bytes) throw explainMissing(new NotFoundError('deletion file is missing', { where: `${this.store.url}/${key}` }), this.name);
      return guard(where, () => parseDeletionFile(bytes, d, this.dec, where));
    };
    return awaitShared(this.#deletions, key, load, signal, where);
  }
}

/**
 * A file the table version lists but the store lacks. Lance never deletes the files of a version
 * until its cleanup removes the version (LanceDB `optimize({ cleanupOlderThan })`), so that is the
 * likely cause; a checkout that was opened before the cleanup now points at files that are gone.
 */
function explainMissing(err: unknown, table: string): unknown {
  if (!isRaggedAtlasError(err, 'NotFound')) return err;
  return new NotFoundError(
    `${err.detail}: a file that this version of table '${table}' lists is gone; Lance deletes files only when its cleanup removes old versions (LanceDB optimize with cleanupOlderThan), so a checkout opened before a cleanup, or a snapshot pinning a cleaned-up version, cannot be read`,
    err.fields,
    { cause: err },
  );
}
