// Identical reads in flight at the same time share one request. Several layout lookups of one
// query, for instance, ask for the same Lance index pages concurrently; without this each would
// cost its own round trip. A waiter's AbortSignal only stops that waiter: the shared request goes on
// for the others (a failure of the request itself reaches every waiter).
import { untilAborted } from './abortable.js';
import { disown } from './owned.js';
import type { ByteRange, ByteStore, ReadOptions } from './types.js';

export function withInflightDedupe(inner: ByteStore): ByteStore {
  const inflight = new Map<string, Promise<unknown>>();
  const waiters = new Map<string, number>();
  const shared = <T>(id: string, load: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    let p = inflight.get(id) as Promise<T> | undefined;
    if (!p) {
      // The entry goes, and the answer is disowned when it went to several waiters (owned.ts), in
      // one step: nobody can join between the check and the answer reaching the waiters.
      const settle = () => {
        const n = waiters.get(id) ?? 1;
        inflight.delete(id);
        waiters.delete(id);
        return n;
      };
      p = load().then(
        (v) => {
          if (settle() > 1) disown(v instanceof Uint8Array ? v : (v as { bytes?: unknown } | undefined)?.bytes);
          return v;
        },
        (err: unknown) => {
          settle();
          throw err;
        },
      );
      inflight.set(id, p);
      waiters.set(id, 1);
    } else waiters.set(id, (waiters.get(id) ?? 1) + 1);
    return signal ? untilAborted(p, signal) : p;
  };
  return {
    url: inner.url,
    get: (key: string, opts?: ReadOptions) => shared(`g|${key}`, () => inner.get(key, priorityOnly(opts)), opts?.signal),
    getRange: (key: string, range: ByteRange, opts?: ReadOptions) =>
      shared(`r|${key}|${range.offset}|${range.length}`, () => inner.getRange(key, range, priorityOnly(opts)), opts?.signal),
    size: (key: string, opts?: ReadOptions) => shared(`s|${key}`, () => inner.size(key), opts?.signal),
    ...(inner.getTail ? { getTail: (key: string, length: number, opts?: ReadOptions) => shared(`t|${key}|${length}`, () => inner.getTail!(key, length), opts?.signal) } : {}),
    ...(inner.list ? { list: inner.list.bind(inner) } : {}),
  };
}

/** A shared read carries no caller's signal (one waiter's abort must not fail the others); the first caller's priority it keeps. */
function priorityOnly(opts: ReadOptions | undefined): ReadOptions | undefined {
  return opts?.priority ? { priority: opts.priority } : undefined;
}
