// When and how long to wait before re-sending a failed LanceDB Cloud request.
//
// Same schedule as the official client (rust/lancedb/src/remote/retry.rs): after the n-th failure
// (n ≥ 1) wait `backoff · 2^n + uniform(0, jitter)`, i.e. 0.5 s, 1 s, 2 s … plus up to 0.25 s, and
// retry only statuses 409, 429, 500, 502, 503, 504 (plus network errors and timeouts). Every request
// this client sends is a read, so 5xx is safe to repeat.
//
// Counting differs on purpose: our `retries` is the number of *re*-sends (total attempts =
// retries + 1), the usual meaning. The official `retries: 3` gives 3 attempts in total, and
// `retries: 0` and `1` both give one; our default of 2 gives the same 3 attempts.

import { abortedBy, QueryError } from '../errors.js';

export interface RetryOptions {
  /** Re-sends after the first attempt. Default 2 (three attempts, like the official client's default). */
  retries?: number;
  /** Backoff unit in ms; the wait after the n-th failure is backoffMs · 2^n. Default 250. */
  backoffMs?: number;
  /** Up to this many ms of random jitter are added to each wait. Default 250. */
  jitterMs?: number;
  /** Statuses worth retrying. Default 409, 429, 500, 502, 503, 504. */
  statuses?: readonly number[];
}

export interface RetryPolicy {
  retries: number;
  backoffMs: number;
  jitterMs: number;
  statuses: ReadonlySet<number>;
}

export const DEFAULT_RETRY_STATUSES = [409, 429, 500, 502, 503, 504] as const;

export function resolveRetry(options: number | RetryOptions | undefined): RetryPolicy {
  const o = typeof options === 'number' ? { retries: options } : (options ?? {});
  const count = (v: number | undefined, d: number, name: string): number => {
    const n = v ?? d;
    if (!Number.isFinite(n) || n < 0) throw new QueryError(`retry option ${name} must be a non-negative number, got ${n}`);
    return n;
  };
  return {
    retries: Math.floor(count(o.retries, 2, 'retries')),
    backoffMs: count(o.backoffMs, 250, 'backoffMs'),
    jitterMs: count(o.jitterMs, 250, 'jitterMs'),
    statuses: new Set(o.statuses ?? DEFAULT_RETRY_STATUSES),
  };
}

/** Milliseconds to wait after the `failures`-th failed attempt (failures ≥ 1). */
export function backoffDelay(policy: RetryPolicy, failures: number, random: () => number = Math.random): number {
  return policy.backoffMs * 2 ** failures + random() * policy.jitterMs;
}

/** setTimeout as a promise that rejects with AbortedError as soon as `signal` fires. */
/** The longest delay setTimeout keeps (2^31 − 1 ms, ~24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function sleep(ms: number, signal?: AbortSignal, where?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedBy(signal, 'request aborted', where));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedBy(signal, 'request aborted', where));
    };
    // Past a timer's range setTimeout fires at once: a long backoff must not become a hammering loop.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(ms, MAX_TIMER_MS));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
