// The baseline: the same matrix as AnnData-Zarr (zarr v2, written by the reference anndata),
// read in the page the way Vitessce's AnnData loader reads it — zarrita over a FetchStore with
// range coalescing, everything on the main thread (zarrita decodes blosc with numcodecs' wasm):
//
//   gene query, CSR:  obs/_index and var/_index, X/indptr, then one pass over every chunk of
//                     X/indices (4 chunk reads in flight, as Vitessce's CSR column scan), reading
//                     the matching X/data chunk wherever a wanted column occurs;
//   gene query, CSC:  obs/_index and var/_index, X/indptr, then X/indices + X/data
//                     [indptr[j], indptr[j+1]) per gene with zarr.get slices (8 reads in flight, as
//                     Vitessce's CSC selection);
//   (Vitessce's gene selections read the whole obs index — `_getNumCells()` → `loadObsIndex()` —
//   and its loader returns it with the columns; `obsIndex: false` leaves it out, for the matrix
//   alone. Here it is read alongside var/_index and the X arrays, not after them as Vitessce does.)
//   cell-type query:  obs/cell_type (categories + codes), obs/_index, X/indptr; the first `limit`
//                     matching rows; each needed X/indices and X/data chunk is fetched once;
//   streaming:        X/indptr, then row blocks of `batchSize` cells, one block ahead (like ours),
//                     every chunk fetched once.
// Written as straightforward, reasonable reader code, not tuned for the benchmark.
import * as zarr from 'zarrita';
import { breakdown, Recorder, unionMs, type Breakdown } from './instrument.js';
import type { CellTypeCheck, GeneCheck, StreamCheck } from './page.js';

type AnyArray = zarr.Array<zarr.DataType, zarr.Readable>;
type Numeric = ArrayLike<number | bigint>;

export interface BaselineResult {
  openMs: number;
  queryMs: number;
  /** When the query ended, ms since the epoch (the window run.ts --cpu samples). */
  queryEndEpochMs: number;
  requests: number;
  bytes: number;
  breakdown: Breakdown;
  longTaskMs: number;
}

/** At most `n` calls of `fn` in flight. */
export function createLimiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (active >= n || !queue.length) return;
    active++;
    queue.shift()!();
  };
  return <T>(fn: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() =>
        fn()
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          }),
      );
      next();
    });
}

interface Opened {
  root: zarr.Location<zarr.Readable>;
  rec: Recorder;
  openMs: number;
}

async function openRoot(url: string): Promise<Opened> {
  const rec = new Recorder();
  // Load zarrita's blosc codec (numcodecs wasm) before timing, as page.ts starts our workers.
  await zarr.registry.get('blosc')?.();
  const t0 = performance.now();
  const store = zarr.withRangeCoalescing(new zarr.FetchStore(url, { fetch: (r: Request) => rec.fetch(r) }));
  const root = zarr.root(store);
  // What a viewer reads first: the root group (anndata encoding attributes).
  await zarr.open(root, { kind: 'group' });
  const openMs = performance.now() - t0;
  rec.observeLongTasks();
  return { root, rec, openMs };
}

function result(o: Opened, t0: number, t1: number): BaselineResult {
  o.rec.stopLongTasks();
  const io = o.rec.totals(t0, t1).all;
  return { openMs: o.openMs, queryMs: t1 - t0, queryEndEpochMs: performance.timeOrigin + t1, requests: io.requests, bytes: io.bytes, breakdown: breakdown(o.rec, t0, t1), longTaskMs: unionMs(o.rec.longTasks, t0, t1) };
}

async function openArray(root: zarr.Location<zarr.Readable>, path: string): Promise<AnyArray> {
  return (await zarr.open(root.resolve(path), { kind: 'array' })) as AnyArray;
}

async function getAll(a: AnyArray): Promise<Numeric> {
  return (await zarr.get(a)).data as unknown as Numeric;
}

/** A dataframe's index (obs/_index or var/_index) as strings. */
async function dataframeIndex(root: zarr.Location<zarr.Readable>, df: string): Promise<string[]> {
  const g = await zarr.open(root.resolve(df), { kind: 'group' });
  const name = String(g.attrs._index ?? '_index');
  const data = (await zarr.get(await openArray(root, `${df}/${name}`))).data as unknown as ArrayLike<string>;
  return Array.from(data);
}

function toNumbers(x: Numeric): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Number(x[i]);
  return out;
}

