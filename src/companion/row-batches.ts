// Row batches from several matrix sources, walked in lockstep. A modality may take its layers
// from different matrices (pbmc68k: counts from the zarr store, log-normalised values from the
// h5ad's raw/X); their readers need not cut batches at the same rows, so each step yields the
// longest row span every source has buffered, slicing batches where needed. Every slice is
// checked for the CSR invariants the writer relies on, with positions in error messages.
import { InvalidInputError } from '../errors.js';
import type { DenseRowBatch, MatrixSource, RowBatch } from './inputs/types.js';

export interface NamedSource {
  /** File the matrix comes from, and its path inside it (`X`, `raw/X`, `layers/counts`). */
  file: string;
  matrix: string;
  source: MatrixSource;
}

export type AnyBatch = RowBatch | DenseRowBatch;

/** Yields aligned slices [rowStart, rowStart+nRows) of every source, in order. */
export async function* lockstep(sources: readonly NamedSource[], batchRows: number, nRows: number): AsyncGenerator<AnyBatch[]> {
  const iters = sources.map((s) => s.source.rows(batchRows)[Symbol.asyncIterator]());
  const current: (AnyBatch | undefined)[] = sources.map(() => undefined);
  const offset = sources.map(() => 0); // rows of `current[i]` already consumed
  let row = 0;
  try {
    while (row < nRows) {
      for (let i = 0; i < sources.length; i++) {
        while (!current[i] || offset[i] === current[i]!.nRows) {
          const next = await iters[i]!.next();
          const where = `${sources[i]!.file}: ${sources[i]!.matrix}`;
          if (next.done) throw new InvalidInputError(`matrix ended after ${row} rows, expected ${nRows}`, { where });
          const b = next.value;
          if (b.rowStart !== row) {
            throw new InvalidInputError(`row batch starts at row ${b.rowStart}, expected ${row}`, { where });
          }
          checkBatch(b, sources[i]!, nVarOf(sources[i]!.source));
          current[i] = b;
          offset[i] = 0;
        }
      }
      const step = Math.min(...current.map((b, i) => b!.nRows - offset[i]!));
      yield current.map((b, i) => sliceRows(b!, offset[i]!, step));
      for (let i = 0; i < sources.length; i++) offset[i]! += step;
      row += step;
    }
    for (let i = 0; i < sources.length; i++) {
      const where = `${sources[i]!.file}: ${sources[i]!.matrix}`;
      if (offset[i] !== (current[i]?.nRows ?? 0)) throw new InvalidInputError(`matrix has more than ${nRows} rows`, { where });
      for (let extra = await iters[i]!.next(); !extra.done; extra = await iters[i]!.next()) {
        if (extra.value.nRows > 0) throw new InvalidInputError(`matrix has more than ${nRows} rows`, { where });
      }
    }
  } finally {
    await Promise.all(iters.map((it) => it.return?.(undefined)));
  }
}

function nVarOf(s: MatrixSource): number {
  return s.shape[1];
}

/** CSR invariants (and dense size) of one batch; names the first offending row/column. */
export function checkBatch(b: AnyBatch, s: NamedSource, nVar: number): void {
  const at = (row: number, extra = '') => `${s.file}: ${s.matrix}, row ${b.rowStart + row}${extra}`;
  if (b.format === 'dense') {
    if (b.values.length !== b.nRows * nVar) {
      throw new InvalidInputError(`dense batch has ${b.values.length} values, expected ${b.nRows} x ${nVar}`, { where: at(0) });
    }
    return;
  }
  const { indptr, indices, values, nRows } = b;
  if (indptr.length !== nRows + 1) throw new InvalidInputError(`indptr has length ${indptr.length}, expected ${nRows + 1}`, { where: at(0) });
  if (indptr[0] !== 0) throw new InvalidInputError(`batch indptr starts at ${indptr[0]}, expected 0`, { where: at(0) });
  for (let r = 0; r < nRows; r++) {
    if (!(indptr[r + 1]! >= indptr[r]!)) {
      throw new InvalidInputError(`indptr is not monotonic (${indptr[r]} then ${indptr[r + 1]})`, { where: at(r) });
    }
  }
  const nnz = indptr[nRows]!;
  if (indices.length !== nnz || values.length !== nnz) {
    throw new InvalidInputError(`indptr ends at ${nnz} but there are ${indices.length} indices and ${values.length} values`, { where: at(nRows - 1) });
  }
  for (let k = 0; k < nnz; k++) {
    if (indices[k]! >= nVar) {
      const r = rowOf(indptr, k);
      throw new InvalidInputError(`column index ${indices[k]} out of range [0, ${nVar})`, { where: at(r, `, entry ${k - indptr[r]!}`) });
    }
  }
}

/** The row of element k in a CSR batch (binary search over indptr). */
export function rowOf(indptr: Float64Array, k: number): number {
  let lo = 0;
  let hi = indptr.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (indptr[mid]! <= k) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Rows [from, from+n) of a batch, as a batch (shares buffers where possible). */
export function sliceRows(b: AnyBatch, from: number, n: number): AnyBatch {
  if (from === 0 && n === b.nRows) return b;
  if (b.format === 'dense') {
    const w = b.values.length / b.nRows;
    return { rowStart: b.rowStart + from, nRows: n, format: 'dense', values: b.values.subarray(from * w, (from + n) * w) as DenseRowBatch['values'] };
  }
  const s = b.indptr[from]!;
  const e = b.indptr[from + n]!;
  const indptr = new Float64Array(n + 1);
  for (let r = 0; r <= n; r++) indptr[r] = b.indptr[from + r]! - s;
  return {
    rowStart: b.rowStart + from,
    nRows: n,
    format: 'csr',
    indptr,
    indices: b.indices.subarray(s, e),
    values: b.values.subarray(s, e) as RowBatch['values'],
  };
}

/** A dense batch as CSR (explicit zeros dropped), for sparse feature spaces fed a dense matrix. */
export function denseToCsr(b: DenseRowBatch, nVar: number): RowBatch {
  const v = b.values;
  let nnz = 0;
  for (let k = 0; k < v.length; k++) if (v[k] !== 0) nnz++;
  const indptr = new Float64Array(b.nRows + 1);
  const indices = new Uint32Array(nnz);
  const values = new (v.constructor as new (n: number) => typeof v)(nnz);
  let p = 0;
  for (let r = 0; r < b.nRows; r++) {
    for (let c = 0; c < nVar; c++) {
      const x = v[r * nVar + c]!;
      if (x !== 0) {
        indices[p] = c;
        values[p++] = x;
      }
    }
    indptr[r + 1] = p;
  }
  return { rowStart: b.rowStart, nRows: b.nRows, format: 'csr', indptr, indices, values };
}
