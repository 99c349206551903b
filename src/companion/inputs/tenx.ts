// 10x Genomics matrix directories (Cell Ranger v2: genes.tsv; v3: features.tsv.gz; files may be
// plain or gzip): matrix.mtx is genes × cells, and we deliver CSR by cell.
//
// Passes and memory:
// - open(): one streaming pass over matrix.mtx validates every entry and counts entries per cell
//   (O(cells) memory). It also learns whether entries are grouped by cell in non-decreasing order
//   (Cell Ranger writes them sorted by column) and the value range, which fixes `dtype`. Errors in the
//   file therefore surface at open, before any batch reaches the writer.
// - rows(), sorted file: one more streaming pass; each batch is allocated at its exact size from the
//   counts and emitted as soon as the stream moves past its last cell. Memory: one batch + one
//   32k-entry parse block.
// - rows(), unsorted file: "count, then scatter" in windows: consecutive batches are grouped into
//   windows of at most `windowEntries` entries (known from the counts), and each window re-reads the
//   file and keeps only its cells. Memory O(window); passes = 1 + number of windows.
//   (`obsOrder` reorders cells; the sortedness test is made on the reordered rows, so an identity
//   order still streams.)
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidInputError, NotFoundError, UnsupportedError } from '../../errors.js';
import { canonicaliseRows } from './csr-rows.js';
import { makeUnique } from './make-unique.js';
import { mtxEntryBlocks, readMtxHeader, type MtxHeader } from './mtx.js';
import { readTsv } from './text-files.js';
import type { InputDataset, MatrixSource, ObsColumn, RowBatch } from './types.js';
import type { BatchValues } from './values.js';

export interface TenxOptions {
  /**
   * Deliver cells in this barcode order (a permutation of barcodes.tsv). Used to align modalities;
   * a permuted order is read like an unsorted matrix (windowed).
   */
  obsOrder?: string[];
  /** Unsorted (or reordered) matrices: most entries held per scatter window. Default 2^24. */
  windowEntries?: number;
}

export interface TenxFiles {
  dir: string;
  matrix: string;
  /** features.tsv[.gz] (v3) or genes.tsv[.gz] (v2). */
  features: string;
  barcodes: string;
}

/** Finds the three files of a 10x directory; a missing one is a NotFoundError naming it. */
export async function findTenxFiles(dir: string): Promise<TenxFiles> {
  const abs = resolve(dir);
  const names = await readdir(abs).catch(() => {
    throw new NotFoundError('10x directory not found', { where: abs });
  });
  const pick = (...cands: string[]): string => {
    const hit = cands.find((c) => names.includes(c));
    if (!hit) throw new NotFoundError(`10x directory has no ${cands.join(' / ')}`, { where: abs });
    return join(abs, hit);
  };
  return {
    dir: abs,
    matrix: pick('matrix.mtx.gz', 'matrix.mtx'),
    features: pick('features.tsv.gz', 'features.tsv', 'genes.tsv.gz', 'genes.tsv'),
    barcodes: pick('barcodes.tsv.gz', 'barcodes.tsv'),
  };
}

export async function readBarcodes(file: string): Promise<string[]> {
  return (await readTsv(file)).map((r) => r[0]!);
}

export async function openTenx(dir: string, opts: TenxOptions = {}): Promise<InputDataset> {
  const files = await findTenxFiles(dir);
  const header = await readMtxHeader(files.matrix);
  const features = parseFeatures(await readTsv(files.features), files.features);
  const barcodes = await readBarcodes(files.barcodes);
  if (features.ids.length !== header.nRows) {
    throw new InvalidInputError(`matrix has ${header.nRows} rows (features) but ${files.features} has ${features.ids.length} lines`, {
      where: `${files.matrix}:size line`,
    });
  }
  if (barcodes.length !== header.nCols) {
    throw new InvalidInputError(`matrix has ${header.nCols} columns (cells) but ${files.barcodes} has ${barcodes.length} lines`, {
      where: `${files.matrix}:size line`,
    });
  }
  const rowOf = opts.obsOrder ? permutation(barcodes, opts.obsOrder, files.barcodes) : undefined;
  const layout = await countPass(files.matrix, header, rowOf);
  const X = new TenxMatrix(files.matrix, header, layout, rowOf, opts.windowEntries ?? 1 << 24, opts.obsOrder ?? barcodes, features.names);

  const v: ObsColumn[] = [{ name: 'gene_ids', kind: 'string', values: features.ids }];
  if (features.types) v.push({ name: 'feature_types', kind: 'string', values: features.types });
  const varNames = makeUnique(features.names);
  const renamed = varNames.reduce((n, v, i) => n + (v === features.names[i] ? 0 : 1), 0);
  return {
    source: dir,
    ...(renamed ? { notes: [`${renamed} duplicate feature name(s) made unique (as scanpy.read_10x_mtx does)`] } : {}),
    obsNames: opts.obsOrder ? opts.obsOrder.slice() : barcodes,
    obs: [],
    varNames,
    var: v,
    X,
    layers: {},
    obsm: {},
    close: async () => {},
  };
}