/**
 * What every sparse read of X needs first: var names, the three arrays and X's shape; with
 * `obsIndex`, the cell names too (what Vitessce's gene selection loads).
 */
async function openSparseX(root: Parameters<typeof dataframeIndex>[0], obsIndex: boolean) {
  const [varNames, [indptrArr, indicesArr, dataArr], group, obsNames] = await Promise.all([
    dataframeIndex(root, 'var'),
    Promise.all(['indptr', 'indices', 'data'].map((n) => openArray(root, `X/${n}`))),
    zarr.open(root.resolve('X'), { kind: 'group' }),
    obsIndex ? dataframeIndex(root, 'obs') : undefined,
  ]);
  const shape = group.attrs.shape as [number, number];
  if (obsNames && obsNames.length !== shape[0]) throw new Error(`obs/_index has ${obsNames.length} names for ${shape[0]} rows`);
  return { varNames, indptrArr: indptrArr!, indicesArr: indicesArr!, dataArr: dataArr!, shape };
}

/** The gene queries' options: the store, the genes and whether the obs index is read (default true). */
interface GeneQueryOptions {
  url: string;
  genes: string[];
  obsIndex?: boolean;
}

/** Per-gene [sum, nnz] from a CSR matrix: one scan over indices, data chunks only where needed. */
export async function baselineGeneCsr(o: GeneQueryOptions): Promise<BaselineResult & GeneCheck> {
  const opened = await openRoot(o.url);
  const { root } = opened;
  const t0 = performance.now();
  const { varNames, indptrArr, indicesArr, dataArr, shape } = await openSparseX(root, o.obsIndex ?? true);
  const cols = o.genes.map((g) => varNames.indexOf(g));
  const indptr = toNumbers(await getAll(indptrArr!));
  const slotByCol = new Int32Array(shape[1]).fill(-1);
  cols.forEach((c, s) => c >= 0 && (slotByCol[c] = s));
  const columns = cols.map(() => new Float32Array(shape[0]));
  const nnz = indicesArr!.shape[0]!;
  const chunk = indicesArr!.chunks[0]!;
  const nChunks = Math.ceil(nnz / chunk);
  const limit = createLimiter(4);
  const pending = new Map<number, Promise<Numeric>>();
  const prefetch = (c: number) => {
    if (c < nChunks && !pending.has(c)) pending.set(c, limit(async () => (await indicesArr!.getChunk([c])).data as unknown as Numeric));
  };
  for (let c = 0; c < Math.min(4, nChunks); c++) prefetch(c);
  const fills: Promise<void>[] = [];
  let row = 0;
  for (let c = 0; c < nChunks; c++) {
    prefetch(c + 4);
    const idx = await pending.get(c)!;
    pending.delete(c);
    const base = c * chunk;
    const valid = Math.min(chunk, nnz - base);
    const hitPos: number[] = [];
    const hitRow: number[] = [];
    const hitSlot: number[] = [];
    for (let j = 0; j < valid; j++) {
      const slot = slotByCol[Number(idx[j])]!;
      if (slot < 0) continue;
      while (indptr[row + 1]! <= base + j) row++;
      hitPos.push(j);
      hitRow.push(row);
      hitSlot.push(slot);
    }
    if (hitPos.length) {
      fills.push(
        limit(async () => (await dataArr!.getChunk([c])).data as unknown as Numeric).then((vals) => {
          for (let h = 0; h < hitPos.length; h++) columns[hitSlot[h]!]![hitRow[h]!] = Number(vals[hitPos[h]!]);
        }),
      );
    }
  }
  await Promise.all(fills);
  const t1 = performance.now();
  return { ...result(opened, t0, t1), ...geneCheck(o.genes, columns), shape: [shape[0], o.genes.length] };
}

/** Per-gene [sum, nnz] from a CSC matrix: indptr, then each gene's slice. */
export async function baselineGeneCsc(o: GeneQueryOptions & { warmUp?: string[] }): Promise<BaselineResult & GeneCheck> {
  const opened = await openRoot(o.url);
  const { root } = opened;
  if (o.warmUp) {
    // Warm: a viewer that has shown other genes keeps X's arrays, obs and var names and indptr.
    const x = await openSparseX(root, o.obsIndex ?? true);
    const indptr = toNumbers(await getAll(x.indptrArr!));
    await cscColumns(x, indptr, o.warmUp);
    const t0 = performance.now();
    const columns = await cscColumns(x, indptr, o.genes);
    const t1 = performance.now();
    return { ...result(opened, t0, t1), ...geneCheck(o.genes, columns), shape: [x.shape[0], o.genes.length] };
  }
  const t0 = performance.now();
  const x = await openSparseX(root, o.obsIndex ?? true);
  const indptr = toNumbers(await getAll(x.indptrArr!));
  const columns = await cscColumns(x, indptr, o.genes);
  const t1 = performance.now();
  return { ...result(opened, t0, t1), ...geneCheck(o.genes, columns), shape: [x.shape[0], o.genes.length] };
}

