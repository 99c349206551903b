// Node side of the measurements: one latency- and bandwidth-limited HTTP server over the bench
// directory (the companion's serveDirectory: real Range requests, CORS), the repository's Vite dev
// server + Debian's Chromium (test/helpers/browser.ts), and one fresh page (= fresh browser
// context: empty HTTP cache, no IndexedDB) per measured query.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selfSignedCert, serveDirectory, type RunningServer } from '../../src/companion/serve.js';
import { startBrowser, type BrowserHarness, type Engine } from '../../test/helpers/browser.js';

export interface ServerCounts {
  requests: number;
  bytes: number;
  /** Per top-level directory of the bench dir (atlas, anndata-csr.zarr, …). */
  byStore: Record<string, { requests: number; bytes: number }>;
}

export interface ProfileEntry {
  fn: string;
  selfMs: number;
}

export interface Harness {
  serverUrl: string;
  browserVersion: string;
  /**
   * Runs `fn(args)` exported by `module` (a repo path such as /bench/query/page.ts) in a fresh page;
   * with `cpuProfile`, the page's main thread is sampled and the top functions by self time returned.
   */
  run<T>(module: string, fn: string, args: unknown, opts?: { cpuProfile?: boolean }): Promise<{ result: T; server: ServerCounts; profile?: ProfileEntry[] }>;
  close(): Promise<void>;
}

/** `http2`: serve HTTPS + HTTP/2 with a throwaway certificate (Chromium told to accept it). */
export async function startHarness(root: string, opts: { latencyMs: number; bytesPerSecond: number; http2?: boolean; engine?: Engine }): Promise<Harness> {
  if (opts.http2 && opts.engine && opts.engine !== 'chromium') throw new Error('--http2 needs Chromium (it is told to accept the self-signed certificate)');
  let counts: ServerCounts = { requests: 0, bytes: 0, byStore: {} };
  const server: RunningServer = await serveDirectory(root, {
    tls: opts.http2 ? selfSignedCert(1) : undefined,
    latencyMs: opts.latencyMs,
    bytesPerSecond: opts.bytesPerSecond,
    onRequest: (e) => {
      const store = e.path.split('/')[1] ?? '';
      counts.requests++;
      counts.bytes += e.bytes;
      const s = (counts.byStore[store] ??= { requests: 0, bytes: 0 });
      s.requests++;
      s.bytes += e.bytes;
    },
  });
  let browser: BrowserHarness;
  try {
    browser = await startBrowser({ engine: opts.engine, extraArgs: opts.http2 ? ['--ignore-certificate-errors'] : [] });
  } catch (err) {
    await server.close();
    throw err;
  }
  // Let Vite transform the page modules once, outside any measurement.
  {
    const page = await browser.newPage();
    await page.evaluate(async () => {
      const imp = (window as any).__import;
      await Promise.all([imp('/bench/query/page.ts'), imp('/bench/query/baseline.ts')]);
    });
    await page.close();
  }
  return {
    serverUrl: server.url,
    browserVersion: `${browser.engine} ${browser.version}`,
    async run<T>(module: string, fn: string, args: unknown, opts: { cpuProfile?: boolean } = {}) {
      const page = await browser.newPage();
      try {
        // BENCH_SAVE_TRACE=1: a browser-wide Chrome trace of every run (all processes and threads,
        // with each task's thread CPU time), summarised by trace-summary.ts. Chromium only.
        const tracer = process.env.BENCH_SAVE_TRACE && page.playwright ? page.playwright.context().browser() : null;
        if (tracer) await tracer.startTracing(page.playwright, { categories: TRACE_CATEGORIES });
        const cdp = opts.cpuProfile && page.playwright ? await page.playwright.context().newCDPSession(page.playwright) : undefined;
        if (cdp) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
          await cdp.send('Profiler.start');
        }
        counts = { requests: 0, bytes: 0, byStore: {} };
        const result = (await page.evaluate(
          async ({ module, fn, args }) => {
            const m = await (window as any).__import(module);
            return m[fn](args);
          },
          { module, fn, args },
        )) as T;
        // Requests of this page only: the server's onRequest fires when a response finishes.
        await new Promise((r) => setTimeout(r, 50));
        if (tracer) writeFileSync(join(root, `trace-${fn}-${Date.now()}.json`), await tracer.stopTracing());
        const server = counts;
        let profile: ProfileEntry[] | undefined;
        if (cdp) {
          const { profile: p } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
          profile = summarize(p);
          // BENCH_SAVE_PROFILE=1 keeps the raw profile (open in Chrome DevTools' Performance panel).
          if (process.env.BENCH_SAVE_PROFILE) writeFileSync(join(root, `profile-${Date.now()}.cpuprofile`), JSON.stringify(p));
          await cdp.detach();
        }
        return { result, server, profile };
      } finally {
        await page.close();
      }
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Tasks, script, V8's compilers and GC, and network events: what trace-summary.ts reads. */
const TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'v8', 'v8.execute', 'disabled-by-default-v8.compile', 'v8.wasm', 'disabled-by-default-v8.gc', 'netlog', 'disabled-by-default-netlog'];

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (name + file:line), largest first. */
function summarize(p: CpuProfile, top = 25): ProfileEntry[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!);
    if (!n) continue;
    const cf = n.callFrame;
    const file = cf.url ? cf.url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, '') : '';
    const key = `${cf.functionName || '(anonymous)'} ${file ? `${file}:${cf.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, selfMs]) => ({ fn, selfMs }));
}
