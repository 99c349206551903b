// Dense assembly (homeobox spec §5 step 8, DenseFeatureReconstructor), pure.
//
// Each group read B rows of its (N, F_local) layer with readRows → a row-major (B × F_local)
// block. Rows are scattered to their query positions, columns through the effective remap
// (−1 = dropped) into a zero-filled row-major (nRows × nCols) array of the layer's output dtype.
// Columns no group supplies stay 0, as in homeobox.
//
// Copies are done in runs: consecutive local columns that land on consecutive output columns
// move with one typed-array `set` per row (a group whose layout is the whole joined space copies
// each row in one call).

import { QueryError } from '../errors.js';
import { allocate, type DataType, type TypedArrayFor } from '../zarr/dtype.js';
import { castArray, sameKind } from './cast.js';

export interface DenseGroupInput {
  /** Output row of each block row (length B). */
  outRows: ArrayLike<number>;
  /** Row-major B × fLocal values (readRows). */
  data: ArrayLike<number | bigint>;
  fLocal: number;
  /** Effective remap: local column → output column, −1 = drop. */
  remap: Int32Array;
}

export function scatterDense<D extends DataType>(groups: readonly DenseGroupInput[], opts: { nRows: number; nCols: number; dtype: D }): TypedArrayFor[D] {
  const { nRows, nCols } = opts;
  const out = allocate(opts.dtype, nRows * nCols);
  const seen = new Uint8Array(nRows);
  for (const [gi, g] of groups.entries()) {
    const B = g.outRows.length;
    if (g.remap.length !== g.fLocal) throw new QueryError(`group ${gi}: remap has ${g.remap.length} entries for ${g.fLocal} columns`);
    if (g.data.length !== B * g.fLocal) throw new QueryError(`group ${gi}: ${g.data.length} values for ${B} × ${g.fLocal}`);
    const runs = columnRuns(g.remap, nCols, gi);
    const src = sameKind(g.data, opts.dtype) ? g.data : castArray(g.data, opts.dtype);
    const typed = ArrayBuffer.isView(src) && src.constructor === out.constructor;
    for (let b = 0; b < B; b++) {
      const row = g.outRows[b]!;
      if (!(Number.isInteger(row) && row >= 0 && row < nRows)) throw new QueryError(`group ${gi}: output row ${row} is not within [0, ${nRows})`);
      if (seen[row]) throw new QueryError(`output row ${row} is supplied twice (group ${gi})`);
      seen[row] = 1;
      const srcRow = b * g.fLocal;
      const dstRow = row * nCols;
      for (let r = 0; r < runs.length; r += 3) {
        const from = srcRow + runs[r]!;
        const to = dstRow + runs[r + 1]!;
        const len = runs[r + 2]!;
        if (typed) (out as Uint8Array).set((src as unknown as Uint8Array).subarray(from, from + len), to);
        else for (let i = 0; i < len; i++) (out as unknown as (number | bigint)[])[to + i] = src[from + i]!;
      }
    }
  }
  return out;
}

/** [srcCol, dstCol, length] triples covering every kept column, merged where both sides are consecutive. */
function columnRuns(remap: Int32Array, nCols: number, gi: number): number[] {
  const runs: number[] = [];
  for (let c = 0; c < remap.length; c++) {
    const d = remap[c]!;
    if (d < 0) continue;
    if (d >= nCols) throw new QueryError(`group ${gi}: remap sends column ${c} to ${d} ≥ ${nCols}`);
    const n = runs.length;
    if (n && runs[n - 3]! + runs[n - 1]! === c && runs[n - 2]! + runs[n - 1]! === d) runs[n - 1]!++;
    else runs.push(c, d, 1);
  }
  return runs;
}
