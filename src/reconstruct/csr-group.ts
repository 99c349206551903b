// One zarr group's CSR rows, assembled where they are decoded (a decode worker), pure:
//
//   assembleGroupCsr   the group's read rows → CSR over the output columns, rows in read order,
//                      values cast to the output dtypes, columns sorted within rows on request
//   placeGroupRows     per-group blocks → the query's CSR (rows at their output positions)
//
// assembleCsr (csr.ts) does both steps at once for any number of groups on the calling thread.
// This path is built for throughput, because streaming spends its CPU here:
//   - the indices usually arrive already mapped through the effective remap by the codec module
//     as it decoded them (decodeEncodedIndices: `mapped`), with a lower bound that usually proves
//     nothing is dropped or out of the layout; otherwise short branch-free passes validate local
//     indices, map them and notice dropped features. Either way one pass, stopping at the first
//     descent, notices rows out of column order;
//   - the common case (nothing dropped, no sort asked or needed) copies nothing else: indptr is
//     the running sum of the read lengths and the decoded value arrays ARE the output when their
//     dtype is the output's;
//   - sorting is a per-row LSD radix sort on (column, position) — stable, 8-bit digits, as many
//     passes as the column count needs (2 up to 65,536 columns). homeobox numbers features by uid
//     hash, so a stored row maps to columns in random order and really needs it;
//   - values move through a permutation with one monomorphic gather per layer.
// Output equals assembleCsr's (tested against it): same rows, columns, values and stability.

import { CorruptDataError, QueryError } from '../errors.js';
import { allocate, type DataType, type ZarrTypedArray } from '../zarr/dtype.js';
import { OUT_OF_LAYOUT, type MappedColumns } from '../zarr/encoded-read.js';
import { asDtype } from './cast.js';
import { prefixSum, type CsrAssemblyOptions, type CsrMatrix, type SparseGroupInput } from './csr.js';

/**
 * One group's rows in read order, without their placement: local `indices` to map through
 * `remap`, or `mapped` columns (mapped while decoding; `remap` still says the layout's size) with
 * `localAt(entry)` to name a bad local index in the error.
 */
export type GroupCsrInput = Omit<SparseGroupInput, 'outRows'> | PremappedGroupInput;
export type PremappedGroupInput = Omit<SparseGroupInput, 'outRows' | 'indices'> & { mapped: MappedColumns; localAt?: (entry: number) => number };

interface Scan {
  /** First entry whose local index is outside the layout, or −1. */
  bad: number;
  dropped: boolean;
  unsorted: boolean;
}

/** Rows up to this long are insertion-sorted (cheaper than radix passes over 256 buckets). */
const INSERTION_MAX = 48;

/**
 * `mapped` columns are always written over (they were made for this). `opts.reuseIndices`: the
 * caller hands over `g.indices` (a 32-bit typed array it no longer
 * needs, e.g. just decoded in a worker) and the output columns are written over it: no second
 * array of the same size to allocate and fill.
 */
