// Synthetic single-cell counts for the query benchmark: a deterministic (seeded) cells × genes
// matrix written once as raw CSR files, which both the atlas ingest (companion, through an
// in-memory `InputDataset`) and the AnnData-Zarr baseline writer (Python) read. One generator, so
// the two stores hold exactly the same numbers; the bench checks per-gene totals against it.
//
// Model (not fitted to any real data set, only shaped like one):
//   - gene g has a base detection rate p_g, log10 p_g ~ Normal(0, 0.8), rescaled per dataset so a
//     cell holds ≈ density × genes non-zeros (median gene ≈ 1 % of cells, a few hundred genes > 50 %);
//   - counts are 1 + Geometric(q_g), q_g = 0.3·exp(0.4·z) clipped to [0.1, 0.8];
//   - per-cell size factor exp(0.35·z) scales every rate; each of `cellTypes` types has 40 marker
//     genes detected 4× more often; cell types follow a Zipf(1) law, scattered over rows;
//   - `datasets` datasets (row blocks, in order) each measure their own gene panel: a random subset
//     of 15,000 … 18,000 of the 20,000 genes (scaled with --genes), so the atlas is ragged.
//
// Raw layout under `<dir>/raw/` (little-endian): indptr.f64 (cells+1), indices.u32 (global gene id,
// ascending per row), data.u16, cell_type.u8, pct_mito.f32; `<dir>/raw/meta.json` has the rest.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { InputDataset, MatrixSource, ObsColumn, RowBatch } from '../../src/companion/inputs/types.js';

export interface SynthParams {
  cells: number;
  genes: number;
  /** Non-zeros per cell ÷ genes (over the full gene axis). */
  density: number;
  datasets: number;
  cellTypes: number;
  seed: number;
}

export const DEFAULT_SYNTH: SynthParams = { cells: 200_000, genes: 20_000, density: 0.05, datasets: 4, cellTypes: 20, seed: 1 };

export function synthKey(p: SynthParams): string {
  return `c${p.cells}-g${p.genes}-d${p.density}-n${p.datasets}-t${p.cellTypes}-s${p.seed}`;
}

export interface SynthDataset {
  name: string;
  rowStart: number;
  nRows: number;
  /** Global gene ids measured by this dataset, ascending. */
  panel: number[];
}

export interface SynthMeta {
  params: SynthParams;
  nnz: number;
  datasets: SynthDataset[];
  cellTypes: string[];
  /** Cells per cell type (index = code). */
  cellTypeCounts: number[];
  /** Expected detection rate of each gene over all cells (used to pick query genes). */
  geneRate: number[];
  /** Per gene: sum of counts and non-zeros over all cells. */
  geneSum: number[];
  geneNnz: number[];
  totalCounts: number;
  maxValue: number;
  generateSeconds: number;
}

const CELL_TYPE_NAMES = [
  'CD4 T cell', 'CD8 T cell', 'B cell', 'NK cell', 'CD14 monocyte', 'FCGR3A monocyte', 'dendritic cell', 'plasmacytoid DC',
  'platelet', 'erythrocyte', 'hepatocyte', 'endothelial cell', 'fibroblast', 'smooth muscle cell', 'keratinocyte',
  'alveolar type II cell', 'enterocyte', 'goblet cell', 'astrocyte', 'oligodendrocyte', 'microglia', 'neuron',
  'cardiomyocyte', 'adipocyte',
];

export function geneName(g: number): string {
  return `G${String(g).padStart(5, '0')}`;
}

export function barcode(dataset: number, i: number): string {
  return `ds${dataset}-${String(i).padStart(7, '0')}`;
}

export function cellTypeNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => CELL_TYPE_NAMES[i] ?? `cell type ${i}`);
}

