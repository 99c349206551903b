// Small in-memory InputDatasets (the readers' interface) for writer tests: a dense JS matrix
// is served as CSR (or dense) row batches of the requested size.
import type { InputDataset, MatrixSource, ObsColumn, RowBatch, DenseRowBatch } from '../../../../src/companion/inputs/types.js';

export type Dense = number[][];

export function csrSource(m: Dense, opts: { dtype?: 'uint32' | 'int32' | 'float32' | 'float64'; format?: 'csr' | 'dense' } = {}): MatrixSource {
  const dtype = opts.dtype ?? 'uint32';
  const T = { uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[dtype];
  const nVar = m[0]?.length ?? 0;
  return {
    shape: [m.length, nVar],
    dtype,
    format: opts.format ?? 'csr',
    async *rows(batchRows: number): AsyncIterable<RowBatch | DenseRowBatch> {
      for (let r0 = 0; r0 < m.length; r0 += batchRows) {
        const rows = m.slice(r0, r0 + batchRows);
        if (opts.format === 'dense') {
          yield { rowStart: r0, nRows: rows.length, format: 'dense', values: T.from(rows.flat()) };
          continue;
        }
        const indptr = new Float64Array(rows.length + 1);
        const idx: number[] = [];
        const val: number[] = [];
        rows.forEach((row, i) => {
          row.forEach((v, j) => {
            if (v !== 0) {
              idx.push(j);
              val.push(v);
            }
          });
          indptr[i + 1] = idx.length;
        });
        yield { rowStart: r0, nRows: rows.length, format: 'csr', indptr, indices: Uint32Array.from(idx), values: T.from(val) };
      }
    },
  };
}

/** A source that yields exactly the given batches (for malformed-input tests). */
export function rawSource(shape: [number, number], batches: (RowBatch | DenseRowBatch)[], dtype: MatrixSource['dtype'] = 'uint32'): MatrixSource {
  return {
    shape,
    dtype,
    format: 'csr',
    async *rows() {
      yield* batches;
    },
  };
}

export function memInput(opts: {
  source?: string;
  obsNames: string[];
  varNames: string[];
  X?: MatrixSource;
  raw?: { X: MatrixSource; varNames: string[] };
  layers?: Record<string, MatrixSource>;
  obs?: ObsColumn[];
  var?: ObsColumn[];
  obsm?: InputDataset['obsm'];
}): InputDataset {
  return {
    source: opts.source ?? 'memory.h5ad',
    obsNames: opts.obsNames,
    obs: opts.obs ?? [],
    varNames: opts.varNames,
    var: opts.var ?? [],
    ...(opts.X ? { X: opts.X } : {}),
    ...(opts.raw ? { raw: { X: opts.raw.X, varNames: opts.raw.varNames, var: [] } } : {}),
    layers: opts.layers ?? {},
    obsm: opts.obsm ?? {},
  };
}

/** A reproducible random sparse count matrix. */
export function randomCounts(nRows: number, nVar: number, density: number, seed = 1): Dense {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: nRows }, () => Array.from({ length: nVar }, () => (rand() < density ? 1 + Math.floor(-Math.log(1 - rand()) * 3) : 0)));
}
