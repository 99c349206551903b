// The feature-oriented (CSC) read path (homeobox spec §3.6, `_prepare_csc_group` /
// `_assemble_csc_coo_entries`), pure. Used when few features are wanted over many cells.
//
// Per group, on disk: csc/indptr (int64, n_local_features + 1), csc/indices (uint32 = zarr_row of
// each non-zero, rows ascending within a column) and csc/layers/<layer>, all of length nnz.
//
//   1. cscColumnRanges(indptr, eff)  → present local columns c (eff[c] ≥ 0) and their
//      [indptr[c], indptr[c+1]) ranges, to pass to readRanges on csc/indices and each layer.
//   2. assembleCsrFromCsc(...)       → entries whose zarr_row is a queried row of the group go to
//      (output row of that zarr_row, eff[c]); everything else is dropped. Given the codec module's
//      kernels (CscKernels), its loops run there for one-to-one row maps; this file's loops are the
//      reference and the fallback.
//
// The output is the same CSR the CSR path builds with sorted indices (csr.ts): same query row
// order, same columns, same values, rows sorted by column. We get the sort for free by visiting a
// group's columns in ascending output column; no per-row sort is needed. A zarr_row queried twice
// fills both output rows (as the CSR path does).

import { CorruptDataError, QueryError } from '../errors.js';
import type { Codecs, CscAssemblyGroup } from '../codecs/types.js';
import { allocate, type ZarrTypedArray } from '../zarr/dtype.js';
import { asDtype, castArray, sameKind } from './cast.js';
import { prefixSum, type CsrAssemblyOptions, type CsrMatrix } from './csr.js';

/**
 * homeobox `_should_use_csc`: the CSC path only when features() is set (nWantedFeatures defined),
 * there are more obs rows than wanted features, and every queried group has a valid CSC copy
 * (csc/indptr, csc/indices and the requested csc/layers/*). Otherwise the CSR path.
 */
export function shouldUseCsc(nObsRows: number, nWantedFeatures: number | undefined, allGroupsHaveValidCsc: boolean): boolean {
  return nWantedFeatures !== undefined && nObsRows > nWantedFeatures && allGroupsHaveValidCsc;
}

/** Columns to read for a group, and the element ranges of csc/indices (and layers) holding them. */
export function cscColumnRanges(indptr: ArrayLike<number | bigint>, eff: Int32Array): { columns: Int32Array; starts: Float64Array; ends: Float64Array } {
  if (indptr.length !== eff.length + 1) {
    throw new CorruptDataError(`csc/indptr has ${indptr.length} entries for ${eff.length} local features (expected ${eff.length + 1})`);
  }
  let n = 0;
  for (let c = 0; c < eff.length; c++) if (eff[c]! >= 0) n++;
  const columns = new Int32Array(n);
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  let k = 0;
  for (let c = 0; c < eff.length; c++) {
    if (eff[c]! < 0) continue;
    const s = Number(indptr[c]);
    const e = Number(indptr[c + 1]);
    if (!(s <= e)) throw new CorruptDataError(`csc/indptr decreases at column ${c} (${s} → ${e})`);
    columns[k] = c;
    starts[k] = s;
    ends[k] = e;
    k++;
  }
  return { columns, starts, ends };
}

export interface CscGroupInput {
  /** Local columns read, in the order their ranges were passed to readRanges. */
  columns: ArrayLike<number>;
  /** Entries read per column (readRanges `lengths`). */
  lengths: ArrayLike<number>;
  /** zarr_row of every entry (csc/indices), columns concatenated. */
  rows: ArrayLike<number>;
  /** Per layer, values aligned with `rows`. */
  values: Record<string, ArrayLike<number | bigint>>;
  /** Effective remap: local column → output column (−1 = not read). */
  remap: Int32Array;
  /** The group's queried rows: zarrRows[i] goes to output row outRows[i]. */
  zarrRows: ArrayLike<number>;
  outRows: ArrayLike<number>;
}

/** The codec module's CSC → CSR kernels (wasm/src/csc.rs); without them JS assembles. */
export type CscKernels = Pick<Codecs, 'assembleCsc'>;

/** Each group's zarr_row → output rows, built by cscRowMaps before the columns arrive. */
export type CscRowMaps = readonly RowMap[];

