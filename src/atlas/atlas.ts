// A checked-out (read-only, pinned) atlas. Opening reads `atlas_versions`, picks a snapshot, and
// pins every table to its recorded Lance version; the zarr store is `{atlas}/zarr_store` unless the
// snapshot (homeobox 0.2.0–0.2.3) or the caller says otherwise. A writable atlas is not a thing here:
// writes go through the Node companion.
//
// Two places an atlas's tables can live: static Lance files (`{atlas}/lance_db/`, read by
// src/lance), or a LanceDB Cloud database (`{cloud: {db: 'db://…'}, zarr}`, read through
// src/rest by cloud-table.ts, with queries evaluated by the service). The zarr side is the same.
import type * as arrow from 'apache-arrow';
import { Table as ArrowTable, Utf8, vectorFromArray } from 'apache-arrow';
import { pickRows } from '../query/arrow-rows.js';
import { checkNames } from '../query/atlas-query.js';
import { AbortedError, CorruptDataError, InvalidInputError, NotFoundError, QueryError, UnsupportedError, describeArgument } from '../errors.js';
import { checkChoiceOption, checkNumberOption, checkOptionNames, optionNames } from '../options.js';
import { HttpStore, type HttpStoreOptions } from '../io/http.js';
import { IndexedDbCache, MemoryCache, withCache, type ByteCache } from '../io/cache.js';
import { openStore } from '../io/open.js';
import { withPrefix } from '../io/prefix.js';
import { withStats, type IoStats } from '../io/stats.js';
import { withInflightDedupe } from '../io/dedupe.js';
import { withVersionPin } from '../io/version-pin.js';
import { manyListeners } from '../io/abortable.js';
import type { ByteStore } from '../io/types.js';
import { openTable, type NamingScheme } from '../lance/index.js';
import { connectCloud, type CloudDatabase, type ConnectCloudOptions } from '../rest/client.js';
import { AtlasQuery, type QueryProgress, type RunOptions } from '../query/atlas-query.js';
import { AtlasExecutor } from '../query/executor.js';
import { emptySpec } from '../query/spec.js';
import { createDecoder, type DecodePoolOptions } from '../workers/decode-pool.js';
import type { PageDecoder } from '../lance/page-decoder.js';
import { createWorkerFetch } from '../workers/fetch-pool.js';
import { defaultWorkerCount } from '../workers/spawn.js';
import { isNode } from '../io/runtime.js';
import type { ChunkDecoder } from '../workers/protocol.js';
import { ShardIndexCache } from '../zarr/shard-index-cache.js';
import { PromiseLru } from '../io/promise-lru.js';
import type { ZarrArray } from '../zarr/index.js';
import { isDataType, type DataType } from '../zarr/dtype.js';
import { AtlasCatalog, tableStore, type TableOpener } from './catalog.js';
import { cloudTableOpener } from './cloud-table.js';

/** Written by the ragged-atlas companion next to lance_db/ and zarr_store/. */
const COMPANION_CONFIG = 'ragged_atlas.json';
import type { PointerField } from './pointer-fields.js';
import { parseSnapshotRecords, type SnapshotRecord } from './snapshot-record.js';
import { ObsMemo } from '../query/obs-memo.js';
import { CSC_INDPTRS_KEPT } from '../query/read-csc.js';

