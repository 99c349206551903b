// In-page instrumentation shared by our reader and the baseline: a `fetch` wrapper that records
// every request (URL, range, start, end of body, bytes) without copying bodies, a ChunkDecoder
// wrapper that records decode calls, and the wall-time breakdown computed from those intervals.
// Runs in Chromium (imported by page.ts through the Vite dev server).
import type { ChunkDecoder } from '../../src/workers/protocol.js';
import { CHUNK_FIELDS, encodedReadBytes } from '../../src/zarr/encoded-read.js';

export type ReqKind = 'lance' | 'zarr-meta' | 'shard-index' | 'chunk' | 'other';

export interface ReqRecord {
  path: string;
  method: string;
  range?: string;
  start: number;
  end: number;
  bytes: number;
  kind: ReqKind;
}

export interface Interval {
  start: number;
  end: number;
}

export interface DecodeRecord extends Interval {
  jobs: number;
  bytesIn: number;
}

export class Recorder {
  readonly requests: ReqRecord[] = [];
  readonly decodes: DecodeRecord[] = [];
  /** Main-thread long tasks (≥ 50 ms), from PerformanceObserver. */
  readonly longTasks: Interval[] = [];
  #observer: PerformanceObserver | undefined;

  /** Starts recording main-thread long tasks (Chromium's 'longtask' entries). */
  observeLongTasks(): void {
    try {
      this.#observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) this.longTasks.push({ start: e.startTime, end: e.startTime + e.duration });
      });
      this.#observer.observe({ type: 'longtask', buffered: false });
    } catch {
      this.#observer = undefined;
    }
  }

  stopLongTasks(): void {
    for (const e of this.#observer?.takeRecords() ?? []) this.longTasks.push({ start: e.startTime, end: e.startTime + e.duration });
    this.#observer?.disconnect();
  }
  /** Paths that already had their first ranged GET after a HEAD (= the shard index). */
  readonly #indexed = new Set<string>();
  readonly #headed = new Set<string>();

  /** Drop-in `fetch` for HttpStoreOptions.fetch and zarrita's FetchStore({fetch}). */
  readonly fetch: typeof fetch = this.wrapFetch((input, init) => fetch(input, init));

  /** `base` (e.g. ragged-atlas's worker fetch), recording every request as `fetch` does. */
  wrapFetch(base: typeof fetch): typeof fetch {
    return (async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : undefined;
    const url = new URL(req ? req.url : String(input));
    const method = (init?.method ?? req?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers ?? req?.headers);
    const range = headers.get('range') ?? undefined;
    const rec: ReqRecord = { path: decodeURIComponent(url.pathname), method, range, start: performance.now(), end: 0, bytes: 0, kind: 'other' };
    rec.kind = this.#classify(rec);
    this.requests.push(rec);
    const res = await base(input, init);
    // Until the body is read (or if it never is: 404s, HEAD), the request ends with its headers.
    rec.end = performance.now();
    if (method === 'HEAD' || !res.body || !res.ok) return res;
    // Note when the body has been read (both readers call arrayBuffer()); no copy is made.
    const read = res.arrayBuffer.bind(res);
    Object.defineProperty(res, 'arrayBuffer', {
      value: async () => {
        const b = await read();
        rec.end = performance.now();
        rec.bytes = b.byteLength;
        return b;
      },
    });
    return res;
    }) as typeof fetch;
  }

  wrapDecoder(inner: ChunkDecoder): ChunkDecoder {
    const csrGroup = inner.csrGroup?.bind(inner);
    const lancePages = inner.lancePages?.bind(inner);
    return {
      decode: (jobs, opts) => this.#timed(jobs.length, jobs.reduce((a, j) => a + j.encoded.length, 0), () => inner.decode(jobs, opts)),
      csrGroup:
        csrGroup &&
        ((job, opts) => {
          const chunks = (job.indices.chunks.length + job.values.reduce((a, v) => a + v.chunks.length, 0)) / CHUNK_FIELDS;
          return this.#timed(chunks, encodedReadBytes(job.indices) + job.values.reduce((a, v) => a + encodedReadBytes(v), 0), () => csrGroup(job, opts));
        }),
      lancePages: lancePages && ((jobs, opts) => this.#timed(jobs.length, jobs.reduce((a, j) => a + j.buffers.reduce((n, b) => n + b.length, 0), 0), () => lancePages(jobs, opts))),
      close: () => inner.close?.(),
    };
  }

  /** Runs one decoder call and records when it ran, how many jobs and bytes it took. */
  async #timed<T>(jobs: number, bytesIn: number, call: () => Promise<T>): Promise<T> {
    const rec: DecodeRecord = { start: performance.now(), end: 0, jobs, bytesIn };
    try {
      return await call();
    } finally {
      rec.end = performance.now();
      this.decodes.push(rec);
    }
  }

  #classify(r: ReqRecord): ReqKind {
    if (r.path.includes('/lance_db/')) return 'lance';
    if (/\/(zarr\.json|\.zarray|\.zattrs|\.zgroup)$/.test(r.path)) return 'zarr-meta';
    if (r.path.includes('/zarr_store/')) {
      // Sharded arrays: HEAD (size), then the index range, then chunk ranges (read.ts order).
      if (r.method === 'HEAD') {
        this.#headed.add(r.path);
        return 'shard-index';
      }
      if (r.range && this.#headed.has(r.path) && !this.#indexed.has(r.path)) {
        this.#indexed.add(r.path);
        return 'shard-index';
      }
      return 'chunk';
    }
    return 'chunk';
  }

  /** Requests and bytes (bodies read) per kind, within [from, to]. */
  totals(from = -Infinity, to = Infinity): Record<ReqKind | 'all', { requests: number; bytes: number }> {
    const out = {} as Record<ReqKind | 'all', { requests: number; bytes: number }>;
    for (const k of ['lance', 'zarr-meta', 'shard-index', 'chunk', 'other', 'all'] as const) out[k] = { requests: 0, bytes: 0 };
    for (const r of this.requests) {
      if (r.start < from || r.start > to) continue;
      for (const k of [r.kind, 'all'] as const) {
        out[k].requests++;
        out[k].bytes += r.bytes;
      }
    }
    return out;
  }
}