/** The dense columns of `genes` from a CSC X: one indices and one data slice per gene. */
function cscColumns({ varNames, indicesArr, dataArr, shape }: Awaited<ReturnType<typeof openSparseX>>, indptr: ArrayLike<number>, genes: string[]): Promise<Float32Array[]> {
  const limit = createLimiter(8);
  return Promise.all(
    genes.map(async (g) => {
      const col = new Float32Array(shape[0]);
      const j = varNames.indexOf(g);
      if (j < 0) return col;
      const [s, e] = [indptr[j]!, indptr[j + 1]!];
      if (s === e) return col;
      const [rows, vals] = await Promise.all([
        limit(() => zarr.get(indicesArr!, [zarr.slice(s, e)])),
        limit(() => zarr.get(dataArr!, [zarr.slice(s, e)])),
      ]);
      const r = rows.data as unknown as Numeric;
      const v = vals.data as unknown as Numeric;
      for (let k = 0; k < r.length; k++) col[Number(r[k])] = Number(v[k]);
      return col;
    }),
  );
}

function geneCheck(genes: string[], columns: Float32Array[]): { perFeature: Record<string, [number, number]> } {
  const perFeature: Record<string, [number, number]> = {};
  genes.forEach((g, i) => {
    let s = 0;
    let n = 0;
    for (const v of columns[i]!) if (v !== 0) (s += v), n++;
    perFeature[g] = [s, n];
  });
  return { perFeature };
}

/**
 * Element ranges [starts[i], ends[i]) of a 1-D chunked array, concatenated: every needed chunk is
 * read once (`limit` in flight); `cache` may keep chunks shared with a later call.
 */
async function readRanges(
  a: AnyArray,
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
  limit: <T>(fn: () => Promise<T>) => Promise<T>,
  cache?: Map<number, Promise<Numeric>>,
): Promise<Float64Array> {
  const chunk = a.chunks[0]!;
  const chunks = cache ?? new Map<number, Promise<Numeric>>();
  let total = 0;
  for (let i = 0; i < starts.length; i++) {
    total += ends[i]! - starts[i]!;
    if (ends[i]! > starts[i]!) {
      for (let c = Math.floor(starts[i]! / chunk); c <= Math.floor((ends[i]! - 1) / chunk); c++) {
        if (!chunks.has(c)) chunks.set(c, limit(async () => (await a.getChunk([c])).data as unknown as Numeric));
      }
    }
  }
  const out = new Float64Array(total);
  let at = 0;
  for (let i = 0; i < starts.length; i++) {
    let k = starts[i]!;
    while (k < ends[i]!) {
      const c = Math.floor(k / chunk);
      const data = await chunks.get(c)!;
      const stop = Math.min(ends[i]!, (c + 1) * chunk);
      for (let x = k; x < stop; x++) out[at++] = Number(data[x - c * chunk]);
      k = stop;
    }
  }
  return out;
}