export interface AtlasOptions extends HttpStoreOptions, Pick<DecodePoolOptions, 'wasmUrl' | 'workerUrl' | 'variant'> {
  /** Name of the snapshot table; homeobox's default. */
  versionTable?: string;
  /**
   * Zarr root override (URL, path or store); default `{atlas}/zarr_store` or the snapshot's
   * zarr_store_uri. For a LanceDB Cloud location, the same as its `zarr` (which wins).
   */
  zarrStore?: string | ByteStore;
  /** A decoder to share between atlases; default a worker pool owned by this atlas. */
  decoder?: ChunkDecoder;
  /** Decode workers (default hardwareConcurrency − 1); 0 decodes in the calling thread. */
  workers?: number;
  /**
   * Browsers: worker threads that send this atlas's HTTP requests (workers/fetch-pool.ts; one
   * thread's concurrent fetches do not add up in Chromium). Default 4; 0 fetches from the calling
   * thread. Not used in Node, nor when `fetch` is given.
   */
  fetchWorkers?: number;
  /** Requests each fetch worker keeps in flight (default 8; see WorkerFetchOptions.perWorker). */
  fetchPerWorker?: number;
  /** Byte cache for immutable content: 'auto' = IndexedDB in browsers, memory elsewhere. */
  cache?: 'auto' | 'memory' | 'indexeddb' | 'none' | ByteCache;
  /** Budget for the default caches, bytes (memory 256 MiB, IndexedDB 512 MiB). */
  cacheBudgetBytes?: number;
  /**
   * How cached files are checked against the server (io/cache.ts): 'session' (default) sends one
   * 1-byte request per cached file per checkout and drops entries whose ETag changed; 'never'
   * trusts names (atlas files are write-once) and sends none.
   */
  cacheRevalidate?: 'session' | 'never';
  /**
   * Chunk byte ranges of one shard closer than this are fetched in one request. Larger saves round
   * trips on high-latency stores, smaller saves bytes. Default 128 KiB (DEFAULT_COALESCE_GAP).
   */
  coalesceGapBytes?: number;
  /** Zarr requests in flight per read. Default 6 (a browser's per-origin HTTP/1.1 limit). */
  concurrency?: number;
  /**
   * Lance page reads longer than twice this are fetched as parallel ranged requests of this size
   * (the bandwidth of several connections for one big column, e.g. the uids of every cell). Default
   * 1 MiB, about one round trip's worth at 50 MB/s and 20 ms; 0 keeps each read one request.
   */
  lancePartBytes?: number;
  /**
   * Lance pages of at least this many encoded bytes are decoded in the decode workers, not on the
   * calling thread; 0 sends every page. Default: 256 KiB (smaller ones cost more to post than to
   * decode) when there are two or more decode workers; with one, pages stay on the calling thread.
   */
  lanceOffloadBytes?: number;
  /**
   * Decoded obs selections this checkout keeps for later queries that select the same rows and
   * columns (query/obs-memo.ts; e.g. `features()` for another gene), bytes. Default 64 MiB (about
   * 2.5 million cells' uids and pointers); 0 keeps none.
   */
  obsMemoBytes?: number;
  signal?: AbortSignal;
}

const DEFAULT_OBS_MEMO_BYTES = 64 << 20;

/**
 * AtlasOptions.coalesceGapBytes. homeobox's object_store merges across 1 MiB; with CSC copies
 * bit-packed (add-csc's default), a gene's chunks are tens of KB and a 1 MiB gap mostly reads other
 * genes: a 10-gene query moved 14.8 MB instead of ~8 MB. Interleaved in Chromium (bench:query,
 * 8 pairs): 128 KiB vs 1 MiB, median 825 vs 999 ms over HTTP/2 (faster in 5), 946 vs 920 ms over
 * HTTP/1.1 (no difference); and on a slow link the bytes are the cost.
 */
const DEFAULT_COALESCE_GAP = 128 << 10;

/** One `atlas_versions` row, as `listVersions` returns it. */
export type AtlasVersion = SnapshotRecord;

/**
 * An atlas whose tables are in LanceDB Cloud (homeobox opened on a `db://` URI) and whose zarr store
 * is on an object store or any HTTP host.
 */
export interface CloudAtlasLocation {
  /**
   * The database holding the atlas tables, as `connectCloud` takes it (ragged-atlas/rest):
   * `{db: 'db://name[/prefix]', apiKey?, region?, hostOverride?, headers?, retries?, timeoutMs?, fetch?}`.
   * `fetch` defaults to AtlasOptions.fetch; AtlasOptions.headers/retries/timeoutMs are for the zarr store only.
   */
  cloud: ConnectCloudOptions;
  /**
   * The zarr root (the folder holding the root `zarr.json`, homeobox's `store`): an http(s) URL, a
   * local path in Node, or a store. A `db://` database has no `{atlas}/zarr_store` beside it and homeobox
   * records no store location, so this (or AtlasOptions.zarrStore) is required — unless a 0.2.0–0.2.3
   * snapshot recorded an http(s) `zarr_store_uri`.
   */
  zarr?: string | ByteStore;
}

