// Reading one pointer field of the chosen obs rows into a matrix (format reference §5):
//   rows → groups by zarr_group (presence = zarr_group IS NOT NULL) → layout remaps → joined features
//   → zarr reads (CSR ranges, CSC columns when homeobox's rule picks it, or dense rows) → assembly.
// Rows keep the query order (homeobox groups them by zarr group instead; see README).
import * as arrow from 'apache-arrow';
import { NotFoundError, QueryError, throwIfAborted } from '../errors.js';
import type { ByteStore } from '../io/types.js';
import type { AtlasCatalog } from '../atlas/catalog.js';
import type { PointerField } from '../atlas/pointer-fields.js';
import { fetchRangesEncoded, openArray, prefetchShardIndexes, readAll, readRanges, readRows, type ReadProgress, type ZarrArray } from '../zarr/index.js';
import { CHUNK_FIELDS } from '../zarr/encoded-read.js';
import type { ShardIndexCache } from '../zarr/shard-index-cache.js';
import { untilAborted } from '../io/abortable.js';
import { loadOnce } from '../io/promise-lru.js';
import type { ChunkDecoder } from '../workers/protocol.js';
import {
  assembleCsr,
  assembleCsrFromCsc,
  placeGroupRows,
  type CsrMatrix,
  cscColumnRanges,
  effectiveRemap,
  positionLookup,
  intersectSorted,
  resultType,
  scatterDense,
  shouldUseCsc,
  unionSorted,
  wantedRemap,
  type CscGroupInput,
  type DenseGroupInput,
  type SparseGroupInput,
} from '../reconstruct/index.js';
import type { Matrix } from '../anndata/types.js';
import type { QuerySpec } from './spec.js';
import { pickRows } from './arrow-rows.js';
import { numbersAt, stringCodes, stringsAt } from '../arrow/columns.js';

/** Layers read when the query names none: the required layers of homeobox's built-in specs. */
export const DEFAULT_LAYERS: Record<string, string[]> = {
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
   * Settles as soon as it is known, before any column read starts, whether every group of the
   * feature space has CSC arrays (the CSC path then only needs zarr_row).
   */
  cscKnown?: Promise<boolean>;
  /**
   * The whole pointer struct of `rows`, for rows read with a narrowed one (obs-select's
   * structChildren) when the path finally taken needs children that were left out.
   */
  wholePointer?: (rows: arrow.Table) => Promise<arrow.Vector>;
  signal?: AbortSignal;
  onRead?: (delta: { requests: number; bytes: number; chunks: number }) => void;
}

export interface FieldResult {
  /** Positions (in the input rows) of rows that have this modality, ascending. */
  present: Uint32Array;
  /** Sorted global feature indices = the columns of every layer. */
  joined: Int32Array;
  layers: Record<string, Matrix>;
  /** First layer name (becomes X). */
  xLayer: string;
  var: arrow.Table;
  varNames: string[];
  path: 'csr' | 'csc' | 'dense';
}

interface Group {
  zarrGroup: string;
  /** Output rows (positions within `present`) of this group's rows, in query order. */
  outRows: number[];
  rowsInInput: number[];
  remap?: Int32Array;
  eff?: Int32Array;
}