export function assembleGroupCsr(g: GroupCsrInput, opts: Omit<CsrAssemblyOptions, 'nRows'> & { reuseIndices?: boolean }): CsrMatrix {
  const { nCols } = opts;
  const layerNames = Object.keys(opts.layers);
  const nRows = g.lengths.length;
  checkShapes(g, layerNames, nCols);
  const lengths = g.lengths instanceof Int32Array ? g.lengths : Int32Array.from(g.lengths);
  let mapped: Int32Array;
  let scan: Scan;
  /** The stored local index of an entry, for the error (unknown for premapped columns without `localAt`). */
  let localOf: (entry: number) => number | undefined;
  if ('mapped' in g) {
    mapped = g.mapped.columns;
    scan = scanMapped(g.mapped, lengths);
    localOf = (entry) => g.localAt?.(entry);
  } else {
    const idx = g.indices instanceof Uint32Array || g.indices instanceof Int32Array ? g.indices : Int32Array.from(g.indices);
    mapped = opts.reuseIndices ? new Int32Array(idx.buffer, idx.byteOffset, idx.length) : new Int32Array(idx.length);
    scan = mapIndices(idx, g.remap, lengths, mapped);
    localOf = (entry) => idx[entry];
  }
  if (scan.bad >= 0) {
    const local = localOf(scan.bad);
    throw new CorruptDataError(`local feature index${local === undefined ? '' : ` ${local}`} is outside the layout's ${g.remap.length} features`, { where: `entry ${scan.bad}` });
  }
  const sort = opts.sortIndices !== false && scan.unsorted;
  if (!scan.dropped && !sort) {
    const { indptr } = prefixSum(lengths);
    const data: Record<string, ZarrTypedArray> = {};
    for (const name of layerNames) data[name] = asDtype(g.values[name]!, opts.layers[name]!);
    return { shape: [nRows, nCols], indptr, indices: mapped, data, sortedIndices: !scan.unsorted };
  }
  // Kept entries per row, then either a compaction (order kept) or a sort (order by column).
  const counts = new Float64Array(nRows);
  for (let b = 0, k = 0; b < nRows; b++) {
    let c = 0;
    for (const end = k + lengths[b]!; k < end; k++) if (mapped[k]! >= 0) c++;
    counts[b] = c;
  }
  const { indptr, nnz } = prefixSum(counts);
  const indices = new Int32Array(nnz);
  const from = new Int32Array(nnz);
  if (sort) radixSortRows(mapped, lengths, indptr, nCols, indices, from);
  else {
    for (let k = 0, p = 0; k < mapped.length; k++) {
      if (mapped[k]! < 0) continue;
      indices[p] = mapped[k]!;
      from[p++] = k;
    }
  }
  return { shape: [nRows, nCols], indptr, indices, data: gatherLayers(g, layerNames, opts.layers, from), sortedIndices: sort || !scan.unsorted };
}

/**
 * out[k] = eff[idx[k]] for every entry; reports the first local index outside the layout
 * (bad ≥ 0), whether any feature is dropped (eff −1), and whether a row's kept columns ever
 * descend. Three branch-free or short passes beat one pass with per-entry branches 2×: a range
 * check, the gather, and the order check. Typed parameters keep the loops monomorphic.
 */
function mapIndices(idx: Uint32Array | Int32Array, eff: Int32Array, lengths: Int32Array, out: Int32Array): Scan {
  const nLocal = eff.length;
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < idx.length; k++) {
    const local = idx[k]!;
    lo = local < lo ? local : lo;
    hi = local > hi ? local : hi;
  }
  if (lo < 0 || hi >= nLocal) {
    let k = 0;
    while (idx[k]! >= 0 && idx[k]! < nLocal) k++;
    return { bad: k, dropped: false, unsorted: false };
  }
  let minCol = 0;
  for (let k = 0; k < idx.length; k++) {
    const col = eff[idx[k]!]!;
    out[k] = col;
    minCol = col < minCol ? col : minCol;
  }
  return { bad: -1, dropped: minCol < 0, unsorted: descends(out, lengths) };
}

/**
 * Scan of columns the codec module mapped. Its lower bound is over whole chunks, read entries or
 * not: when it is ≥ 0 (the usual case) there is nothing to find, else one pass over the read
 * entries finds the first outside the layout and any dropped.
 */
function scanMapped(m: MappedColumns, lengths: Int32Array): Scan {
  const cols = m.columns;
  let dropped = false;
  if (m.min < 0) {
    let min = 0;
    for (let k = 0; k < cols.length; k++) min = cols[k]! < min ? cols[k]! : min;
    if (min === OUT_OF_LAYOUT) return { bad: cols.indexOf(OUT_OF_LAYOUT), dropped: false, unsorted: false };
    dropped = min < 0;
  }
  return { bad: -1, dropped, unsorted: descends(cols, lengths) };
}