/**
 * The groups' row maps from their rows alone (they do not depend on the columns read), so a caller
 * can build them while the columns are fetched; undefined when a group's map must be sized by its
 * column entries (a zarr_row far past its rows: see rowMap), which assembleCsrFromCsc then does.
 */
export function cscRowMaps(groups: readonly Pick<CscGroupInput, 'zarrRows' | 'outRows'>[], nRows: number): CscRowMaps | undefined {
  const seen = new Uint8Array(nRows);
  const maps: RowMap[] = [];
  for (const [gi, g] of groups.entries()) {
    const m = rowMap(g, gi, nRows, seen);
    if (!m) return undefined;
    maps.push(m);
  }
  return maps;
}

/** `maps`: cscRowMaps of the same groups' zarrRows and outRows, when the caller built them already. */
export function assembleCsrFromCsc(groups: readonly CscGroupInput[], opts: Omit<CsrAssemblyOptions, 'sortIndices'>, kernels?: CscKernels, rowMaps?: CscRowMaps): CsrMatrix {
  const { nRows, nCols } = opts;
  const layerNames = Object.keys(opts.layers);
  const seen = new Uint8Array(nRows);
  const maps = rowMaps ?? groups.map((g, gi) => rowMap(g, gi, nRows, seen, g.rows)!);
  for (const [gi, g] of groups.entries()) checkGroup(g, gi, layerNames, nCols);
  const compiled = kernels && compiledAssembly(groups, maps, opts, kernels);
  if (compiled) return compiled;
  // Pass 1: entries per output row. With a one-to-one row map, each entry's output row is looked
  // up once here and kept (`dest`); pass 2 turns it into the entry's position.
  let entries = 0;
  for (const g of groups) entries += g.rows.length;
  // Counters fit 32 bits while the entries do: with one-to-one row maps they bound every count and
  // position (a zarr_row queried twice fans out, so then doubles).
  const counts = entries < 2 ** 31 && maps.every((m) => m.one) ? new Int32Array(nRows) : new Float64Array(nRows);
  const dests: (Int32Array | undefined)[] = [];
  for (const [gi, g] of groups.entries()) {
    const m = maps[gi]!;
    if (m.one) dests.push(countOne(g.rows, m.one, counts));
    else {
      dests.push(undefined);
      const rows = g.rows;
      for (let k = 0; k < rows.length; k++) {
        const zr = rows[k]!;
        if (zr >= m.start.length - 1) continue;
        for (let t = m.start[zr]!; t < m.start[zr + 1]!; t++) counts[m.out[t]!]!++;
      }
    }
  }
  const { indptr, nnz } = prefixSum(counts);
  // `counts` becomes each row's fill cursor.
  for (let i = 0; i < nRows; i++) counts[i] = indptr[i]!;
  const cursor = counts;
  const indices = new Int32Array(nnz);
  const data: Record<string, ZarrTypedArray> = {};
  for (const name of layerNames) data[name] = allocate(opts.layers[name]!, nnz);
  // Pass 2: columns in ascending output column, so every row fills in sorted order. Each entry's
  // destination is found once (`dest`, −1 = row not queried); then one plain loop per layer moves
  // the values (a loop over layers inside the entry loop cost ~3× more).
  for (const [gi, g] of groups.entries()) {
    const m = maps[gi]!;
    const { colStart, order } = columnOrder(g);
    const dest = dests[gi];
    if (dest) {
      for (const j of order) placeColumn(dest, colStart[j]!, colStart[j]! + g.lengths[j]!, g.remap[g.columns[j]!]!, cursor, indices);
      for (const name of layerNames) scatter(data[name]! as unknown as (number | bigint)[], layerSource(g, name, opts) as ArrayLike<number | bigint>, dest);
      continue;
    }
    const rows = g.rows;
    const srcs = layerNames.map((name) => layerSource(g, name, opts));
    const outs = layerNames.map((name) => data[name]! as unknown as (number | bigint)[]);
    for (const j of order) {
      const col = g.remap[g.columns[j]!]!;
      const end = colStart[j]! + g.lengths[j]!;
      for (let k = colStart[j]!; k < end; k++) {
        const zr = rows[k]!;
        if (zr >= m.start.length - 1) continue;
        for (let t = m.start[zr]!; t < m.start[zr + 1]!; t++) {
          const p = cursor[m.out[t]!]!++;
          indices[p] = col;
          for (let l = 0; l < srcs.length; l++) outs[l]![p] = srcs[l]![k]!;
        }
      }
    }
  }
  return { shape: [nRows, nCols], indptr, indices, data, sortedIndices: true };
}

