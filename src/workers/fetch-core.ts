// The worker side of fetch-pool.ts: one HTTP request, its body read whole and transferred back.
import { transfer } from 'comlink';
import type { RequestPriority } from '../io/types.js';

/** Requests of this worker that can be cancelled, by the id the calling thread gave them. */
const running = new Map<number, AbortController>();

/** The worker side: one request, body read whole and transferred back. */
export async function workerSideFetch(url: string, init: WorkerFetchInit): Promise<WorkerFetchAnswer> {
  const cancel = new AbortController();
  if (init.id !== undefined) running.set(init.id, cancel);
  try {
    const res = await fetch(url, { method: init.method, headers: init.headers, cache: init.cache, body: init.body as BodyInit | undefined, signal: cancel.signal, ...(init.priority ? { priority: init.priority } : {}) });
    const body = await readBody(res);
    const answer: WorkerFetchAnswer = { status: res.status, statusText: res.statusText, headers: [...res.headers.entries()], body };
    return transfer(answer, [body.buffer]);
  } finally {
    if (init.id !== undefined) running.delete(init.id);
  }
}

/**
 * Cancels a request of this worker (its caller gave up): the browser drops it from its connection
 * queue or closes its connection, so it stops holding one of HTTP/1.1's six per host.
 */
export function cancelWorkerFetch(id: number): void {
  running.get(id)?.abort();
}

/**
 * The whole body. With a Content-Length and no content coding, it is read straight into a buffer
 * of that size through a BYOB reader (one copy out of the network pipe; arrayBuffer() gathers
 * chunks and copies them again); otherwise, or where BYOB reads are not supported, arrayBuffer().
 * A body shorter than announced comes back as received, for the caller's checks (Content-Length
 * framing ends the body at the announced size, so it is never longer).
 */
async function readBody(res: Response): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  const coded = (res.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
  let reader: ReadableStreamBYOBReader | undefined;
  if (res.body && !coded && Number.isSafeInteger(declared) && declared > 0) {
    try {
      reader = res.body.getReader({ mode: 'byob' });
    } catch {
      reader = undefined; // not a byte stream here
    }
  }
  if (!reader) return new Uint8Array(await res.arrayBuffer());
  let buf = new ArrayBuffer(declared);
  let at = 0;
  while (at < declared) {
    const { value, done } = await reader.read(new Uint8Array(buf, at, declared - at));
    if (done || !value) {
      if (value) buf = value.buffer as ArrayBuffer;
      return new Uint8Array(buf, 0, at); // shorter than announced
    }
    buf = value.buffer as ArrayBuffer;
    at += value.byteLength;
  }
  reader.releaseLock();
  return new Uint8Array(buf);
}

export interface WorkerFetchAnswer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array;
}

export interface WorkerFetchInit {
  /** Names the request for cancelWorkerFetch. */
  id?: number;
  method: string;
  headers: [string, string][];
  cache?: RequestCache;
  body?: string | Uint8Array;
  priority?: RequestPriority;
}
