// The CSC path of a features() query (format reference §5): each group's wanted columns from its
// feature-oriented copy (csc/indptr → column ranges of csc/indices and the layers), assembled into
// CSR rows in query order. The column reads do not depend on the rows, so a query over whole groups
// starts them before obs is selected (prefetchCscColumns).
import * as arrow from 'apache-arrow';
import type { PointerField } from '../atlas/pointer-fields.js';
import { prefetchShardIndexes, readAll, readRanges, type ReadProgress, type ZarrArray } from '../zarr/index.js';
import { CorruptDataError } from '../errors.js';
import { untilAborted } from '../io/abortable.js';
import { assembleCsrFromCsc, cscColumnRanges, cscRowMaps, resultType, type CscGroupInput, type CscKernels } from '../reconstruct/index.js';
import { nextTask } from './next-task.js';
import type { Matrix } from '../anndata/types.js';
import { featuresOf, type QuerySpec } from './spec.js';
import { stringsAt } from '../arrow/columns.js';
import { array, child, joinFor, layersOf, nums, pointerWith, readOpts, type FieldReadContext, type Group } from './read-context.js';

/** The CSC arrays of every group, or undefined when any group lacks a complete copy. */
export async function cscArraysOf(ctx: FieldReadContext, groups: Group[], layerNames: string[]): Promise<Map<string, { indptr: ZarrArray; indices: ZarrArray; layers: ZarrArray[] }> | undefined> {
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

export async function readCsc(
  ctx: FieldReadContext,
  field: PointerField,
  groups: Group[],
  rows: arrow.Table,
  arrays: Map<string, { indptr: ZarrArray; indices: ZarrArray; layers: ZarrArray[] }>,
  layerNames: string[],
  /** The features() query's global indices, sorted (each group's eff is its wantedRemap). */
  wanted: Int32Array,
  nRows: number,
  nCols: number,
): Promise<Record<string, Matrix>> {
  const kernels = cscKernels();
  const zarrRow = child(await pointerWith(ctx, rows, field, ['zarr_row']), 'zarr_row');
  // Each group's zarr rows and row map depend only on the rows: built a task later, while the
  // column reads are in flight (in a fresh page ~10 ms that otherwise came after the last chunk).
  const rowsP = nextTask().then(() => {
    const zarrRows = groups.map((g) => nums(zarrRow, g.rowsInInput, 'zarr_row'));
    return { zarrRows, maps: cscRowMaps(groups.map((g, i) => ({ zarrRows: zarrRows[i]!, outRows: g.outRows })), nRows) };
  });
  rowsP.catch(() => undefined); // awaited below, unless a column read fails first
  const dtypes: Record<string, ReturnType<typeof resultType>> = {};
  for (const a of arrays.values()) a.layers.forEach((arr, k) => (dtypes[layerNames[k]!] = dtypes[layerNames[k]!] ? resultType([dtypes[layerNames[k]!]!, arr.dataType]) : arr.dataType));
  await ctx.cscPrefetch;
  const columns = await Promise.all(groups.map(async (g) => (await ctx.cscColumns?.get(cscKey(g.zarrGroup, layerNames, wanted))) ?? (await readCscColumns(ctx, arrays.get(g.zarrGroup)!, g.eff!))));
  const { zarrRows, maps } = await rowsP;
  const inputs = groups.map((g, i): CscGroupInput => {
    const cols = columns[i]!;
    return { ...cols, values: Object.fromEntries(layerNames.map((l, k) => [l, cols.values[k]!])), remap: g.eff!, zarrRows: zarrRows[i]!, outRows: g.outRows };
  });
  const csr = assembleCsrFromCsc(inputs, { nRows, nCols, layers: Object.fromEntries(layerNames.map((l) => [l, dtypes[l] ?? 'uint32'])) }, await kernels, maps);
  return Object.fromEntries(layerNames.map((l) => [l, { format: 'csr', shape: [nRows, nCols], indptr: csr.indptr, indices: csr.indices, data: csr.data[l]!, hasSortedIndices: true } as Matrix]));
}

let kernelsLoad: Promise<CscKernels | undefined> | undefined;

/**
 * The codec module of this thread (already loaded where Lance pages were decoded here), whose
 * kernels assemble the CSR; without it (the module failed to load) JS assembles.
 */
function cscKernels(): Promise<CscKernels | undefined> {
  return (kernelsLoad ??= import('../codecs/load.js').then((m) => m.sharedCodecs()).catch(() => undefined));
}

/** One group's wanted CSC columns: which local columns, their lengths, zarr rows and layer values. They do not depend on the query's rows. */
export interface CscColumns {
  columns: Int32Array;
  lengths: ArrayLike<number>;
  rows: ArrayLike<number>;
  values: ArrayLike<number | bigint>[];
}

export async function readCscColumns(ctx: FieldReadContext, a: { indptr: ZarrArray; indices: ZarrArray; layers: ZarrArray[] }, eff: Int32Array): Promise<CscColumns> {
  const indptr = await readCscIndptr(ctx, a.indptr, eff, a.indices.shape[0]!);
  const { columns, starts, ends } = cscColumnRanges(indptr, eff);
  const ranges = { starts, ends };
  const [indices, ...values] = await Promise.all([a.indices, ...a.layers].map((arr) => readRanges(arr, ranges, readOpts(ctx))));
  return { columns, lengths: indices!.lengths, rows: indices!.data as ArrayLike<number>, values: values.map((v) => v.data as ArrayLike<number | bigint>) };
}

/**
 * A group's CSC read is fixed by its layout (one per group in a checkout) and the wanted global
 * features (the CSC path serves only features() queries: eff = wantedRemap(remap, wanted)). Keyed by
 * those, not by a walk over eff: that ran over every local feature of every group, twice per query,
 * in code a fresh page still interprets (~12 ms of the page thread for four 16,000-feature groups).
 */
function cscKey(zarrGroup: string, layerNames: string[], wanted: Int32Array): string {
  return `${zarrGroup}\u0000${layerNames.join(',')}\u0000${wanted.join(',')}`;
}

/**
 * Starts the CSC column reads of a features() query for every zarr group of the field's feature
 * space before the obs rows are known: which columns a group contributes does not depend on the
 * rows, so these requests overlap obs selection instead of following it. Worth it when the query
 * selects whole groups (no where/search/limit): the caller decides. Failures are dropped here; the
 * real read then repeats the work and reports them.
 */
export function prefetchCscColumns(ctx: FieldReadContext, field: PointerField, spec: QuerySpec): void {
  const uids = featuresOf(spec, field.featureSpace);
  if (field.kind !== 'sparse' || !uids) return;
  const cache = (ctx.cscColumns ??= new Map());
  const layerNames = layersOf(ctx.catalog, spec, field.featureSpace);
  if (!layerNames) return;
  const { catalog, signal } = ctx;
  const started = (async () => {
    const wantedP = catalog.globalIndices(field.featureSpace, uids, signal);
    wantedP.catch(() => undefined);
    const datasets = await catalog.datasetRows(signal);
    const fs = stringsAt(datasets.getChild('feature_space')!);
    const zg = stringsAt(datasets.getChild('zarr_group')!);
    const groups = [...new Set(zg.filter((g, i): g is string => g !== null && fs[i] === field.featureSpace))];
    // Per group: its remap and CSC arrays (which decide whether the CSC path serves it), then its column reads.
    await Promise.all(
      groups.map(async (zarrGroup) => {
        // The CSC arrays' metadata and shard indexes do not depend on the layout: load them while it is read.
        void array(ctx, `${zarrGroup}/csc/indptr`, false).catch(() => undefined);
        for (const path of [`${zarrGroup}/csc/indices`, ...layerNames.map((l) => `${zarrGroup}/csc/layers/${l}`)]) {
          void array(ctx, path, false).then((a) => a && prefetchShardIndexes(a), () => undefined);
        }
        const remap = await catalog.remap(await catalog.layoutUid(zarrGroup, field.featureSpace, signal), signal);
        const arrays = (await cscArraysOf(ctx, [{ zarrGroup, outRows: new Uint32Array(0), rowsInInput: new Uint32Array(0), remap }], layerNames))?.get(zarrGroup);
        if (!arrays) return;
        const wanted = await wantedP;
        const [eff] = joinFor(catalog, [remap], wanted, spec.featureJoin).effs;
        const p = readCscColumns(ctx, arrays, eff!);
        p.catch(() => undefined);
        cache.set(cscKey(zarrGroup, layerNames, wanted), p.catch(() => undefined));
      }),
    );
  })();
  ctx.cscPrefetch = started.catch(() => undefined);
}

/**
 * Whole csc/indptr arrays an atlas keeps (one per group; ~8 bytes per feature, so 64 groups of
 * 30,000 features hold ~15 MB).
 */
export const CSC_INDPTRS_KEPT = 64;

/** Entries up to which a csc/indptr stored as one object is read whole and kept (8 MB as int64). */
const WHOLE_INDPTR_ENTRIES = 1 << 20;

/**
 * csc/indptr as cscColumnRanges needs it. homeobox writes it with zarr's "auto" partition (shards
 * of ~2 KiB), so reading it whole costs a size probe, an index and a chunk request per ~236
 * features; when few columns are wanted, only their [j, j+2) entries are read (the other entries
 * stay 0 and are never looked at). Stored as one object (one chunk or one shard, as `add-csc`
 * writes it), the whole array costs the same one request as a few entries, so it is read whole,
 * checked, and kept for the atlas's later queries: an explorer's next gene then starts its column
 * reads at once instead of after a round trip and a decode.
 *
 * A chunk missing from the store reads as zarr's fill value, 0, and neither writer records
 * csc/indptr's sizes. In a cumulative count that is right only for a leading run of empty columns
 * (zarr-python does not write an all-zero chunk); anywhere else it is a lost or refused file (a 404
 * or 403), and read as 0 it would silently empty or shift columns. So when any chunk was missing,
 * the whole indptr is read and must count from 0 up to csc/indices' length without decreasing.
 */
export async function readCscIndptr(ctx: FieldReadContext, indptr: ZarrArray, eff: Int32Array, nnz: number): Promise<ArrayLike<number | bigint>> {
  const { outerGrid, totalElements } = indptr.layout;
  if (ctx.cscIndptrs && outerGrid.every((n) => n === 1) && totalElements <= WHOLE_INDPTR_ENTRIES) {
    const kept = ctx.cscIndptrs;
    const where = `${indptr.store.url}/${indptr.path}`;
    // Shared by the atlas's queries, so read without this query's signal (promise-lru.ts).
    const load = () => readWholeIndptr({ ...ctx, signal: undefined }, indptr, nnz);
    return untilAborted(kept.getOrLoad(where, load), ctx.signal, where);
  }
  const wanted: number[] = [];
  for (let c = 0; c < eff.length; c++) if (eff[c]! >= 0) wanted.push(c);
  if (wanted.length * 8 <= eff.length) {
    const read = countingFills(ctx);
    const got = await readRanges(indptr, { starts: wanted, ends: wanted.map((c) => c + 2) }, read.opts);
    if (read.filled() === 0) {
      const out = new Float64Array(eff.length + 1);
      wanted.forEach((c, i) => {
        out[c] = Number(got.data[2 * i]);
        out[c + 1] = Number(got.data[2 * i + 1]);
      });
      return out;
    }
  }
  return readWholeIndptr(ctx, indptr, nnz);
}

async function readWholeIndptr(ctx: FieldReadContext, indptr: ZarrArray, nnz: number): Promise<ArrayLike<number | bigint>> {
  const read = countingFills(ctx);
  const all = (await readAll(indptr, read.opts)) as ArrayLike<number | bigint>;
  checkCumulative(all, nnz, read.filled(), `${indptr.store.url}/${indptr.path}`);
  return all;
}

/** Read options (not bulk) that also count the chunks read as fill values: missing from the store. */
function countingFills(ctx: FieldReadContext) {
  let filled = 0;
  const base = readOpts(ctx, false);
  return { opts: { ...base, onProgress: (p: Readonly<ReadProgress>) => ((filled = p.chunksFilled), base.onProgress(p)) }, filled: () => filled };
}

/** csc/indptr must run from 0 to `nnz` without decreasing (see readCscIndptr). */
function checkCumulative(indptr: ArrayLike<number | bigint>, nnz: number, filled: number, where: string): void {
  const missing = filled ? ` (${filled} of its chunks are missing from the store and read as 0: a lost file, or one the host refused)` : '';
  let prev = 0;
  for (let i = 0; i < indptr.length; i++) {
    const v = Number(indptr[i]);
    if (!(v >= prev) || (i === 0 && v !== 0)) {
      throw new CorruptDataError(`csc/indptr is not a cumulative count: entry ${i} is ${v} after ${prev}${missing}`, { where });
    }
    prev = v;
  }
  if (prev !== nnz) throw new CorruptDataError(`csc/indptr ends at ${prev}, but csc/indices holds ${nnz} entries${missing}`, { where });
}
