// A synthetic count matrix streamed as CSR row batches (the companion's input interface), so
// the benchmark measures the writer and not an input parser. Reproducible from a seed:
// every gene is non-zero with probability `density` (geometric skips), and each non-zero is
// 1 + Geometric(0.3), the count model homeobox's own benchmark (make_synth_dataset.py) uses.
import type { InputDataset, MatrixSource, RowBatch } from '../../src/companion/inputs/types.js';

export interface SynthOptions {
  cells: number;
  genes: number;
  density: number;
  seed?: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
}

/** Time spent inside the generator (between a batch request and its yield), in ms. */
export const generatorClock = { ms: 0 };

export function synthMatrix(o: SynthOptions): MatrixSource {
  const logSkip = Math.log(1 - o.density);
  const logGeo = Math.log(0.7);
  return {
    shape: [o.cells, o.genes],
    dtype: 'uint32',
    format: 'csr',
    async *rows(batchRows: number): AsyncIterable<RowBatch> {
      const rand = rng(o.seed ?? 42);
      const cap = Math.ceil(batchRows * o.genes * o.density * 1.2) + 1024;
      for (let r0 = 0; r0 < o.cells; r0 += batchRows) {
        const t0 = performance.now();
        const n = Math.min(batchRows, o.cells - r0);
        let indices = new Uint32Array(cap);
        let values = new Uint32Array(cap);
        const indptr = new Float64Array(n + 1);
        let p = 0;
        for (let r = 0; r < n; r++) {
          let j = -1;
          for (;;) {
            j += 1 + Math.floor(Math.log(rand()) / logSkip);
            if (j >= o.genes) break;
            if (p === indices.length) {
              const grow = (a: Uint32Array) => {
                const b = new Uint32Array(a.length * 2);
                b.set(a);
                return b;
              };
              indices = grow(indices);
              values = grow(values);
            }
            indices[p] = j;
            values[p++] = 1 + Math.floor(Math.log(rand()) / logGeo);
          }
          indptr[r + 1] = p;
        }
        generatorClock.ms += performance.now() - t0;
        yield { rowStart: r0, nRows: n, format: 'csr', indptr, indices: indices.subarray(0, p), values: values.subarray(0, p) };
      }
    },
  };
}

export function synthInput(o: SynthOptions): InputDataset {
  return {
    source: `synthetic ${o.cells}x${o.genes}@${o.density}`,
    obsNames: Array.from({ length: o.cells }, (_, i) => `cell_${i}`),
    obs: [],
    varNames: Array.from({ length: o.genes }, (_, i) => `gene_${i}`),
    var: [],
    X: synthMatrix(o),
    layers: {},
    obsm: {},
  };
}
