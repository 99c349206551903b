// LanceTable: one version of a Lance table, opened from its manifest.
import * as arrow from 'apache-arrow';
import { CorruptDataError, NotFoundError, QueryError, describeArgument, isRaggedAtlasError, throwIfAborted } from '../errors.js';
import { openStore } from '../io/open.js';
import { mapLimit } from '../io/ranges.js';
import type { ByteStore } from '../io/types.js';
import { TableContext, type IoOptions } from './context.js';
import { defaultDecompressors, type Decompressors } from './decompressors.js';
import type { PageDecoder } from './page-decoder.js';
import { FragmentReader, newPageCache } from './fragment.js';
import { describeIndices, lookupIndex, type IndexInfo, type IndexQuery, type IndexLookupResult } from './indices/index.js';
import { checkFeatures, parseIndexSection, parseManifestFile } from './manifest.js';
import { guard } from './guard.js';
import { project } from './projection.js';
import type { IndexMetadataProto, ManifestProto } from './proto/table.js';
import { scanBatches, scanTable, batchOf, type ScanFragment, type ScanOptions, type TakeOptions } from './scan.js';
import { arrowSchema, buildFieldTree, type LanceField } from './schema.js';
import { concatLeaves, type LeafSlots } from './slots.js';
import { latestVersion, manifestKey, presentVersions, requireVersion, type NamingScheme, type VersionRef } from './versions.js';

export interface OpenTableOptions {
  /** Open this version instead of the latest. */
  version?: number;
  signal?: AbortSignal;
  /** zstd/lz4 implementations; default: built-in LZ4 + the ragged-atlas WASM zstd. */
  decompressors?: Decompressors;
  io?: IoOptions;
  /** Bytes read speculatively from the end of each data file (default 64 KiB). */
  tailBytes?: number;
  /** Data files up to this size are read whole with their metadata (default WHOLE_FILE_BYTES). */
  wholeFileBytes?: number;
  /** Decodes big pages elsewhere, e.g. a decode worker pool (see page-decoder.ts); default: in the reading thread. */
  pageDecoder?: PageDecoder;
  /**
   * The manifest naming scheme to try first for `version` (default V2). Tables written by one
   * LanceDB share it: an atlas passes its snapshot table's, so a V1-named atlas does not pay a
   * missed V2 request before every pinned manifest.
   */
  namingScheme?: NamingScheme;
}

export interface FragmentInfo {
  id: number;
  physicalRows: number;
  deletedRows: number;
  /** Rows after deletions. */
  numRows: number;
  files: { path: string; fields: number[]; fileVersion: string; sizeBytes: number }[];
}

export interface VersionInfo {
  version: number;
  timestamp?: Date;
}

/** Opens a table directory (`…/name.lance`) given as a store, an http(s) URL or a local path. */
export async function openTable(location: ByteStore | string, opts: OpenTableOptions = {}): Promise<LanceTable> {
  // before any request: 1.5 was a RangeError from the manifest name's BigInt
  if (opts.version !== undefined && !(Number.isSafeInteger(opts.version) && opts.version >= 0)) {
    throw new QueryError(`a table version is a non-negative integer, got ${describeArgument(opts.version)}`);
  }
  const store = await openStore(location);
  const dec = opts.decompressors ?? (await defaultDecompressors());
  const ctx = new TableContext(store, dec, { io: opts.io, tailBytes: opts.tailBytes, wholeFileBytes: opts.wholeFileBytes, pages: opts.pageDecoder });
  const ref = opts.version !== undefined ? await requireVersion(store, opts.version, { signal: opts.signal }, opts.namingScheme) : await latestVersion(store, { signal: opts.signal });
  return LanceTable.load(ctx, ref, opts.signal);
}

export class LanceTable {
  readonly version: number;
  readonly schema: arrow.Schema;
  readonly numRows: number;
  readonly fragments: FragmentInfo[];
  readonly timestamp?: Date;
  readonly manifest: ManifestProto;
  /** Field tree (top-level fields with children), with Lance field ids. */
  readonly fields: LanceField[];
  readonly #ctx: TableContext;
  readonly #ref: VersionRef;
  readonly #readers: FragmentReader[];
  readonly #indexMeta: IndexMetadataProto[];

  /** How this version's manifest file is named (V1 `{v}.manifest`, V2 `{u64::MAX - v}.manifest`). */
  get namingScheme(): NamingScheme {
    return this.#ref.scheme;
  }