/** sfc32: small, fast, 32-bit state generator (u32 outputs). */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  constructor(seed: number, stream = 0) {
    this.#a = 0x9e3779b9 ^ seed;
    this.#b = 0x243f6a88 ^ Math.imul(stream + 1, 0x85ebca6b);
    this.#c = 0xb7e15162;
    this.#d = 1;
    for (let i = 0; i < 16; i++) this.u32();
  }
  state(): [number, number, number, number] {
    return [this.#a, this.#b, this.#c, this.#d];
  }
  setState(a: number, b: number, c: number, d: number): void {
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#d = d;
  }
  u32(): number {
    const a = this.#a, b = this.#b, c = this.#c, d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.#c = (r + t) | 0;
    return t >>> 0;
  }
  /** Uniform in (0, 1]. */
  unit(): number {
    return (this.u32() + 1) / 4294967296;
  }
  normal(): number {
    return Math.sqrt(-2 * Math.log(this.unit())) * Math.cos(2 * Math.PI * this.unit());
  }
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.u32() % (i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
}

/** Writes `<dir>/raw/*` unless `meta.json` is already there; returns the metadata. */
export function ensureSynthetic(dir: string, p: SynthParams, log: (s: string) => void = () => {}): SynthMeta {
  const rawDir = join(dir, 'raw');
  const metaPath = join(rawDir, 'meta.json');
  if (existsSync(metaPath)) return JSON.parse(readFileSync(metaPath, 'utf8')) as SynthMeta;
  mkdirSync(rawDir, { recursive: true });
  const t0 = performance.now();
  const G = p.genes;
  const rng = new Rng(p.seed, 0);

  // Genes: base rates (log-normal), count parameters, marker sets per cell type.
  const base = new Float64Array(G);
  const q = new Float64Array(G);
  for (let g = 0; g < G; g++) base[g] = Math.pow(10, 0.8 * rng.normal());
  for (let g = 0; g < G; g++) q[g] = Math.min(0.8, Math.max(0.1, 0.3 * Math.exp(0.4 * rng.normal())));
  const invLog1mq = Float64Array.from(q, (x) => 1 / Math.log(1 - x));
  const markers: Set<number>[] = [];
  for (let t = 0; t < p.cellTypes; t++) {
    const s = new Set<number>();
    while (s.size < Math.min(40, G)) s.add(rng.u32() % G);
    markers.push(s);
  }
  // Cell types: Zipf(1).
  const zipf = Array.from({ length: p.cellTypes }, (_, t) => 1 / (t + 1));
  const zsum = zipf.reduce((a, b) => a + b, 0);
  const ctCdf = new Float64Array(p.cellTypes);
  zipf.reduce((acc, w, t) => (ctCdf[t] = acc + w / zsum), 0);
  ctCdf[p.cellTypes - 1] = 1;

  // Datasets: row blocks with their own gene panels.
  const datasets: SynthDataset[] = [];
  const lo = Math.round(0.75 * G);
  const hi = Math.round(0.9 * G);
  for (let d = 0, at = 0; d < p.datasets; d++) {
    const nRows = Math.floor(p.cells / p.datasets) + (d < p.cells % p.datasets ? 1 : 0);
    const size = p.datasets === 1 ? hi : Math.round(lo + ((hi - lo) * d) / (p.datasets - 1));
    const panel = rng.shuffle(Array.from({ length: G }, (_, g) => g)).slice(0, size).sort((a, b) => a - b);
    datasets.push({ name: `synthetic_${d}`, rowStart: at, nRows, panel });
    at += nRows;
  }

  const fIndptr = openSync(join(rawDir, 'indptr.f64'), 'w');
  const fIndices = openSync(join(rawDir, 'indices.u32'), 'w');
  const fData = openSync(join(rawDir, 'data.u16'), 'w');
  const fCt = openSync(join(rawDir, 'cell_type.u8'), 'w');
  const fMito = openSync(join(rawDir, 'pct_mito.f32'), 'w');
  const geneSum = new Float64Array(G);
  const geneNnz = new Float64Array(G);
  const geneRate = new Float64Array(G);
  const ctCounts = new Array<number>(p.cellTypes).fill(0);
  let nnz = 0;
  let total = 0;
  let maxValue = 0;
  writeSync(fIndptr, new Float64Array([0]));
  const BLOCK = 2048;
  for (const [d, ds] of datasets.entries()) {
    const P = ds.panel.length;
    const panel = Int32Array.from(ds.panel);
    const k = calibrate(ds.panel.map((g) => base[g]!), p.density * G);
    const thr: Float64Array[] = markers.map((m) => Float64Array.from(ds.panel, (g) => Math.min(0.95, k * base[g]! * (m.has(g) ? 4 : 1))));
    for (const g of ds.panel) geneRate[g]! += (Math.min(0.95, k * base[g]!) * ds.nRows) / p.cells;
    const cellRng = new Rng(p.seed, 1000 + d);
    // The inner loop draws one u32 per (cell, panel gene): sfc32 is inlined on local state there.
    let [sa, sb, sc, sd] = cellRng.state();
    let cap = BLOCK * Math.ceil(p.density * G * 3);
    let idx = new Uint32Array(cap);
    let val = new Uint16Array(cap);
    for (let r0 = 0; r0 < ds.nRows; r0 += BLOCK) {
      const n = Math.min(BLOCK, ds.nRows - r0);
      const indptr = new Float64Array(n);
      const ct = new Uint8Array(n);
      const mito = new Float32Array(n);
      let m = 0;
      for (let r = 0; r < n; r++) {
        cellRng.setState(sa, sb, sc, sd);
        const u = cellRng.unit();
        let t = 0;
        while (ctCdf[t]! < u) t++;
        ct[r] = t;
        ctCounts[t]!++;
        const s = Math.exp(0.35 * cellRng.normal());
        mito[r] = Math.min(100, Math.max(0, 4 + 2.5 * cellRng.normal()));
        [sa, sb, sc, sd] = cellRng.state();
        const th = thr[t]!;
        if (m + P > cap) {
          cap = Math.max(cap * 2, m + P);
          const i2 = new Uint32Array(cap);
          i2.set(idx.subarray(0, m));
          const v2 = new Uint16Array(cap);
          v2.set(val.subarray(0, m));
          idx = i2;
          val = v2;
        }
        const scale = s * 4294967296;
        for (let j = 0; j < P; j++) {
          // sfc32 step
          const tt = (((sa + sb) | 0) + sd) | 0;
          sd = (sd + 1) | 0;
          sa = sb ^ (sb >>> 9);
          sb = (sc + (sc << 3)) | 0;
          sc = (((sc << 21) | (sc >>> 11)) + tt) | 0;
          if (tt >>> 0 < th[j]! * scale) {
            const g = panel[j]!;
            const t2 = (((sa + sb) | 0) + sd) | 0;
            sd = (sd + 1) | 0;
            sa = sb ^ (sb >>> 9);
            sb = (sc + (sc << 3)) | 0;
            sc = (((sc << 21) | (sc >>> 11)) + t2) | 0;
            const v = 1 + Math.floor(Math.log(((t2 >>> 0) + 1) / 4294967296) * invLog1mq[g]!);
            const vv = v > 65535 ? 65535 : v;
            idx[m] = g;
            val[m] = vv;
            geneSum[g]! += vv;
            geneNnz[g]!++;
            total += vv;
            if (vv > maxValue) maxValue = vv;
            m++;
          }
        }
        indptr[r] = nnz + m;
      }
      writeSync(fIndptr, indptr);
      writeSync(fIndices, idx.subarray(0, m));
      writeSync(fData, val.subarray(0, m));
      writeSync(fCt, ct);
      writeSync(fMito, mito);
      nnz += m;
    }
    log(`  generated ${ds.name}: ${ds.nRows} cells × ${P} genes`);
  }
  for (const f of [fIndptr, fIndices, fData, fCt, fMito]) closeSync(f);
  const meta: SynthMeta = {
    params: p,
    nnz,
    datasets,
    cellTypes: cellTypeNames(p.cellTypes),
    cellTypeCounts: ctCounts,
    geneRate: Array.from(geneRate),
    geneSum: Array.from(geneSum),
    geneNnz: Array.from(geneNnz),
    totalCounts: total,
    maxValue,
    generateSeconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(metaPath, JSON.stringify(meta));
  return meta;
}

/**
 * The rate scale k with E[Σ_g min(0.95, k·b_g·s)] = target over the size factor s = exp(0.35·z)
 * (z at 16 normal quantiles; marker boosts ignored), by bisection.
 */
function calibrate(b: number[], target: number): number {
  const zs = Array.from({ length: 16 }, (_, i) => probit((i + 0.5) / 16));
  const expected = (k: number) => {
    let e = 0;
    for (const z of zs) {
      const s = Math.exp(0.35 * z);
      for (const x of b) e += Math.min(0.95, k * x * s);
    }
    return e / zs.length;
  };
  let lo = 0;
  let hi = 1;
  while (expected(hi) < target) hi *= 2;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (expected(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
function probit(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -probit(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Random access to the raw CSR files (one open file per array; reads are synchronous). */
export class RawCsr {
  readonly indptr: Float64Array;
  readonly #fi: number;
  readonly #fd: number;
  readonly cellType: Uint8Array;
  readonly pctMito: Float32Array;

  constructor(readonly dir: string) {
    const raw = join(dir, 'raw');
    const b = readFileSync(join(raw, 'indptr.f64'));
    this.indptr = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
    this.cellType = new Uint8Array(readFileSync(join(raw, 'cell_type.u8')));
    const m = readFileSync(join(raw, 'pct_mito.f32'));
    this.pctMito = new Float32Array(m.buffer.slice(m.byteOffset, m.byteOffset + m.byteLength));
    this.#fi = openSync(join(raw, 'indices.u32'), 'r');
    this.#fd = openSync(join(raw, 'data.u16'), 'r');
  }

  /** Elements [a, b) of indices (global gene ids) and data. */
  read(a: number, b: number): { indices: Uint32Array; data: Uint16Array } {
    const n = b - a;
    const indices = new Uint32Array(n);
    const data = new Uint16Array(n);
    readFully(this.#fi, new Uint8Array(indices.buffer), a * 4);
    readFully(this.#fd, new Uint8Array(data.buffer), a * 2);
    return { indices, data };
  }

  close(): void {
    closeSync(this.#fi);
    closeSync(this.#fd);
  }
}

function readFully(fd: number, buf: Uint8Array, position: number): void {
  for (let off = 0; off < buf.length; ) {
    const n = readSync(fd, buf, off, buf.length - off, position + off);
    if (n <= 0) throw new Error(`short read at ${position + off}`);
    off += n;
  }
}

/**
 * One synthetic dataset as a companion `InputDataset` (rows read lazily from the raw files in
 * batches; columns are the dataset's panel in ascending gene id).
 */
export function inputDataset(raw: RawCsr, meta: SynthMeta, d: number): InputDataset {
  const ds = meta.datasets[d]!;
  const local = new Int32Array(meta.params.genes).fill(-1);
  ds.panel.forEach((g, j) => (local[g] = j));
  const n = ds.nRows;
  const nGenes = new Int32Array(n);
  const totals = new Float64Array(n);
  const codes = new Int32Array(n);
  const mito = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = ds.rowStart + i;
    nGenes[i] = raw.indptr[r + 1]! - raw.indptr[r]!;
    codes[i] = raw.cellType[r]!;
    mito[i] = raw.pctMito[r]!;
  }
  // total_counts needs the values: one streaming pass over the dataset's rows.
  for (let i0 = 0; i0 < n; i0 += 8192) {
    const i1 = Math.min(n, i0 + 8192);
    const a = raw.indptr[ds.rowStart + i0]!;
    const { data } = raw.read(a, raw.indptr[ds.rowStart + i1]!);
    for (let i = i0; i < i1; i++) {
      let s = 0;
      for (let k = raw.indptr[ds.rowStart + i]! - a; k < raw.indptr[ds.rowStart + i + 1]! - a; k++) s += data[k]!;
      totals[i] = s;
    }
  }
  const X: MatrixSource = {
    shape: [n, ds.panel.length],
    dtype: 'uint32',
    format: 'csr',
    async *rows(batchRows: number): AsyncIterable<RowBatch> {
      for (let i0 = 0; i0 < n; i0 += batchRows) {
        const i1 = Math.min(n, i0 + batchRows);
        const a = raw.indptr[ds.rowStart + i0]!;
        const b = raw.indptr[ds.rowStart + i1]!;
        const { indices, data } = raw.read(a, b);
        for (let k = 0; k < indices.length; k++) indices[k] = local[indices[k]!]!;
        const indptr = new Float64Array(i1 - i0 + 1);
        for (let i = i0; i <= i1; i++) indptr[i - i0] = raw.indptr[ds.rowStart + i]! - a;
        yield { rowStart: i0, nRows: i1 - i0, format: 'csr', indptr, indices, values: Uint32Array.from(data) };
      }
    },
  };
  const obs: ObsColumn[] = [
    { name: 'cell_type', kind: 'categorical', categories: meta.cellTypes, codes },
    { name: 'n_genes', kind: 'int', values: nGenes },
    { name: 'total_counts', kind: 'float', values: totals },
    { name: 'pct_mito', kind: 'float', values: mito },
  ];
  return {
    source: `synthetic:${synthKey(meta.params)}/${ds.name}`,
    obsNames: Array.from({ length: n }, (_, i) => barcode(d, i)),
    obs,
    varNames: ds.panel.map(geneName),
    var: [],
    X,
    layers: {},
    obsm: {},
  };
}

/**
 * The 10 query genes, spread over frequency ranks (most common → rare): ranks at fixed fractions
 * of the genes sorted by expected detection rate.
 */
export function pickQueryGenes(meta: SynthMeta, n = 10, exclude: readonly number[] = []): number[] {
  const order = meta.geneRate.map((r, g) => [r, g] as const).filter(([r]) => r > 0).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const fractions = [0, 0.002, 0.01, 0.03, 0.08, 0.15, 0.3, 0.5, 0.75, 0.95].slice(0, n);
  const out: number[] = [];
  for (const f of fractions) {
    let i = Math.min(order.length - 1, Math.floor(f * order.length));
    while (out.includes(order[i]![1]) || exclude.includes(order[i]![1])) i++;
    out.push(order[i]![1]);
  }
  return out;
}

/** The cell type whose cell count is closest to 2 × limit (the query then walks about half the table). */
export function pickQueryCellType(meta: SynthMeta, limit: number): number {
  let best = 0;
  for (let t = 1; t < meta.cellTypeCounts.length; t++) {
    if (Math.abs(meta.cellTypeCounts[t]! - 2 * limit) < Math.abs(meta.cellTypeCounts[best]! - 2 * limit)) best = t;
  }
  return best;
}