/** The first `limit` cells of a type: barcodes, per-row sums and non-zeros. */
export async function baselineCellType(o: { url: string; cellType: string; limit: number }): Promise<BaselineResult & CellTypeCheck> {
  const opened = await openRoot(o.url);
  const { root } = opened;
  const t0 = performance.now();
  const [categories, codes, obsNames, [indptrArr, indicesArr, dataArr], zattrs] = await Promise.all([
    openArray(root, 'obs/cell_type/categories').then((a) => zarr.get(a)).then((r) => Array.from(r.data as unknown as ArrayLike<string>)),
    openArray(root, 'obs/cell_type/codes').then(getAll),
    dataframeIndex(root, 'obs'),
    Promise.all(['indptr', 'indices', 'data'].map((n) => openArray(root, `X/${n}`))),
    zarr.open(root.resolve('X'), { kind: 'group' }),
  ]);
  const shape = zattrs.attrs.shape as [number, number];
  const code = categories.indexOf(o.cellType);
  const rows: number[] = [];
  for (let i = 0; i < codes.length && rows.length < o.limit; i++) if (Number(codes[i]) === code) rows.push(i);
  const indptr = toNumbers(await getAll(indptrArr!));
  const starts = rows.map((r) => indptr[r]!);
  const ends = rows.map((r) => indptr[r + 1]!);
  const limit = createLimiter(6);
  const [indices, data] = await Promise.all([readRanges(indicesArr!, starts, ends, limit), readRanges(dataArr!, starts, ends, limit)]);
  // Assemble CSR (the product a viewer would hold), then the check values.
  const outPtr = new Int32Array(rows.length + 1);
  rows.forEach((_, i) => (outPtr[i + 1] = outPtr[i]! + ends[i]! - starts[i]!));
  const X = { indptr: outPtr, indices: Int32Array.from(indices), data: Float32Array.from(data) };
  const t1 = performance.now();
  const rowSums: number[] = [];
  const rowNnz: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    let s = 0;
    for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) s += X.data[k]!;
    rowSums.push(s);
    rowNnz.push(X.indptr[i + 1]! - X.indptr[i]!);
  }
  return {
    ...result(opened, t0, t1),
    shape: [rows.length, shape[1]],
    barcodes: rows.map((r) => obsNames[r]!),
    rowSums,
    rowNnz,
    cellTypes: [o.cellType],
  };
}

/** Every cell in row blocks of `batchSize`, one block read ahead; totals for the check. */
export async function baselineStream(o: { url: string; batchSize: number; limitCells?: number }): Promise<BaselineResult & StreamCheck> {
  const opened = await openRoot(o.url);
  const { root } = opened;
  const t0 = performance.now();
  const [indptrArr, indicesArr, dataArr] = await Promise.all(['indptr', 'indices', 'data'].map((n) => openArray(root, `X/${n}`)));
  const indptr = toNumbers(await getAll(indptrArr!));
  const n = Math.min(indptr.length - 1, o.limitCells ?? Infinity);
  const limit = createLimiter(6);
  const caches = [new Map<number, Promise<Numeric>>(), new Map<number, Promise<Numeric>>()];
  const block = (r0: number) => {
    const r1 = Math.min(n, r0 + o.batchSize);
    const s = [indptr[r0]!];
    const e = [indptr[r1]!];
    // Chunks wholly before this block are no longer needed.
    for (const [k, cache] of caches.entries()) {
      const chunk = (k === 0 ? indicesArr! : dataArr!).chunks[0]!;
      for (const c of [...cache.keys()]) if ((c + 1) * chunk <= s[0]!) cache.delete(c);
    }
    return Promise.all([readRanges(indicesArr!, s, e, limit, caches[0]), readRanges(dataArr!, s, e, limit, caches[1])]).then(([idx, vals]) => {
      const ptr = new Int32Array(r1 - r0 + 1);
      for (let r = r0; r < r1; r++) ptr[r - r0 + 1] = indptr[r + 1]! - indptr[r0]!;
      return { nRows: r1 - r0, indptr: ptr, indices: Int32Array.from(idx), data: Float32Array.from(vals) };
    });
  };
  const waits: number[] = [];
  let cells = 0;
  let nnz = 0;
  let sum = 0;
  let next = n > 0 ? block(0) : undefined;
  for (let r0 = 0; r0 < n; r0 += o.batchSize) {
    const w0 = performance.now();
    const cur = await next!;
    waits.push(performance.now() - w0);
    next = r0 + o.batchSize < n ? block(r0 + o.batchSize) : undefined;
    cells += cur.nRows;
    nnz += cur.indices.length;
    let s = 0;
    for (let k = 0; k < cur.data.length; k++) s += cur.data[k]!;
    sum += s;
  }
  const t1 = performance.now();
  const sorted = waits.slice().sort((a, b) => a - b);
  return {
    ...result(opened, t0, t1),
    cells,
    nnz,
    sum,
    batches: waits.length,
    waitMs: { median: sorted[Math.floor(sorted.length / 2)] ?? 0, p90: sorted[Math.floor(sorted.length * 0.9)] ?? 0, max: sorted[sorted.length - 1] ?? 0, total: waits.reduce((a, b) => a + b, 0) },
    cellsPerSecond: cells / ((t1 - t0) / 1000),
  };
}
