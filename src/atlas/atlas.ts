// A checked-out (read-only, pinned) atlas. Opening reads `atlas_versions`, picks a snapshot, and
// pins every table to its recorded Lance version; the zarr store is `{atlas}/zarr_store` unless the
// snapshot (homeobox 0.2.0–0.2.3) or the caller says otherwise. A writable atlas is not a thing here:
// writes go through the Node companion.
import type * as arrow from 'apache-arrow';
import { NotFoundError, UnsupportedError } from '../errors.js';
import { HttpStore, type HttpStoreOptions } from '../io/http.js';
import { IndexedDbCache, MemoryCache, withCache, type ByteCache } from '../io/cache.js';
import { openStore } from '../io/open.js';
import { withPrefix } from '../io/prefix.js';
import { withStats, type IoStats } from '../io/stats.js';
import { withInflightDedupe } from '../io/dedupe.js';
import type { ByteStore } from '../io/types.js';
import { openTable } from '../lance/index.js';
import { AtlasQuery, type QueryProgress, type RunOptions } from '../query/atlas-query.js';
import { AtlasExecutor } from '../query/executor.js';
import { emptySpec } from '../query/spec.js';
import { createDecoder, type DecodePoolOptions } from '../workers/decode-pool.js';
import type { ChunkDecoder } from '../workers/protocol.js';
import { ShardIndexCache } from '../zarr/shard-index-cache.js';
import type { ZarrArray } from '../zarr/index.js';
import { AtlasCatalog, tableStore } from './catalog.js';

/** Written by the ragged-atlas companion next to lance_db/ and zarr_store/. */
const COMPANION_CONFIG = 'ragged_atlas.json';
import type { PointerField } from './pointer-fields.js';
import { parseSnapshotRecords, type SnapshotRecord } from './snapshot-record.js';

export interface AtlasOptions extends HttpStoreOptions, Pick<DecodePoolOptions, 'wasmUrl' | 'workerUrl' | 'variant'> {
  /** Name of the snapshot table; homeobox's default. */
  versionTable?: string;
  /** Zarr root override (URL, path or store); default `{atlas}/zarr_store` or the snapshot's zarr_store_uri. */
  zarrStore?: string | ByteStore;
  /** A decoder to share between atlases; default a worker pool owned by this atlas. */
  decoder?: ChunkDecoder;
  /** Decode workers (default hardwareConcurrency − 1); 0 decodes in the calling thread. */
  workers?: number;
  /** Byte cache for immutable content: 'auto' = IndexedDB in browsers, memory elsewhere. */
  cache?: 'auto' | 'memory' | 'indexeddb' | 'none' | ByteCache;
  /** Budget for the default caches, bytes (memory 256 MiB, IndexedDB 512 MiB). */
  cacheBudgetBytes?: number;
  /**
   * Chunk byte ranges of one shard closer than this are fetched in one request. Larger saves round
   * trips on high-latency stores, smaller saves bytes. Default 1 MiB (object_store's, which homeobox uses).
   */
  coalesceGapBytes?: number;
  /** Zarr requests in flight per read. Default 6 (a browser's per-origin HTTP/1.1 limit). */
  concurrency?: number;
  signal?: AbortSignal;
}

/** One `atlas_versions` row, as `listVersions` returns it. */
export type AtlasVersion = SnapshotRecord;

interface Opened {
  root: ByteStore & { stats: IoStats };
  lanceDb: ByteStore;
}

async function openRoot(location: string | ByteStore, opts: AtlasOptions): Promise<Opened> {
  // Accept the atlas root or its lance_db folder (homeobox's db URI), like homeobox's _resolve_db_uri.
  const base = typeof location === 'string' ? await openStore(location.replace(/\/+$/, '').replace(/\/lance_db$/, ''), opts) : location;
  // Stats sit below the cache: they count what reached the network, not cache hits.
  const counted = withStats(base);
  const cache = pickCache(opts);
  // Dedupe sits above the cache: concurrent misses for the same bytes become one cache miss, one request.
  const root = Object.assign(withInflightDedupe(cache ? withCache(counted, { cache }) : counted), { stats: counted.stats });
  return { root, lanceDb: withPrefix(root, 'lance_db') };
}

