// Pure array algorithms for row batches: making rows canonical (sorted, duplicate-free) and
// bucketing coordinate entries by row. Shared by the AnnData (CSR/CSC) and 10x readers.
import { InvalidInputError } from '../../errors.js';
import type { BatchValues } from './values.js';

/** Names the location of entry `k` (batch-local position) of row `row` (batch-local) for an error. */
export type EntryLocator = (row: number, k: number, col: number) => string;

/**
 * Sorts each row's column indices (with their values) if they are not already increasing, then
 * rejects duplicates: a repeated (row, column) pair has no single meaning for the atlas (scipy would
 * sum it, a dense reader would keep one), so it is an error rather than a guess. In place.
 */
export function canonicaliseRows(
  indptr: Float64Array,
  indices: Uint32Array,
  values: BatchValues,
  nRows: number,
  locate: EntryLocator,
): void {
  for (let r = 0; r < nRows; r++) {
    const lo = indptr[r]!;
    const hi = indptr[r + 1]!;
    let sorted = true;
    for (let k = lo + 1; k < hi; k++) {
      if (indices[k]! <= indices[k - 1]!) {
        sorted = false;
        break;
      }
    }
    if (sorted) continue;
    sortSegment(indices, values, lo, hi);
    for (let k = lo + 1; k < hi; k++) {
      if (indices[k] === indices[k - 1]) {
        throw new InvalidInputError(`duplicate entry for row ${r}, column ${indices[k]}`, { where: locate(r, k, indices[k]!) });
      }
    }
  }
}

function sortSegment(indices: Uint32Array, values: BatchValues, lo: number, hi: number): void {
  const n = hi - lo;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => indices[lo + a]! - indices[lo + b]!);
  const idx = indices.slice(lo, hi);
  const val = values.slice(lo, hi);
  for (let i = 0; i < n; i++) {
    indices[lo + i] = idx[order[i]!]!;
    values[lo + i] = val[order[i]!]!;
  }
}

/**
 * Counting sort of coordinate entries into CSR over rows [0, nRows). Entries keep their input order
 * within a row, so if they arrive column-ordered (a CSC scan) rows come out sorted.
 */
export function coordsToCsr(
  nRows: number,
  rows: Uint32Array,
  cols: Uint32Array,
  vals: BatchValues,
): { indptr: Float64Array; indices: Uint32Array; values: BatchValues } {
  const nnz = rows.length;
  const indptr = new Float64Array(nRows + 1);
  for (let k = 0; k < nnz; k++) {
    const j = rows[k]! + 1;
    indptr[j] = indptr[j]! + 1;
  }
  for (let r = 0; r < nRows; r++) indptr[r + 1] = indptr[r + 1]! + indptr[r]!;
  const fill = indptr.slice(0, nRows);
  const indices = new Uint32Array(nnz);
  const values = new (vals.constructor as { new (n: number): BatchValues })(nnz);
  for (let k = 0; k < nnz; k++) {
    const r = rows[k]!;
    const p = fill[r]!;
    fill[r] = p + 1;
    indices[p] = cols[k]!;
    values[p] = vals[k]!;
  }
  return { indptr, indices, values };
}

/** Concatenates same-typed arrays. */
export function concatTyped<T extends Uint32Array | BatchValues>(parts: T[], make: (n: number) => T): T {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = make(n);
  let o = 0;
  for (const p of parts) {
    (out as Uint32Array).set(p as Uint32Array, o);
    o += p.length;
  }
  return out;
}

/** An empty array of the same kind as `like`. */
export function emptyLike(like: BatchValues, n: number): BatchValues {
  return new (like.constructor as { new (n: number): BatchValues })(n);
}