export async function readField(ctx: FieldReadContext, field: PointerField, rows: arrow.Table, spec: QuerySpec): Promise<FieldResult> {
  const { catalog, signal } = ctx;
  if (field.kind === 'spatial') throw new QueryError(`pointer field ${field.name} holds images (discrete spatial); it has no AnnData form`);
  const ptr = rows.getChild(field.name);
  if (!ptr) throw new QueryError(`pointer column ${field.name} was not read`);
  const zg = stringCodes(child(ptr, 'zarr_group'));
  const present: number[] = [];
  const byCode: Group[] = zg.values.map((zarrGroup) => ({ zarrGroup, outRows: [], rowsInInput: [] }));
  for (let i = 0, n = rows.numRows; i < n; i++) {
    const code = zg.codes[i]!;
    if (code < 0) continue; // presence is zarr_group IS NOT NULL, never the struct validity
    const grp = byCode[code]!;
    grp.outRows.push(present.length);
    grp.rowsInInput.push(i);
    present.push(i);
  }
  const groups = new Map(byCode.filter((g) => g.outRows.length).map((g) => [g.zarrGroup, g]));
  const layerNames = layersOf(catalog, spec, field.featureSpace);
  if (!layerNames) {
    throw new QueryError(`feature space ${field.featureSpace} has no built-in default layers: call .layers('${field.featureSpace}', [...])`);
  }
  const groupList = [...groups.values()];
  await Promise.all(
    groupList.map(async (g) => {
      const layout = await catalog.layoutUid(g.zarrGroup, field.featureSpace, signal);
      g.remap = await catalog.remap(layout, signal);
    }),
  );
  throwIfAborted(signal);
  const wanted = spec.features && spec.features.featureSpace === field.featureSpace
    ? await catalog.globalIndices(field.featureSpace, spec.features.uids, signal)
    : undefined;
  const { joined, effs } = joinFor(catalog, groupList.map((g) => g.remap!), wanted, spec.featureJoin);
  groupList.forEach((g, i) => (g.eff = effs[i]));

  const nRows = present.length;
  const nCols = joined.length;
  let layers: Record<string, Matrix>;
  let path: FieldResult['path'];
  if (field.kind === 'dense') {
    path = 'dense';
    layers = await readDense(ctx, field, groupList, rows, layerNames, nRows, nCols);
  } else {
    const cscArrays = wanted && nRows > wanted.length ? await cscArraysOf(ctx, groupList, layerNames) : undefined;
    if (shouldUseCsc(nRows, wanted?.length, cscArrays !== undefined)) {
      path = 'csc';
      layers = await readCsc(ctx, field, groupList, rows, cscArrays!, layerNames, nRows, nCols);
    } else {
      path = 'csr';
      layers = await readCsr(ctx, field, groupList, rows, layerNames, nRows, nCols);
    }
  }
  const { table: varTable, names } = await varFor(catalog, field.featureSpace, joined, signal);
  return { present: Uint32Array.from(present), joined, layers, xLayer: layerNames[0]!, var: varTable, varNames: names, path };
}

/**
 * The joined feature space and each group's effective remap. toBatches joins per batch, and
 * consecutive batches almost always cover the same groups: the last few joins are kept per
 * catalog, keyed by the identity of the (catalog-cached) remaps, the join mode and `wanted`.
 */
const joinCache = new WeakMap<AtlasCatalog, { remaps: Int32Array[]; wanted?: Int32Array; mode: string; joined: Int32Array; effs: Int32Array[] }[]>();
const JOIN_CACHE_ENTRIES = 8;