function pickCache(opts: AtlasOptions): ByteCache | undefined {
  const c = opts.cache ?? 'auto';
  if (typeof c === 'object') return c;
  if (c === 'none') return undefined;
  if (c === 'indexeddb' || (c === 'auto' && IndexedDbCache.available())) return IndexedDbCache.shared({ budgetBytes: opts.cacheBudgetBytes });
  return new MemoryCache(opts.cacheBudgetBytes);
}

async function readSnapshots(lanceDb: ByteStore, opts: AtlasOptions): Promise<SnapshotRecord[]> {
  const name = opts.versionTable ?? 'atlas_versions';
  const table = await openTable(tableStore(lanceDb, name), { signal: opts.signal }).catch((err) => {
    if (err instanceof NotFoundError) throw new NotFoundError(`no snapshot table "${name}": is this a homeobox atlas with at least one snapshot?`, { where: `${lanceDb.url}/${name}.lance` }, { cause: err });
    throw err;
  });
  return parseSnapshotRecords(await table.scan({ signal: opts.signal }), name);
}

export class RaggedAtlas {
  readonly version: number;
  readonly record: SnapshotRecord;
  readonly #catalog: AtlasCatalog;
  readonly #root: ByteStore & { stats: IoStats };
  readonly #zarr: ByteStore;
  readonly #decoder: ChunkDecoder;
  readonly #ownsDecoder: boolean;
  readonly #indexCache = new ShardIndexCache();
  readonly #arrays = new Map<string, Promise<ZarrArray | undefined>>();

  readonly #readTuning: { maxGap?: number; concurrency?: number };

  private constructor(
    record: SnapshotRecord,
    catalog: AtlasCatalog,
    root: ByteStore & { stats: IoStats },
    zarr: ByteStore,
    decoder: ChunkDecoder,
    ownsDecoder: boolean,
    readTuning: { maxGap?: number; concurrency?: number },
  ) {
    this.#readTuning = readTuning;
    this.record = record;
    this.version = record.version;
    this.#catalog = catalog;
    this.#root = root;
    this.#zarr = zarr;
    this.#decoder = decoder;
    this.#ownsDecoder = ownsDecoder;
  }

  /** Every snapshot of the atlas at `url` (an http(s) URL, or a local path in Node), oldest first. */
  static async listVersions(url: string | ByteStore, opts: AtlasOptions = {}): Promise<AtlasVersion[]> {
    const { lanceDb } = await openRoot(url, { ...opts, cache: 'none' });
    return readSnapshots(lanceDb, opts);
  }

  /** The atlas as it was at snapshot `version`: every table pinned to its recorded Lance version. */
  static async checkout(url: string | ByteStore, version: number, opts: AtlasOptions = {}): Promise<RaggedAtlas> {
    const { root, lanceDb } = await openRoot(url, opts);
    const records = await readSnapshots(lanceDb, opts);
    const record = records.find((r) => r.version === version);
    if (!record) {
      throw new NotFoundError(`snapshot v${version} does not exist (versions: ${records.map((r) => r.version).join(', ') || 'none'})`, { where: root.url });
    }
    return RaggedAtlas.#open(root, lanceDb, record, opts);
  }

  /** The newest snapshot. */
  static async checkoutLatest(url: string | ByteStore, opts: AtlasOptions = {}): Promise<RaggedAtlas> {
    const { root, lanceDb } = await openRoot(url, opts);
    const records = await readSnapshots(lanceDb, opts);
    const record = records[records.length - 1];
    if (!record) throw new NotFoundError('the atlas has no snapshot yet (run `ragged-atlas snapshot`)', { where: root.url });
    return RaggedAtlas.#open(root, lanceDb, record, opts);
  }

