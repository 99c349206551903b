// AnnData matrices (X, layers/*, raw/X) as lazy row-batch sources over an ElementStore.
//
// Memory: CSR and dense sources hold one batch at a time; the row pointer is read per batch too
// (indptr[a..b]), so even the O(n_obs) indptr is never held whole. CSC needs a transpose; see
// CscSource for its two modes and their trade-off.
import { InvalidInputError, UnsupportedError } from '../../errors.js';
import { canonicaliseRows, concatTyped, coordsToCsr, emptyLike } from './csr-rows.js';
import {
  attrNumberList,
  attrString,
  dtypeName,
  isNumericDtype,
  joinPath,
  whereOf,
  type ArrayNode,
  type ElementStore,
  type NumericData,
} from './element-store.js';
import type { DenseRowBatch, MatrixSource, RowBatch } from './types.js';
import { matrixDtype, toBatchValues, toIndices, toOffsets, type BatchValues } from './values.js';

export interface MatrixOptions {
  /**
   * CSC matrices with at most this many stored entries are transposed once, in memory
   * (~16 bytes per entry while building). Larger ones are scanned once per row batch instead.
   * Default 2^24 (≈ 16.8M entries, ≈ 270 MB peak).
   */
  cscInMemoryMaxNnz?: number;
  /** Entries read per slice when scanning CSC indices/data. Default 2^20. */
  readChunkEntries?: number;
}

const DEFAULT_CSC_IN_MEMORY = 1 << 24;
const DEFAULT_READ_CHUNK = 1 << 20;

/** Opens the matrix element at `path` (dense array, csr_matrix or csc_matrix group). */
export async function openMatrix(store: ElementStore, path: string, opts: MatrixOptions = {}): Promise<MatrixSource> {
  const node = await store.node(path);
  const where = whereOf(store, path);
  if (!node) throw new InvalidInputError('matrix element is missing', { where });
  if (node.kind === 'array') {
    const enc = attrString(node.attrs, 'encoding-type');
    if (enc !== undefined && enc !== 'array') {
      throw new UnsupportedError(`matrix encoding-type '${enc}' is not supported`, { where, feature: `encoding-type ${enc}` });
    }
    if (node.shape.length !== 2) {
      throw new InvalidInputError(`a dense matrix must be 2-D, found shape [${node.shape.join(', ')}]`, { where });
    }
    if (!isNumericDtype(node.dtype)) {
      throw new UnsupportedError(`dense matrix of ${dtypeName(node.dtype)} is not supported`, { where, feature: `matrix dtype ${dtypeName(node.dtype)}` });
    }
    return new DenseSource(store, node, [node.shape[0]!, node.shape[1]!], matrixDtype(node.dtype, where));
  }
  // Sparse group: anndata >= 0.7 uses encoding-type; older files (h5sparse) use h5sparse_format/_shape.
  const enc = attrString(node.attrs, 'encoding-type');
  const legacy = attrString(node.attrs, 'h5sparse_format');
  const format = enc === 'csr_matrix' || legacy === 'csr' ? 'csr' : enc === 'csc_matrix' || legacy === 'csc' ? 'csc' : undefined;
  if (!format) {
    const what = enc ?? (legacy ? `h5sparse_format ${legacy}` : 'none');
    throw new UnsupportedError(`matrix encoding-type '${what}' is not supported`, { where, feature: `encoding-type ${what}` });
  }
  const shapeAttr = attrNumberList(node.attrs, enc ? 'shape' : 'h5sparse_shape');
  if (!shapeAttr || shapeAttr.length !== 2) {
    throw new InvalidInputError('sparse matrix group has no valid 2-element shape attribute', { where });
  }
  const shape: [number, number] = [shapeAttr[0]!, shapeAttr[1]!];
  const parts = await sparseParts(store, path);
  const nMajor = format === 'csr' ? shape[0] : shape[1];
  if (parts.indptr.shape[0] !== nMajor + 1) {
    throw new InvalidInputError(
      `indptr has length ${parts.indptr.shape[0]}, expected ${nMajor + 1} (${format === 'csr' ? 'rows' : 'columns'} + 1 for shape [${shape.join(', ')}])`,
      { where: whereOf(store, parts.indptr.path) },
    );
  }
  const dtype = matrixDtype(parts.data.dtype, whereOf(store, parts.data.path));
  return format === 'csr'
    ? new CsrSource(store, parts, shape, dtype)
    : new CscSource(store, parts, shape, dtype, opts);
}

interface SparseParts {
  data: ArrayNode;
  indices: ArrayNode;
  indptr: ArrayNode;
  nnz: number;
}