function joinFor(catalog: AtlasCatalog, remaps: Int32Array[], wanted: Int32Array | undefined, mode: QuerySpec['featureJoin']): { joined: Int32Array; effs: Int32Array[] } {
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
function layersOf(catalog: AtlasCatalog, spec: QuerySpec, featureSpace: string): string[] | undefined {
  return spec.layers[featureSpace] ?? DEFAULT_LAYERS[featureSpace] ?? catalog.defaultLayers[featureSpace];
}

/** The pointer column of `rows` with `names` among its children (completed when it was read narrowed). */
async function pointerWith(ctx: FieldReadContext, rows: arrow.Table, field: PointerField, names: string[]): Promise<arrow.Vector> {
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
function nums(v: arrow.Vector, rows: ArrayLike<number>, what: string): Float64Array {
  return numbersAt(v, rows, (row) => {
    throw new QueryError(`pointer ${what} of row ${row} is null or not an exact integer, for a row whose zarr_group is set`);
  });
}

async function array(ctx: FieldReadContext, path: string, required: boolean): Promise<ZarrArray | undefined> {
  // The atlas keeps opened arrays for every later query, so the open takes no query's signal (promise-lru.ts).
  const open = () => openArray(ctx.zarr, path, { indexCache: ctx.indexCache }).catch((err) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  const a = await untilAborted(loadOnce(ctx.arrays, path, open), ctx.signal, `${ctx.zarr.url}/${path}`);
  if (!a && required) throw new NotFoundError(`zarr array ${path} is missing`, { where: `${ctx.zarr.url}/${path}` });
  return a;
}

/**
 * Zarr read options of a query. Matrix chunks (`bulk`) are requested at low priority: the reads
 * that gate them (obs pages, zarr.json, shard indexes, csc/indptr) then go first on a browser's
 * six connections instead of queueing behind megabytes of chunks (10-gene query: obs pages
 * answered at ~330 instead of ~550 ms; docs/decisions.md).
 */
function readOpts(ctx: FieldReadContext, bulk = true) {
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

async function readCsr(ctx: FieldReadContext, field: PointerField, groups: Group[], rows: arrow.Table, layerNames: string[], nRows: number, nCols: number): Promise<Record<string, Matrix>> {
  const ptr = await pointerWith(ctx, rows, field, ['start', 'end']);
  const start = child(ptr, 'start');
  const end = child(ptr, 'end');
  // Every group's arrays first: the output dtype of a layer is the widest over the groups.
  const opened = await Promise.all(
    groups.map((g) => Promise.all([`${g.zarrGroup}/csr/indices`, ...layerNames.map((l) => `${g.zarrGroup}/csr/layers/${l}`)].map((p) => array(ctx, p, true).then((a) => a!)))),
  );
  const layers = Object.fromEntries(layerNames.map((l, k) => [l, opened.length ? resultType(opened.map((o) => o[k + 1]!.dataType)) : ('uint32' as const)]));
  const rangesOf = (g: Group) => ({ starts: nums(start, g.rowsInInput, 'start'), ends: nums(end, g.rowsInInput, 'end') });
  let csr: CsrMatrix;
  const { decoder } = ctx;
  if (decoder.csrGroup) {
    // Decode, remap, sort and cast where the bytes are decoded (a worker): the main thread only
    // fetches, then places each group's finished rows.
    const blocks = await Promise.all(
      groups.map(async (g, gi) => {
        const [indices, ...arrays] = opened[gi]!;
        const ranges = rangesOf(g);
        const [ix, ...values] = await Promise.all([indices!, ...arrays].map((a) => fetchRangesEncoded(a, ranges, readOpts(ctx))));
        const block = await decoder.csrGroup!(
          { indices: ix!.read, values: values.map((v) => v.read), layers: layerNames, outDtypes: layerNames.map((l) => layers[l]!), lengths: ix!.lengths, remap: g.eff!, nCols, sortIndices: ctx.sortIndices !== false },
          { signal: ctx.signal },
        );
        ctx.onRead?.({ requests: 0, bytes: 0, chunks: [ix!, ...values].reduce((n, r) => n + r.read.chunks.length / CHUNK_FIELDS, 0) });
        return { outRows: g.outRows, csr: block };
      }),
    );
    csr = placeGroupRows(blocks, { nRows, nCols, layers });
  } else {
    const inputs = await Promise.all(
      groups.map(async (g, gi): Promise<SparseGroupInput> => {
        const ranges = rangesOf(g);
        const [indices, ...values] = await Promise.all(opened[gi]!.map((a) => readRanges(a, ranges, readOpts(ctx))));
        return {
          outRows: g.outRows,
          lengths: indices!.lengths,
          indices: indices!.data as ArrayLike<number>,
          values: Object.fromEntries(layerNames.map((l, k) => [l, values[k]!.data as ArrayLike<number | bigint>])),
          remap: g.eff!,
        };
      }),
    );
    csr = assembleCsr(inputs, { nRows, nCols, layers, sortIndices: ctx.sortIndices !== false });
  }
  return Object.fromEntries(layerNames.map((l) => [l, { format: 'csr', shape: [nRows, nCols], indptr: csr.indptr, indices: csr.indices, data: csr.data[l]!, hasSortedIndices: csr.sortedIndices } as Matrix]));
}

/** The CSC arrays of every group, or undefined when any group lacks a complete copy. */
async function cscArraysOf(ctx: FieldReadContext, groups: Group[], layerNames: string[]): Promise<Map<string, { indptr: ZarrArray; indices: ZarrArray; layers: ZarrArray[] }> | undefined> {
  const out = new Map<string, { indptr: ZarrArray; indices: ZarrArray; layers: ZarrArray[] }>();
  // Every group's metadata in one round trip (one group after the other cost a round trip each).
  const opened = await Promise.all(
    groups.map((g) =>
      Promise.all([
        array(ctx, `${g.zarrGroup}/csc/indptr`, false),
        array(ctx, `${g.zarrGroup}/csc/indices`, false),
        ...layerNames.map((l) => array(ctx, `${g.zarrGroup}/csc/layers/${l}`, false)),
      ]),
    ),
  );
  for (const [i, g] of groups.entries()) {
    const [indptr, indices, ...layers] = opened[i]!;
    if (!indptr || !indices || layers.some((l) => !l) || indptr.shape[0] !== g.remap!.length + 1) return undefined;
    out.set(g.zarrGroup, { indptr, indices, layers: layers as ZarrArray[] });
  }
  return out;
}

async function readCsc(
  ctx: FieldReadContext,
  field: PointerField,
  groups: Group[],
  rows: arrow.Table,
  arrays: Map<string, { indptr: ZarrArray; indices: ZarrArray; layers: ZarrArray[] }>,
  layerNames: string[],
  nRows: number,
  nCols: number,
): Promise<Record<string, Matrix>> {
  const zarrRow = child(await pointerWith(ctx, rows, field, ['zarr_row']), 'zarr_row');
  const dtypes: Record<string, ReturnType<typeof resultType>> = {};
  for (const a of arrays.values()) a.layers.forEach((arr, k) => (dtypes[layerNames[k]!] = dtypes[layerNames[k]!] ? resultType([dtypes[layerNames[k]!]!, arr.dataType]) : arr.dataType));
  await ctx.cscPrefetch;
  const inputs = await Promise.all(
    groups.map(async (g): Promise<CscGroupInput> => {
      const key = cscKey(g.zarrGroup, layerNames, g.eff!);
      const cols = (await ctx.cscColumns?.get(key)) ?? (await readCscColumns(ctx, arrays.get(g.zarrGroup)!, g.eff!));
      return {
        ...cols,
        values: Object.fromEntries(layerNames.map((l, k) => [l, cols.values[k]!])),
        remap: g.eff!,
        zarrRows: nums(zarrRow, g.rowsInInput, 'zarr_row'),
        outRows: g.outRows,
      };
    }),
  );
  const csr = assembleCsrFromCsc(inputs, { nRows, nCols, layers: Object.fromEntries(layerNames.map((l) => [l, dtypes[l] ?? 'uint32'])) });
  return Object.fromEntries(layerNames.map((l) => [l, { format: 'csr', shape: [nRows, nCols], indptr: csr.indptr, indices: csr.indices, data: csr.data[l]!, hasSortedIndices: true } as Matrix]));
}

/** One group's wanted CSC columns: which local columns, their lengths, zarr rows and layer values. They do not depend on the query's rows. */
interface CscColumns {
  columns: Int32Array;
  lengths: ArrayLike<number>;
  rows: ArrayLike<number>;
  values: ArrayLike<number | bigint>[];
}

async function readCscColumns(ctx: FieldReadContext, a: { indptr: ZarrArray; indices: ZarrArray; layers: ZarrArray[] }, eff: Int32Array): Promise<CscColumns> {
  const indptr = await readCscIndptr(ctx, a.indptr, eff);
  const { columns, starts, ends } = cscColumnRanges(indptr, eff);
  const ranges = { starts, ends };
  const [indices, ...values] = await Promise.all([a.indices, ...a.layers].map((arr) => readRanges(arr, ranges, readOpts(ctx))));
  return { columns, lengths: indices!.lengths, rows: indices!.data as ArrayLike<number>, values: values.map((v) => v.data as ArrayLike<number | bigint>) };
}

function cscKey(zarrGroup: string, layerNames: string[], eff: Int32Array): string {
  let wanted = '';
  for (let c = 0; c < eff.length; c++) if (eff[c]! >= 0) wanted += `${c}:${eff[c]},`;
  return `${zarrGroup}\u0000${layerNames.join(',')}\u0000${wanted}`;
}

/**
 * Starts the CSC column reads of a features() query for every zarr group of the field's feature
 * space before the obs rows are known: which columns a group contributes does not depend on the
 * rows, so these requests overlap obs selection instead of following it. Worth it when the query
 * selects whole groups (no where/search/limit): the caller decides. Failures are dropped here; the
 * real read then repeats the work and reports them.
 */
export function prefetchCscColumns(ctx: FieldReadContext, field: PointerField, spec: QuerySpec): void {
  if (field.kind !== 'sparse' || !spec.features || spec.features.featureSpace !== field.featureSpace) return;
  const cache = (ctx.cscColumns ??= new Map());
  const layerNames = layersOf(ctx.catalog, spec, field.featureSpace);
  if (!layerNames) return;
  const { catalog, signal } = ctx;
  let settle!: (v: boolean | Promise<boolean>) => void;
  const knownP = new Promise<boolean>((ok) => (settle = ok));
  const started = (async () => {
    const wantedP = catalog.globalIndices(field.featureSpace, spec.features!.uids, signal);
    wantedP.catch(() => undefined);
    const datasets = await catalog.datasetRows(signal);
    const fs = stringsAt(datasets.getChild('feature_space')!);
    const zg = stringsAt(datasets.getChild('zarr_group')!);
    const groups = [...new Set(zg.filter((g, i): g is string => g !== null && fs[i] === field.featureSpace))];
    // Per group: its remap and CSC arrays (which decide whether the CSC path serves it), then its column reads.
    const checked = groups.map(async (zarrGroup) => {
      // The CSC arrays' metadata and shard indexes do not depend on the layout: load them while it is read.
      void array(ctx, `${zarrGroup}/csc/indptr`, false).catch(() => undefined);
      for (const path of [`${zarrGroup}/csc/indices`, ...layerNames.map((l) => `${zarrGroup}/csc/layers/${l}`)]) {
        void array(ctx, path, false).then((a) => a && prefetchShardIndexes(a), () => undefined);
      }
      const remap = await catalog.remap(await catalog.layoutUid(zarrGroup, field.featureSpace, signal), signal);
      const arrays = (await cscArraysOf(ctx, [{ zarrGroup, outRows: [], rowsInInput: [], remap }], layerNames))?.get(zarrGroup);
      return { zarrGroup, remap, arrays };
    });
    settle(Promise.all(checked).then((gs) => gs.every((g) => g.arrays !== undefined)));
    await Promise.all(
      checked.map(async (c) => {
        const { zarrGroup, remap, arrays } = await c;
        if (!arrays) return;
        const [eff] = joinFor(catalog, [remap], await wantedP, spec.featureJoin).effs;
        const p = readCscColumns(ctx, arrays, eff!);
        p.catch(() => undefined);
        cache.set(cscKey(zarrGroup, layerNames, eff!), p.catch(() => undefined));
      }),
    );
  })();
  started.catch(() => settle(false)); // failed before the groups were checked
  ctx.cscKnown = knownP.catch(() => false);
  ctx.cscPrefetch = started.catch(() => undefined);
}

/**
 * csc/indptr as cscColumnRanges needs it. homeobox writes it with zarr's "auto" partition (shards
 * of ~2 KiB), so reading it whole costs a size probe, an index and a chunk request per ~236
 * features; when few columns are wanted, only their [j, j+2) entries are read (the other entries
 * stay 0 and are never looked at).
 */
async function readCscIndptr(ctx: FieldReadContext, indptr: ZarrArray, eff: Int32Array): Promise<ArrayLike<number | bigint>> {
  const wanted: number[] = [];
  for (let c = 0; c < eff.length; c++) if (eff[c]! >= 0) wanted.push(c);
  if (wanted.length * 8 > eff.length) return (await readAll(indptr, readOpts(ctx, false))) as ArrayLike<number | bigint>;
  const got = await readRanges(indptr, { starts: wanted, ends: wanted.map((c) => c + 2) }, readOpts(ctx, false));
  const out = new Float64Array(eff.length + 1);
  wanted.forEach((c, i) => {
    out[c] = Number(got.data[2 * i]);
    out[c + 1] = Number(got.data[2 * i + 1]);
  });
  return out;
}

async function readDense(ctx: FieldReadContext, field: PointerField, groups: Group[], rows: arrow.Table, layerNames: string[], nRows: number, nCols: number): Promise<Record<string, Matrix>> {
  const position = child(rows.getChild(field.name)!, 'position');
  const out: Record<string, Matrix> = {};
  for (const l of layerNames) {
    const parts = await Promise.all(
      groups.map(async (g) => {
        const a = (await array(ctx, `${g.zarrGroup}/layers/${l}`, true))!;
        if (a.shape.length !== 2 || a.shape[1] !== g.remap!.length) {
          throw new QueryError(`${g.zarrGroup}/layers/${l} has shape [${a.shape}] but its layout has ${g.remap!.length} features`);
        }
        const data = await readRows(a, nums(position, g.rowsInInput, 'position'), readOpts(ctx));
        return { input: { outRows: g.outRows, data: data as ArrayLike<number | bigint>, fLocal: a.shape[1]!, remap: g.eff! } as DenseGroupInput, dtype: a.dataType };
      }),
    );
    const dtype = parts.length ? resultType(parts.map((p) => p.dtype)) : 'float32';
    out[l] = { format: 'dense', shape: [nRows, nCols], data: scatterDense(parts.map((p) => p.input), { nRows, nCols, dtype }) as Matrix['data'] };
  }
  return out;
}

/**
 * Per registry table: global_index → row, and the last few var tables built from it. toBatches
 * joins features per batch, and consecutive batches almost always join the same features: without
 * the cache every batch re-gathered (and re-encoded) tens of thousands of registry rows.
 */
const registryCache = new WeakMap<arrow.Table, { rowOf: (g: number) => number; built: { joined: Int32Array; table: arrow.Table; names: string[] }[] }>();
const VAR_CACHE_ENTRIES = 8;

/** var: registry rows whose global_index is in `joined`, in joined (= global_index) order. */
async function varFor(catalog: AtlasCatalog, featureSpace: string, joined: Int32Array, signal?: AbortSignal): Promise<{ table: arrow.Table; names: string[] }> {
  const reg = await catalog.registry(featureSpace, signal);
  let cache = registryCache.get(reg);
  if (!cache) {
    // A null (or beyond 2^53) global_index is NaN here: no feature can ask for that row.
    const gi = numbersAt(reg.getChild('global_index')!, undefined, () => undefined);
    registryCache.set(reg, (cache = { rowOf: positionLookup(gi), built: [] }));
  }
  const hit = cache.built.find((b) => sameInts(b.joined, joined));
  if (hit) return { table: hit.table, names: hit.names.slice() };
  const { rowOf } = cache;
  const idx = Array.from(joined, (g) => {
    const i = rowOf(g);
    if (i < 0) throw new NotFoundError(`global feature index ${g} is not in the ${featureSpace} registry`);
    return i;
  });
  const table = pickRows(reg, idx);
  const names = stringsAt(table.getChild('uid')!).map((s) => String(s));
  cache.built.unshift({ joined: joined.slice(), table, names });
  cache.built.length = Math.min(cache.built.length, VAR_CACHE_ENTRIES);
  return { table, names: names.slice() };
}

function sameInts(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
