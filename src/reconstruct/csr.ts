// Sparse CSR assembly from per-group reads (homeobox spec §5 steps 5–7), pure.
//
// Input per zarr group: the B rows it read (readRanges on csr/indices and each csr/layers/<layer>,
// ranges [start, end) from the pointer column), each row's output position, and the group's
// effective remap (local feature → output column, −1 = drop; see join.ts).
//
// Output: one CSR matrix over the joined feature space.
//   indptr   Int32Array (Float64Array when nnz ≥ 2^31 — never BigInt), length nRows + 1
//   indices  Int32Array of output columns
//   data     one typed array per layer, in the layer's output dtype (cast.ts)
//
// Two deliberate differences from homeobox, both documented in the public API:
//   - Row order is the QUERY order: row i of the output is `outRows` position i, whatever group it
//     came from (homeobox concatenates groups in polars' unspecified group_by order). Output rows
//     no group supplies stay empty.
//   - Column indices within a row are SORTED by default (canonical CSR, as scipy's
//     has_sorted_indices); homeobox leaves them in stored local order mapped through eff.
//     `sortIndices: false` reproduces homeobox's order. Sorting is skipped for groups whose rows
//     are already sorted (when the layout's globals ascend with local index) and otherwise is a
//     blocked counting sort, O(entries + nCols) (scatterSorted).

import { CorruptDataError, QueryError } from '../errors.js';
import { allocate, type DataType, type ZarrTypedArray } from '../zarr/dtype.js';
import { castArray, sameKind } from './cast.js';

export interface SparseGroupInput {
  /** Output row of each read row (length B). */
  outRows: ArrayLike<number>;
  /** Entries per read row (readRanges `lengths`, length B). */
  lengths: ArrayLike<number>;
  /** Local feature index of every entry, rows concatenated (csr/indices). */
  indices: ArrayLike<number>;
  /** Per layer, the values aligned with `indices`. */
  values: Record<string, ArrayLike<number | bigint>>;
  /** Effective remap: local feature → output column, −1 = drop. */
  remap: Int32Array;
}

export interface CsrMatrix {
  shape: [number, number];
  indptr: Int32Array | Float64Array;
  indices: Int32Array;
  /** Per layer, aligned with `indices`. */
  data: Record<string, ZarrTypedArray>;
  /** True when every row's indices ascend (always, unless sortIndices: false and a row was not). */
  sortedIndices: boolean;
}

export interface CsrAssemblyOptions {
  nRows: number;
  nCols: number;
  /** Output dtype per layer (the spec's maximal dtype, cast.ts resultType). */
  layers: Record<string, DataType>;
  /** Sort column indices within each row (canonical CSR). Default true. */
  sortIndices?: boolean;
}

export function assembleCsr(groups: readonly SparseGroupInput[], opts: CsrAssemblyOptions): CsrMatrix {
  const { nRows, nCols } = opts;
  const layerNames = Object.keys(opts.layers);
  const counts = new Float64Array(nRows);
  const seen = new Uint8Array(nRows);
  for (const [gi, g] of groups.entries()) {
    checkGroup(g, gi, layerNames, nCols);
    let k = 0;
    for (let b = 0; b < g.outRows.length; b++) {
      const row = g.outRows[b]!;
      if (!(row >= 0 && row < nRows && Number.isInteger(row))) throw new QueryError(`group ${gi}: output row ${row} is not within [0, ${nRows})`);
      if (seen[row]) throw new QueryError(`output row ${row} is supplied twice (group ${gi})`);
      seen[row] = 1;
      const end = k + g.lengths[b]!;
      let c = 0;
      for (; k < end; k++) if (g.remap[g.indices[k]!]! >= 0) c++;
      counts[row] = c;
    }
  }
  const { indptr, nnz } = prefixSum(counts);
  const indices = new Int32Array(nnz);
  const data: Record<string, ZarrTypedArray> = {};
  for (const name of layerNames) data[name] = allocate(opts.layers[name]!, nnz);
  const outs = layerNames.map((name) => data[name]! as unknown as (number | bigint)[]);
  const sort = opts.sortIndices !== false;
  let colStart: Int32Array | undefined;
  let allSorted = true;
  for (const g of groups) {
    // Convert bigint ↔ number once per group, so the scatters below are plain typed-array stores.
    const srcs = layerNames.map((name) => (sameKind(g.values[name]!, opts.layers[name]!) ? g.values[name]! : castArray(g.values[name]!, opts.layers[name]!)));
    const sortedAlready = groupRowsSorted(g);
    if (sort && !sortedAlready) scatterSorted(g, srcs, indptr, indices, outs, (colStart ??= new Int32Array(nCols + 1)));
    else scatterInOrder(g, srcs, indptr, indices, outs);
    allSorted &&= sortedAlready;
  }
  return { shape: [nRows, nCols], indptr, indices, data, sortedIndices: sort || allSorted };
}

/** Entries in stored order (homeobox's order): kept entries of each row, local order mapped through eff. */
function scatterInOrder(g: SparseGroupInput, srcs: ArrayLike<number | bigint>[], indptr: ArrayLike<number>, indices: Int32Array, outs: (number | bigint)[][]): void {
  let k = 0;
  for (let b = 0; b < g.outRows.length; b++) {
    let p = indptr[g.outRows[b]!]!;
    const end = k + g.lengths[b]!;
    for (; k < end; k++) {
      const col = g.remap[g.indices[k]!]!;
      if (col < 0) continue;
      indices[p] = col;
      for (let l = 0; l < srcs.length; l++) outs[l]![p] = srcs[l]![k]!;
      p++;
    }
  }
}

