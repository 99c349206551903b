// A pool of N workers behind one typed API (comlink), with what comlink alone does not give:
// every in-flight call is rejected when its worker dies (and the worker is replaced), queued calls
// honour AbortSignal, and an aborted in-flight call is rejected at once: its `cancel` hook stops it
// inside the worker (a fetch) or lets it finish unseen (a decode), and without one the worker is
// terminated so the CPU stops too.
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import { installComlinkErrorTransfer } from './comlink-errors.js';
import { abortedBy, WorkerError } from '../errors.js';
import { defaultWorkerCount, spawnWorker, type SpawnedWorker } from './spawn.js';

const MAX_RESPAWNS = 4;

export interface PoolOptions {
  /** Number of workers; default hardwareConcurrency − 1, at least 1. */
  size?: number;
  /** Calls in flight per worker (pipelining hides postMessage latency). Default 2. */
  perWorker?: number;
  /** Runs once in each new worker before it takes calls (e.g. load the wasm module). */
  init?: (api: Remote<any>) => Promise<void>;
}

interface Slot<Api> {
  worker: SpawnedWorker;
  api: Remote<Api>;
  ready: Promise<void>;
  /** Until `ready` settles (its init runs in the worker). */
  starting: boolean;
  inFlight: Set<Task<Api, unknown>>;
  dead: boolean;
}

interface Task<Api, R> {
  run: (api: Remote<Api>) => Promise<R>;
  resolve: (v: R) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  /** Stops this call inside its worker when it is aborted in flight, instead of terminating the worker. */
  cancel?: (api: Remote<Api>) => unknown;
  slot?: Slot<Api>;
  settled: boolean;
}

export class WorkerPool<Api> {
  readonly #url: URL;
  readonly #opts: PoolOptions;
  #slots: Slot<Api>[] = [];
  #queue: Task<Api, unknown>[] = [];
  #size = 0;
  #closed = false;
  #starting: Promise<void> | undefined;
  /** Workers lost since the last call that succeeded; past MAX_RESPAWNS the pool gives up. */
  #losses = 0;
  /** Why the pool gave up (a worker that cannot start or keeps dying): what later calls fail with. */
  #fatal: Error | undefined;

