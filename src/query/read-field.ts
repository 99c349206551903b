// Reading one pointer field of the chosen obs rows into a matrix (format reference §5):
//   rows → groups by zarr_group (presence = zarr_group IS NOT NULL) → layout remaps → joined features
//   → zarr reads (CSR ranges, CSC columns when homeobox's rule picks it, or dense rows) → assembly.
// Rows keep the query order (homeobox groups them by zarr group instead; see README). This file
// groups the rows, joins the features and reads CSR or dense; the CSC path is read-csc.ts, what
// every path shares read-context.ts, and var var-table.ts.
import * as arrow from 'apache-arrow';
import { QueryError, UnsupportedError, throwIfAborted } from '../errors.js';
import { absentGroupCode, nonAnnDataForm, type PointerField } from '../atlas/pointer-fields.js';
import { fetchRangesEncoded, readRanges, readRows } from '../zarr/index.js';
import { CHUNK_FIELDS } from '../zarr/encoded-read.js';
import { assembleCsr, placeGroupRows, type CsrMatrix, resultType, scatterDense, shouldUseCsc, type DenseGroupInput, type SparseGroupInput } from '../reconstruct/index.js';
import type { Matrix } from '../anndata/types.js';
import { featuresOf, type QuerySpec } from './spec.js';
import { stringCodes } from '../arrow/columns.js';
import { array, child, emptyLayerDtype, joinFor, layerArray, layersOf, nums, pointerWith, readOpts, type FieldReadContext, type Group } from './read-context.js';
import { cscArraysOf, readCsc } from './read-csc.js';
import { varFor } from './var-table.js';
import { nextTask } from './next-task.js';

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

export async function readField(ctx: FieldReadContext, field: PointerField, rows: arrow.Table, spec: QuerySpec): Promise<FieldResult> {
  const { catalog, signal } = ctx;
  const form = nonAnnDataForm(field);
  if (form) throw new UnsupportedError(`pointer field ${field.name} holds ${form}; it has no AnnData form`, { feature: `${field.featureSpace} as AnnData`, where: field.name });
  const ptr = rows.getChild(field.name);
  if (!ptr) throw new QueryError(`pointer column ${field.name} was not read`);
  const zg = stringCodes(child(ptr, 'zarr_group'));
  const { codes } = zg;
  const absent = absentGroupCode(field, zg.values);
  const n = rows.numRows;
  // Two passes over typed arrays (count, then fill): a fresh page runs this once over every cell,
  // cold, and growing plain arrays there cost more than the loop itself.
  const sizes = new Int32Array(zg.values.length);
  let nPresent = 0;
  for (let i = 0; i < n; i++) {
    const code = codes[i]!;
    if (code < 0 || code === absent) continue; // presence is zarr_group IS NOT NULL, never the struct validity
    sizes[code]!++;
    nPresent++;
  }
  const present = new Uint32Array(nPresent);
  const byCode: Group[] = zg.values.map((zarrGroup, c) => ({ zarrGroup, outRows: new Uint32Array(sizes[c]!), rowsInInput: new Uint32Array(sizes[c]!) }));
  const filled = new Int32Array(zg.values.length);
  for (let i = 0, p = 0; i < n; i++) {
    const code = codes[i]!;
    if (code < 0 || code === absent) continue;
    const grp = byCode[code]!;
    const k = filled[code]!++;
    grp.outRows[k] = p;
    grp.rowsInInput[k] = i;
    present[p++] = i;
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
  const uids = featuresOf(spec, field.featureSpace);
  const wanted = uids ? await catalog.globalIndices(field.featureSpace, uids, signal) : undefined;
  const { joined, effs } = joinFor(catalog, groupList.map((g) => g.remap!), wanted, spec.featureJoin);
  groupList.forEach((g, i) => (g.eff = effs[i]));
  // var depends only on the joined features: built while the matrix is read, not after it (a fresh
  // page took 12–19 ms, at the end of a gene query). It starts a task later, once the matrix
  // requests below have gone out, so it does not delay them.
  const varP = nextTask().then(() => varFor(catalog, field.featureSpace, joined, signal));
  varP.catch(() => undefined);

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
      layers = await readCsc(ctx, field, groupList, rows, cscArrays!, layerNames, wanted!, nRows, nCols);
    } else {
      path = 'csr';
      layers = await readCsr(ctx, field, groupList, rows, layerNames, nRows, nCols);
    }
  }
  const { table: varTable, names } = await varP;
  return { present, joined, layers, xLayer: layerNames[0]!, var: varTable, varNames: names, path };
}

async function readCsr(ctx: FieldReadContext, field: PointerField, groups: Group[], rows: arrow.Table, layerNames: string[], nRows: number, nCols: number): Promise<Record<string, Matrix>> {
  const ptr = await pointerWith(ctx, rows, field, ['start', 'end']);
  const start = child(ptr, 'start');
  const end = child(ptr, 'end');
  // Every group's arrays first: the output dtype of a layer is the widest over the groups.
  const opened = await Promise.all(
    groups.map((g) => Promise.all([array(ctx, `${g.zarrGroup}/csr/indices`, true).then((a) => a!), ...layerNames.map((l) => layerArray(ctx, g.zarrGroup, 'csr/layers', l))])),
  );
  const layers = Object.fromEntries(layerNames.map((l, k) => [l, opened.length ? resultType(opened.map((o) => o[k + 1]!.dataType)) : emptyLayerDtype(ctx.catalog, field, l)]));
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
        // Counted before the job takes the reads' buffers (transferred to a worker: then empty).
        const chunks = [ix!, ...values].reduce((n, r) => n + r.read.chunks.length / CHUNK_FIELDS, 0);
        const block = await decoder.csrGroup!(
          { indices: ix!.read, values: values.map((v) => v.read), layers: layerNames, outDtypes: layerNames.map((l) => layers[l]!), lengths: ix!.lengths, remap: g.eff!, nCols, sortIndices: ctx.sortIndices !== false },
          { signal: ctx.signal },
        );
        ctx.onRead?.({ requests: 0, bytes: 0, chunks });
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

async function readDense(ctx: FieldReadContext, field: PointerField, groups: Group[], rows: arrow.Table, layerNames: string[], nRows: number, nCols: number): Promise<Record<string, Matrix>> {
  const position = child(rows.getChild(field.name)!, 'position');
  const out: Record<string, Matrix> = {};
  for (const l of layerNames) {
    const parts = await Promise.all(
      groups.map(async (g) => {
        const a = await layerArray(ctx, g.zarrGroup, 'layers', l);
        if (a.shape.length !== 2 || a.shape[1] !== g.remap!.length) {
          throw new QueryError(`${g.zarrGroup}/layers/${l} has shape [${a.shape}] but its layout has ${g.remap!.length} features`);
        }
        const data = await readRows(a, nums(position, g.rowsInInput, 'position'), readOpts(ctx));
        return { input: { outRows: g.outRows, data: data as ArrayLike<number | bigint>, fLocal: a.shape[1]!, remap: g.eff! } as DenseGroupInput, dtype: a.dataType };
      }),
    );
    const dtype = parts.length ? resultType(parts.map((p) => p.dtype)) : emptyLayerDtype(ctx.catalog, field, l);
    out[l] = { format: 'dense', shape: [nRows, nCols], data: scatterDense(parts.map((p) => p.input), { nRows, nCols, dtype }) as Matrix['data'] };
  }
  return out;
}