/** Length of the union of intervals clipped to [from, to]. */
export function unionMs(intervals: Interval[], from: number, to: number): number {
  const xs = intervals
    .map((i) => ({ start: Math.max(from, i.start), end: Math.min(to, i.end || to) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let curS = -Infinity;
  let curE = -Infinity;
  for (const i of xs) {
    if (i.start > curE) {
      if (curE > curS) total += curE - curS;
      curS = i.start;
      curE = i.end;
    } else curE = Math.max(curE, i.end);
  }
  if (curE > curS) total += curE - curS;
  return total;
}

export interface Breakdown {
  /** Exclusive wall-time attribution over [t0, t1] (sums to the total). */
  exclusive: Record<string, number>;
  /** Busy time (union of intervals) per activity; these overlap each other. */
  busy: Record<string, number>;
  /** Requests / bytes per kind. */
  io: Record<string, { requests: number; bytes: number }>;
  decodeCalls: number;
  decodeJobs: number;
  /** Chunk requests in flight on average while any is (sum of their durations ÷ their union). */
  chunkConcurrency: number;
}

/**
 * Wall time of [t0, t1], split exclusively by priority: before `tObs` = obs selection (Lance);
 * afterwards each instant goes to the first active of: main thread busy in a long task (≥ 50 ms:
 * assembly, joins, Arrow work, zarrita decode — while it runs, finished responses wait too) >
 * chunk fetch > shard-index/metadata fetch > Lance fetch > decode (workers); what remains is
 * main-thread work in short tasks or idle waiting with nothing in flight.
 */
export function breakdown(rec: Recorder, t0: number, t1: number, tObs?: number): Breakdown {
  const obsEnd = tObs ?? t0;
  const pick = (kinds: ReqKind[]) => rec.requests.filter((r) => kinds.includes(r.kind)).map((r) => ({ start: r.start, end: r.end || t1 }));
  const chunk = pick(['chunk', 'other']);
  const index = pick(['shard-index', 'zarr-meta']);
  const lance = pick(['lance']);
  const decode = rec.decodes.map((d) => ({ start: d.start, end: d.end }));
  const layers: [string, Interval[]][] = [['main thread busy (long tasks)', rec.longTasks], ['chunk fetch', chunk], ['shard index + zarr metadata fetch', index], ['lance fetch', lance], ['decode (workers) only', decode]];
  const exclusive: Record<string, number> = { 'obs selection': obsEnd - t0 };
  let covered: Interval[] = [];
  let coveredMs = 0;
  for (const [name, xs] of layers) {
    covered = covered.concat(xs);
    const u = unionMs(covered, obsEnd, t1);
    exclusive[name] = u - coveredMs;
    coveredMs = u;
  }
  exclusive['other (short tasks / idle)'] = t1 - obsEnd - coveredMs;
  const busy: Record<string, number> = {
    'main-thread long tasks': unionMs(rec.longTasks, t0, t1),
    'chunk fetch': unionMs(chunk, t0, t1),
    'shard index + metadata fetch': unionMs(index, t0, t1),
    'lance fetch': unionMs(lance, t0, t1),
    decode: unionMs(decode, t0, t1),
  };
  const lastIo = Math.max(t0, ...chunk.concat(decode).map((i) => i.end));
  busy['tail after last chunk fetch/decode (assembly)'] = Math.max(0, t1 - lastIo);
  const inWindow = rec.decodes.filter((d) => d.start >= t0 && d.start <= t1);
  const chunkSum = chunk.reduce((a, i) => a + Math.max(0, Math.min(t1, i.end) - Math.max(t0, i.start)), 0);
  const chunkConcurrency = busy['chunk fetch']! > 0 ? chunkSum / busy['chunk fetch']! : 0;
  return { exclusive, busy, io: rec.totals(t0, t1), decodeCalls: inWindow.length, decodeJobs: inWindow.reduce((a, d) => a + d.jobs, 0), chunkConcurrency };
}