/** Whether a row's kept (≥ 0) columns ever descend; stops at the first descent (the first row, for homeobox's uid-hash column order). */
function descends(cols: Int32Array, lengths: Int32Array): boolean {
  for (let b = 0, k = 0; b < lengths.length; b++) {
    let prev = -1;
    for (const end = k + lengths[b]!; k < end; k++) {
      const col = cols[k]!;
      if (col < 0) continue;
      if (col < prev) return true;
      prev = col;
    }
  }
  return false;
}

/**
 * Per row: kept entries (mapped ≥ 0) ordered by column, stable, into indices/from at indptr.
 * LSD radix on 8-bit digits of the column; short rows by insertion sort.
 */
function radixSortRows(mapped: Int32Array, lengths: Int32Array, indptr: ArrayLike<number>, nCols: number, indices: Int32Array, from: Int32Array): void {
  let passes = 1;
  while (passes < 4 && nCols - 1 >= 1 << (8 * passes)) passes++;
  let maxLen = 0;
  for (let b = 0; b < lengths.length; b++) maxLen = Math.max(maxLen, lengths[b]!);
  const kA = new Int32Array(maxLen);
  const pA = new Int32Array(maxLen);
  const kB = new Int32Array(maxLen);
  const pB = new Int32Array(maxLen);
  const count = new Int32Array(256);
  for (let b = 0, k = 0; b < lengths.length; b++) {
    const s = k;
    k += lengths[b]!;
    const p0 = indptr[b]!;
    const n = indptr[b + 1]! - p0;
    if (n === 0) continue;
    if (n <= INSERTION_MAX) {
      let m = 0;
      for (let e = s; e < k; e++) {
        const col = mapped[e]!;
        if (col < 0) continue;
        let q = p0 + m++;
        while (q > p0 && indices[q - 1]! > col) {
          indices[q] = indices[q - 1]!;
          from[q] = from[q - 1]!;
          q--;
        }
        indices[q] = col;
        from[q] = e;
      }
      continue;
    }
    let m = 0;
    for (let e = s; e < k; e++) {
      const col = mapped[e]!;
      if (col < 0) continue;
      kA[m] = col;
      pA[m++] = e;
    }
    let srcK = kA;
    let srcP = pA;
    let dstK = kB;
    let dstP = pB;
    for (let pass = 0, shift = 0; pass < passes; pass++, shift += 8) {
      count.fill(0);
      for (let i = 0; i < n; i++) count[(srcK[i]! >>> shift) & 255]!++;
      for (let d = 0, acc = 0; d < 256; d++) {
        const c = count[d]!;
        count[d] = acc;
        acc += c;
      }
      for (let i = 0; i < n; i++) {
        const key = srcK[i]!;
        const q = count[(key >>> shift) & 255]!++;
        dstK[q] = key;
        dstP[q] = srcP[i]!;
      }
      [srcK, dstK] = [dstK, srcK];
      [srcP, dstP] = [dstP, srcP];
    }
    indices.set(srcK.subarray(0, n), p0);
    from.set(srcP.subarray(0, n), p0);
  }
}

function gatherLayers(g: GroupCsrInput, layerNames: string[], dtypes: Record<string, DataType>, from: Int32Array): Record<string, ZarrTypedArray> {
  const data: Record<string, ZarrTypedArray> = {};
  for (const name of layerNames) {
    const src = asDtype(g.values[name]!, dtypes[name]!);
    const out = allocate(dtypes[name]!, from.length);
    gather(src as Uint32Array, from, out as Uint32Array);
    data[name] = out;
  }
  return data;
}

/** out[p] = src[from[p]]; one element type per call site keeps the loop monomorphic. */
function gather(src: Uint32Array, from: Int32Array, out: Uint32Array): void {
  for (let p = 0; p < from.length; p++) out[p] = src[from[p]!]!;
}