/**
 * Entries sorted by column within each row, in O(entries + nCols) and stable for duplicate
 * columns: bucket a block of rows' entries by output column (a counting sort; rows ascending
 * within a bucket), then deal them out to their rows column by column — the CSR → CSC → CSR round
 * trip scipy's canonicalisation does, without materialising the CSC. Blocks of ~max(64 Ki, 4·nCols)
 * entries keep every array cache-resident and amortise the O(nCols) bucket reset. Per-row
 * comparison sorts (TypedArray#sort) were ~3–10× slower on 100-entry rows.
 */
function scatterSorted(
  g: SparseGroupInput,
  srcs: ArrayLike<number | bigint>[],
  indptr: ArrayLike<number>,
  indices: Int32Array,
  outs: (number | bigint)[][],
  colStart: Int32Array,
): void {
  const nCols = colStart.length - 1;
  const blockCap = Math.max(1 << 16, 4 * nCols);
  const B = g.outRows.length;
  let bucketRow = new Int32Array(0); // row within the group
  let bucketEntry = new Float64Array(0); // entry index within the group's arrays
  const next = Float64Array.from(g.outRows, (row) => indptr[row]!); // next free slot of each row
  for (let b0 = 0, k0 = 0; b0 < B; ) {
    let b1 = b0;
    let k1 = k0;
    while (b1 < B && (b1 === b0 || k1 - k0 + g.lengths[b1]! <= blockCap)) k1 += g.lengths[b1++]!;
    colStart.fill(0);
    for (let k = k0; k < k1; k++) {
      const col = g.remap[g.indices[k]!]!;
      if (col >= 0) colStart[col + 1]!++;
    }
    for (let c = 1; c <= nCols; c++) colStart[c]! += colStart[c - 1]!;
    const kept = colStart[nCols]!;
    if (bucketRow.length < kept) {
      bucketRow = new Int32Array(kept);
      bucketEntry = new Float64Array(kept);
    }
    for (let b = b0, k = k0; b < b1; b++) {
      const end = k + g.lengths[b]!;
      for (; k < end; k++) {
        const col = g.remap[g.indices[k]!]!;
        if (col < 0) continue;
        const q = colStart[col]!++; // after this pass colStart[c] = end of bucket c
        bucketRow[q] = b;
        bucketEntry[q] = k;
      }
    }
    for (let c = 0, q = 0; c < nCols; c++) {
      for (const end = colStart[c]!; q < end; q++) {
        const p = next[bucketRow[q]!]!++;
        indices[p] = c;
        const e = bucketEntry[q]!;
        for (let l = 0; l < srcs.length; l++) outs[l]![p] = srcs[l]![e]!;
      }
    }
    b0 = b1;
    k0 = k1;
  }
}

/** True when every row of the group maps to ascending output columns already (the common case). */
function groupRowsSorted(g: SparseGroupInput): boolean {
  let k = 0;
  for (let b = 0; b < g.outRows.length; b++) {
    const end = k + g.lengths[b]!;
    let prev = -1;
    for (; k < end; k++) {
      const col = g.remap[g.indices[k]!]!;
      if (col < 0) continue;
      if (col < prev) return false;
      prev = col;
    }
  }
  return true;
}

function checkGroup(g: SparseGroupInput, gi: number, layers: string[], nCols: number): void {
  if (g.lengths.length !== g.outRows.length) throw new QueryError(`group ${gi}: ${g.outRows.length} rows but ${g.lengths.length} lengths`);
  let total = 0;
  for (let b = 0; b < g.lengths.length; b++) total += g.lengths[b]!;
  if (total !== g.indices.length) throw new QueryError(`group ${gi}: lengths sum to ${total} but there are ${g.indices.length} indices`);
  for (const name of layers) {
    const v = g.values[name];
    if (!v) throw new QueryError(`group ${gi} has no values for layer "${name}"`);
    if (v.length !== total) throw new QueryError(`group ${gi}, layer "${name}": ${v.length} values for ${total} indices`);
  }
  for (let k = 0; k < g.indices.length; k++) {
    const local = g.indices[k]!;
    if (!(local >= 0 && local < g.remap.length)) {
      throw new CorruptDataError(`local feature index ${local} is outside the layout's ${g.remap.length} features`, { where: `group ${gi}, entry ${k}` });
    }
  }
  for (let i = 0; i < g.remap.length; i++) {
    if (g.remap[i]! >= nCols) throw new QueryError(`group ${gi}: remap sends local ${i} to column ${g.remap[i]} ≥ ${nCols}`);
  }
}

/** indptr from per-row counts: Int32Array while nnz < 2^31, else Float64Array. */
export function prefixSum(counts: ArrayLike<number>): { indptr: Int32Array | Float64Array; nnz: number } {
  let nnz = 0;
  for (let i = 0; i < counts.length; i++) nnz += counts[i]!;
  const indptr = nnz < 2 ** 31 ? new Int32Array(counts.length + 1) : new Float64Array(counts.length + 1);
  let acc = 0;
  for (let i = 0; i < counts.length; i++) {
    indptr[i] = acc;
    acc += counts[i]!;
  }
  indptr[counts.length] = acc;
  return { indptr, nnz };
}


