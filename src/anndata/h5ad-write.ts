// AnnData → .h5ad bytes, in the on-disk encoding anndata ≥ 0.8 reads (encoding-type/-version
// attributes on every element), written with our own HDF5 writer (./hdf5: pure TypeScript, no
// I/O, works in browsers and workers). Decisions, each because of what anndata reads:
//  - string obs columns with nulls become categoricals (code -1 = NaN): plain string-arrays cannot hold nulls;
//  - integer/bool columns with nulls use anndata's nullable-integer / nullable-boolean encodings
//    (`values` + a bool `mask`, true = missing; null values are stored as 0 / false);
//  - bools are real h5py bools (HDF5 enum {FALSE: 0, TRUE: 1} over int8) everywhere: bool columns,
//    nullable masks and values, and the categorical `ordered` attribute — anndata reads them as
//    numpy `bool` (pandas insists on a real bool for `ordered` and for nullable masks);
//  - fixed_size_list obs columns (embeddings) go to obsm; struct and list columns are skipped;
//  - categorical codes use the smallest signed type pandas would (int8 below 127 categories);
//  - CSR indptr is int32 while it fits, int64 otherwise (as scipy); obsp/varm/varp/uns are empty dicts;
//  - with `gzip`, numeric matrix arrays over 64 KiB are chunked (~1 MiB, whole rows) + deflated.
// Uncompressed data arrays are not copied: the file is one list of chunks, concatenated once
// (toH5ad) or streamed to a sink (writeH5ad, for results larger than one ArrayBuffer).
import * as arrow from 'apache-arrow';
import type { AnnData, Matrix, NumericArray } from './types.js';
import { array, bools, H5File, H5Group, strings, type ByteSink, type H5Dataset, type NumericValue } from './hdf5/index.js';
import { InvalidInputError, describeArgument } from '../errors.js';

export interface H5adOptions {
  /**
   * Any level 1–9 stores the numeric arrays of X, layers and obsm that exceed 64 KiB chunked
   * (~1 MiB chunks) and deflate-compressed (h5py's compression="gzip"); 0/undefined: contiguous.
   * The platform's CompressionStream has no level setting: zlib's default (6) is used.
   */
  gzip?: number;
}

/** The .h5ad file of `adata`, as bytes anndata ≥ 0.8 (and h5py/HDF5 ≥ 1.8 generally) reads. */
export async function toH5ad(adata: AnnData, options: H5adOptions = {}): Promise<Uint8Array> {
  return h5adFile(adata, options).toBytes();
}

/** Streams the .h5ad bytes to `sink` in order, without building the whole file in memory. */
export async function writeH5ad(adata: AnnData, sink: ByteSink, options: H5adOptions = {}): Promise<void> {
  await h5adFile(adata, options).writeTo(sink);
}

function h5adFile(adata: AnnData, options: H5adOptions): H5File {
  // Plain JS callers get no type check: name the mistake instead of a TypeError from inside.
  const given = adata as unknown as Record<string, unknown> | null | undefined;
  if (typeof given !== 'object' || given === null || !('shape' in given) || !('obs' in given)) {
    const hint = given && typeof given === 'object' && 'mod' in given ? ' (this is a MuData: write it with toH5mu / writeH5mu)' : '';
    throw new InvalidInputError(`toH5ad takes an AnnData (from toAnnData or toBatches); got ${describeArgument(adata)}${hint}`, { where: 'toH5ad' });
  }
  const f = new H5File();
  writeAnnData(f.root, adata, 'toH5ad', options);
  return f;
}

/** Writes `adata` into group `g` (the file root for .h5ad, `/mod/<name>` for .h5mu). */
export function writeAnnData(g: H5Group, adata: AnnData, where: string, options: H5adOptions = {}): void {
  checkShapes(adata, where);
  const gzip = (options.gzip ?? 0) > 0;
  setEncoding(g, 'anndata', '0.1.0');
  writeDataFrame(g, 'obs', adata.obs, adata.obsNames);
  writeDataFrame(g, 'var', adata.var, adata.varNames);
  if (adata.X) writeMatrix(g, 'X', adata.X, gzip);
  const layers = dict(g, 'layers');
  for (const [name, m] of Object.entries(adata.layers)) writeMatrix(layers, name, m, gzip);
  const obsm = dict(g, 'obsm');
  for (const [name, m] of Object.entries(adata.obsm)) writeMatrix(obsm, name, m, gzip);
  for (const name of ['obsp', 'varm', 'varp', 'uns']) dict(g, name);
}