  constructor(workerUrl: URL, options: PoolOptions = {}) {
    this.#url = workerUrl;
    this.#opts = options;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Runs `fn` against one worker's API. Results and arguments should use `transfer()` for big buffers.
   * An abort in flight terminates the worker (its other calls are re-queued), unless `cancel` can
   * stop the call inside it (a fetch: the worker's other requests go on).
   */
  run<R>(fn: (api: Remote<Api>) => Promise<R>, opts: { signal?: AbortSignal; cancel?: (api: Remote<Api>) => unknown } = {}): Promise<R> {
    if (this.#closed) return Promise.reject(this.#fatal ?? new WorkerError('worker pool is closed', { where: this.#url.href }));
    if (opts.signal?.aborted) return Promise.reject(abortedBy(opts.signal, 'aborted before start'));
    return new Promise<R>((resolve, reject) => {
      // The abort listener goes when the call settles, however it settles: a query's signal lives
      // as long as the query, and a listener left on it would keep this call's inputs alive.
      const onAbort = () => this.#abort(task as Task<Api, unknown>);
      const detach = () => opts.signal?.removeEventListener('abort', onAbort);
      const task: Task<Api, R> = {
        run: fn,
        resolve: (v) => (detach(), resolve(v)),
        reject: (e) => (detach(), reject(e)),
        signal: opts.signal,
        cancel: opts.cancel,
        settled: false,
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(task as Task<Api, unknown>);
      void this.#start().then(() => this.#pump(), (err) => this.#failAll(err));
    });
  }

  /** Terminates every worker and rejects everything pending. */
  close(): void {
    this.#closed = true;
    const closed = new WorkerError('worker pool closed', { where: this.#url.href });
    for (const s of this.#slots) this.#kill(s, closed);
    this.#failAll(closed);
  }

  #start(): Promise<void> {
    this.#starting ??= (async () => {
      this.#size = this.#opts.size ?? (await defaultWorkerCount());
      await Promise.all(Array.from({ length: this.#size }, () => this.#addSlot()));
    })();
    return this.#starting;
  }

  async #addSlot(): Promise<void> {
    const worker = await spawnWorker(this.#url);
    // close() came while the worker started: it would never be stopped, and would keep a Node process alive.
    if (this.#closed) return worker.terminate();
    installComlinkErrorTransfer(Comlink); // tagged errors thrown in workers arrive as the same classes
    const api = Comlink.wrap<Api>(worker.endpoint);
    const slot: Slot<Api> = { worker, api, ready: Promise.resolve(), starting: true, inFlight: new Set(), dead: false };
    this.#hold(slot);
    slot.ready = this.#opts.init ? this.#opts.init(api) : Promise.resolve();
    slot.ready.then(
      () => ((slot.starting = false), this.#hold(slot)),
      (err) => this.#kill(slot, err),
    );
    worker.onFailure((err) => this.#kill(slot, err));
    this.#slots.push(slot);
  }

  /** Node: a worker keeps the process alive exactly while it starts or has calls in flight. */
  #hold(slot: Slot<Api>): void {
    if (!slot.dead) slot.worker.hold?.(slot.starting || slot.inFlight.size > 0);
  }

  #pump(): void {
    const perWorker = this.#opts.perWorker ?? 2;
    while (this.#queue.length) {
      const live = this.#slots.filter((s) => !s.dead && s.inFlight.size < perWorker);
      if (!live.length) return;
      live.sort((a, b) => a.inFlight.size - b.inFlight.size);
      const slot = live[0]!;
      const task = this.#queue.shift()!;
      if (task.settled) continue;
      task.slot = slot;
      slot.inFlight.add(task);
      this.#hold(slot);
      slot.ready
        .then(() => task.run(slot.api))
        .then(
          (v) => {
            this.#losses = 0;
            this.#settle(task, () => task.resolve(v));
          },
          (e) => this.#settle(task, () => task.reject(e)),
        );
    }
  }

  #settle(task: Task<Api, unknown>, finish: () => void): void {
    task.slot?.inFlight.delete(task);
    if (task.slot) this.#hold(task.slot);
    if (!task.settled) {
      task.settled = true;
      finish();
    }
    this.#pump();
  }

  #abort(task: Task<Api, unknown>): void {
    if (task.settled) return;
    const slot = task.slot;
    task.settled = true;
    task.reject(abortedBy(task.signal, 'aborted'));
    if (!slot) {
      this.#queue = this.#queue.filter((t) => t !== task);
      return;
    }
    if (task.cancel) {
      // The call can be stopped where it runs: the worker and its other calls go on. It stays
      // counted on its worker until the worker answers, so new calls go to idle workers first
      // rather than queue behind a decode nobody wants.
      void Promise.resolve()
        .then(() => task.cancel!(slot.api))
        .catch(() => undefined);
      return;
    }
    slot.inFlight.delete(task);
    // The worker is busy with work nobody wants: stop it (which also lets the process go); its other calls go back to the queue.
    this.#kill(slot, undefined);
  }

  /** Removes a worker. With `err`, its in-flight calls fail with it; without, they are re-queued. */
  #kill(slot: Slot<Api>, err: unknown): void {
    if (slot.dead) return;
    slot.dead = true;
    slot.worker.terminate();
    this.#slots = this.#slots.filter((s) => s !== slot);
    const orphans = [...slot.inFlight].filter((t) => !t.settled);
    slot.inFlight.clear();
    for (const t of orphans) {
      if (err === undefined) {
        t.slot = undefined;
        this.#queue.unshift(t);
      } else {
        t.settled = true;
        t.reject(err);
      }
    }
    if (this.#closed) return;
    if (err !== undefined && ++this.#losses > MAX_RESPAWNS) {
      // A worker that dies every time (missing script, broken wasm) must not respawn forever.
      // The queue fails with the cause, before close() would fail it with a bare "closed".
      // (The cause's message already names the script, so the URL goes in a field, not `where`.)
      this.#fatal = new WorkerError(`worker pool stopped: ${err instanceof Error ? err.message : String(err)}`, { url: this.#url.href }, { cause: err });
      this.#failAll(err);
      this.close();
      return;
    }
    void this.#addSlot().then(() => this.#pump(), (e) => this.#failAll(e));
  }

  #failAll(err: unknown): void {
    const q = this.#queue;
    this.#queue = [];
    for (const t of q) {
      if (!t.settled) {
        t.settled = true;
        t.reject(err);
      }
    }
  }
}
