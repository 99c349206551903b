// createWorkerFetch: requests sent from worker threads (Node worker_threads here; Chromium runs the
// same path in every browser test through RaggedAtlas's default) answer like fetch, against a real
// HTTP server with Range support; HttpStore on top of it reads the same bytes.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveFiles } from '../../helpers/served-files.js';
import { AbortedError, NotFoundError, WorkerError } from '../../../src/errors.js';
import { HttpStore } from '../../../src/io/http.js';
import { createWorkerFetch, type WorkerFetch } from '../../../src/workers/fetch-pool.js';
import { workerSideFetch } from '../../../src/workers/fetch-core.js';

let srv: Awaited<ReturnType<typeof serveFiles>>;
let slow: Awaited<ReturnType<typeof serveFiles>>;
let wf: WorkerFetch;
const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 255);

beforeAll(async () => {
  srv = await serveFiles('fetch-pool-', { 'blob.bin': bytes });
  slow = await serveFiles('fetch-pool-slow-', { 'blob.bin': bytes }, { latencyMs: 2000 });
  wf = createWorkerFetch({ workers: 2 });
});

afterAll(async () => {
  wf.close();
  await srv.close();
  await slow.close();
});

describe('createWorkerFetch', () => {
  it('answers range GETs, HEADs and 404s like fetch, with headers and transferred bodies', async () => {
    const r = await wf(`${srv.url}/blob.bin`, { headers: { Range: 'bytes=10-19' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes 10-19/${bytes.length}`);
    expect(r.headers.get('etag')).toBeTruthy();
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(bytes.subarray(10, 20));
    const h = await wf(`${srv.url}/blob.bin`, { method: 'HEAD' });
    expect(h.status).toBe(200);
    expect(h.headers.get('content-length')).toBe(String(bytes.length));
    expect((await h.arrayBuffer()).byteLength).toBe(0);
    expect((await wf(`${srv.url}/missing.bin`)).status).toBe(404);
    // Many at once over two workers: every answer is its own range.
    const got = await Promise.all(Array.from({ length: 20 }, (_, i) => wf(`${srv.url}/blob.bin`, { headers: { Range: `bytes=${i * 1000}-${i * 1000 + 999}` } }).then((x) => x.arrayBuffer())));
    got.forEach((b, i) => expect(new Uint8Array(b)).toEqual(bytes.subarray(i * 1000, i * 1000 + 1000)));
  });

  it('answers hand over the transferred body without copies; the body stream and text() read it too', async () => {
    const r = await wf(`${srv.url}/blob.bin`, { headers: { Range: 'bytes=0-99999' } });
    const a = await r.arrayBuffer();
    expect(new Uint8Array(a)).toEqual(bytes);
    await expect(r.arrayBuffer()).rejects.toThrow(/already read/); // one buffer, handed out once
    const s = await wf(`${srv.url}/blob.bin`, { headers: { Range: 'bytes=0-9' } });
    expect(new Uint8Array(await new Response(s.body).arrayBuffer())).toEqual(bytes.subarray(0, 10));
    await expect(s.arrayBuffer()).rejects.toThrow();
    const t = await wf(`${srv.url}/blob.bin`, { headers: { Range: 'bytes=0-2' } });
    expect(await t.text()).toBe(new TextDecoder().decode(bytes.subarray(0, 3)));
  });

  it('the worker side hands the request priority to fetch', async () => {
    const seen: (RequestInit | undefined)[] = [];
    const real = globalThis.fetch;
    globalThis.fetch = ((u: RequestInfo | URL, i?: RequestInit) => (seen.push(i), real(u, i))) as typeof fetch;
    try {
      const a = await workerSideFetch(`${srv.url}/blob.bin`, { method: 'GET', headers: [['Range', 'bytes=0-9']], priority: 'low' });
      expect(a.body).toEqual(bytes.subarray(0, 10));
      await workerSideFetch(`${srv.url}/blob.bin`, { method: 'GET', headers: [['Range', 'bytes=0-9']] });
    } finally {
      globalThis.fetch = real;
    }
    expect(seen.map((i) => i?.priority)).toEqual(['low', undefined]);
  });

  it('HttpStore over it reads the same bytes and keeps its typed errors', async () => {
    const store = new HttpStore(srv.url, { fetch: wf });
    expect(await store.getRange('blob.bin', { offset: 5000, length: 4096 })).toEqual(bytes.subarray(5000, 9096));
    expect(await store.size('blob.bin')).toBe(bytes.length);
    await expect(store.getRange('missing.bin', { offset: 0, length: 4 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('an aborted request rejects with AbortedError promptly; the pool keeps serving', async () => {
    const store = new HttpStore(slow.url, { fetch: wf, retries: 0 });
    const ac = new AbortController();
    const t0 = performance.now();
    const p = store.getRange('blob.bin', { offset: 0, length: 10 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await expect(p).rejects.toBeInstanceOf(AbortedError);
    expect(performance.now() - t0).toBeLessThan(1500);
    const r = await wf(`${srv.url}/blob.bin`, { headers: { Range: 'bytes=0-3' } });
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(bytes.subarray(0, 4));
  });

  it('a timeout is a timeout, as without workers: not an abort with a CORS hint', async () => {
    for (const fetch of [wf, undefined]) {
      const store = new HttpStore(slow.url, { fetch, retries: 0, timeoutMs: 200 });
      const err = await store.getRange('blob.bin', { offset: 0, length: 10 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ _tag: 'Http', message: expect.stringContaining("(no answer within the store's timeoutMs)") });
      expect((err as Error).message).not.toMatch(/request aborted|CORS/);
    }
  });

  it('an abort cancels the request inside its worker: the host sees it dropped, and the worker\'s other requests are not sent again', async () => {
    const hits: Record<string, number> = {};
    let dropped = false;
    const server = createServer((req, res) => {
      hits[req.url!] = (hits[req.url!] ?? 0) + 1;
      if (req.url === '/hang') return void req.on('close', () => (dropped = !res.writableEnded)); // never answers
      setTimeout(() => res.writeHead(200, { 'content-length': 2 }).end('ok'), 500);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    const one = createWorkerFetch({ workers: 1 }); // both requests in the same worker
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const other = one(`${base}/slow`).then((r) => r.text());
      const ac = new AbortController();
      const hung = one(`${base}/hang`, { signal: ac.signal });
      for (let i = 0; i < 250 && !hits['/hang']; i++) await new Promise((r) => setTimeout(r, 20)); // in flight at the host
      ac.abort();
      await expect(hung).rejects.toBeInstanceOf(AbortedError);
      expect(await other).toBe('ok');
      expect(hits).toEqual({ '/slow': 1, '/hang': 1 }); // the worker lived on: nothing re-sent
      for (let i = 0; i < 50 && !dropped; i++) await new Promise((r) => setTimeout(r, 20));
      expect(dropped).toBe(true);
    } finally {
      one.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it('workers that cannot start: a WorkerError naming the script, through HttpStore too, without retries', async () => {
    const workerUrl = new URL('../../helpers/no-such-worker.ts', import.meta.url);
    const broken = createWorkerFetch({ workers: 1, workerUrl });
    try {
      const direct = await broken(`${srv.url}/blob.bin`).catch((e) => e);
      expect(direct).toBeInstanceOf(WorkerError);
      expect(direct.where).toBe(workerUrl.href);
      let calls = 0;
      const counted = ((u: string, init?: RequestInit) => (calls++, broken(u, init))) as typeof fetch;
      const store = new HttpStore(srv.url, { fetch: counted, retries: 3 });
      const viaStore = await store.getRange('blob.bin', { offset: 0, length: 4 }).catch((e) => e);
      expect(viaStore).toBeInstanceOf(WorkerError);
      expect(calls).toBe(1); // not retried: no worker will start on a second try either
    } finally {
      broken.close();
    }
  });

  it('refuses inputs it cannot send (Request objects, stream bodies)', async () => {
    await expect(wf(new Request(`${srv.url}/blob.bin`))).rejects.toThrow(/URL/);
    await expect(wf(`${srv.url}/blob.bin`, { method: 'POST', body: new ReadableStream(), duplex: 'half' } as RequestInit)).rejects.toThrow(/string or byte bodies/);
  });
});
