// What every read path of a pointer field shares: the query's read context (stores, decoder,
// caches, signal, progress), the rows grouped by zarr group, the joined feature space, and the
// helpers that open arrays and pick pointer children. read-field.ts dispatches to the CSR, CSC
// (read-csc.ts) and dense paths; all of them take these.
import * as arrow from 'apache-arrow';
import { NotFoundError, QueryError } from '../errors.js';
import type { ByteStore } from '../io/types.js';
import type { AtlasCatalog } from '../atlas/catalog.js';
import type { PointerField } from '../atlas/pointer-fields.js';
import { openArray, type ReadProgress, type ZarrArray } from '../zarr/index.js';
import type { ShardIndexCache } from '../zarr/shard-index-cache.js';
import type { DataType } from '../zarr/dtype.js';
import { awaitShared, type PromiseLru } from '../io/promise-lru.js';
import type { ChunkDecoder } from '../workers/protocol.js';
import { effectiveRemap, intersectSorted, unionSorted, wantedRemap } from '../reconstruct/index.js';
import type { QuerySpec } from './spec.js';
import { numbersAt } from '../arrow/columns.js';
import type { CscColumns } from './read-csc.js';

/** Layers read when the query names none: the required layers of homeobox's built-in specs. */
const DEFAULT_LAYERS: Record<string, string[]> = {
  gene_expression: ['counts'],
  protein_abundance: ['counts'],
  image_features: ['ctrl_standardized'],
};

export interface FieldReadContext {
  catalog: AtlasCatalog;
  zarr: ByteStore;
  decoder: ChunkDecoder;
  indexCache: ShardIndexCache;
  /** Opened arrays by path; shared across queries of one atlas. */
  arrays: Map<string, Promise<ZarrArray | undefined>>;
  /** Whole csc/indptr arrays read so far (read-csc.ts readCscIndptr); shared across queries of one atlas. */
  cscIndptrs?: PromiseLru<ArrayLike<number | bigint>>;
  /** Read tuning passed to every zarr read (see AtlasOptions.coalesceGapBytes / concurrency). */
  maxGap?: number;
  concurrency?: number;
  /** Sort column indices within CSR rows (default true; see RunOptions.sortIndices). */
  sortIndices?: boolean;
  /** CSC column reads started before the rows were known (prefetchCscColumns), by group, layers and columns. */
  cscColumns?: Map<string, Promise<CscColumns | undefined>>;
  /** Settles once prefetchCscColumns has registered every group's read in `cscColumns`. */
  cscPrefetch?: Promise<void>;
  /**
   * The whole pointer struct of `rows`, for rows read with a narrowed one (obs-select's
   * structChildren) when the path finally taken needs children that were left out.
   */
  wholePointer?: (rows: arrow.Table) => Promise<arrow.Vector>;
  signal?: AbortSignal;
  onRead?: (delta: { requests: number; bytes: number; chunks: number }) => void;
}

export interface Group {
  zarrGroup: string;
  /** Output rows (positions within `present`) of this group's rows, in query order. */
  outRows: Uint32Array;
  rowsInInput: Uint32Array;
  remap?: Int32Array;
  eff?: Int32Array;
}

/**
 * The joined feature space and each group's effective remap. toBatches joins per batch, and
 * consecutive batches almost always cover the same groups: the last few joins are kept per
 * catalog, keyed by the identity of the (catalog-cached) remaps, the join mode and `wanted`.
 */
const joinCache = new WeakMap<AtlasCatalog, { remaps: Int32Array[]; wanted?: Int32Array; mode: string; joined: Int32Array; effs: Int32Array[] }[]>();
const JOIN_CACHE_ENTRIES = 8;

export function joinFor(catalog: AtlasCatalog, remaps: Int32Array[], wanted: Int32Array | undefined, mode: QuerySpec['featureJoin']): { joined: Int32Array; effs: Int32Array[] } {
  let entries = joinCache.get(catalog);
  if (!entries) joinCache.set(catalog, (entries = []));
  const hit = entries.find(
    (e) => e.mode === mode && e.remaps.length === remaps.length && e.remaps.every((r, i) => r === remaps[i]) && (e.wanted === wanted || (e.wanted && wanted && sameInts(e.wanted, wanted))),
  );
  if (hit) return hit;
  const joined = wanted ?? (mode === 'intersection' ? intersectSorted(remaps) : unionSorted(remaps));
  const effs = remaps.map((r) => (wanted ? wantedRemap(r, wanted) : effectiveRemap(r, joined, mode)));
  entries.unshift({ remaps, wanted, mode, joined, effs });
  entries.length = Math.min(entries.length, JOIN_CACHE_ENTRIES);
  return { joined, effs };
}

/** Layers a query reads in a feature space: its own, else the built-in defaults, else the atlas's. */
/**
 * The dtype of a built-in layer (homeobox's specs, format reference §4): what an empty result
 * (no zarr group to read a dtype from) gives its matrices. Other layers: uint32 for sparse spaces,
 * float32 for dense ones.
 */