interface Features {
  ids: string[];
  names: string[];
  types?: string[];
}

/** 1 column: names only (ids = names); 2: id, name (v2 genes.tsv); 3+: id, name, type (v3). */
function parseFeatures(rows: string[][], file: string): Features {
  const width = rows[0]?.length ?? 1;
  rows.forEach((r, i) => {
    if (r.length !== width) throw new InvalidInputError(`line has ${r.length} tab-separated fields, the first line has ${width}`, { where: `${file}:${i + 1}` });
  });
  if (width === 1) {
    const names = rows.map((r) => r[0]!);
    return { ids: names, names };
  }
  const out: Features = { ids: rows.map((r) => r[0]!), names: rows.map((r) => r[1]!) };
  if (width >= 3) out.types = rows.map((r) => r[2]!);
  return out;
}

/** rowOf[fileColumn] = output row, so that output row j is the cell `order[j]`. */
function permutation(barcodes: string[], order: string[], file: string): Uint32Array {
  const pos = new Map<string, number>();
  barcodes.forEach((b, i) => {
    if (pos.has(b)) throw new InvalidInputError(`duplicate barcode '${b}' (cannot align cells)`, { where: `${file}:${i + 1}` });
    pos.set(b, i);
  });
  if (order.length !== barcodes.length) {
    throw new InvalidInputError(`expected the same ${order.length} barcodes, file has ${barcodes.length}`, { where: file });
  }
  const rowOf = new Uint32Array(barcodes.length).fill(0xffffffff);
  order.forEach((b, j) => {
    const i = pos.get(b);
    if (i === undefined) throw new InvalidInputError(`barcode '${b}' is missing`, { where: file });
    if (rowOf[i] !== 0xffffffff) throw new InvalidInputError(`barcode '${b}' requested twice`, { where: file });
    rowOf[i] = j;
  });
  return rowOf;
}

interface Layout {
  /** rowPtr[r] = entries before output row r (length nCells + 1). */
  rowPtr: Float64Array;
  sorted: boolean;
  dtype: MatrixSource['dtype'];
}