function checkShapes(g: GroupCsrInput, layers: string[], nCols: number): void {
  let total = 0;
  for (let b = 0; b < g.lengths.length; b++) total += g.lengths[b]!;
  const nIndices = 'mapped' in g ? g.mapped.columns.length : g.indices.length;
  if (total !== nIndices) throw new QueryError(`lengths sum to ${total} but there are ${nIndices} indices`);
  for (const name of layers) {
    const v = g.values[name];
    if (!v) throw new QueryError(`no values for layer "${name}"`);
    if (v.length !== total) throw new QueryError(`layer "${name}": ${v.length} values for ${total} indices`);
  }
  for (let i = 0; i < g.remap.length; i++) {
    if (g.remap[i]! >= nCols) throw new QueryError(`remap sends local ${i} to column ${g.remap[i]} ≥ ${nCols}`);
  }
}

/**
 * Places per-group blocks (each from assembleGroupCsr, rows in the group's read order) at their
 * output rows: block row b goes to output row outRows[b]; rows no block supplies stay empty. A
 * single block that already covers every output row in order is returned as it is.
 */
export function placeGroupRows(blocks: readonly { outRows: ArrayLike<number>; csr: CsrMatrix }[], opts: Omit<CsrAssemblyOptions, 'sortIndices'>): CsrMatrix {
  const { nRows, nCols } = opts;
  const layerNames = Object.keys(opts.layers);
  const counts = new Float64Array(nRows);
  const seen = new Uint8Array(nRows);
  for (const [gi, { outRows, csr }] of blocks.entries()) {
    if (csr.indptr.length !== outRows.length + 1) throw new QueryError(`group ${gi}: ${outRows.length} output rows for a ${csr.indptr.length - 1}-row block`);
    if (csr.shape[1] !== nCols) throw new QueryError(`group ${gi}: block has ${csr.shape[1]} columns, expected ${nCols}`);
    for (const name of layerNames) {
      const d = csr.data[name];
      if (!d || d.constructor !== allocate(opts.layers[name]!, 0).constructor) throw new QueryError(`group ${gi}: block lacks layer "${name}" as ${opts.layers[name]}`);
    }
    for (let b = 0; b < outRows.length; b++) {
      const row = outRows[b]!;
      if (!(row >= 0 && row < nRows && Number.isInteger(row))) throw new QueryError(`group ${gi}: output row ${row} is not within [0, ${nRows})`);
      if (seen[row]) throw new QueryError(`output row ${row} is supplied twice (group ${gi})`);
      seen[row] = 1;
      counts[row] = csr.indptr[b + 1]! - csr.indptr[b]!;
    }
  }
  const sortedIndices = blocks.every((b) => b.csr.sortedIndices);
  if (blocks.length === 1 && blocks[0]!.outRows.length === nRows) {
    const { outRows, csr } = blocks[0]!;
    let inOrder = true;
    for (let b = 0; b < nRows && inOrder; b++) inOrder = outRows[b] === b;
    if (inOrder) return { ...csr, shape: [nRows, nCols], sortedIndices };
  }
  const { indptr, nnz } = prefixSum(counts);
  const indices = new Int32Array(nnz);
  const data: Record<string, ZarrTypedArray> = {};
  for (const name of layerNames) data[name] = allocate(opts.layers[name]!, nnz);
  for (const { outRows, csr } of blocks) {
    for (let b = 0; b < outRows.length; b++) {
      const s = csr.indptr[b]!;
      const e = csr.indptr[b + 1]!;
      if (e === s) continue;
      const at = indptr[outRows[b]!]!;
      indices.set(csr.indices.subarray(s, e), at);
      for (const name of layerNames) (data[name] as Int32Array).set((csr.data[name] as Int32Array).subarray(s, e), at);
    }
  }
  return { shape: [nRows, nCols], indptr, indices, data, sortedIndices };
}