/** Where an atlas is: its root folder (URL, local path or store; static Lance files), or LanceDB Cloud + zarr. */
export type AtlasLocation = string | URL | ByteStore | CloudAtlasLocation;

function isCloudLocation(location: AtlasLocation): location is CloudAtlasLocation {
  return typeof location === 'object' && location !== null && 'cloud' in location;
}

/** What opening needs from where the atlas is kept. */
interface Source {
  /** Requests and bytes that reached the network so far (tables and zarr). */
  stats(): IoStats;
  snapshots(): Promise<SnapshotRecord[]>;
  /** The snapshot table's manifest naming scheme, once snapshots() has read it (static tables only). */
  namingScheme?(): NamingScheme | undefined;
  /** A `lance_db/` store of static tables, or an opener. */
  tables: ByteStore | TableOpener;
  /** Feature spaces the companion's config defines: default layers and declared layer dtypes. */
  userSpaces(): Promise<UserSpaces>;
  zarr(record: SnapshotRecord): Promise<ByteStore>;
  /** For error messages. */
  where: string;
}

/** Counting (below the cache), caching (or, without a cache, version pinning) and in-flight dedupe (above it) around a store. */
function wrapStore(base: ByteStore, opts: AtlasOptions): ByteStore & { stats: IoStats } {
  // Stats sit below the cache: they count what reached the network, not cache hits.
  const counted = withStats(base);
  const cache = pickCache(opts);
  // The cache keeps one version of each file per session; without one, withVersionPin does.
  const versioned = cache ? withCache(counted, { cache, revalidate: opts.cacheRevalidate }) : withVersionPin(counted);
  // Dedupe sits above the cache: concurrent misses for the same bytes become one cache miss, one request.
  return Object.assign(withInflightDedupe(versioned), { stats: counted.stats });
}

async function staticSource(location: string | ByteStore, opts: AtlasOptions): Promise<Source> {
  // Accept the atlas root or its lance_db folder (homeobox's db URI), like homeobox's _resolve_db_uri.
  const base = typeof location === 'string' ? await openStore(location.replace(/\/+$/, '').replace(/\/lance_db$/, ''), opts) : location;
  const root = wrapStore(base, opts);
  const lanceDb = withPrefix(root, 'lance_db');
  // Zarr data elsewhere (the zarrStore option, an http zarr_store_uri) gets the same counting,
  // caching / version pinning and dedupe as the atlas root.
  let elsewhere: (ByteStore & { stats: IoStats }) | undefined;
  let scheme: NamingScheme | undefined;
  return {
    stats: () => ({ requests: root.stats.requests + (elsewhere?.stats.requests ?? 0), bytes: root.stats.bytes + (elsewhere?.stats.bytes ?? 0) }),
    snapshots: () => readSnapshots(lanceDb, opts, (s) => (scheme = s)),
    namingScheme: () => scheme,
    tables: lanceDb,
    userSpaces: () => userSpaces(root, opts.signal),
    zarr: async (record) => {
      const { store, underRoot } = await zarrStoreFor(root, record, opts);
      return underRoot ? store : (elsewhere = wrapStore(store, opts));
    },
    where: root.url,
  };
}

function cloudSource(location: CloudAtlasLocation, opts: AtlasOptions): Source {
  const rest: IoStats = { requests: 0, bytes: 0 };
  const db = connectCloud({ ...location.cloud, fetch: countingFetch(location.cloud.fetch ?? opts.fetch, rest) });
  let zarr: (ByteStore & { stats: IoStats }) | undefined;
  return {
    stats: () => ({ requests: rest.requests + (zarr?.stats.requests ?? 0), bytes: rest.bytes + (zarr?.stats.bytes ?? 0) }),
    snapshots: () => readCloudSnapshots(db, opts),
    tables: cloudTableOpener(db),
    // The companion's ragged_atlas.json sits beside lance_db/; a db:// database has no beside.
    userSpaces: async () => ({ layers: {}, dtypes: {} }),
    zarr: async (record) => (zarr = wrapStore(await cloudZarrStore(location, record, opts, db), opts)),
    where: location.cloud.db,
  };
}