function checkShapes(adata: AnnData, where: string): void {
  const [nObs, nVar] = adata.shape;
  const problems: string[] = [];
  if (adata.obsNames.length !== nObs) problems.push(`${adata.obsNames.length} obs names for ${nObs} rows`);
  if (adata.varNames.length !== nVar) problems.push(`${adata.varNames.length} var names for ${nVar} columns`);
  // A table without columns may not know its row count: only tables with columns are checked.
  if (adata.obs.numCols > 0 && adata.obs.numRows !== nObs) problems.push(`obs has ${adata.obs.numRows} rows, not ${nObs}`);
  if (adata.var.numCols > 0 && adata.var.numRows !== nVar) problems.push(`var has ${adata.var.numRows} rows, not ${nVar}`);
  const layers: [string, Matrix][] = Object.entries(adata.layers);
  if (adata.X) layers.push(['X', adata.X]);
  for (const [name, m] of layers) {
    if (m.shape[0] !== nObs || m.shape[1] !== nVar) problems.push(`${name} is ${m.shape.join(' × ')}, not ${nObs} × ${nVar}`);
  }
  for (const [name, m] of Object.entries(adata.obsm)) {
    if (m.shape[0] !== nObs) problems.push(`obsm ${name} has ${m.shape[0]} rows, not ${nObs}`);
  }
  if (problems.length) throw new InvalidInputError(`AnnData shapes disagree: ${problems.join('; ')}`, { where });
}

export function setEncoding(g: H5Group | H5Dataset, type: string, version: string): void {
  g.setAttr('encoding-type', type);
  g.setAttr('encoding-version', version);
}

export function dict(parent: H5Group, name: string): H5Group {
  const g = parent.createGroup(name);
  setEncoding(g, 'dict', '0.1.0');
  return g;
}

const GZIP_MIN_BYTES = 64 * 1024;

function writeArray(parent: H5Group, name: string, data: NumericArray, shape?: readonly number[], gzip = false): void {
  const compress = gzip && data.byteLength > GZIP_MIN_BYTES;
  setEncoding(parent.createDataset(name, array(data, shape), compress ? { compression: 'gzip' } : {}), 'array', '0.2.0');
}

function writeBools(parent: H5Group, name: string, data: Uint8Array): void {
  setEncoding(parent.createDataset(name, bools(data)), 'array', '0.2.0');
}

export function writeStrings(parent: H5Group, name: string, values: readonly string[]): void {
  setEncoding(parent.createDataset(name, strings(values)), 'string-array', '0.2.0');
}

function writeMatrix(parent: H5Group, name: string, m: Matrix, gzip: boolean): void {
  if (m.format === 'dense') {
    writeArray(parent, name, m.data, m.shape, gzip);
    return;
  }
  const g = parent.createGroup(name);
  setEncoding(g, 'csr_matrix', '0.1.0');
  g.setAttr('shape', BigInt64Array.from(m.shape, (v) => BigInt(v)));
  writeArray(g, 'data', m.data, undefined, gzip);
  writeArray(g, 'indices', m.indices, undefined, gzip);
  writeArray(g, 'indptr', m.indptr instanceof Int32Array ? m.indptr : BigInt64Array.from(m.indptr, (v) => BigInt(v)), undefined, gzip);
}

export function writeDataFrame(parent: H5Group, name: string, table: arrow.Table, index: readonly string[]): void {
  const g = parent.createGroup(name);
  setEncoding(g, 'dataframe', '0.2.0');
  g.setAttr('_index', '_index');
  writeStrings(g, '_index', index);
  const written: string[] = [];
  for (const field of table.schema.fields) {
    if (field.name === '_index') continue;
    const col = table.getChild(field.name)!;
    if (writeColumn(g, field.name, field.type, col)) written.push(field.name);
  }
  g.setAttr('column-order', strings(written)); // a string array even when empty
}