  static async #open(root: ByteStore & { stats: IoStats }, lanceDb: ByteStore, record: SnapshotRecord, opts: AtlasOptions): Promise<RaggedAtlas> {
    const [catalog, defaults] = await Promise.all([AtlasCatalog.open(lanceDb, record, { signal: opts.signal }), userLayerDefaults(root, opts.signal)]);
    catalog.defaultLayers = defaults;
    const zarr = await zarrStoreFor(root, record, opts);
    const decoder = opts.decoder ?? createDecoder({ workers: opts.workers, wasmUrl: opts.wasmUrl, workerUrl: opts.workerUrl, variant: opts.variant });
    return new RaggedAtlas(record, catalog, root, zarr, decoder, !opts.decoder, { maxGap: opts.coalesceGapBytes, concurrency: opts.concurrency });
  }

  /** Names of the obs tables in this snapshot. */
  get obsTables(): string[] {
    return [...this.#catalog.obsTables.keys()];
  }

  /** Requests and bytes fetched so far by everything this atlas read (cache hits not counted). */
  get stats(): IoStats {
    return { ...this.#root.stats };
  }

  obsSchema(obsTable?: string): arrow.Schema {
    return this.#catalog.obsTable(obsTable).schema;
  }

  pointerFields(obsTable?: string): PointerField[] {
    return this.#catalog.pointerFields(obsTable);
  }

  /** The datasets table (one row per zarr group and feature space). */
  listDatasets(opts: { signal?: AbortSignal } = {}): Promise<arrow.Table> {
    return this.#catalog.datasetRows(opts.signal);
  }

  /** The feature registry of a feature space (uid, global_index, and its metadata columns). */
  featureRegistry(featureSpace: string, opts: { signal?: AbortSignal } = {}): Promise<arrow.Table> {
    return this.#catalog.registry(featureSpace, opts.signal);
  }

  /** A new query over an obs table (default: the only one, or `cells`). */
  query(obsTable?: string): AtlasQuery {
    this.#catalog.obsTable(obsTable); // fail early on an unknown table
    const executor = new AtlasExecutor(this.#catalog, (run: RunOptions, progress: QueryProgress) => ({
      catalog: this.#catalog,
      zarr: this.#zarr,
      decoder: this.#decoder,
      indexCache: this.#indexCache,
      arrays: this.#arrays,
      ...this.#readTuning,
      signal: run.signal,
      onRead: (d) => {
        progress.phase = 'read';
        progress.requests += d.requests;
        progress.bytes += d.bytes;
        progress.chunks += d.chunks;
        run.onProgress?.({ ...progress });
      },
    }));
    return new AtlasQuery(executor, { ...emptySpec(), obsTable });
  }

  /** Stops the decode workers this atlas started. */
  close(): void {
    if (this.#ownsDecoder) this.#decoder.close?.();
  }
}

/**
 * Default layers of user-defined feature spaces, from the companion's `ragged_atlas.json` when the
 * atlas has one (homeobox keeps feature-space specs in Python code, not in the atlas).
 */
async function userLayerDefaults(root: ByteStore, signal?: AbortSignal): Promise<Record<string, string[]>> {
  const bytes = await root.get(COMPANION_CONFIG, { signal }).catch(() => undefined);
  if (!bytes) return {};
  try {
    const cfg = JSON.parse(new TextDecoder().decode(bytes)) as { featureSpaces?: { name: string; layers: Record<string, string>; required?: string[] }[] };
    return Object.fromEntries((cfg.featureSpaces ?? []).map((f) => [f.name, f.required?.length ? f.required : Object.keys(f.layers).slice(0, 1)]));
  } catch {
    return {}; // not ours, or damaged: the caller can still name layers with .layers()
  }
}

async function zarrStoreFor(root: ByteStore, record: SnapshotRecord, opts: AtlasOptions): Promise<ByteStore> {
  if (opts.zarrStore !== undefined) return typeof opts.zarrStore === 'string' ? openStore(opts.zarrStore, opts) : opts.zarrStore;
  const uri = record.zarrStoreUri;
  if (uri) {
    if (/^https?:\/\//.test(uri)) return new HttpStore(uri, opts);
    // homeobox 0.2.0–0.2.3 recorded where the *writer* kept zarr data (file://, s3://, gs://, memory://).
    // An atlas copied to a web host usually carries it along as {atlas}/zarr_store: use that when present.
    const local = withPrefix(root, 'zarr_store');
    if (await local.get('zarr.json').catch(() => undefined)) return local;
    if (/^file:\/\//.test(uri)) return openStore(uri);
    throw new UnsupportedError(`snapshot v${record.version} stores its zarr data at ${uri}; pass {zarrStore: '<http url>'} to reach it`, { feature: 'zarr_store_uri scheme', where: 'atlas_versions' });
  }
  return withPrefix(root, 'zarr_store');
}
