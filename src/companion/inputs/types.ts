// The shape every input reader (h5ad, 10x, AnnData-Zarr) produces, and the atlas writer consumes.
// Readers keep whole-column metadata (obs/var/obsm) in memory: it is O(cells + genes), which the
// writer needs anyway. Matrices are never materialised: they are streamed as row batches.

/**
 * One obs/var column.
 * - `categorical`: `codes[i]` indexes `categories`; -1 means missing. Non-string categories (numbers,
 *   booleans) are converted with JS `String()`.
 * - `int` / `bool`: when `valid` is present, `valid[i] === 0` marks a missing value (AnnData's nullable
 *   encodings); the matching entry of `values` is then meaningless (usually 0).
 * - `string`: `null` only where the source has a missing string (nullable string arrays).
 */
export type ObsColumn =
  | { name: string; kind: 'string'; values: (string | null)[] }
  | { name: string; kind: 'categorical'; categories: string[]; codes: Int32Array /* -1 = null */ }
  | { name: string; kind: 'int'; values: BigInt64Array | Int32Array; valid?: Uint8Array }
  | { name: string; kind: 'float'; values: Float64Array | Float32Array }
  | { name: string; kind: 'bool'; values: Uint8Array; valid?: Uint8Array };

/**
 * A block of consecutive rows (cells) in CSR form. `indptr` is local to the batch (starts at 0).
 * Guarantees, whatever the source: column indices are in [0, nVar), strictly increasing within a row
 * (sorted, no duplicates), and `indices.length === values.length === indptr[nRows]`.
 */
export interface RowBatch {
  rowStart: number;
  nRows: number;
  format: 'csr';
  indptr: Float64Array /* length nRows+1, starts at 0 */;
  indices: Uint32Array;
  values: Uint32Array | Int32Array | Float32Array | Float64Array;
}

/** A block of consecutive rows of a dense matrix, row-major. */
export interface DenseRowBatch {
  rowStart: number;
  nRows: number;
  format: 'dense';
  values: Uint32Array | Int32Array | Float32Array | Float64Array /* row-major nRows x nVar */;
}

/**
 * A matrix that can be read as row batches, lazily: nothing is read until `rows()` is iterated, and
 * each call to `rows()` starts a fresh pass.
 *
 * `dtype` is the source's element type; batch `values` widen it: int8/int16/int32 → `'int32'`
 * (Int32Array); uint8/uint16/uint32/bool → Uint32Array; int64/uint64 → `'int64'` delivered as Int32Array
 * (a value outside int32 raises UnsupportedError rather than being truncated); float32/float64 as is.
 *
 * `format` is how the source stores it; `rows()` always yields row batches ('csc' sources are
 * transposed per batch, 'dense' sources yield DenseRowBatch).
 */
export interface MatrixSource {
  shape: [number, number];
  dtype: 'uint32' | 'int32' | 'float32' | 'float64' | 'int64' | 'uint16' | 'uint8' | 'bool';
  format: 'csr' | 'csc' | 'dense';
  rows(batchRows: number): AsyncIterable<RowBatch | DenseRowBatch> /* always row batches, even for CSC inputs */;
}

export interface InputDataset {
  /** The path that was opened. */
  source: string;
  obsNames: string[];
  obs: ObsColumn[];
  varNames: string[];
  var: ObsColumn[];
  X?: MatrixSource;
  raw?: { X: MatrixSource; varNames: string[]; var: ObsColumn[] };
  layers: Record<string, MatrixSource>;
  /**
   * Dense numeric embeddings, converted to float32 (round-to-nearest, as numpy's astype). Sparse or
   * dataframe obsm entries have no place here: they are in `unreadable`.
   */
  obsm: Record<string, { dim: number; values: Float32Array /* row-major */ }>;
  /**
   * Elements this reader cannot take (a float16 layer, a 3-D obsm, a complex column), by path
   * (`obs/<col>`, `var/<col>`, `layers/<name>`, `obsm/<name>`), with why. They are left out of the
   * fields above, and the error is raised only if an ingest uses them: an input is not refused for
   * what its schema never reads.
   */
  unreadable?: Record<string, Error>;
  /** What the reader changed while reading (duplicate 10x gene symbols made unique), for the ingest's warnings. */
  notes?: string[];
  /** Releases file handles. Matrix sources must not be iterated afterwards. */
  close?(): Promise<void>;
}

export const INPUT_FORMATS = ['h5ad', '10x', 'zarr'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
/** The formats as a message says them: "h5ad, 10x or zarr". */
export const INPUT_FORMAT_NAMES = `${INPUT_FORMATS.slice(0, -1).join(', ')} or ${INPUT_FORMATS.at(-1)}`;
