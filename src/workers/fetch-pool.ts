// A `fetch` whose requests run in worker threads (browsers).
//
// Why: in Chromium, concurrent fetches issued from one JS thread did not add up here — six 4 MiB
// range GETs in flight from the page moved ~25 MB/s, one at a time ~35 MB/s (each response capped
// at 50 MB/s), while the same six spread over six workers moved ~110 MB/s (bench/query README,
// "fetch ceiling"). Streaming reads are bound by exactly that, so the atlas store hands its HTTP
// requests to a few small workers by default. Only the transport moves: HttpStore keeps retries,
// validation, ETags and errors on the calling thread, and answers come back as real Responses
// whose bodies were transferred, not copied.
//
// The workers are the decode worker script (one protocol, one file for bundlers); this pool never
// calls their `init`, so they load no wasm.
import { AbortedError, isRaggedAtlasError } from '../errors.js';
import { WorkerPool } from './pool.js';
import { defaultDecodeWorkerUrl } from './decode-pool.js';
import type { DecodeApi } from './protocol.js';

import type { WorkerFetchAnswer } from './fetch-core.js';
export type { WorkerFetchAnswer } from './fetch-core.js';

/** Requests each fetch worker keeps in flight by default (see WorkerFetchOptions.perWorker). */
export const DEFAULT_PER_WORKER = 8;

export interface WorkerFetchOptions {
  /** Worker threads that issue requests. Default 4. */
  workers?: number;
  /**
   * Requests in flight per worker. Default 8: 32 in all, more than HTTP/1.1's six connections per
   * host, so the browser always has the next request queued when a connection frees, even while
   * answers wait for a busy calling thread (bench:query, 10-gene query: 2 → 1.25 s, 4 → 1.13 s,
   * 8 → 1.04 s; streaming the same within noise), and HTTP/2 hosts get many requests at once.
   */
  perWorker?: number;
  /** Worker script URL (the decode worker entry; see DecodePoolOptions.workerUrl). */
  workerUrl?: URL;
}

/** A fetch-compatible function (string/URL input; method, headers, string/byte body, cache, signal honoured) plus close(). */
export type WorkerFetch = typeof fetch & { close(): void };

export function createWorkerFetch(opts: WorkerFetchOptions = {}): WorkerFetch {
  const pool = new WorkerPool<DecodeApi>(opts.workerUrl ?? defaultDecodeWorkerUrl(), { size: opts.workers ?? 4, perWorker: opts.perWorker ?? DEFAULT_PER_WORKER });
  let nextId = 0;
  const f = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('worker fetch takes a URL, not a Request');
    const headers: [string, string][] = [...new Headers(init.headers).entries()];
    const signal = init.signal ?? undefined;
    const body = init.body ?? undefined;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof ArrayBuffer) && !ArrayBuffer.isView(body)) {
      throw new TypeError('worker fetch sends string or byte bodies only');
    }
    const sent = body === undefined || typeof body === 'string' ? body : new Uint8Array(ArrayBuffer.isView(body) ? body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) : body.slice(0));
    const id = nextId++;
    const res = await pool
      .run((api) => api.fetch(String(input), { id, method: init.method ?? 'GET', headers, cache: init.cache, body: sent, ...(init.priority ? { priority: init.priority } : {}) }), {
        signal,
        // An abort cancels the request inside its worker; the worker's other requests go on.
        cancel: (api) => api.cancelFetch(id),
      })
      .catch((err) => {
        // A timeout (AbortSignal.timeout inside the store's signal) is the signal's reason, as fetch
        // itself rejects with it: the store then names it a timeout, not an abort or a CORS failure.
        if (signal?.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError') throw signal.reason;
        if (signal?.aborted) throw new AbortedError('request aborted', { where: String(input) }, { cause: err });
        // The transport itself broke (no worker could start): not a network failure to retry.
        if (isRaggedAtlasError(err, 'Worker')) throw err;
        throw new TypeError(`fetch failed: ${(err as Error).message ?? err}`, { cause: err });
      });
    const empty = res.status === 204 || res.status === 205 || res.status === 304 || (init.method ?? 'GET').toUpperCase() === 'HEAD';
    return empty ? new Response(null, { status: res.status, statusText: res.statusText, headers: res.headers }) : answerOf(res);
  };
  return Object.assign(f as typeof fetch, { close: () => pool.close() });
}

/**
 * A Response over the transferred body that copies nothing: `new Response(bytes)` copies them, and
 * reading that back with arrayBuffer() copies again — for a streaming read, two passes over every
 * byte on the calling thread (~1.4 s of main-thread CPU for 400 MB in Chromium here). The body
 * stream hands out the same bytes, and arrayBuffer() (what HttpStore reads) returns the buffer the
 * worker transferred. The worker makes that buffer for this answer alone, so nothing else holds it.
 */
function answerOf(res: WorkerFetchAnswer): Response {
  const body = res.body;
  let taken = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        taken = true;
        if (body.byteLength) c.enqueue(body);
        c.close();
      },
    },
    { highWaterMark: 0 }, // pulled only when someone reads, not when the Response is made
  );
  const out = new Response(stream, { status: res.status, statusText: res.statusText, headers: res.headers });
  Object.defineProperty(out, 'arrayBuffer', {
    configurable: true, // wrappers (instrumentation) may replace it in turn
    writable: true,
    value: async (): Promise<ArrayBuffer> => {
      if (taken || out.bodyUsed) throw new TypeError('body already read');
      taken = true;
      const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
      return (whole ? body.buffer : body.slice().buffer) as ArrayBuffer;
    },
  });
  return out;
}