/** Writes one obs/var column in anndata's encoding; returns false for types that have none. */
function writeColumn(g: H5Group, name: string, type: arrow.DataType, col: arrow.Vector): boolean {
  const n = col.length;
  const hasNulls = col.nullCount > 0;
  if (arrow.DataType.isDictionary(type)) {
    // A pandas categorical: the dictionary's values in their order, unused ones too, and its
    // `ordered` flag. Chunks with different dictionaries add their new values after the first's.
    const dict = type.dictionary;
    const strings = arrow.DataType.isUtf8(dict) || arrow.DataType.isLargeUtf8(dict);
    if (!strings && !arrow.DataType.isInt(dict) && !(arrow.DataType.isFloat(dict) && dict.precision !== arrow.Precision.HALF)) return false;
    const categories: (string | number | bigint)[] = [];
    const lookup = new Map<string | number | bigint, number>();
    for (const d of col.data) {
      for (const v of (d.dictionary ?? []) as Iterable<string | number | bigint | null>) {
        if (v !== null && !lookup.has(v)) lookup.set(v, categories.push(v) - 1);
      }
    }
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = col.get(i) as string | number | bigint | null;
      codes[i] = v === null ? -1 : lookup.get(v)!;
    }
    const values = strings ? (categories as string[]) : (new (dict as arrow.Int | arrow.Float).ArrayType(categories as never) as unknown as NumericArray);
    writeCategorical(g, name, values, codes, type.isOrdered);
    return true;
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) {
    const values = col.toArray() as (string | null)[];
    if (!hasNulls) {
      writeStrings(g, name, values as string[]);
      return true;
    }
    const categories = [...new Set(values.filter((v): v is string => v !== null))].sort();
    const pos = new Map(categories.map((c, i) => [c, i]));
    writeCategorical(g, name, categories, Int32Array.from(values, (v) => (v === null ? -1 : pos.get(v)!)));
    return true;
  }
  if (arrow.DataType.isBool(type)) {
    const values = new Uint8Array(n);
    for (let i = 0; i < n; i++) values[i] = col.get(i) ? 1 : 0;
    if (!hasNulls) writeBools(g, name, values);
    else writeNullable(g, name, 'nullable-boolean', bools(values), col);
    return true;
  }
  if (arrow.DataType.isInt(type)) {
    const values = intValues(col, type);
    if (!hasNulls) writeArray(g, name, values);
    else writeNullable(g, name, 'nullable-integer', array(values), col);
    return true;
  }
  if (arrow.DataType.isFloat(type)) {
    const values = type.precision === arrow.Precision.SINGLE ? new Float32Array(n) : new Float64Array(n);
    if (!hasNulls && type.precision !== arrow.Precision.HALF) values.set(col.toArray() as Float32Array | Float64Array);
    else for (let i = 0; i < n; i++) values[i] = (col.get(i) as number | null) ?? NaN;
    writeArray(g, name, values);
    return true;
  }
  return false;
}

/** The column's values as its own typed array (zero-copy for one chunk), nulls as 0. */
function intValues(col: arrow.Vector, type: arrow.Int): NumericArray {
  if (col.nullCount === 0) return col.toArray() as NumericArray;
  const Ctor = type.ArrayType as unknown as { new (n: number): NumericArray };
  const out = new Ctor(col.length);
  const zero = type.bitWidth === 64 ? 0n : 0;
  for (let i = 0; i < col.length; i++) (out as unknown as unknown[])[i] = col.get(i) ?? zero;
  return out;
}

function writeNullable(g: H5Group, name: string, encoding: string, values: NumericValue, col: arrow.Vector): void {
  const sub = g.createGroup(name);
  setEncoding(sub, encoding, '0.1.0');
  setEncoding(sub.createDataset('values', values), 'array', '0.2.0');
  const mask = new Uint8Array(col.length);
  for (let i = 0; i < mask.length; i++) mask[i] = col.isValid(i) ? 0 : 1;
  writeBools(sub, 'mask', mask);
}

function writeCategorical(g: H5Group, name: string, categories: string[] | NumericArray, codes: Int32Array, ordered = false): void {
  const sub = g.createGroup(name);
  setEncoding(sub, 'categorical', '0.2.0');
  sub.setAttr('ordered', ordered);
  if (Array.isArray(categories)) writeStrings(sub, 'categories', categories);
  else writeArray(sub, 'categories', categories);
  const small = categories.length < 127 ? Int8Array.from(codes) : categories.length < 32767 ? Int16Array.from(codes) : codes;
  writeArray(sub, 'codes', small);
}