/** fetch that adds every answer's requests and body bytes to `stats` (REST answers are read whole anyway). */
function countingFetch(inner: typeof fetch | undefined, stats: IoStats): typeof fetch {
  const f = inner ?? ((input, init) => globalThis.fetch(input, init));
  return async (input, init) => {
    const res = await f(input, init);
    const body = await res.arrayBuffer();
    stats.requests++;
    stats.bytes += body.byteLength;
    const empty = res.status === 204 || res.status === 205 || res.status === 304;
    return new Response(empty ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** Every AtlasOptions name (the compiler checks the list against the interface). */
const ATLAS_OPTIONS = optionNames<AtlasOptions>()([
  'fetch', 'headers', 'retries', 'timeoutMs', 'listing', 'suffixRanges', 'httpCache',
  'wasmUrl', 'workerUrl', 'variant', 'versionTable', 'zarrStore', 'decoder', 'workers', 'fetchWorkers', 'fetchPerWorker',
  'cache', 'cacheBudgetBytes', 'cacheRevalidate', 'coalesceGapBytes', 'concurrency', 'lancePartBytes', 'lanceOffloadBytes',
  'obsMemoBytes', 'signal',
]);

/** Options checked before anything starts (src/options.ts): names, and the values a typo can get wrong. */
function checkAtlasOptions(opts: AtlasOptions, where: string): void {
  checkOptionNames(opts, ATLAS_OPTIONS, where);
  for (const k of ['workers', 'fetchWorkers', 'retries', 'concurrency'] as const) checkNumberOption(opts[k], k, { integer: true });
  checkNumberOption(opts.fetchPerWorker, 'fetchPerWorker', { min: 1, integer: true });
  for (const k of ['timeoutMs', 'cacheBudgetBytes', 'coalesceGapBytes', 'lancePartBytes', 'lanceOffloadBytes', 'obsMemoBytes'] as const) checkNumberOption(opts[k], k);
  checkChoiceOption(opts.cache, 'cache', ['auto', 'memory', 'indexeddb', 'none'], 'a ByteCache');
  checkChoiceOption(opts.cacheRevalidate, 'cacheRevalidate', ['session', 'never']);
  checkChoiceOption(opts.listing, 'listing', ['none', 's3']);
  checkChoiceOption(opts.suffixRanges, 'suffixRanges', ['auto', 'always', 'never']);
}

/** Browsers without a caller-supplied fetch: HTTP requests go through fetch workers (fetch-pool.ts). */
function withFetchWorkers(opts: AtlasOptions): { opts: AtlasOptions; close: () => void } {
  const n = opts.fetchWorkers ?? 4;
  if (opts.fetch || n === 0 || isNode || typeof Worker === 'undefined') return { opts, close: () => undefined };
  const f = createWorkerFetch({ workers: n, perWorker: opts.fetchPerWorker, workerUrl: opts.workerUrl });
  return { opts: { ...opts, fetch: f }, close: () => f.close() };
}

function pickCache(opts: AtlasOptions): ByteCache | undefined {
  const c = opts.cache ?? 'auto';
  if (typeof c === 'object') return c;
  if (c === 'none') return undefined;
  if (c === 'indexeddb' || (c === 'auto' && IndexedDbCache.available())) return IndexedDbCache.shared({ budgetBytes: opts.cacheBudgetBytes });
  return new MemoryCache(opts.cacheBudgetBytes);
}

/** The snapshot table through LanceDB Cloud: its latest version, every row (one query). */
async function readCloudSnapshots(db: CloudDatabase, opts: AtlasOptions): Promise<SnapshotRecord[]> {
  const name = opts.versionTable ?? 'atlas_versions';
  const rows = await db.table(name).query({ signal: opts.signal }).catch((err) => {
    if (err instanceof NotFoundError && err.fields.table === name) {
      throw new NotFoundError(`no snapshot table "${name}" in ${db.name}: is this a homeobox atlas with at least one snapshot?`, { ...err.fields }, { cause: err });
    }
    throw err;
  });
  return parseSnapshotRecords(rows, name);
}

async function readSnapshots(lanceDb: ByteStore, opts: AtlasOptions, onScheme: (s: NamingScheme) => void): Promise<SnapshotRecord[]> {
  const name = opts.versionTable ?? 'atlas_versions';
  const table = await openTable(tableStore(lanceDb, name), { signal: opts.signal }).catch((err) => {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(
        `no snapshot table "${name}": is this a homeobox atlas with at least one snapshot? (A host that denies access reads the same: S3 and GCS answer 403 for missing files, which counts as missing.)`,
        { where: `${lanceDb.url}/${name}.lance` },
        { cause: err },
      );
    }
    throw err;
  });
  onScheme(table.namingScheme);
  return parseSnapshotRecords(await table.scan({ signal: opts.signal }), name);
}

/**
 * The one record of a version, or none. Two rows with one version number (two writers that each
 * took max + 1) pin different tables: which one "v3" means cannot be known, so neither is opened.
 */
function unambiguous(rows: SnapshotRecord[], where: string): SnapshotRecord | undefined {
  const pins = (r: SnapshotRecord) => JSON.stringify({ ...r, createdAt: '' });
  if (rows.length > 1 && rows.some((r) => pins(r) !== pins(rows[0]!))) {
    throw new CorruptDataError(`snapshot v${rows[0]!.version} is recorded ${rows.length} times with different pins (two snapshots written at once?); check out another version, or remove one of the rows`, { where });
  }
  return rows[0];
}

export class RaggedAtlas {
  readonly version: number;
  readonly record: SnapshotRecord;
  readonly #catalog: AtlasCatalog;
  readonly #stats: () => IoStats;
  readonly #zarr: ByteStore;
  readonly #decoder: ChunkDecoder;
  /** Worker pools this atlas started (decode, fetch): stopped by close(). */
  readonly #closers: (() => void)[];
  /** Aborted by close(): running queries stop, new ones are refused. */
  readonly #lifetime = new AbortController();
  readonly #indexCache = new ShardIndexCache();
  readonly #arrays = new Map<string, Promise<ZarrArray | undefined>>();
  /** An explorer's every gene query reads each group's csc/indptr: kept whole when it is one object (read-csc.ts). */
  readonly #cscIndptrs = new PromiseLru<ArrayLike<number | bigint>>(CSC_INDPTRS_KEPT);
  readonly #obsMemo: ObsMemo;

  readonly #readTuning: { maxGap?: number; concurrency?: number };

  private constructor(
    record: SnapshotRecord,
    catalog: AtlasCatalog,
    stats: () => IoStats,
    zarr: ByteStore,
    decoder: ChunkDecoder,
    closers: (() => void)[],
    readTuning: { maxGap?: number; concurrency?: number },
    obsMemoBytes: number,
  ) {
    this.#readTuning = readTuning;
    this.#obsMemo = new ObsMemo(obsMemoBytes);
    this.record = record;
    this.version = record.version;
    this.#catalog = catalog;
    this.#stats = stats;
    this.#zarr = zarr;
    this.#decoder = decoder;
    this.#closers = closers;
    DROPPED?.register(this, closers, this);
  }

  /**
   * Every snapshot of the atlas, oldest first. `location`: the atlas folder (an http(s) URL, or a
   * local path in Node, or a store), or `{cloud: {db: 'db://…', apiKey}, zarr}` for tables in LanceDB Cloud.
   */
  static async listVersions(location: AtlasLocation, opts: AtlasOptions = {}): Promise<AtlasVersion[]> {
    checkAtlasOptions(opts, 'RaggedAtlas.listVersions()');
    const io = withFetchWorkers(opts);
    try {
      const src = await openSource(location, { ...io.opts, cache: 'none' });
      return await src.snapshots();
    } finally {
      io.close();
    }
  }

  /** The atlas as it was at snapshot `version`: every table pinned to its recorded Lance version. */
  static async checkout(location: AtlasLocation, version: number, opts: AtlasOptions = {}): Promise<RaggedAtlas> {
    checkAtlasOptions(opts, 'RaggedAtlas.checkout()');
    // Before anything is read: a version from a URL parameter ('1') would otherwise read as missing.
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new QueryError(`a snapshot version is a non-negative integer, got ${describeArgument(version)}`);
    }
    return RaggedAtlas.#checkout(location, opts, (records, where) => {
      const record = unambiguous(records.filter((r) => r.version === version), where);
      if (!record) throw new NotFoundError(`snapshot v${version} does not exist (versions: ${records.map((r) => r.version).join(', ') || 'none'})`, { where });
      return record;
    });
  }

  /** The newest snapshot. */
  static async checkoutLatest(location: AtlasLocation, opts: AtlasOptions = {}): Promise<RaggedAtlas> {
    checkAtlasOptions(opts, 'RaggedAtlas.checkoutLatest()');
    return RaggedAtlas.#checkout(location, opts, (records, where) => {
      const last = records[records.length - 1];
      const record = last && unambiguous(records.filter((r) => r.version === last.version), where);
      if (!record) throw new NotFoundError('the atlas has no snapshot yet (run `ragged-atlas snapshot`)', { where });
      return record;
    });
  }

  static async #checkout(location: AtlasLocation, options: AtlasOptions, pick: (records: SnapshotRecord[], where: string) => SnapshotRecord): Promise<RaggedAtlas> {
    const io = withFetchWorkers(options);
    const opts = io.opts;
    const decoder = opts.decoder ?? createDecoder({ workers: opts.workers, wasmUrl: opts.wasmUrl, workerUrl: opts.workerUrl, variant: opts.variant });
    const closers = [io.close, ...(opts.decoder ? [] : [() => decoder.close?.()])];
    try {
      const src = await openSource(location, opts);
      const record = pick(await src.snapshots(), src.where);
      const pageDecoder = await pageDecoderFor(decoder, opts);
      const [catalog, spaces, zarr] = await Promise.all([AtlasCatalog.open(src.tables, record, { signal: opts.signal, partBytes: opts.lancePartBytes, pageDecoder, namingScheme: src.namingScheme?.() }), src.userSpaces(), src.zarr(record)]);
      catalog.defaultLayers = spaces.layers;
      catalog.layerDtypes = spaces.dtypes;
      return new RaggedAtlas(record, catalog, src.stats, zarr, decoder, closers, { maxGap: opts.coalesceGapBytes ?? DEFAULT_COALESCE_GAP, concurrency: opts.concurrency }, opts.obsMemoBytes ?? DEFAULT_OBS_MEMO_BYTES);
    } catch (err) {
      for (const close of closers) close();
      throw err;
    }
  }

  /** Names of the obs tables in this snapshot. */
  get obsTables(): string[] {
    return [...this.#catalog.obsTables.keys()];
  }

  /** Requests and bytes fetched so far by everything this atlas read (cache hits not counted). */
  get stats(): IoStats {
    return this.#stats();
  }

  obsSchema(obsTable?: string): arrow.Schema {
    return this.#catalog.obsTable(obsTable).schema;
  }

  pointerFields(obsTable?: string): PointerField[] {
    return this.#catalog.pointerFields(obsTable);
  }

  /** The datasets table (one row per zarr group and feature space). */
  listDatasets(opts: { signal?: AbortSignal } = {}): Promise<arrow.Table> {
    return this.#open('read its datasets').then(() => this.#catalog.datasetRows(opts.signal));
  }

  /**
   * The datasets that measured `featureUids` in `featureSpace`, as homeobox's
   * `find_datasets_with_features`: one row per (dataset, feature) with `global_feature_uid` and the
   * dataset's columns (`zarr_group`, `dataset_uid`, …). A feature no dataset measured has no row: in
   * a union its column is zeros there, which this tells from a measured zero.
   */
  async findDatasetsWithFeatures(featureUids: string | string[], featureSpace: string, opts: { signal?: AbortSignal } = {}): Promise<arrow.Table> {
    const uids: unknown[] = typeof featureUids === 'string' ? [featureUids] : Array.isArray(featureUids) ? featureUids : [featureUids];
    checkNames(uids, 'findDatasetsWithFeatures() takes feature uids');
    await this.#open('read its feature layouts');
    const found = await this.#catalog.datasetsWithFeatures(uids as string[], featureSpace, opts.signal);
    const rows = pickRows(found.datasets, found.rows);
    return new ArrowTable({ global_feature_uid: vectorFromArray(found.uids, new Utf8()), ...Object.fromEntries(rows.schema.fields.map((f) => [f.name, rows.getChild(f.name)!])) });
  }

  /** The feature registry of a feature space (uid, global_index, and its metadata columns). */
  featureRegistry(featureSpace: string, opts: { signal?: AbortSignal } = {}): Promise<arrow.Table> {
    return this.#open('read its feature registry').then(() => this.#catalog.registry(featureSpace, opts.signal));
  }

  /** A closed atlas reads nothing more (its workers are gone): the same QueryError for every read. */
  #open(what: string): Promise<void> {
    return this.#lifetime.signal.aborted ? Promise.reject(new QueryError(`this atlas is closed: check it out again to ${what}`)) : Promise.resolve();
  }

  /** A new query over an obs table (default: the only one; a snapshot with several needs it named). */
  query(obsTable?: string): AtlasQuery {
    if (this.#lifetime.signal.aborted) throw new QueryError('this atlas is closed: check it out again to query it');
    this.#catalog.obsTable(obsTable); // fail early on an unknown table
    const executor = new AtlasExecutor(this.#catalog, (run: RunOptions, progress: QueryProgress) => ({
      catalog: this.#catalog,
      zarr: this.#zarr,
      decoder: this.#decoder,
      indexCache: this.#indexCache,
      arrays: this.#arrays,
      cscIndptrs: this.#cscIndptrs,
      ...this.#readTuning,
      signal: run.signal,
      onRead: (d) => {
        progress.phase = 'read';
        progress.requests += d.requests;
        progress.bytes += d.bytes;
        progress.chunks += d.chunks;
        run.onProgress?.({ ...progress });
      },
    }), this.#obsMemo, manyListeners(this.#lifetime.signal)); // one listener per running query
    return new AtlasQuery(executor, { ...emptySpec(), obsTable });
  }

  /**
   * Stops the decode and fetch workers this atlas started and drops its decoded obs selections.
   * Queries still running fail with an AbortedError; query(), listDatasets() and featureRegistry()
   * afterwards are a QueryError.
   */
  close(): void {
    DROPPED?.unregister(this);
    this.#lifetime.abort(new AbortedError('atlas closed'));
    for (const c of this.#closers.splice(0)) c();
    this.#obsMemo.clear();
  }
}

