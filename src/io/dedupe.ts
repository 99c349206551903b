// Identical reads in flight at the same time share one request. Several layout lookups of one
// query, for instance, ask for the same Lance index pages concurrently; without this each would
// cost its own round trip. A waiter's AbortSignal only stops that waiter: the shared request goes on
// for the others (a failure of the request itself reaches every waiter). Once every waiter has
// given up, the request is cancelled: an explorer's aborted query must not keep its ranges queued
// on the browser's six connections ahead of the next query's (bench:query scenario: the next
// 10-gene query took 600 instead of 430 ms while an aborted one's requests ran on). A waiter that
// came without a signal (a shared cache load) keeps the request alive.
import { untilAborted } from './abortable.js';
import { disown } from './owned.js';
import type { ByteRange, ByteStore, ReadOptions } from './types.js';

interface Shared {
  p: Promise<unknown>;
  /** Cancels the request (passed to the inner store as its signal). */
  cancel: AbortController;
  waiters: number;
  /** Waiters still waiting that can give up (they came with a signal). */
  abortable: number;
  /** A waiter without a signal came: it waits to the end, so the request is never cancelled. */
  kept: boolean;
}

export function withInflightDedupe(inner: ByteStore): ByteStore {
  const inflight = new Map<string, Shared>();

  /** Sends the request for `id` (keeping the first caller's priority and known size, no caller's signal). */
  const begin = (id: string, load: (o: ReadOptions) => Promise<unknown>, opts?: ReadOptions): Shared => {
    const cancel = new AbortController();
    const entry: Shared = { p: Promise.resolve(), cancel, waiters: 0, abortable: 0, kept: false };
    // The entry goes, and the answer is disowned when it went to several waiters (owned.ts), in
    // one step: nobody can join between the check and the answer reaching the waiters.
    const settle = () => {
      if (inflight.get(id) === entry) inflight.delete(id);
      return entry.waiters;
    };
    entry.p = load({ ...(opts?.priority ? { priority: opts.priority } : {}), ...(opts?.size !== undefined ? { size: opts.size } : {}), signal: cancel.signal }).then(
      (v) => {
        if (settle() > 1) disown(v instanceof Uint8Array ? v : (v as { bytes?: unknown } | undefined)?.bytes);
        return v;
      },
      (err: unknown) => {
        settle();
        throw err;
      },
    );
    inflight.set(id, entry);
    return entry;
  };

  const shared = <T>(id: string, load: (o: ReadOptions) => Promise<T>, opts?: ReadOptions): Promise<T> => {
    const entry = inflight.get(id) ?? begin(id, load, opts);
    entry.waiters++;
    const signal = opts?.signal;
    if (!signal) {
      entry.kept = true;
      return entry.p as Promise<T>;
    }
    entry.abortable++;
    return untilAborted(entry.p as Promise<T>, signal).catch((err: unknown) => {
      if (signal.aborted && --entry.abortable === 0 && !entry.kept) {
        // Nobody waits any more: cancel, and let a later identical read start afresh rather than join this one.
        if (inflight.get(id) === entry) inflight.delete(id);
        entry.cancel.abort();
      }
      throw err;
    });
  };

  return {
    url: inner.url,
    get: (key: string, opts?: ReadOptions) => shared(`g|${key}`, (o) => inner.get(key, o), opts),
    getRange: (key: string, range: ByteRange, opts?: ReadOptions) => shared(`r|${key}|${range.offset}|${range.length}`, (o) => inner.getRange(key, range, o), opts),
    size: (key: string, opts?: ReadOptions) => shared(`s|${key}`, (o) => inner.size(key, o), opts),
    ...(inner.getTail ? { getTail: (key: string, length: number, opts?: ReadOptions) => shared(`t|${key}|${length}`, (o) => inner.getTail!(key, length, o), opts) } : {}),
    ...(inner.list ? { list: inner.list.bind(inner) } : {}),
  };
}
