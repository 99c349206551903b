// The measured queries through ragged-atlas, run inside a Chromium page (imported from the Vite
// dev server). Every function opens the atlas itself (timed apart from the query), runs one cold
// query, and returns timings, the I/O the page saw, a wall-time breakdown, and the numbers the
// bench compares with the baseline (so a fast wrong answer is caught).
import { createDecoder, createWorkerFetch, RaggedAtlas, type AnnData } from '../../src/index.js';
import { breakdown, Recorder, unionMs, type Breakdown } from './instrument.js';

export interface OursOptions {
  url: string;
  /** Decode workers (default: the library's, hardwareConcurrency − 1). */
  workers?: number;
  /** Fetch workers (default: the library's, 4); 0 fetches from the page's thread. */
  fetchWorkers?: number;
  /** Requests in flight per fetch worker (default: the library's, 8). */
  fetchPerWorker?: number;
  /** Return every request and decode call (relative to the query start) for timeline analysis. */
  trace?: boolean;
  /** Read tuning passed to RaggedAtlas (AtlasOptions.coalesceGapBytes / concurrency). */
  coalesceGapBytes?: number;
  concurrency?: number;
}

export interface OursResult {
  openMs: number;
  queryMs: number;
  /** When the query ended, ms since the epoch (the window run.ts --cpu samples). */
  queryEndEpochMs: number;
  /** Requests/bytes during the query as seen by the page (server-side numbers come from Node). */
  requests: number;
  bytes: number;
  statsRequests: number;
  statsBytes: number;
  breakdown: Breakdown;
  longTaskMs: number;
  hardwareConcurrency: number;
  /** Which copy of the matrix the query read, from the request paths. */
  matrixPath: 'csr' | 'csc' | 'csr+csc' | 'none';
  trace?: { requests: unknown[]; decodes: unknown[]; longTasks: unknown[]; tObs?: number };
}

export interface GeneCheck {
  /** Per var name (feature uid): [sum, nnz]. */
  perFeature: Record<string, [number, number]>;
  shape: [number, number];
}

export interface CellTypeCheck {
  shape: [number, number];
  barcodes: string[];
  rowSums: number[];
  rowNnz: number[];
  cellTypes: string[];
}

export interface StreamCheck {
  cells: number;
  nnz: number;
  sum: number;
  batches: number;
  /** Time the consumer waited for each batch (ms). */
  waitMs: { median: number; p90: number; max: number; total: number };
  cellsPerSecond: number;
}

async function open(o: OursOptions, rec: Recorder): Promise<{ atlas: RaggedAtlas; openMs: number; close(): void }> {
  const inner = createDecoder({ workers: o.workers });
  // Start the workers and their wasm before timing (in the dev server, loading the worker's
  // module graph would otherwise count against the first query; an app bundles it).
  await inner.decode([{ encoded: new Uint8Array(4), codec: { name: 'bytes' }, outBytes: 4 }]);
  const decoder = rec.wrapDecoder(inner);
  // The library's default transport (fetch workers), recorded; warmed on this page's own origin
  // (not the measured server) so worker start-up is not timed either.
  const nFetch = o.fetchWorkers ?? 4;
  const workerFetch = nFetch ? createWorkerFetch({ workers: nFetch, perWorker: o.fetchPerWorker }) : undefined;
  if (workerFetch) await Promise.all(Array.from({ length: nFetch }, () => workerFetch(location.href).then((r) => r.arrayBuffer())));
  const t0 = performance.now();
  const fetch = workerFetch ? rec.wrapFetch(workerFetch) : rec.fetch;
  const atlas = await RaggedAtlas.checkoutLatest(o.url, { cache: 'none', fetch, decoder, coalesceGapBytes: o.coalesceGapBytes, concurrency: o.concurrency });
  return {
    atlas,
    openMs: performance.now() - t0,
    close: () => {
      atlas.close();
      inner.close?.();
      workerFetch?.close();
    },
  };
}

function finish(rec: Recorder, atlas: RaggedAtlas, before: { requests: number; bytes: number }, openMs: number, t0: number, t1: number, tObs: number | undefined, lt: number, trace = false): OursResult {
  const io = rec.totals(t0, t1).all;
  return {
    openMs,
    queryMs: t1 - t0,
    queryEndEpochMs: performance.timeOrigin + t1,
    requests: io.requests,
    bytes: io.bytes,
    statsRequests: atlas.stats.requests - before.requests,
    statsBytes: atlas.stats.bytes - before.bytes,
    breakdown: breakdown(rec, t0, t1, tObs),
    longTaskMs: lt,
    hardwareConcurrency: navigator.hardwareConcurrency,
    matrixPath: matrixPath(rec),
    ...(trace
      ? {
          trace: {
            requests: rec.requests.map((r) => ({ ...r, start: r.start - t0, end: r.end - t0 })),
            decodes: rec.decodes.map((d) => ({ ...d, start: d.start - t0, end: d.end - t0 })),
            longTasks: rec.longTasks.map((d) => ({ start: d.start - t0, end: d.end - t0 })),
            tObs: tObs === undefined ? undefined : tObs - t0,
          },
        }
      : {}),
  };
}