/**
 * The workers of an atlas dropped without close() stop once it is collected: a notebook cell or a
 * component effect that checks out again without closing otherwise kept a decode worker and four
 * fetch workers per checkout alive for the page's lifetime. A running query holds its atlas, so
 * nothing it still needs stops. (Workers passed in by the caller are the caller's: not in `closers`.)
 */
const DROPPED = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<(() => void)[]>((closers) => {
  for (const c of closers.splice(0)) c();
}) : undefined;

/**
 * Default layers of user-defined feature spaces, from the companion's `ragged_atlas.json` when the
 * atlas has one (homeobox keeps feature-space specs in Python code, not in the atlas).
 */
interface UserSpaces {
  /** Default layers per feature space. */
  layers: Record<string, string[]>;
  /** Declared dtype per feature space and layer (what a result without any group gives). */
  dtypes: Record<string, Record<string, DataType>>;
}

async function userSpaces(root: ByteStore, signal?: AbortSignal): Promise<UserSpaces> {
  const bytes = await root.get(COMPANION_CONFIG, { signal }).catch(() => undefined);
  if (!bytes) return { layers: {}, dtypes: {} };
  try {
    const cfg = JSON.parse(new TextDecoder().decode(bytes)) as { featureSpaces?: { name: string; layers: Record<string, string>; required?: string[] }[] };
    const spaces = cfg.featureSpaces ?? [];
    return {
      layers: Object.fromEntries(spaces.map((f) => [f.name, f.required?.length ? f.required : Object.keys(f.layers).slice(0, 1)])),
      dtypes: Object.fromEntries(spaces.map((f) => [f.name, Object.fromEntries(Object.entries(f.layers).filter((e): e is [string, DataType] => isDataType(e[1])))])),
    };
  } catch {
    return { layers: {}, dtypes: {} }; // not ours, or damaged: the caller can still name layers with .layers()
  }
}

