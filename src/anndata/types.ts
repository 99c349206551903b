// The result types of a query: AnnData-like objects built from typed arrays and Arrow tables.
import type { Table } from 'apache-arrow';

export type NumericArray =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** Compressed sparse rows, scipy's layout: row i owns indices/data[indptr[i] .. indptr[i+1]). */
export interface CsrMatrix {
  format: 'csr';
  shape: [number, number];
  /** Int32Array while nnz < 2^31, else Float64Array (exact up to 2^53). */
  indptr: Int32Array | Float64Array;
  indices: Int32Array;
  data: NumericArray;
  /** True when every row's column indices ascend (see RunOptions.sortIndices); absent = not known. */
  hasSortedIndices?: boolean;
}

/** Row-major dense matrix. */
export interface DenseMatrix {
  format: 'dense';
  shape: [number, number];
  data: NumericArray;
}

export type Matrix = CsrMatrix | DenseMatrix;

export interface AnnData {
  /** Cell metadata without pointer columns or `_`-prefixed columns, one row per cell, in query order. */
  obs: Table;
  /** Feature metadata from the registry, sorted by global_index (the column order of X). */
  var: Table;
  /** The first requested layer, or null for an obs-only result. */
  X: Matrix | null;
  /** The other requested layers, same shape as X. */
  layers: Record<string, Matrix>;
  /** Per-cell embeddings (e.g. X_umap), from fixed_size_list obs columns. */
  obsm: Record<string, DenseMatrix>;
  /** Cell uids (obs index). Query results build it on first read (the same uids are in obs). */
  obsNames: string[];
  /** Feature uids (var index). */
  varNames: string[];
  shape: [number, number];
}

/** Several modalities of the same cells, as homeobox's MultimodalResult / MuData. */
export interface MuData {
  /** Shared obs of all rows. */
  obs: Table;
  obsNames: string[];
  /** One AnnData per pointer field, holding only the rows present in that modality. */
  mod: Record<string, AnnData>;
  /** present[field][i] = 1 when row i of obs has data in that modality. */
  present: Record<string, Uint8Array>;
}