async function sparseParts(store: ElementStore, path: string): Promise<SparseParts> {
  const get = async (name: string): Promise<ArrayNode> => {
    const n = await store.node(joinPath(path, name));
    if (!n || n.kind !== 'array' || n.shape.length !== 1) {
      throw new InvalidInputError(`sparse matrix needs a 1-D '${name}' array`, { where: whereOf(store, joinPath(path, name)) });
    }
    return n;
  };
  const data = await get('data');
  const indices = await get('indices');
  const indptr = await get('indptr');
  if (indices.shape[0] !== data.shape[0]) {
    throw new InvalidInputError(`indices has ${indices.shape[0]} entries but data has ${data.shape[0]}`, { where: whereOf(store, indices.path) });
  }
  for (const n of [indices, indptr]) {
    if (typeof n.dtype !== 'string' || !/^u?int/.test(n.dtype)) {
      throw new InvalidInputError(`${n.path} must be an integer array, found ${dtypeName(n.dtype)}`, { where: whereOf(store, n.path) });
    }
  }
  return { data, indices, indptr, nnz: data.shape[0]! };
}

function checkBatchSize(batchRows: number): void {
  if (!Number.isSafeInteger(batchRows) || batchRows < 1) throw new RangeError(`batchRows must be a positive integer, got ${batchRows}`);
}

async function readNumeric(store: ElementStore, node: ArrayNode, start: number, end: number): Promise<NumericData> {
  const d = await store.read(node, start, end);
  if (Array.isArray(d)) throw new InvalidInputError('expected numbers, found strings', { where: whereOf(store, node.path) });
  return d;
}

class DenseSource implements MatrixSource {
  readonly format = 'dense' as const;
  constructor(
    private readonly store: ElementStore,
    private readonly node: ArrayNode,
    readonly shape: [number, number],
    readonly dtype: MatrixSource['dtype'],
  ) {}

  async *rows(batchRows: number): AsyncGenerator<DenseRowBatch> {
    checkBatchSize(batchRows);
    const where = whereOf(this.store, this.node.path);
    for (let a = 0; a < this.shape[0]; a += batchRows) {
      const b = Math.min(a + batchRows, this.shape[0]);
      const values = toBatchValues(await readNumeric(this.store, this.node, a, b), where);
      yield { rowStart: a, nRows: b - a, format: 'dense', values };
    }
  }
}

/** CSR: per batch, read indptr[a..b], then indices/data[indptr[a]..indptr[b]]. */
class CsrSource implements MatrixSource {
  readonly format = 'csr' as const;
  constructor(
    private readonly store: ElementStore,
    private readonly parts: SparseParts,
    readonly shape: [number, number],
    readonly dtype: MatrixSource['dtype'],
  ) {}

  async *rows(batchRows: number): AsyncGenerator<RowBatch> {
    checkBatchSize(batchRows);
    const { store, parts } = this;
    const [nRows, nCols] = this.shape;
    const ipWhere = whereOf(store, parts.indptr.path);
    const idxWhere = whereOf(store, parts.indices.path);
    const dataWhere = whereOf(store, parts.data.path);
    let prevEnd = 0;
    for (let a = 0; a < nRows; a += batchRows) {
      const b = Math.min(a + batchRows, nRows);
      const ip = toOffsets(await readNumeric(store, parts.indptr, a, b + 1), ipWhere);
      if (ip[0] !== prevEnd) {
        throw new InvalidInputError(a === 0 ? `indptr[0] is ${ip[0]}, expected 0` : `indptr is inconsistent at ${a}`, { where: `${ipWhere}[${a}]` });
      }
      for (let i = 1; i < ip.length; i++) {
        if (ip[i]! < ip[i - 1]!) {
          throw new InvalidInputError(`indptr decreases (${ip[i - 1]} then ${ip[i]})`, { where: `${ipWhere}[${a + i}]` });
        }
      }
      const s = ip[0]!;
      const e = ip[ip.length - 1]!;
      if (e > parts.nnz || (b === nRows && e !== parts.nnz)) {
        throw new InvalidInputError(`indptr ends at ${e} but indices/data have ${parts.nnz} entries`, { where: `${ipWhere}[${b}]` });
      }
      prevEnd = e;
      const indices = e > s ? toIndices(await readNumeric(store, parts.indices, s, e), nCols, idxWhere, s) : new Uint32Array(0);
      const values = e > s ? toBatchValues(await readNumeric(store, parts.data, s, e), dataWhere) : emptyValues(this.dtype);
      const indptr = ip.map((v) => v - s);
      canonicaliseRows(indptr, indices, values, b - a, (_r, k) => `${idxWhere}[${s + k}]`);
      yield { rowStart: a, nRows: b - a, format: 'csr', indptr, indices, values };
    }
  }
}

/**
 * CSC stored, CSR wanted. Two modes, picked by nnz against `cscInMemoryMaxNnz`:
 * - in memory: one pass over indices/data builds the whole CSR (≈16 bytes/entry), then batches are
 *   cut from it. O(nnz) time, O(nnz) memory.
 * - scan: every row batch streams all of indices (and the data chunks that hold hits) in
 *   `readChunkEntries` slices and keeps the entries whose row falls in the batch. O(batch) memory but
 *   O(nnz × batches) reading, so use large batches for big CSC inputs (or convert them to CSR first).
 */