function matrixPath(rec: Recorder): OursResult['matrixPath'] {
  // Data requests only: the CSC probe of an atlas without copies is a (404) metadata request.
  const data = rec.requests.filter((r) => r.kind === 'chunk' || r.kind === 'shard-index');
  const csr = data.some((r) => r.path.includes('/csr/'));
  const csc = data.some((r) => r.path.includes('/csc/'));
  return csr && csc ? 'csr+csc' : csr ? 'csr' : csc ? 'csc' : 'none';
}

function csrOf(ad: AnnData) {
  const X = ad.X;
  if (!X || X.format !== 'csr') throw new Error(`expected a CSR X, got ${X?.format}`);
  return X;
}

/**
 * Opens the atlas, times `run` (from its start until its promise resolves; `markObs` notes the end of
 * obs selection), then computes the result check with the summariser `run` returned — outside the timing.
 */
async function measured<T>(o: OursOptions, run: (atlas: RaggedAtlas, markObs: () => void) => Promise<() => T>, warmUp?: (atlas: RaggedAtlas) => Promise<unknown>): Promise<OursResult & T> {
  const rec = new Recorder();
  const { atlas, openMs, close } = await open(o, rec);
  try {
    if (warmUp) await warmUp(atlas);
    const before = atlas.stats;
    rec.observeLongTasks();
    let tObs: number | undefined;
    const t0 = performance.now();
    console.timeStamp?.('query'); // trace-summary.ts counts from here
    const summarise = await run(atlas, () => void (tObs ??= performance.now()));
    const t1 = performance.now();
    const lt = (rec.stopLongTasks(), unionMs(rec.longTasks, t0, t1));
    return { ...finish(rec, atlas, before, openMs, t0, t1, tObs, lt, o.trace), ...summarise() };
  } finally {
    close();
  }
}

/**
 * `features(uids)` over every cell: per-feature sums and non-zeros. With `warmUp` (other genes), that
 * query runs first on the same checked-out atlas, untimed: an explorer's second gene.
 */
export function oursGeneQuery(o: OursOptions & { uids: string[]; warmUp?: string[] }): Promise<OursResult & GeneCheck> {
  const warmUp = o.warmUp && ((atlas: RaggedAtlas) => atlas.query().select(['uid']).features(o.warmUp!, 'gene_expression').toAnnData());
  return measured(o, async (atlas, markObs) => {
    const ad = await atlas
      .query()
      .select(['uid'])
      .features(o.uids, 'gene_expression')
      .toAnnData({ onProgress: (p) => void (p.phase === 'obs' && markObs()) });
    return () => {
      const X = csrOf(ad);
      const perFeature: Record<string, [number, number]> = {};
      const sums = new Float64Array(X.shape[1]);
      const nnz = new Float64Array(X.shape[1]);
      for (let k = 0; k < X.indices.length; k++) {
        sums[X.indices[k]!]! += Number(X.data[k]);
        nnz[X.indices[k]!]!++;
      }
      ad.varNames.forEach((u, j) => (perFeature[u] = [sums[j]!, nnz[j]!]));
      return { perFeature, shape: ad.shape };
    };
  }, warmUp);
}

/** `where(cell_type = …).limit(n).toAnnData()`: barcodes with per-row sums and non-zeros. */
export function oursCellTypeQuery(o: OursOptions & { cellType: string; limit: number }): Promise<OursResult & CellTypeCheck> {
  return measured(o, async (atlas, markObs) => {
    const ad = await atlas
      .query()
      .where(`cell_type = '${o.cellType.replace(/'/g, "''")}'`)
      .limit(o.limit)
      .toAnnData({ onProgress: (p) => void (p.phase === 'obs' && markObs()) });
    return () => {
      const X = csrOf(ad);
      const rowSums: number[] = [];
      const rowNnz: number[] = [];
      for (let i = 0; i < X.shape[0]; i++) {
        let s = 0;
        for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) s += Number(X.data[k]);
        rowSums.push(s);
        rowNnz.push(X.indptr[i + 1]! - X.indptr[i]!);
      }
      const bc = ad.obs.getChild('barcode')!;
      const ct = ad.obs.getChild('cell_type')!;
      const barcodes = Array.from({ length: ad.shape[0] }, (_, i) => String(bc.get(i)));
      const cellTypes = [...new Set(Array.from({ length: ad.shape[0] }, (_, i) => String(ct.get(i))))];
      return { shape: ad.shape, barcodes, rowSums, rowNnz, cellTypes };
    };
  });
}

/**
 * Sum of a batch's values with the plain typed-array loop the baseline's consumer runs over its
 * Float32Array (bigint layers go through Number): the check costs both readers the same.
 */