const BUILTIN_LAYER_DTYPES: Record<string, Record<string, 'uint32' | 'float32'>> = {
  gene_expression: { counts: 'uint32', log_normalized: 'float32', tpm: 'float32' },
  protein_abundance: { counts: 'uint32', clr_normalized: 'float32', dsb_normalized: 'float32' },
  image_features: { ctrl_standardized: 'float32', raw: 'float32', log_normalized: 'float32' },
};

export function emptyLayerDtype(catalog: AtlasCatalog, field: PointerField, layer: string): DataType {
  return BUILTIN_LAYER_DTYPES[field.featureSpace]?.[layer] ?? catalog.layerDtypes[field.featureSpace]?.[layer] ?? (field.kind === 'sparse' ? 'uint32' : 'float32');
}

export function layersOf(catalog: AtlasCatalog, spec: QuerySpec, featureSpace: string): string[] | undefined {
  return spec.layers[featureSpace] ?? DEFAULT_LAYERS[featureSpace] ?? catalog.defaultLayers[featureSpace];
}

/** The pointer column of `rows` with `names` among its children (completed when it was read narrowed). */
export async function pointerWith(ctx: FieldReadContext, rows: arrow.Table, field: PointerField, names: string[]): Promise<arrow.Vector> {
  const ptr = rows.getChild(field.name)!;
  const have = (ptr.type as arrow.Struct).children.map((c) => c.name);
  if (names.every((n) => have.includes(n)) || !ctx.wholePointer) return ptr;
  return ctx.wholePointer(rows);
}

/** A struct child (an empty vector of its type when there are no rows). */
export function child(ptr: arrow.Vector, name: string): arrow.Vector {
  const type = ptr.type as arrow.Struct;
  const idx = type.children.findIndex((c) => c.name === name);
  if (idx < 0) throw new QueryError(`pointer struct lacks child ${name}`);
  // No rows: arrow's getChildAt throws on a vector without chunks, or on empty chunks built without children.
  if (ptr.length === 0) return arrow.vectorFromArray([], type.children[idx]!.type);
  return ptr.getChildAt(idx)!;
}

/** A pointer child's values at `rows` (rows whose zarr_group is set: a null there is corrupt). */
export function nums(v: arrow.Vector, rows: ArrayLike<number>, what: string): Float64Array {
  return numbersAt(v, rows, (row) => {
    throw new QueryError(`pointer ${what} of row ${row} is null or not an exact integer, for a row whose zarr_group is set`);
  });
}

export async function array(ctx: FieldReadContext, path: string, required: boolean): Promise<ZarrArray | undefined> {
  // The atlas keeps opened arrays for every later query, so the open takes no query's signal (promise-lru.ts).
  const open = () => openArray(ctx.zarr, path, { indexCache: ctx.indexCache }).catch((err) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  const a = await awaitShared(ctx.arrays, path, open, ctx.signal, `${ctx.zarr.url}/${path}`);
  if (!a && required) throw new NotFoundError(`zarr array ${path} is missing`, { where: `${ctx.zarr.url}/${path}` });
  return a;
}

/**
 * Layer `layer` of a zarr group (`dir`: 'csr/layers' or 'layers'). Datasets may store different
 * layers, so a missing one is named as a layer of that group, not as a bare missing array.
 */
export async function layerArray(ctx: FieldReadContext, zarrGroup: string, dir: string, layer: string): Promise<ZarrArray> {
  const a = await array(ctx, `${zarrGroup}/${dir}/${layer}`, false);
  if (a) return a;
  throw new NotFoundError(`zarr group ${zarrGroup} has no layer '${layer}': datasets may store different layers; ask layers() for ones every dataset of the query has`, {
    where: `${ctx.zarr.url}/${zarrGroup}/${dir}/${layer}`,
    layer,
    zarrGroup,
  });
}

/**
 * Zarr read options of a query. Matrix chunks (`bulk`) are requested at low priority: the reads
 * that gate them (obs pages, zarr.json, shard indexes, csc/indptr) then go first on a browser's
 * six connections instead of queueing behind megabytes of chunks (10-gene query: obs pages
 * answered at ~330 instead of ~550 ms; docs/decisions.md).
 */
export function readOpts(ctx: FieldReadContext, bulk = true) {
  let last: ReadProgress | undefined;
  return {
    ...(bulk ? { priority: 'low' as const } : {}),
    signal: ctx.signal,
    decoder: ctx.decoder,
    maxGap: ctx.maxGap,
    concurrency: ctx.concurrency,
    onProgress: (p: Readonly<ReadProgress>) => {
      ctx.onRead?.({
        requests: p.requests - (last?.requests ?? 0),
        bytes: p.bytes - (last?.bytes ?? 0),
        chunks: p.chunksDecoded + p.chunksFilled - ((last?.chunksDecoded ?? 0) + (last?.chunksFilled ?? 0)),
      });
      last = { ...p };
    },
  };
}

export function sameInts(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