class CscSource implements MatrixSource {
  readonly format = 'csc' as const;
  private readonly inMemoryMax: number;
  private readonly chunk: number;
  constructor(
    private readonly store: ElementStore,
    private readonly parts: SparseParts,
    readonly shape: [number, number],
    readonly dtype: MatrixSource['dtype'],
    opts: MatrixOptions,
  ) {
    this.inMemoryMax = opts.cscInMemoryMaxNnz ?? DEFAULT_CSC_IN_MEMORY;
    this.chunk = Math.max(1, opts.readChunkEntries ?? DEFAULT_READ_CHUNK);
  }

  async *rows(batchRows: number): AsyncGenerator<RowBatch> {
    checkBatchSize(batchRows);
    const { store, parts } = this;
    const [nRows, nCols] = this.shape;
    const ipWhere = whereOf(store, parts.indptr.path);
    const colPtr = toOffsets(await readNumeric(store, parts.indptr, 0, nCols + 1), ipWhere);
    validateColPtr(colPtr, nCols, parts.nnz, ipWhere);
    if (parts.nnz <= this.inMemoryMax) {
      const all = await this.scan(colPtr, 0, nRows);
      for (let a = 0; a < nRows; a += batchRows) {
        const b = Math.min(a + batchRows, nRows);
        const s = all.indptr[a]!;
        const e = all.indptr[b]!;
        yield {
          rowStart: a,
          nRows: b - a,
          format: 'csr',
          indptr: all.indptr.slice(a, b + 1).map((v) => v - s),
          indices: all.indices.slice(s, e),
          values: all.values.slice(s, e),
        };
      }
      return;
    }
    for (let a = 0; a < nRows; a += batchRows) {
      const b = Math.min(a + batchRows, nRows);
      const part = await this.scan(colPtr, a, b);
      yield { rowStart: a, nRows: b - a, format: 'csr', ...part };
    }
  }

  /** One pass over the stored entries, keeping rows [a, b); columns arrive in order so rows come out sorted. */
  private async scan(colPtr: Float64Array, a: number, b: number): Promise<Pick<RowBatch, 'indptr' | 'indices' | 'values'>> {
    const { store, parts } = this;
    const [nRows, nCols] = this.shape;
    const idxWhere = whereOf(store, parts.indices.path);
    const dataWhere = whereOf(store, parts.data.path);
    const rowParts: Uint32Array[] = [];
    const colParts: Uint32Array[] = [];
    const valParts: BatchValues[] = [];
    let col = 0;
    for (let s = 0; s < parts.nnz; s += this.chunk) {
      const e = Math.min(s + this.chunk, parts.nnz);
      const rowIdx = toIndices(await readNumeric(store, parts.indices, s, e), nRows, idxWhere, s);
      const hits: number[] = [];
      for (let k = 0; k < rowIdx.length; k++) {
        const r = rowIdx[k]!;
        if (r >= a && r < b) hits.push(k);
      }
      if (hits.length === 0) {
        while (col < nCols && colPtr[col + 1]! <= e - 1) col++;
        continue;
      }
      const data = toBatchValues(await readNumeric(store, parts.data, s, e), dataWhere);
      const rows = new Uint32Array(hits.length);
      const cols = new Uint32Array(hits.length);
      const vals = emptyLike(data, hits.length);
      for (let h = 0; h < hits.length; h++) {
        const k = hits[h]!;
        while (colPtr[col + 1]! <= s + k) col++;
        rows[h] = rowIdx[k]! - a;
        cols[h] = col;
        vals[h] = data[k]!;
      }
      rowParts.push(rows);
      colParts.push(cols);
      valParts.push(vals);
    }
    const like = valParts[0] ?? emptyValues(this.dtype);
    const out = coordsToCsr(
      b - a,
      concatTyped(rowParts, (n) => new Uint32Array(n)),
      concatTyped(colParts, (n) => new Uint32Array(n)),
      concatTyped(valParts, (n) => emptyLike(like, n)),
    );
    // Columns were visited in order, so a non-increasing pair can only be a duplicate row in one column.
    canonicaliseRows(out.indptr, out.indices, out.values, b - a, (r, _k, c) => `${idxWhere} (row ${a + r} appears twice in column ${c})`);
    return out;
  }
}

function validateColPtr(ip: Float64Array, nCols: number, nnz: number, where: string): void {
  if (ip[0] !== 0) throw new InvalidInputError(`indptr[0] is ${ip[0]}, expected 0`, { where: `${where}[0]` });
  for (let i = 1; i <= nCols; i++) {
    if (ip[i]! < ip[i - 1]!) throw new InvalidInputError(`indptr decreases (${ip[i - 1]} then ${ip[i]})`, { where: `${where}[${i}]` });
  }
  if (ip[nCols] !== nnz) {
    throw new InvalidInputError(`indptr ends at ${ip[nCols]} but indices/data have ${nnz} entries`, { where: `${where}[${nCols}]` });
  }
}

function emptyValues(dtype: MatrixSource['dtype']): BatchValues {
  switch (dtype) {
    case 'float32': return new Float32Array(0);
    case 'float64': return new Float64Array(0);
    case 'int32': case 'int64': return new Int32Array(0);
    default: return new Uint32Array(0);
  }
}