/** Pass 1: validate, count per cell, detect order; duplicates are caught here while the file is sorted. */
async function countPass(file: string, h: MtxHeader, rowOf: Uint32Array | undefined): Promise<Layout> {
  const counts = new Float64Array(h.nCols + 1);
  const lastRowOfGene = new Int32Array(h.nRows).fill(-1);
  let sorted = true;
  let prev = 0;
  let min = Infinity;
  let max = -Infinity;
  for await (const b of mtxEntryBlocks(file)) {
    for (let i = 0; i < b.n; i++) {
      const r = rowOf ? rowOf[b.cols[i]!]! : b.cols[i]!;
      const g = b.rows[i]!;
      if (r < prev) sorted = false;
      prev = r;
      if (sorted) {
        if (lastRowOfGene[g] === r) {
          throw new InvalidInputError(`duplicate entry for feature ${g + 1}, cell ${b.cols[i]! + 1}`, { where: `${file}:${b.lines[i]}` });
        }
        lastRowOfGene[g] = r;
      }
      counts[r + 1]!++;
      const v = b.values[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  for (let r = 0; r < h.nCols; r++) counts[r + 1] = counts[r + 1]! + counts[r]!;
  return { rowPtr: counts, sorted, dtype: valueDtype(h, min, max, file) };
}

function valueDtype(h: MtxHeader, min: number, max: number, file: string): MatrixSource['dtype'] {
  if (h.field === 'real') return 'float64';
  if (h.field === 'pattern' || h.nnz === 0 || (min >= 0 && max <= 0xffffffff)) return 'uint32';
  if (min >= -0x80000000 && max <= 0x7fffffff) return 'int32';
  throw new UnsupportedError(`integer values span ${min}..${max}, beyond 32 bits`, { where: file, feature: 'MatrixMarket integers beyond 32 bits' });
}

interface Building {
  a: number;
  b: number;
  indptr: Float64Array;
  fill: Float64Array;
  indices: Uint32Array;
  values: BatchValues;
}

class TenxMatrix implements MatrixSource {
  readonly format = 'csr' as const;
  readonly shape: [number, number];
  constructor(
    private readonly file: string,
    header: MtxHeader,
    private readonly layout: Layout,
    private readonly rowOf: Uint32Array | undefined,
    private readonly windowEntries: number,
    private readonly obsNames: string[],
    private readonly featureNames: string[],
  ) {
    this.shape = [header.nCols, header.nRows];
  }

  get dtype(): MatrixSource['dtype'] {
    return this.layout.dtype;
  }

  rows(batchRows: number): AsyncIterable<RowBatch> {
    if (!Number.isSafeInteger(batchRows) || batchRows < 1) throw new RangeError(`batchRows must be a positive integer, got ${batchRows}`);
    return this.layout.sorted ? this.streamSorted(batchRows) : this.windowed(batchRows);
  }

  /** One pass; a batch is complete once the (cell-sorted, after any reordering) stream passes its last row. */
  private async *streamSorted(batchRows: number): AsyncGenerator<RowBatch> {
    const n = this.shape[0];
    if (n === 0) return;
    let cur = this.alloc(0, Math.min(batchRows, n));
    const done: RowBatch[] = [];
    for await (const blk of mtxEntryBlocks(this.file)) {
      for (let i = 0; i < blk.n; i++) {
        const c = blk.cols[i]!;
        const r = this.rowOf ? this.rowOf[c]! : c;
        while (r >= cur.b) {
          done.push(this.finish(cur));
          cur = this.alloc(cur.b, Math.min(cur.b + batchRows, n));
        }
        this.place(cur, r, blk.rows[i]!, blk.values[i]!, blk.lines[i]!);
      }
      yield* done;
      done.length = 0;
    }
    for (;;) {
      yield this.finish(cur);
      if (cur.b >= n) break;
      cur = this.alloc(cur.b, Math.min(cur.b + batchRows, n));
    }
  }

  /** Count-then-scatter for unsorted or reordered files, one re-read per window of batches. */
  private async *windowed(batchRows: number): AsyncGenerator<RowBatch> {
    const n = this.shape[0];
    const { rowPtr } = this.layout;
    for (let wa = 0; wa < n; ) {
      let wb = Math.min(wa + batchRows, n);
      while (wb < n) {
        const next = Math.min(wb + batchRows, n);
        if (rowPtr[next]! - rowPtr[wa]! > this.windowEntries) break;
        wb = next;
      }
      const win = this.alloc(wa, wb);
      for await (const blk of mtxEntryBlocks(this.file)) {
        for (let i = 0; i < blk.n; i++) {
          const c = blk.cols[i]!;
          const r = this.rowOf ? this.rowOf[c]! : c;
          if (r >= wa && r < wb) this.place(win, r, blk.rows[i]!, blk.values[i]!, blk.lines[i]!);
        }
      }
      const all = this.finish(win);
      for (let a = wa; a < wb; a += batchRows) {
        const b = Math.min(a + batchRows, wb);
        const s = all.indptr[a - wa]!;
        const e = all.indptr[b - wa]!;
        yield {
          rowStart: a,
          nRows: b - a,
          format: 'csr',
          indptr: all.indptr.slice(a - wa, b - wa + 1).map((v) => v - s),
          indices: all.indices.slice(s, e),
          values: all.values.slice(s, e),
        };
      }
      wa = wb;
    }
  }

  private alloc(a: number, b: number): Building {
    const { rowPtr, dtype } = this.layout;
    const base = rowPtr[a]!;
    const indptr = rowPtr.slice(a, b + 1).map((v) => v - base);
    const nnz = indptr[b - a]!;
    const values: BatchValues = dtype === 'float64' ? new Float64Array(nnz) : dtype === 'int32' ? new Int32Array(nnz) : new Uint32Array(nnz);
    return { a, b, indptr, fill: indptr.slice(0, b - a), indices: new Uint32Array(nnz), values };
  }

  private place(t: Building, r: number, gene: number, v: number, line: number): void {
    const local = r - t.a;
    const p = t.fill[local]!;
    if (r < t.a || p >= t.indptr[local + 1]!) {
      throw new InvalidInputError('matrix changed while being read (entry order or counts differ from the first pass)', { where: `${this.file}:${line}` });
    }
    t.fill[local] = p + 1;
    t.indices[p] = gene;
    t.values[p] = v;
  }

  private finish(t: Building): RowBatch {
    const n = t.b - t.a;
    for (let r = 0; r < n; r++) {
      if (t.fill[r] !== t.indptr[r + 1]) {
        throw new InvalidInputError('matrix changed while being read (fewer entries than the first pass counted)', { where: this.file });
      }
    }
    canonicaliseRows(t.indptr, t.indices, t.values, n, (r, _k, col) =>
      `${this.file} (cell ${this.obsNames[t.a + r]}, feature ${col + 1} '${this.featureNames[col]}')`,
    );
    return { rowStart: t.a, nRows: n, format: 'csr', indptr: t.indptr, indices: t.indices, values: t.values };
  }
}
