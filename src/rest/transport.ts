// One HTTP exchange with LanceDB Cloud, with the official client's headers, retries and error mapping.
// fetch-based and free of node: imports so it runs in browsers, workers and Node alike.
//
// Headers on every request: the connection's defaults (x-api-key, x-lancedb-database with a
// hostOverride, x-lancedb-database-prefix, then the caller's extra headers), a fresh x-request-id
// (one per call, reused across its retries, as the official client does), and content-type:
// application/json on JSON bodies. No user-agent: browsers forbid setting it.
//
// Each attempt reads the whole body under the same abort/timeout as the request, so a body cut off by
// the network is retried like a connection error rather than surfacing as a decode error later.

import { AbortedError, HttpError, type RaggedAtlasError } from '../errors.js';
import { fetchFailureMessage } from '../io/fetch-failure.js';
import { nameTable, statusError, tableField, type Answer, type ErrorContext } from './errors.js';
import { backoffDelay, MAX_TIMER_MS, sleep, type RetryPolicy } from './retry.js';

export interface TransportOptions {
  /** Origin (plus optional path prefix) that `/v1/...` paths are appended to, without trailing `/`. */
  base: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
  retry: RetryPolicy;
  /** Per-attempt limit in ms, body included; 0 disables. */
  timeoutMs: number;
  /** Source of jitter; tests pin it. */
  random?: () => number;
}

export interface Call extends ErrorContext {
  method: 'GET' | 'POST';
  /** `/v1/table/...`, already percent-encoded. */
  path: string;
  /** Query parameters in order; undefined values are left out. */
  query?: [string, string | number | undefined][];
  /** A JSON body (sets content-type: application/json). Absent: no body and no content-type. */
  json?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

type Attempt = { answer: Answer } | { failure: RaggedAtlasError };

export class Transport {
  readonly #o: TransportOptions;

  constructor(options: TransportOptions) {
    this.#o = options;
  }

  get base(): string {
    return this.#o.base;
  }

  /** Sends `call` until it succeeds, fails for good, or runs out of retries. Resolves only on 2xx. */
  async send(call: Call): Promise<Answer> {
    const url = this.url(call);
    const requestId = newRequestId();
    // HTTP names are case-insensitive: one value per name (fetch would send two values joined).
    // Defaults, then the caller's extra headers, then the call's own; the request's content-type and
    // x-request-id last, as reqwest lets a request's headers win over the client's default ones.
    const merged = new Headers();
    for (const [k, v] of Object.entries({ ...this.#o.headers, ...call.headers })) merged.set(k, v);
    if (call.json !== undefined) merged.set('content-type', 'application/json');
    merged.set('x-request-id', requestId);
    const headers: Record<string, string> = Object.fromEntries(merged);
    const init: RequestInit = { method: call.method, headers, body: call.json };
    const { retry } = this.#o;
    for (let failures = 0; ; ) {
      const attempt = await this.#attempt(url, init, requestId, call.signal, call.table);
      let failure: RaggedAtlasError;
      if ('answer' in attempt) {
        const a = attempt.answer;
        if (a.status >= 200 && a.status < 300) return a;
        failure = statusError(a, call);
        if (!retry.statuses.has(a.status)) throw failure;
      } else {
        failure = attempt.failure;
      }
      failures++;
      if (failures > retry.retries) {
        if (retry.retries === 0) throw failure;
        throw new HttpError(`gave up after ${failures} attempts; last: ${failure.detail}`, {
          url,
          status: failure.fields.status as number | undefined,
          attempts: failures,
          requestId,
          ...tableField(call.table),
        }, { cause: failure });
      }
      await sleep(backoffDelay(retry, failures, this.#o.random), call.signal, url);
    }
  }

  url(call: Pick<Call, 'path' | 'query'>): string {
    const params = new URLSearchParams();
    for (const [k, v] of call.query ?? []) if (v !== undefined) params.append(k, String(v));
    const q = params.toString();
    return `${this.#o.base}${call.path}${q ? `?${q}` : ''}`;
  }

  /** One fetch plus body read. Aborts throw; network errors and timeouts come back as retryable failures. */
  async #attempt(url: string, init: RequestInit, requestId: string, signal: AbortSignal | undefined, table: string | undefined): Promise<Attempt> {
    if (signal?.aborted) throw aborted(url, signal);
    const ctrl = new AbortController();
    const onAbort = (): void => ctrl.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    // 0 and anything past a timer's range (Infinity included; setTimeout would fire at once) mean no limit.
    const limited = this.#o.timeoutMs > 0 && this.#o.timeoutMs <= MAX_TIMER_MS;
    const timer = limited ? setTimeout(() => ((timedOut = true), ctrl.abort()), this.#o.timeoutMs) : undefined;
    try {
      const res = await this.#o.fetch(url, { ...init, signal: ctrl.signal });
      const body = new Uint8Array(await res.arrayBuffer());
      return { answer: { url, status: res.status, statusText: res.statusText, headers: res.headers, body, requestId, ...tableField(table) } };
    } catch (err) {
      if (signal?.aborted) throw aborted(url, signal, err);
      const why = timedOut ? `no complete answer within ${this.#o.timeoutMs} ms` : fetchFailureMessage(err, url);
      return { failure: nameTable(new HttpError(why, { url, requestId }, { cause: err }), table) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

function aborted(url: string, signal: AbortSignal, cause?: unknown): AbortedError {
  return new AbortedError('request aborted', { where: url, reason: String(signal.reason ?? '') }, cause === undefined ? undefined : { cause });
}

/**
 * A v4 UUID for x-request-id. crypto.randomUUID exists only in secure contexts (https, localhost);
 * getRandomValues works everywhere, so plain-http pages still get ids.
 */
export function newRequestId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