/**
 * Big Lance pages (obs columns of many cells) go to the decode workers when there are at least
 * two. With one (a 2-core machine) the calling thread is the other decode lane: a 140 ms uid page
 * sent to the worker holds every matrix decode queued behind it (measured: no faster for a gene
 * query, slower for a cell-type query), so pages stay here unless `lanceOffloadBytes` says otherwise.
 */
async function pageDecoderFor(decoder: ChunkDecoder, opts: AtlasOptions): Promise<PageDecoder | undefined> {
  const lancePages = decoder.lancePages?.bind(decoder);
  if (!lancePages) return undefined;
  if (opts.lanceOffloadBytes !== undefined) return { lancePages, minPageBytes: opts.lanceOffloadBytes };
  const workers = opts.workers ?? (await defaultWorkerCount());
  return workers >= 2 ? { lancePages } : undefined;
}

function openSource(given: AtlasLocation, opts: AtlasOptions): Promise<Source> {
  const location = checkedLocation(given);
  return isCloudLocation(location) ? Promise.resolve(cloudSource(location, opts)) : staticSource(location, opts);
}

/**
 * The location as openSource takes it: a URL object as its href; a string, a store or a cloud
 * location as given. Anything else (undefined from a missing argument, a number, `{url}`) is an
 * InvalidInputError here, not a TypeError from deep inside the store.
 */