/** Where each column's entries start in the group's arrays, and the columns in ascending output column. */
function columnOrder(g: CscGroupInput): { colStart: Float64Array; order: Int32Array } {
  const colStart = new Float64Array(g.columns.length);
  for (let j = 1; j < g.columns.length; j++) colStart[j] = colStart[j - 1]! + g.lengths[j - 1]!;
  const order = Int32Array.from({ length: g.columns.length }, (_, j) => j).sort((a, b) => g.remap[g.columns[a]!]! - g.remap[g.columns[b]!]!);
  return { colStart, order };
}

/** A group's values of one layer, in the output's dtype. */
function layerSource(g: CscGroupInput, name: string, opts: Omit<CsrAssemblyOptions, 'sortIndices'>): ArrayLike<number | bigint> {
  const v = g.values[name]!;
  return sameKind(v, opts.layers[name]!) ? v : castArray(v, opts.layers[name]!);
}

/**
 * The kernels' assembly when every row map is one-to-one and the entries fit 32-bit positions,
 * else undefined (JS assembles).
 */
function compiledAssembly(groups: readonly CscGroupInput[], maps: CscRowMaps, opts: Omit<CsrAssemblyOptions, 'sortIndices'>, kernels: CscKernels): CsrMatrix | undefined {
  let entries = 0;
  for (const g of groups) entries += g.rows.length;
  if (!groups.length || entries >= 2 ** 31 || !maps.every((m) => m.one) || !groups.every((g) => g.rows instanceof Uint32Array)) return undefined;
  const layerNames = Object.keys(opts.layers);
  const inputs = groups.map((g, gi): CscAssemblyGroup => {
    const { colStart, order } = columnOrder(g);
    const plan = new Uint32Array(3 * order.length);
    order.forEach((j, i) => plan.set([colStart[j]!, colStart[j]! + g.lengths[j]!, g.remap[g.columns[j]!]!], 3 * i));
    return { rows: g.rows as Uint32Array, one: maps[gi]!.one!, plan };
  });
  // the kernels move bytes: each layer's values as exactly the output dtype
  const layers = layerNames.map((name) => groups.map((g) => asDtype(g.values[name]!, opts.layers[name]!)));
  const out = kernels.assembleCsc(inputs, opts.nRows, layers);
  if (!out) return undefined;
  const data: Record<string, ZarrTypedArray> = {};
  layerNames.forEach((name, l) => (data[name] = out.data[l] as ZarrTypedArray));
  return { shape: [opts.nRows, opts.nCols], indptr: out.indptr, indices: out.indices, data, sortedIndices: true };
}

/** dest[k] = output row of entry k (−1: not queried), counting each row's entries. */
function countOne(rows: ArrayLike<number>, one: Int32Array, counts: Int32Array | Float64Array): Int32Array {
  const dest = new Int32Array(rows.length);
  const size = one.length;
  for (let k = 0; k < rows.length; k++) {
    const zr = rows[k]!;
    const o = zr < size ? one[zr]! : -1;
    dest[k] = o;
    if (o >= 0) counts[o]!++;
  }
  return dest;
}

/** Entries [from, to) of one column: dest[k] (an output row) becomes the entry's position. */
function placeColumn(dest: Int32Array, from: number, to: number, col: number, cursor: Int32Array | Float64Array, indices: Int32Array): void {
  for (let k = from; k < to; k++) {
    const o = dest[k]!;
    if (o < 0) continue;
    const p = cursor[o]!++;
    indices[p] = col;
    dest[k] = p;
  }
}

/** out[dest[k]] = src[k] wherever dest[k] ≥ 0. */
function scatter(out: (number | bigint)[], src: ArrayLike<number | bigint>, dest: Int32Array): void {
  for (let k = 0; k < dest.length; k++) {
    const p = dest[k]!;
    if (p >= 0) out[p] = src[k]!;
  }
}