function sumValues(d: ArrayLike<number | bigint>): number {
  let s = 0;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    for (let k = 0; k < d.length; k++) s += Number(d[k]);
    return s;
  }
  const a = d as Float64Array;
  for (let k = 0; k < a.length; k++) s += a[k]!;
  return s;
}

/** Every cell through `toBatches`, in one tab: cells/s, with totals for the correctness check. */
export function oursStream(o: OursOptions & { batchSize: number; limitCells?: number; readAhead?: number }): Promise<OursResult & StreamCheck> {
  return measured(o, async (atlas, markObs) => {
    const waits: number[] = [];
    let cells = 0;
    let nnz = 0;
    let sum = 0;
    const t0 = performance.now();
    let q = atlas.query();
    if (o.limitCells) q = q.limit(o.limitCells);
    // toBatches reports no 'obs' phase: its first progress event (the first read) marks the end of obs selection.
    const it = q.toBatches({ batchSize: o.batchSize, readAhead: o.readAhead, onProgress: markObs })[Symbol.asyncIterator]();
    for (;;) {
      const w0 = performance.now();
      const r = await it.next();
      waits.push(performance.now() - w0);
      if (r.done) break;
      const X = csrOf(r.value);
      cells += X.shape[0];
      nnz += X.indices.length;
      sum += sumValues(X.data);
    }
    const seconds = (performance.now() - t0) / 1000;
    return () => {
      const sorted = waits.slice(0, -1).sort((a, b) => a - b);
      const waitMs = {
        median: sorted[Math.floor(sorted.length / 2)] ?? 0,
        p90: sorted[Math.floor(sorted.length * 0.9)] ?? 0,
        max: sorted[sorted.length - 1] ?? 0,
        total: waits.reduce((a, b) => a + b, 0),
      };
      return { cells, nnz, sum, batches: waits.length - 1, waitMs, cellsPerSecond: cells / seconds };
    };
  });
}

/**
 * The ceiling a reader can reach here: plain parallel range GETs of `bytes` each over `paths`
 * (no decoding), `parallel` in flight — run by `bench/query/run.ts --only ceiling`.
 */
export async function rawThroughput(o: { base: string; paths: string[]; bytes: number; total: number; parallel: number; cache?: RequestCache; bases?: string[] }): Promise<{ mbPerS: number; requests: number; perReqMs: number[] }> {
  const times: number[] = [];
  let next = 0;
  let got = 0;
  const t0 = performance.now();
  const jobs: { path: string; at: number }[] = [];
  for (let at = 0; jobs.length * o.bytes < o.total; at += o.bytes) for (const p of o.paths) jobs.push({ path: p, at });
  await Promise.all(
    Array.from({ length: o.parallel }, async () => {
      while (next < jobs.length && got < o.total) {
        const j = jobs[next++]!;
        const base = o.bases ? o.bases[next % o.bases.length]! : o.base;
        const t = performance.now();
        const r = await fetch(`${base}/${j.path}`, { headers: { Range: `bytes=${j.at}-${j.at + o.bytes - 1}` }, cache: o.cache });
        got += (await r.arrayBuffer()).byteLength;
        times.push(performance.now() - t);
      }
    }),
  );
  return { mbPerS: got / 1e6 / ((performance.now() - t0) / 1000), requests: next, perReqMs: times };
}

/** rawThroughput with the fetches issued from `workers` dedicated workers (each `parallel` in flight). */
export async function rawThroughputWorkers(o: { base: string; paths: string[]; bytes: number; total: number; parallel: number; workers: number }): Promise<{ mbPerS: number }> {
  const src = `onmessage = async (e) => { const o = e.data; let got = 0, next = 0; const jobs = [];
    for (let at = o.offset; jobs.length * o.bytes < o.total; at += o.bytes * o.stride) for (const p of o.paths) jobs.push({ path: p, at });
    await Promise.all(Array.from({ length: o.parallel }, async () => { while (next < jobs.length && got < o.total) { const j = jobs[next++];
      const r = await fetch(o.base + '/' + j.path, { headers: { Range: 'bytes=' + j.at + '-' + (j.at + o.bytes - 1) } }); got += (await r.arrayBuffer()).byteLength; } }));
    postMessage(got); };`;
  const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
  const t0 = performance.now();
  const gots = await Promise.all(
    Array.from({ length: o.workers }, (_, w) =>
      new Promise<number>((resolve) => {
        const worker = new Worker(url);
        worker.onmessage = (e) => {
          resolve(e.data as number);
          worker.terminate();
        };
        worker.postMessage({ ...o, total: o.total / o.workers, offset: w * o.bytes, stride: o.workers });
      }),
    ),
  );
  return { mbPerS: gots.reduce((a, b) => a + b, 0) / 1e6 / ((performance.now() - t0) / 1000) };
}