function checkedLocation(location: unknown): string | ByteStore | CloudAtlasLocation {
  if (typeof location === 'string') return location;
  if (location instanceof URL) return location.href;
  if (typeof location === 'object' && location !== null) {
    if ('cloud' in location) return location as CloudAtlasLocation;
    const store = location as Partial<ByteStore>;
    if (typeof store.get === 'function' && typeof store.getRange === 'function' && typeof store.size === 'function') return location as ByteStore;
  }
  throw new InvalidInputError(`an atlas location is a URL (string or URL object), a local path in Node, a ByteStore or {cloud}; got ${describeArgument(location)}`, { where: 'location' });
}

/** The zarr root of a LanceDB Cloud atlas: the caller's, or an http(s) zarr_store_uri a 0.2.0–0.2.3 snapshot recorded. */
async function cloudZarrStore(location: CloudAtlasLocation, record: SnapshotRecord, opts: AtlasOptions, db: CloudDatabase): Promise<ByteStore> {
  const given = location.zarr ?? opts.zarrStore;
  if (given !== undefined) return typeof given === 'string' ? openStore(given, opts) : given;
  const uri = record.zarrStoreUri;
  if (uri && /^https?:\/\//.test(uri)) return new HttpStore(uri, opts);
  if (uri) {
    throw new UnsupportedError(`snapshot v${record.version} stores its zarr data at ${uri}; pass {cloud, zarr: '<http url>'} to reach it`, { feature: 'zarr_store_uri scheme', where: 'atlas_versions' });
  }
  throw new QueryError(
    `the atlas in ${location.cloud.db} records no zarr store (homeobox keeps it beside lance_db, which a LanceDB Cloud database does not have): pass {cloud, zarr: 'https://…/zarr_store'}`,
    { where: db.host },
  );
}

/** The snapshot's zarr store; `underRoot`: a prefix of the (already wrapped) atlas root. */
async function zarrStoreFor(root: ByteStore, record: SnapshotRecord, opts: AtlasOptions): Promise<{ store: ByteStore; underRoot: boolean }> {
  const outside = (store: ByteStore) => ({ store, underRoot: false });
  if (opts.zarrStore !== undefined) return outside(typeof opts.zarrStore === 'string' ? await openStore(opts.zarrStore, opts) : opts.zarrStore);
  const local = { store: withPrefix(root, 'zarr_store'), underRoot: true };
  const uri = record.zarrStoreUri;
  if (uri) {
    if (/^https?:\/\//.test(uri)) return outside(new HttpStore(uri, opts));
    // homeobox 0.2.0–0.2.3 recorded where the *writer* kept zarr data (file://, s3://, gs://, memory://).
    // An atlas copied to a web host usually carries it along as {atlas}/zarr_store: use that when present.
    if (await local.store.get('zarr.json').catch(() => undefined)) return local;
    if (/^file:\/\//.test(uri)) return outside(await openStore(uri));
    throw new UnsupportedError(`snapshot v${record.version} stores its zarr data at ${uri}; pass {zarrStore: '<http url>'} to reach it`, { feature: 'zarr_store_uri scheme', where: 'atlas_versions' });
  }
  return local;
}
