// Waiting on shared work with one's own AbortSignal: the waiter stops waiting when its signal
// fires, while the work (a cached index load, a deduplicated request, an ETag check) goes on for
// the others that share it.
import { abortedBy } from '../errors.js';

/** Settles like `p`, or rejects with AbortedError (naming `where`) as soon as `signal` fires. */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined, where?: string): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    // This waiter gives up before listening; `p` may still fail (a shared request cancelled once
    // nobody waits), and that failure is no one's to report: never an unhandled rejection.
    p.catch(() => undefined);
    return Promise.reject(abortedBy(signal, 'read aborted', where));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedBy(signal, 'read aborted', where));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A signal that many requests in flight listen to at once (one per request: a read's own signal)
 * is not a leak; Node warns past 10 listeners on one EventTarget, so its limit is lifted there.
 * `process.getBuiltinModule` (Node ≥ 20.16) keeps bundlers from seeing a Node import.
 */
export function manyListeners(signal: AbortSignal): AbortSignal {
  type Events = { setMaxListeners?(n: number, ...targets: EventTarget[]): void };
  const proc = (globalThis as { process?: { getBuiltinModule?(id: string): Events | undefined } }).process;
  proc?.getBuiltinModule?.('node:events')?.setMaxListeners?.(0, signal);
  return signal;
}

/**
 * A signal of one query's own that follows the caller's (and its atlas's lifetime). A query hangs a
 * listener on its signal for every read it waits on (hundreds at once); they go on this one, not on
 * the caller's signal, which may outlive many queries. `release()` detaches it when the query ends.
 */
export function followSignal(...signals: (AbortSignal | undefined)[]): { signal: AbortSignal | undefined; release: () => void } {
  const given = signals.filter((s): s is AbortSignal => s !== undefined);
  if (!given.length) return { signal: undefined, release: () => undefined };
  const own = new AbortController();
  manyListeners(own.signal);
  const detach = given.map((s) => {
    const onAbort = () => own.abort(s.reason);
    if (s.aborted) onAbort();
    else s.addEventListener('abort', onAbort, { once: true });
    return () => s.removeEventListener('abort', onAbort);
  });
  return { signal: own.signal, release: () => detach.forEach((d) => d()) };
}
