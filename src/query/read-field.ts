// Reading one pointer field of the chosen obs rows into a matrix (format reference §5):
//   rows → groups by zarr_group (presence = zarr_group IS NOT NULL) → layout remaps → joined features
//   → zarr reads (CSR ranges, CSC columns when homeobox's rule picks it, or dense rows) → assembly.
// Rows keep the query order (homeobox groups them by zarr group instead; see README).
import * as arrow from 'apache-arrow';
import { NotFoundError, QueryError, throwIfAborted } from '../errors.js';
import type { ByteStore } from '../io/types.js';
import type { AtlasCatalog } from '../atlas/catalog.js';
import type { PointerField } from '../atlas/pointer-fields.js';
import { openArray, readAll, readRanges, readRows, type ReadProgress, type ZarrArray } from '../zarr/index.js';
import type { ShardIndexCache } from '../zarr/shard-index-cache.js';
import type { ChunkDecoder } from '../workers/protocol.js';
import {
  assembleCsr,
  assembleCsrFromCsc,
  cscColumnRanges,
  effectiveRemap,
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
  const zg = child(ptr, 'zarr_group');
  const present: number[] = [];
  const groups = new Map<string, Group>();
  for (let i = 0; i < rows.numRows; i++) {
    const g = zg.get(i) as string | null;
    if (g === null || g === undefined) continue; // presence is zarr_group IS NOT NULL, never the struct validity
    let grp = groups.get(g);
    if (!grp) groups.set(g, (grp = { zarrGroup: g, outRows: [], rowsInInput: [] }));
    grp.outRows.push(present.length);
    grp.rowsInInput.push(i);
    present.push(i);
  }
  const layerNames = spec.layers[field.featureSpace] ?? DEFAULT_LAYERS[field.featureSpace] ?? catalog.defaultLayers[field.featureSpace];
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
  const remaps = groupList.map((g) => g.remap!);
  const joined = wanted ?? (spec.featureJoin === 'intersection' ? intersectSorted(remaps) : unionSorted(remaps));
  for (const g of groupList) g.eff = wanted ? wantedRemap(g.remap!, wanted) : effectiveRemap(g.remap!, joined, spec.featureJoin);

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

/** A struct child as something indexable (arrow's getChildAt throws on a vector with no chunks). */
function child(ptr: arrow.Vector, name: string): Pick<arrow.Vector, 'get'> {
  const type = ptr.type as arrow.Struct;
  const idx = type.children.findIndex((c) => c.name === name);
  if (idx < 0) throw new QueryError(`pointer struct lacks child ${name}`);
  if (ptr.data.length === 0) return { get: () => null };
  return ptr.getChildAt(idx)!;
}

function num(v: Pick<arrow.Vector, 'get'>, i: number, what: string): number {
  const x = v.get(i);
  if (x === null || x === undefined) throw new QueryError(`pointer ${what} is null for a row whose zarr_group is set`);
  return Number(x);
}

async function array(ctx: FieldReadContext, path: string, required: boolean): Promise<ZarrArray | undefined> {
  let p = ctx.arrays.get(path);
  if (!p) {
    p = openArray(ctx.zarr, path, { signal: ctx.signal, indexCache: ctx.indexCache }).catch((err) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    ctx.arrays.set(path, p);
  }
  const a = await p;
  if (!a && required) throw new NotFoundError(`zarr array ${path} is missing`, { where: `${ctx.zarr.url}/${path}` });
  return a;
}

function readOpts(ctx: FieldReadContext) {
  let last: ReadProgress | undefined;
  return {
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
  const ptr = rows.getChild(field.name)!;
  const start = child(ptr, 'start');
  const end = child(ptr, 'end');
  const dtypes: Record<string, ReturnType<typeof resultType>> = {};
  const inputs = await Promise.all(
    groups.map(async (g): Promise<SparseGroupInput> => {
      const starts = g.rowsInInput.map((i) => num(start, i, 'start'));
      const ends = g.rowsInInput.map((i) => num(end, i, 'end'));
      const ranges = { starts, ends };
      const [indices, ...values] = await Promise.all([
        array(ctx, `${g.zarrGroup}/csr/indices`, true).then((a) => readRanges(a!, ranges, readOpts(ctx))),
        ...layerNames.map((l) => array(ctx, `${g.zarrGroup}/csr/layers/${l}`, true).then((a) => {
          dtypes[l] = dtypes[l] ? resultType([dtypes[l]!, a!.dataType]) : a!.dataType;
          return readRanges(a!, ranges, readOpts(ctx));
        })),
      ]);
      return {
        outRows: g.outRows,
        lengths: indices!.lengths,
        indices: indices!.data as ArrayLike<number>,
        values: Object.fromEntries(layerNames.map((l, k) => [l, values[k]!.data as ArrayLike<number | bigint>])),
        remap: g.eff!,
      };
    }),
  );
  const layersDtypes = Object.fromEntries(layerNames.map((l) => [l, dtypes[l] ?? 'uint32']));
  const csr = assembleCsr(inputs, { nRows, nCols, layers: layersDtypes });
  return Object.fromEntries(layerNames.map((l) => [l, { format: 'csr', shape: [nRows, nCols], indptr: csr.indptr, indices: csr.indices, data: csr.data[l]! } as Matrix]));
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
  const zarrRow = child(rows.getChild(field.name)!, 'zarr_row');
  const dtypes: Record<string, ReturnType<typeof resultType>> = {};
  const inputs = await Promise.all(
    groups.map(async (g): Promise<CscGroupInput> => {
      const a = arrays.get(g.zarrGroup)!;
      const indptr = await readCscIndptr(ctx, a.indptr, g.eff!);
      const { columns, starts, ends } = cscColumnRanges(indptr, g.eff!);
      const ranges = { starts: Array.from(starts), ends: Array.from(ends) };
      const [indices, ...values] = await Promise.all([
        readRanges(a.indices, ranges, readOpts(ctx)),
        ...a.layers.map((arr, k) => {
          const l = layerNames[k]!;
          dtypes[l] = dtypes[l] ? resultType([dtypes[l]!, arr.dataType]) : arr.dataType;
          return readRanges(arr, ranges, readOpts(ctx));
        }),
      ]);
      return {
        columns,
        lengths: indices.lengths,
        rows: indices.data as ArrayLike<number>,
        values: Object.fromEntries(layerNames.map((l, k) => [l, values[k]!.data as ArrayLike<number | bigint>])),
        remap: g.eff!,
        zarrRows: g.rowsInInput.map((i) => num(zarrRow, i, 'zarr_row')),
        outRows: g.outRows,
      };
    }),
  );
  const csr = assembleCsrFromCsc(inputs, { nRows, nCols, layers: Object.fromEntries(layerNames.map((l) => [l, dtypes[l] ?? 'uint32'])) });
  return Object.fromEntries(layerNames.map((l) => [l, { format: 'csr', shape: [nRows, nCols], indptr: csr.indptr, indices: csr.indices, data: csr.data[l]! } as Matrix]));
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
  if (wanted.length * 8 > eff.length) return (await readAll(indptr, readOpts(ctx))) as ArrayLike<number | bigint>;
  const got = await readRanges(indptr, { starts: wanted, ends: wanted.map((c) => c + 2) }, readOpts(ctx));
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
        const data = await readRows(a, g.rowsInInput.map((i) => num(position, i, 'position')), readOpts(ctx));
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
const registryCache = new WeakMap<arrow.Table, { byGlobal: Map<number, number>; built: { joined: Int32Array; table: arrow.Table; names: string[] }[] }>();
const VAR_CACHE_ENTRIES = 8;

/** var: registry rows whose global_index is in `joined`, in joined (= global_index) order. */
async function varFor(catalog: AtlasCatalog, featureSpace: string, joined: Int32Array, signal?: AbortSignal): Promise<{ table: arrow.Table; names: string[] }> {
  const reg = await catalog.registry(featureSpace, signal);
  let cache = registryCache.get(reg);
  if (!cache) {
    const gi = reg.getChild('global_index')!;
    const byGlobal = new Map<number, number>();
    for (let i = 0; i < reg.numRows; i++) {
      const g = gi.get(i);
      if (g !== null && g !== undefined) byGlobal.set(Number(g), i);
    }
    registryCache.set(reg, (cache = { byGlobal, built: [] }));
  }
  const hit = cache.built.find((b) => b.joined.length === joined.length && b.joined.every((g, i) => g === joined[i]));
  if (hit) return { table: hit.table, names: hit.names.slice() };
  const idx = Array.from(joined, (g) => {
    const i = cache.byGlobal.get(g);
    if (i === undefined) throw new NotFoundError(`global feature index ${g} is not in the ${featureSpace} registry`);
    return i;
  });
  const table = pickRows(reg, idx);
  const uid = table.getChild('uid')!;
  const names = Array.from({ length: table.numRows }, (_, i) => String(uid.get(i)));
  cache.built.unshift({ joined: joined.slice(), table, names });
  cache.built.length = Math.min(cache.built.length, VAR_CACHE_ENTRIES);
  return { table, names: names.slice() };
}