  private constructor(ctx: TableContext, ref: VersionRef, manifest: ManifestProto, indexMeta: IndexMetadataProto[]) {
    const where = `${ctx.name} version ${ref.version}`;
    this.#ctx = ctx;
    this.#ref = ref;
    this.manifest = manifest;
    this.version = manifest.version || ref.version;
    this.fields = buildFieldTree(manifest.fields, where);
    this.schema = arrowSchema(this.fields, manifest.schemaMetadata);
    this.timestamp = manifest.timestampMs !== undefined ? new Date(manifest.timestampMs) : undefined;
    this.fragments = manifest.fragments.map((f) => {
      const deletedRows = f.deletionFile?.numDeletedRows ?? 0;
      return {
        id: f.id, physicalRows: f.physicalRows, deletedRows, numRows: f.physicalRows - deletedRows,
        files: f.files.map((d) => ({ path: d.path, fields: d.fields, fileVersion: `${d.fileMajorVersion}.${d.fileMinorVersion}`, sizeBytes: d.fileSizeBytes })),
      };
    });
    this.numRows = this.fragments.reduce((s, f) => s + f.numRows, 0);
    this.#readers = manifest.fragments.map((f) => new FragmentReader(ctx, f));
    this.#indexMeta = indexMeta;
  }

  static async load(ctx: TableContext, ref: VersionRef, signal?: AbortSignal): Promise<LanceTable> {
    const key = manifestKey(ref.version, ref.scheme);
    const bytes = ref.bytes ?? (await ctx.store.get(key, { signal }));
    const where = `${ctx.name}/${key}`;
    if (!bytes) throw new NotFoundError(`manifest of version ${ref.version} is missing`, { where });
    const manifest = guard(where, () => parseManifestFile(bytes, where));
    if (manifest.version !== 0 && manifest.version !== ref.version) {
      throw new CorruptDataError(`manifest file of version ${ref.version} holds version ${manifest.version}`, { where });
    }
    checkFeatures(manifest, where);
    return guard(where, () => new LanceTable(ctx, ref, manifest, parseIndexSection(bytes, manifest, where)));
  }