/**
 * zarr_row → output rows, as CSR: out[start[zr] .. start[zr+1]). `one` is the same map as a plain
 * lookup (−1 = not queried), present when no zarr_row is queried twice (the usual case).
 */
interface RowMap {
  start: Int32Array;
  out: Int32Array;
  one?: Int32Array;
}

/** `entries`: the group's csc/indices values read; without them a map that needs them is undefined. */
function rowMap(g: Pick<CscGroupInput, 'zarrRows' | 'outRows'>, gi: number, nRows: number, seen: Uint8Array, entries?: ArrayLike<number>): RowMap | undefined {
  if (g.zarrRows.length !== g.outRows.length) throw new QueryError(`group ${gi}: ${g.zarrRows.length} zarr rows but ${g.outRows.length} output rows`);
  let max = -1;
  // One pass checks the rows and marks the output rows taken (`seen`, shared by the groups).
  for (let i = 0; i < g.zarrRows.length; i++) {
    const zr = g.zarrRows[i]!;
    if (!(Number.isInteger(zr) && zr >= 0)) throw new QueryError(`group ${gi}: zarr_row ${zr} is not a non-negative integer`);
    const row = g.outRows[i]!;
    if (!(Number.isInteger(row) && row >= 0 && row < nRows)) throw new QueryError(`group ${gi}: output row ${row} is not within [0, ${nRows})`);
    if (seen[row]) throw new QueryError(`output row ${row} is supplied twice (group ${gi})`);
    seen[row] = 1;
    if (zr > max) max = zr;
  }
  // The map is indexed by zarr_row. A zarr_row far past the group's rows (only a damaged or exotic
  // pointer has one: 2^32 would ask for a 16 GB table) is sized down to the entries that can match:
  // rows past the largest stored csc/indices value have no entries in the columns read.
  let size = max + 1;
  if (size > 16 * g.zarrRows.length + 65_536) {
    if (!entries) return undefined;
    let top = -1;
    for (let k = 0; k < entries.length; k++) if (entries[k]! > top) top = entries[k]!;
    size = Math.min(size, top + 1);
  }
  const one = new Int32Array(size).fill(-1);
  let unique = true;
  for (let i = 0; i < g.zarrRows.length; i++) {
    const zr = g.zarrRows[i]!;
    if (zr >= size) continue;
    if (one[zr] !== -1) unique = false;
    one[zr] = g.outRows[i]!;
  }
  if (unique) return { start: new Int32Array(0), out: new Int32Array(0), one };
  const start = new Int32Array(size + 1);
  let mapped = 0;
  for (let i = 0; i < g.zarrRows.length; i++) if (g.zarrRows[i]! < size) (start[g.zarrRows[i]! + 1]!++, mapped++);
  for (let z = 0; z < size; z++) start[z + 1]! += start[z]!;
  const fillAt = start.slice(0, size);
  const out = new Int32Array(mapped);
  for (let i = 0; i < g.zarrRows.length; i++) if (g.zarrRows[i]! < size) out[fillAt[g.zarrRows[i]!]!++] = g.outRows[i]!;
  return { start, out };
}

function checkGroup(g: CscGroupInput, gi: number, layers: string[], nCols: number): void {
  if (g.lengths.length !== g.columns.length) throw new QueryError(`group ${gi}: ${g.columns.length} columns but ${g.lengths.length} lengths`);
  let total = 0;
  for (let j = 0; j < g.lengths.length; j++) {
    total += g.lengths[j]!;
    const c = g.columns[j]!;
    const col = g.remap[c];
    if (col === undefined || col < 0 || col >= nCols) throw new QueryError(`group ${gi}: column ${c} maps to ${col}, not an output column in [0, ${nCols})`);
  }
  if (total !== g.rows.length) throw new QueryError(`group ${gi}: lengths sum to ${total} but there are ${g.rows.length} row entries`);
  for (const name of layers) {
    const v = g.values[name];
    if (!v) throw new QueryError(`group ${gi} has no values for layer "${name}"`);
    if (v.length !== total) throw new QueryError(`group ${gi}, layer "${name}": ${v.length} values for ${total} entries`);
  }
}
