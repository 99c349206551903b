// toBatches reads matrices in *units* of several consecutive batches and cuts each unit's result
// back into batches. Over HTTP a batch of 1,024 cells is ~1 MB per array: a fifth of each request's
// time was the round trip. A unit gathers batches while they have the same zarr groups (so every
// batch keeps exactly the feature join it would have on its own) and stay under a size budget.
//
//   unitsOf(batches, budget, keyOf)   stream of obs batches → stream of units (lists of batches)
//   splitRows(result, sizes)          one AnnData → consecutive row blocks (zero-copy matrix views)
import * as arrow from 'apache-arrow';
import type { AnnData, DenseMatrix, Matrix } from '../anndata/types.js';
import { lazyObsNames } from './obs-frame.js';

export interface BatchInfo {
  /** Identifies the zarr groups the batch reads (batches with equal keys join the same features). */
  key: string;
  /** Stored entries (CSR) or rows the batch reads: what the unit budget counts. */
  weight: number;
}

/** Groups consecutive batches with equal keys into units whose weights sum to at most `budget` (a unit holds at least one batch). */
export async function* unitsOf(batches: AsyncIterable<arrow.Table>, budget: number, info: (t: arrow.Table) => BatchInfo): AsyncGenerator<arrow.Table[]> {
  let unit: arrow.Table[] = [];
  let key = '';
  let weight = 0;
  for await (const b of batches) {
    const i = info(b);
    if (unit.length && (i.key !== key || weight + i.weight > budget)) {
      yield unit;
      unit = [];
      weight = 0;
    }
    unit.push(b);
    key = i.key;
    weight += i.weight;
  }
  if (unit.length) yield unit;
}

/** Consecutive row blocks of `sizes` rows (summing to the result's rows); var, varNames are shared. */
export function splitRows(ad: AnnData, sizes: number[]): AnnData[] {
  if (sizes.length === 1) return [ad];
  const out: AnnData[] = [];
  let at = 0;
  for (const n of sizes) {
    const end = at + n;
    const from = at;
    const block = {
      obs: ad.obs.slice(at, end),
      var: ad.var,
      X: ad.X && rowBlock(ad.X, at, end),
      layers: Object.fromEntries(Object.entries(ad.layers).map(([k, m]) => [k, rowBlock(m, at, end)])),
      obsm: Object.fromEntries(Object.entries(ad.obsm).map(([k, m]) => [k, rowBlock(m, at, end) as DenseMatrix])),
      varNames: ad.varNames,
      shape: [n, ad.shape[1]] as [number, number],
    };
    out.push(lazyObsNames(block, () => ad.obsNames.slice(from, end)));
    at = end;
  }
  return out;
}

/** Rows [a, b) of a matrix: data arrays are views; a CSR block gets its own rebased indptr. */
function rowBlock(m: Matrix, a: number, b: number): Matrix {
  if (m.format === 'dense') {
    const w = m.shape[1];
    return { format: 'dense', shape: [b - a, w], data: m.data.subarray(a * w, b * w) as typeof m.data };
  }
  const s = m.indptr[a]!;
  const e = m.indptr[b]!;
  const indptr = new (m.indptr.constructor as Int32ArrayConstructor)(b - a + 1);
  for (let i = 0; i <= b - a; i++) indptr[i] = m.indptr[a + i]! - s;
  return { format: 'csr', shape: [b - a, m.shape[1]], indptr, indices: m.indices.subarray(s, e), data: m.data.subarray(s, e) as typeof m.data, hasSortedIndices: m.hasSortedIndices };
}