  /** Versions present in the table directory, oldest first, with commit times. */
  async listVersions(opts: { signal?: AbortSignal } = {}): Promise<VersionInfo[]> {
    let latest: VersionRef = this.#ref;
    try {
      const l = await latestVersion(this.#ctx.store, opts);
      if (l.version > latest.version) latest = l;
    } catch (e) {
      // Discovery failing (no hint, version 1 gone) still leaves this version to walk down from.
      if (isRaggedAtlasError(e, 'Aborted')) throw e;
    }
    const refs = await presentVersions(this.#ctx.store, latest, opts);
    return mapLimit(refs, 6, async (r) => {
      const bytes = await this.#ctx.store.get(manifestKey(r.version, r.scheme), opts);
      if (!bytes) return { version: r.version };
      const m = parseManifestFile(bytes, `${this.#ctx.name}/${manifestKey(r.version, r.scheme)}`);
      return { version: r.version, timestamp: m.timestampMs !== undefined ? new Date(m.timestampMs) : undefined };
    });
  }

  /** Another version of the same table (shares caches of data-file metadata). */
  async checkout(version: number, opts: { signal?: AbortSignal } = {}): Promise<LanceTable> {
    return LanceTable.load(this.#ctx, await requireVersion(this.#ctx.store, version, opts), opts.signal);
  }

  /** The newest version now in the store. */
  async checkoutLatest(opts: { signal?: AbortSignal } = {}): Promise<LanceTable> {
    return LanceTable.load(this.#ctx, await latestVersion(this.#ctx.store, opts), opts.signal);
  }

  #scanFragments(only?: Iterable<number>): ScanFragment[] {
    const set = only ? new Set(only) : undefined;
    return this.#readers
      .map((reader, i) => ({ reader, visibleRows: this.fragments[i]!.numRows }))
      .filter((f) => !set || set.has(f.reader.id));
  }

  /**
   * Starts reading the footers and column metadata of the data files (cached per file), for a
   * caller about to `take` rows it does not know yet (an index lookup is under way). Only for
   * tables of at most `maxFiles` files: on big tables it would read metadata a take never needs.
   */
  prefetchMetadata(maxFiles = 4): void {
    if (this.#readers.reduce((n, r) => n + r.fileCount, 0) > maxFiles) return;
    for (const r of this.#readers) r.prefetchMetadata();
  }

  /** Reads rows into one Arrow table (fragments in order; one coalesced plan per fragment). */
  async scan(opts: ScanOptions = {}): Promise<arrow.Table> {
    checkScanOptions(opts, this.fragments.map((f) => f.id));
    const proj = project(this.fields, this.schema, opts.columns, !!opts.withRowAddress, opts.structChildren);
    return scanTable(this.#scanFragments(opts.fragments), proj, opts);
  }

  /**
   * Streams rows as RecordBatches of at most `batchSize` rows (default 65536). A bad or
   * unreadable column is reported by the first `next()`.
   */
  async *scanBatches(opts: ScanOptions & { batchSize?: number } = {}): AsyncGenerator<arrow.RecordBatch> {
    checkScanOptions(opts, this.fragments.map((f) => f.id));
    const proj = project(this.fields, this.schema, opts.columns, !!opts.withRowAddress, opts.structChildren);
    yield* scanBatches(this.#scanFragments(opts.fragments), proj, opts);
  }

  /**
   * Rows by row address (`(fragment_id << 32) | offset`), in the order given. Deleted or
   * non-existent addresses throw NotFoundError.
   */
  async take(rowAddresses: BigUint64Array | bigint[], opts: TakeOptions = {}): Promise<arrow.Table> {
    if (!(rowAddresses instanceof BigUint64Array) && !(Array.isArray(rowAddresses) && rowAddresses.every((a) => typeof a === 'bigint'))) {
      throw new QueryError(`take() needs row addresses as a BigUint64Array or bigints ((fragment << 32n) | offset), got ${describeArgument(rowAddresses)}${Array.isArray(rowAddresses) ? ' of other values' : ''}`);
    }
    const proj = project(this.fields, this.schema, opts.columns, !!opts.withRowAddress, opts.structChildren);
    const addrs = rowAddresses instanceof BigUint64Array ? rowAddresses : BigUint64Array.from(rowAddresses, (a) => BigInt.asUintN(64, a));
    const n = addrs.length;
    // (fragment << 32) | offset, read as two u32 words (little-endian platforms: low word first).
    const words = new Uint32Array(addrs.buffer, addrs.byteOffset, n * 2);
    const frags = new Uint32Array(n);
    const offsets = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      offsets[i] = words[2 * i]!;
      frags[i] = words[2 * i + 1]!;
    }
    const byFrag = new Map<number, number>(); // fragment id → rows asked for
    for (let i = 0; i < n; i++) byFrag.set(frags[i]!, (byFrag.get(frags[i]!) ?? 0) + 1);
    const decoded = new Map<number, { leaves: Map<number, LeafSlots>; sorted: Uint32Array; pos: Uint32Array; reader: FragmentReader }>();
    for (const [fid, count] of byFrag) {
      throwIfAborted(opts.signal);
      const idx = this.fragments.findIndex((f) => f.id === fid);
      if (idx < 0) throw new NotFoundError(`row address refers to fragment ${fid}, which is not in version ${this.version}`, { where: this.#ctx.name });
      const reader = this.#readers[idx]!;
      const deleted = await reader.deleted(opts.signal);
      // Distinct offsets of this fragment, sorted.
      const picked = new Uint32Array(count);
      let k = 0;
      for (let i = 0; i < n; i++) if (frags[i] === fid) picked[k++] = offsets[i]!;
      picked.sort();
      let m = 0;
      for (let i = 0; i < picked.length; i++) if (i === 0 || picked[i] !== picked[m - 1]) picked[m++] = picked[i]!;
      const sorted = picked.subarray(0, m);
      if (m > 0 && sorted[m - 1]! >= reader.physicalRows) {
        throw new NotFoundError(`row ${sorted[m - 1]} is past the end of fragment ${fid}`, { where: this.#ctx.name });
      }
      if (deleted.length > 0 && sorted.some((o) => binaryHas(deleted, o))) throw new NotFoundError(`take of a deleted row in fragment ${fid}`, { where: this.#ctx.name });
      // Decode windows of nearby rows; pos[j] = where sorted[j] lands in the concatenated windows.
      const windows = clusterRows(sorted, 4096);
      const parts = new Map<number, LeafSlots[]>();
      const pos = new Uint32Array(m);
      let base = 0;
      let j = 0;
      const cache = newPageCache();
      for (const [a, b] of windows) {
        const leaves = await reader.readLeaves(proj.fields, a, b, cache, opts.signal);
        for (const [id, s] of leaves) (parts.get(id) ?? parts.set(id, []).get(id)!).push(s);
        for (; j < m && sorted[j]! < b; j++) pos[j] = base + sorted[j]! - a;
        base += b - a;
      }
      const leaves = new Map([...parts].map(([id, p]) => [id, concatLeaves(p, this.#ctx.name)]));
      decoded.set(fid, { leaves, sorted, pos, reader });
    }
    // One batch per run of consecutive addresses in the same fragment, in input order.
    const batches: arrow.RecordBatch[] = [];
    for (let i = 0; i < n; ) {
      const fid = frags[i]!;
      let j = i;
      while (j < n && frags[j] === fid) j++;
      const d = decoded.get(fid)!;
      const keep = new Uint32Array(j - i);
      // Row addresses usually come sorted (index lookups): step along `sorted`; else binary search.
      let at = 0;
      for (let r = i; r < j; r++) {
        const o = offsets[r]!;
        if (d.sorted[at] !== o) at = d.sorted[at + 1] === o ? at + 1 : lowerBound(d.sorted, o);
        keep[r - i] = d.pos[at]!;
      }
      const cols = d.reader.buildColumns(proj.fields, d.leaves, 0, keep);
      if (opts.withRowAddress) cols.push(arrow.makeData({ type: new arrow.Uint64(), length: j - i, nullCount: 0, data: addrs.slice(i, j) }));
      batches.push(batchOf(proj.schema, cols, j - i));
      i = j;
    }
    return batches.length ? new arrow.Table(proj.schema, batches) : new arrow.Table(proj.schema);
  }

  /** Index segments in this version (scalar indices are queryable with indexLookup). */
  indices(): IndexInfo[] {
    return describeIndices(this.#indexMeta, this.fields);
  }

  /**
   * Row addresses matching `query` on an indexed column, using the column's BTREE or BITMAP
   * index. Returns undefined when the column has no usable index. Rows of fragments outside
   * `coveredFragments` were not searched: scan those fragments and filter them yourself.
   */
  indexLookup(column: string, query: IndexQuery, opts: { signal?: AbortSignal } = {}): Promise<IndexLookupResult | undefined> {
    return lookupIndex(this.#ctx, this.manifest, this.#indexMeta, this.fields, column, query, this.#readers, opts.signal);
  }
}

/** First index whose value is ≥ x. */
function lowerBound(sorted: Uint32Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (sorted[m]! < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

function binaryHas(sorted: Uint32Array, x: number): boolean {
  const lo = lowerBound(sorted, x);
  return lo < sorted.length && sorted[lo] === x;
}

/** Groups sorted row offsets into [start, end) windows, merging gaps below `gap` rows. */
export function clusterRows(sorted: ArrayLike<number> & Iterable<number>, gap: number): [number, number][] {
  const out: [number, number][] = [];
  for (const o of sorted) {
    const last = out[out.length - 1];
    if (last && o - last[1] < gap) last[1] = o + 1;
    else out.push([o, o + 1]);
  }
  return out;
}

/**
 * offset and limit are non-negative integers, batchSize a positive one: anything else is a
 * QueryError, never rows from before the table's start. `columns` is a list (a string was read as
 * its letters), and `fragments` names fragments of this version (an unknown id read as 0 rows).
 */
function checkScanOptions(opts: ScanOptions & { batchSize?: number }, fragmentIds: readonly number[]): void {
  for (const [name, v, min] of [['offset', opts.offset, 0], ['limit', opts.limit, 0], ['batchSize', opts.batchSize, 1]] as const) {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= min)) throw new QueryError(`scan ${name} must be an integer ≥ ${min}, got ${v}`);
  }
  if (opts.columns !== undefined && !Array.isArray(opts.columns)) throw new QueryError(`scan columns must be a list of column names, got ${describeArgument(opts.columns)}`);
  if (opts.fragments !== undefined) {
    for (const id of opts.fragments) {
      if (!fragmentIds.includes(id)) throw new QueryError(`scan fragments: this version has no fragment ${describeArgument(id)} (fragments: ${fragmentIds.join(', ') || 'none'})`);
    }
  }
}
