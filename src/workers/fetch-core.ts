// The worker side of fetch-pool.ts: one HTTP request, its body read whole and transferred back.
import { transfer } from 'comlink';

/** The worker side: one request, body read whole and transferred back. */
export async function workerSideFetch(url: string, init: WorkerFetchInit): Promise<WorkerFetchAnswer> {
  const res = await fetch(url, { method: init.method, headers: init.headers, cache: init.cache, body: init.body as BodyInit | undefined });
  const body = new Uint8Array(await res.arrayBuffer());
  const answer: WorkerFetchAnswer = { status: res.status, statusText: res.statusText, headers: [...res.headers.entries()], body };
  return transfer(answer, [body.buffer]);
}

export interface WorkerFetchAnswer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array;
}

export interface WorkerFetchInit {
  method: string;
  headers: [string, string][];
  cache?: RequestCache;
  body?: string | Uint8Array;
}
