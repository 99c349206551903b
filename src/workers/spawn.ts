// Starting a worker in either runtime and getting a comlink endpoint for it.
// Browsers get a module Worker; Node gets worker_threads (TS sources run through tsx's loader
// when the library runs from source, as in tests and dev).
import type { Endpoint } from 'comlink';

export interface SpawnedWorker {
  endpoint: Endpoint;
  terminate(): void;
  /** Called once if the worker dies or a message cannot be deserialised. */
  onFailure(cb: (err: Error) => void): void;
}

export const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

export async function spawnWorker(url: URL): Promise<SpawnedWorker> {
  if (!isNode) {
    const w = new Worker(url, { type: 'module' });
    return {
      endpoint: w as unknown as Endpoint,
      terminate: () => w.terminate(),
      onFailure(cb) {
        w.addEventListener('error', (e) => cb(new Error(`worker error: ${e.message || 'script failed to load'}`)));
        w.addEventListener('messageerror', () => cb(new Error('worker message could not be deserialised')));
      },
    };
  }
  const { Worker: NodeWorker } = await import('node:worker_threads');
  const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs' as string);
  const w = url.pathname.endsWith('.ts')
    ? new NodeWorker(new URL('./tsx-bootstrap.mjs', import.meta.url), { workerData: { __entry: url.href } })
    : new NodeWorker(url);
  w.unref(); // an idle pool must not keep a Node process alive
  return {
    endpoint: nodeEndpoint(w) as Endpoint,
    terminate: () => void w.terminate(),
    onFailure(cb) {
      w.on('error', (e) => cb(e instanceof Error ? e : new Error(String(e))));
      w.on('messageerror', () => cb(new Error('worker message could not be deserialised')));
      w.on('exit', (code) => cb(new Error(`worker exited with code ${code}`)));
    },
  };
}

/** Workers to start by default: all cores but one for the page/main thread, at least one. */
export async function defaultWorkerCount(): Promise<number> {
  if (isNode) {
    const os = await import('node:os');
    return Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1);
  }
  return Math.max(1, (globalThis.navigator?.hardwareConcurrency ?? 2) - 1);
}
