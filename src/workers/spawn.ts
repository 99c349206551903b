// Starting a worker in either runtime and getting a comlink endpoint for it.
// Browsers get a module Worker; Node gets worker_threads (TS sources run through tsx's loader
// when the library runs from source, as in tests and dev).
//
// A browser only starts workers from scripts of the page's own origin. A library loaded from a CDN
// (Observable, a <script type=module> from jsDelivr) has its worker script on the CDN's origin, so
// that worker is started from a same-origin blob: module whose one line imports the real script
// (as DuckDB-wasm's CDN bundles do). Module imports may cross origins with CORS, which CDNs send;
// inside, import.meta.url is the real script's URL, so its relative URLs (chunks, wasm) still work.
import type { Endpoint } from 'comlink';
import { WorkerError } from '../errors.js';
import { isNode } from '../io/runtime.js';

export interface SpawnedWorker {
  endpoint: Endpoint;
  terminate(): void;
  /** Called if the worker cannot start, dies or sends a message that cannot be deserialised. */
  onFailure(cb: (err: WorkerError) => void): void;
  /**
   * Node: whether the worker keeps the process alive. Busy (a call in flight) it must, or a script
   * awaiting a query would exit before the answer; idle it must not. Browsers have no such notion.
   */
  hold?(busy: boolean): void;
}


export async function spawnWorker(url: URL): Promise<SpawnedWorker> {
  const where = { where: url.href };
  if (!isNode) {
    const w = new Worker(browserWorkerScript(url), { type: 'module' });
    return {
      endpoint: w as unknown as Endpoint,
      terminate: () => w.terminate(),
      onFailure(cb) {
        // A script that cannot load (404, CORS, CSP) or throws at top level: the event cannot say which.
        w.addEventListener('error', (e) =>
          cb(new WorkerError(`worker failed: ${e.message || 'script failed to load (a wrong workerUrl, a Content-Security-Policy without blob: or worker-src, or a sandboxed iframe; { workers: 0, fetchWorkers: 0 } runs without workers)'}`, where)),
        );
        w.addEventListener('messageerror', () => cb(new WorkerError('worker message could not be deserialised', where)));
      },
    };
  }
  const { Worker: NodeWorker } = await import('node:worker_threads');
  const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs' as string);
  const w = url.pathname.endsWith('.ts')
    ? new NodeWorker(new URL('./tsx-bootstrap.mjs', import.meta.url), { workerData: { __entry: url.href } })
    : new NodeWorker(url);
  w.unref(); // an idle pool must not keep a Node process alive (the pool refs it while busy: hold)
  return {
    endpoint: nodeEndpoint(w) as Endpoint,
    terminate: () => void w.terminate(),
    // A 'message' listener (comlink's) refs the worker again, so this must come after it is added.
    hold: (busy) => void (busy ? w.ref() : w.unref()),
    onFailure(cb) {
      w.on('error', (e) => cb(new WorkerError(`worker failed: ${e instanceof Error ? e.message : String(e)}`, where, { cause: e })));
      w.on('messageerror', () => cb(new WorkerError('worker message could not be deserialised', where)));
      w.on('exit', (code) => cb(new WorkerError(`worker exited with code ${code}`, where)));
    },
  };
}

/** One blob: URL per cross-origin script, kept for the page's life (a worker may respawn from it). */
const trampolines = new Map<string, string>();

/** The URL to start a browser worker from: `url` itself when the page may, else a same-origin trampoline. */
export function browserWorkerScript(url: URL): string {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  if (!origin || origin === 'null' || url.origin === origin || url.protocol === 'blob:' || url.protocol === 'data:') return url.href;
  let blobUrl = trampolines.get(url.href);
  if (!blobUrl) {
    blobUrl = URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};\n`], { type: 'text/javascript' }));
    trampolines.set(url.href, blobUrl);
  }
  return blobUrl;
}

/** Workers to start by default: all cores but one for the page/main thread, at least one. */
export async function defaultWorkerCount(): Promise<number> {
  if (isNode) {
    const os = await import('node:os');
    return Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1);
  }
  return Math.max(1, (globalThis.navigator?.hardwareConcurrency ?? 2) - 1);
}
