import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HttpStore } from '../../../src/io/http.js';
import { readRanges, coalesceRanges } from '../../../src/io/ranges.js';
import { withStats } from '../../../src/io/stats.js';
import { withCache, MemoryCache } from '../../../src/io/cache.js';
import { withVersionPin } from '../../../src/io/version-pin.js';
import { withInflightDedupe } from '../../../src/io/dedupe.js';
import { selfSignedCert, serveDirectory, type RunningServer } from '../../../src/companion/serve.js';
import { isRaggedAtlasError } from '../../../src/errors.js';

// File bytes are (i * 7) & 0xff so every slice can be checked by value.
const N = 200_000;
const bytes = Uint8Array.from({ length: N }, (_, i) => (i * 7) & 0xff);
const expectSlice = (got: Uint8Array, offset: number) => {
  for (let i = 0; i < got.length; i++) if (got[i] !== bytes[offset + i]) throw new Error(`byte ${offset + i} differs`);
};

let dir: string;
let good: RunningServer;
let bad: { url: string; close(): void; mode: string; hits: number };
const log: { method: string; path: string; range?: string; status: number }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'http-store-'));
  writeFileSync(join(dir, 'data.bin'), bytes);
  good = await serveDirectory(dir, { onRequest: (e) => log.push(e) });
  // A server that misbehaves in the way named by `bad.mode`.
  const state = { mode: 'ignore-range', hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    const [a, b] = range ? [Number(range[1]), Number(range[2])] : [0, N - 1];
    switch (state.mode) {
      case 'ignore-range':
        res.writeHead(200, { 'Content-Length': N });
        return res.end(bytes);
      case 'ignore-range-drop-first':
        // Ignores Range, and the first answer's connection drops halfway through the body.
        res.writeHead(200, { 'Content-Length': N });
        if (state.hits > 1) return res.end(bytes);
        res.write(bytes.subarray(0, N / 2));
        return void setTimeout(() => res.destroy(), 20);
      case 'short':
        res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${N}` });
        return res.end(bytes.subarray(a, b)); // one byte short
      case 'wrong-range':
        res.writeHead(206, { 'Content-Range': `bytes ${a + 1}-${b + 1}/${N}` });
        return res.end(bytes.subarray(a + 1, b + 2));
      case 'gzip':
        res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${N}`, 'Content-Encoding': 'br' });
        return res.end(bytes.subarray(a, b + 1));
      case 'flaky':
        if (state.hits % 2 === 1) {
          res.writeHead(503);
          return res.end('busy');
        }
        res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${N}` });
        return res.end(bytes.subarray(a, b + 1));
      case 'suffix-as-prefix': {
        // Reads `bytes=-N` as `bytes=0-N` (as Vite's static server does); explicit ranges are right.
        const suffix = /bytes=-(\d+)/.exec(req.headers.range ?? '');
        const [from, to] = suffix ? [0, Number(suffix[1])] : [a, b];
        if (req.method === 'HEAD') {
          res.writeHead(200, { 'Content-Length': N });
          return res.end();
        }
        res.writeHead(206, { 'Content-Range': `bytes ${from}-${to}/${N}` });
        return res.end(bytes.subarray(from, to + 1));
      }
      case 'forbidden':
        // S3 for a missing key when the reader may not list the bucket.
        res.writeHead(403, { 'Content-Type': 'application/xml' });
        return res.end(req.method === 'HEAD' ? undefined : '<Error><Code>AccessDenied</Code></Error>');
      case 'head-forbidden':
      case 'head-zero':
        // HEAD refused (a signature made for GET) or claiming an empty file; GET ranges are right.
        if (req.method === 'HEAD') {
          res.writeHead(state.mode === 'head-zero' ? 200 : 403, { 'Content-Length': 0 });
          return res.end();
        }
        res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${N}` });
        return res.end(bytes.subarray(a, b + 1));
      case 'head-fails':
        // HEAD answered with no readable response (a CORS rule allowing GET only, as the page sees it)
        if (req.method === 'HEAD') return req.socket.destroy();
        res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${N}` });
        return res.end(bytes.subarray(a, b + 1));
      case 'head-405-hidden-range':
        // HEAD not allowed and Content-Range unreadable (a browser hides headers a cross-origin host
        // does not expose: S3's and GCS's default CORS rules expose none)
        if (req.method === 'HEAD') return res.writeHead(405).end();
        res.writeHead(206);
        return res.end(bytes.subarray(a, b + 1));
      case 'empty-200-once':
        // One bad answer (an empty 200) among right ones.
        if (state.hits === 1) {
          res.writeHead(200, { 'Content-Length': 0 });
          return res.end();
        }
        res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${N}` });
        return res.end(bytes.subarray(a, b + 1));
      case 'html-once':
      case 'html-always':
        // An SPA host's page for a missing path (200, text/html), on the first answer or on all of them.
        if (state.mode === 'html-always' || state.hits === 1) {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ETag: '"spa-index"' });
          return res.end(req.method === 'HEAD' ? undefined : '\n  <!doctype html><html><body><div id="app"></div></body></html>');
        }
        if (req.method === 'HEAD') {
          res.writeHead(200, { 'Content-Length': N, ETag: '"v1"' });
          return res.end();
        }
        if (!range && !/bytes=-/.test(req.headers.range ?? '')) {
          res.writeHead(200, { 'Content-Length': N, ETag: '"v1"' });
          return res.end(bytes);
        }
        if (!range) {
          const n = Number(/bytes=-(\d+)/.exec(req.headers.range!)![1]);
          res.writeHead(206, { 'Content-Range': `bytes ${N - n}-${N - 1}/${N}`, ETag: '"v1"' });
          return res.end(bytes.subarray(N - n));
        }
        res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${N}`, ETag: '"v1"' });
        return res.end(bytes.subarray(a, b + 1));
      case 'wrong-whole-once':
        // Ignores Range; the first answer is another file's whole body (a host error page sent as bytes).
        res.writeHead(200, { 'Content-Length': state.hits === 1 ? 1000 : N });
        return res.end(state.hits === 1 ? new Uint8Array(1000) : bytes);
      case 'etag-flip':
        // The file is rewritten after the second answer.
        res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${N}`, ETag: state.hits <= 2 ? '"v1"' : '"v2"' });
        return res.end(bytes.subarray(a, b + 1));
      case 'hang':
        return; // never answers
      default:
        res.writeHead(500);
        res.end('down');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  bad = Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
});
afterAll(async () => {
  await good?.close();
  bad?.close();
});

test('exact ranges, sizes and whole files from a Range server', async () => {
  const s = new HttpStore(good.url);
  expectSlice(await s.getRange('data.bin', { offset: 12345, length: 1000 }), 12345);
  expect(await s.size('data.bin')).toBe(N);
  expect((await s.get('data.bin'))!.length).toBe(N);
  expect(await s.get('missing.bin')).toBeUndefined();
  expect(await s.size('missing.bin')).toBeUndefined();
  await expect(s.getRange('missing.bin', { offset: 0, length: 1 })).rejects.toMatchObject({ _tag: 'NotFound' });
  await expect(s.getRange('data.bin', { offset: N + 5, length: 10 })).rejects.toMatchObject({ _tag: 'Http', fields: { status: 416 } });
  // getRange sends explicit `bytes=a-b` ranges only (a suffix range would cost a CORS preflight).
  expect(log.every((e) => !e.range || /^bytes=\d+-\d+$/.test(e.range))).toBe(true);
});

test('getTail: the last bytes and the size in one suffix-range request where no CORS applies', async () => {
  writeFileSync(join(dir, 'empty.bin'), new Uint8Array(0));
  const s = new HttpStore(good.url);
  log.length = 0;
  const t = (await s.getTail('data.bin', 68))!;
  expect(t.size).toBe(N);
  expectSlice(t.bytes, N - 68);
  expect(log.map((e) => `${e.method} ${e.range}`)).toEqual(['GET bytes=-68']);
  expect(await s.size('data.bin')).toBe(N); // learned from Content-Range: no HEAD
  expectSlice((await s.getTail('data.bin', 100))!.bytes, N - 100); // size known: an explicit range
  expect(log.map((e) => e.range)).toEqual(['bytes=-68', `bytes=${N - 100}-${N - 1}`]);
  // Longer than the object: all of it. Missing: undefined. Empty: nothing, size 0.
  const all = (await new HttpStore(good.url).getTail('data.bin', 2 * N))!;
  expect([all.size, all.bytes.length]).toEqual([N, N]);
  expect(await s.getTail('missing.bin', 68)).toBeUndefined();
  expect(await new HttpStore(good.url).getTail('empty.bin', 68)).toEqual({ bytes: new Uint8Array(0), size: 0 });
});

test('getTail: where a suffix range is not allowed, or answered wrongly, the tail comes by size', async () => {
  // suffixRanges 'never', and 'auto' in a page of another origin: HEAD + explicit range.
  const origins = [undefined, { origin: 'https://explorer.example.org' }, { origin: new URL(good.url).origin }];
  const sent: string[][] = [];
  for (const [i, location] of origins.entries()) {
    const g = globalThis as { location?: unknown };
    const before = g.location;
    g.location = location;
    try {
      log.length = 0;
      const t = (await new HttpStore(good.url, i === 0 ? { suffixRanges: 'never' } : {}).getTail('data.bin', 68))!;
      expectSlice(t.bytes, N - 68);
      sent.push(log.map((e) => `${e.method} ${e.range ?? ''}`));
    } finally {
      g.location = before;
    }
  }
  expect(sent).toEqual([['HEAD ', `GET bytes=${N - 68}-${N - 1}`], ['HEAD ', `GET bytes=${N - 68}-${N - 1}`], ['GET bytes=-68']]);

  // A server that answers the suffix with the first bytes (SIMULATED misbehaviour, a local server):
  // the Content-Range gives it away, the right bytes come by explicit range, and later tails skip it.
  bad.mode = 'suffix-as-prefix';
  bad.hits = 0;
  const s = new HttpStore(bad.url);
  const t = (await s.getTail('data.bin', 68))!;
  expect(t.size).toBe(N);
  expectSlice(t.bytes, N - 68);
  expect(bad.hits).toBe(2); // the suffix answer, then the explicit range (the size came with the first)
  expectSlice((await s.getTail('other.bin', 68))!.bytes, N - 68);
  expect(bad.hits).toBe(4); // HEAD + range: no second suffix try

  // A server that ignores Range: the whole body, once; its tail and every later range come from it.
  bad.mode = 'ignore-range';
  bad.hits = 0;
  const w = new HttpStore(bad.url);
  expectSlice((await w.getTail('data.bin', 68))!.bytes, N - 68);
  expectSlice(await w.getRange('data.bin', { offset: 5, length: 10 }), 5);
  expect(bad.hits).toBe(1);
});

test('getTail through the wrappers: counted once, shared while in flight, cached, under a prefix', async () => {
  const { withInflightDedupe } = await import('../../../src/io/dedupe.js');
  const { withPrefix } = await import('../../../src/io/prefix.js');
  const counted = withStats(new HttpStore(good.url));
  const cache = new MemoryCache();
  const store = withInflightDedupe(withCache(counted, { cache, cacheable: () => true }));
  log.length = 0;
  const [a, b] = await Promise.all([store.getTail!('data.bin', 68), store.getTail!('data.bin', 68)]);
  expect(a).toEqual(b);
  expect(a!.size).toBe(N);
  expectSlice(a!.bytes, N - 68);
  expect(counted.stats.requests).toBe(1);
  // A new session over the same cache: the tail (bytes and size) comes from it after one ETag check.
  const again = withCache(withStats(new HttpStore(good.url)), { cache, cacheable: () => true });
  log.length = 0;
  const c = (await again.getTail!('data.bin', 68))!;
  expect([c.size, c.bytes.length]).toEqual([N, 68]);
  expectSlice(c.bytes, N - 68);
  expect(log.map((e) => e.range)).toEqual(['bytes=0-0']); // the session's ETag check, no tail request
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'sub', 'data.bin'), bytes);
  log.length = 0;
  const tail = (await withPrefix(new HttpStore(good.url), 'sub').getTail!('data.bin', 4))!;
  expect(tail.size).toBe(N);
  expectSlice(tail.bytes, N - 4);
  expect(log.map((e) => `${e.path} ${e.range}`)).toEqual(['/sub/data.bin bytes=-4']);
});

test('a query string on the store URL follows every key; a #fragment is dropped', () => {
  const s = new HttpStore('https://host.example/atlas/?sv=2024&sig=a%2Bb#frag');
  expect(s.url).toBe('https://host.example/atlas');
  expect(s.keyUrl('lance_db/x y.lance/_versions/1.manifest')).toBe('https://host.example/atlas/lance_db/x%20y.lance/_versions/1.manifest?sv=2024&sig=a%2Bb');
  expect(s.keyUrl('')).toBe('https://host.example/atlas?sv=2024&sig=a%2Bb');
  expect(new HttpStore('https://host.example/atlas?').keyUrl('a')).toBe('https://host.example/atlas/a');
});

test('a server that ignores Range is served correctly from one full download', async () => {
  bad.mode = 'ignore-range';
  bad.hits = 0;
  const s = new HttpStore(bad.url);
  expectSlice(await s.getRange('x', { offset: 100, length: 50 }), 100);
  expectSlice(await s.getRange('x', { offset: 150_000, length: 5 }), 150_000);
  expect(bad.hits).toBe(1);
});

test('a body cut off mid-transfer is retried like a failed connection, and a typed HttpError when retries run out', async () => {
  bad.mode = 'ignore-range-drop-first';
  bad.hits = 0;
  expectSlice(await new HttpStore(bad.url).getRange('x', { offset: 150_000, length: 5 }), 150_000);
  expect(bad.hits).toBe(2);
  bad.hits = 0;
  const s = new HttpStore(bad.url, { retries: 0 });
  const err = await s.getRange('x', { offset: 100, length: 50 }).catch((e) => e);
  expect(isRaggedAtlasError(err, 'Http')).toBe(true);
  expect(err.where).toBe(`${bad.url}/x`);
  // Nothing of the broken answer is kept: the next read downloads the body again.
  expectSlice(await s.getRange('x', { offset: 150_000, length: 5 }), 150_000);
  expect(bad.hits).toBe(2);
});

test.each([
  ['short', /short read/],
  ['wrong-range', /Content-Range/],
  ['gzip', /identity/],
])('a %s answer is a typed HttpError, never wrong bytes', async (mode, message) => {
  bad.mode = mode;
  const err = await new HttpStore(bad.url, { retries: 0 }).getRange('x', { offset: 10, length: 100 }).catch((e) => e);
  expect(isRaggedAtlasError(err, 'Http')).toBe(true);
  expect(String(err.message)).toMatch(message);
  expect(err.where).toContain(bad.url);
});

test('an HTML page sent with 200 (an SPA host\'s answer for a missing path) reads as a missing file, and is never kept', async () => {
  bad.mode = 'html-always';
  const s = new HttpStore(bad.url, { suffixRanges: 'always' });
  expect(await s.get('x')).toBeUndefined();
  expect(await s.getTail('x', 16)).toBeUndefined();
  expect(await s.size('x')).toBeUndefined();
  const err = await s.getRange('x', { offset: 10, length: 20 }).catch((e) => e);
  expect(isRaggedAtlasError(err, 'NotFound')).toBe(true);
  expect(String(err.message)).toMatch(/HTML page/);
  // One such answer among right ones fails (as missing) that read only: nothing of it is kept or pinned.
  const read = {
    get: (t: HttpStore) => t.get('x').then((b) => b && b.subarray(100, 110)),
    getRange: (t: HttpStore) => t.getRange('x', { offset: 100, length: 10 }),
    getTail: (t: HttpStore) => t.getTail('x', N - 100).then((r) => r && r.bytes.subarray(0, 10)),
  };
  for (const [name, f] of Object.entries(read)) {
    bad.mode = 'html-once';
    bad.hits = 0;
    const store = withVersionPin(new HttpStore(bad.url, { suffixRanges: 'always', retries: 0 }));
    const first = await f(store as HttpStore).catch((e: unknown) => e);
    expect(first === undefined || isRaggedAtlasError(first, 'NotFound'), name).toBe(true);
    expectSlice((await f(store as HttpStore))!, 100);
    expectSlice((await f(store as HttpStore))!, 100);
  }
});

test('a whole body of another length than the caller knows the file has is refused, not kept for later ranges', async () => {
  bad.mode = 'wrong-whole-once';
  bad.hits = 0;
  const s = new HttpStore(bad.url, { retries: 0 });
  const err = await s.getRange('x', { offset: 10, length: 20 }, { size: N }).catch((e) => e);
  expect(isRaggedAtlasError(err, 'Http')).toBe(true);
  expect(String(err.message)).toMatch(/1000 bytes.*but the file has 200000 bytes/);
  expectSlice(await s.getRange('x', { offset: 150_000, length: 5 }, { size: N }), 150_000);
  expect(bad.hits).toBe(2);
});

test('503s are retried; persistent 500s and hangs become errors, not hangs', async () => {
  bad.mode = 'flaky';
  bad.hits = 0;
  expectSlice(await new HttpStore(bad.url).getRange('x', { offset: 0, length: 10 }), 0);
  bad.mode = 'down';
  await expect(new HttpStore(bad.url, { retries: 1 }).getRange('x', { offset: 0, length: 10 })).rejects.toMatchObject({ _tag: 'Http', fields: { status: 500 } });
  bad.mode = 'hang';
  await expect(new HttpStore(bad.url, { retries: 0, timeoutMs: 300 }).getRange('x', { offset: 0, length: 10 })).rejects.toMatchObject({ _tag: 'Http' });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  await expect(new HttpStore(bad.url, { retries: 0 }).getRange('x', { offset: 0, length: 10 }, { signal: ac.signal })).rejects.toMatchObject({ _tag: 'Aborted' });
});

test('coalesced reads: the plan merges neighbours within the gap, results line up with the input order', async () => {
  const ranges = [
    { offset: 5000, length: 10 },
    { offset: 0, length: 100 },
    { offset: 150, length: 50 }, // gap 50 from the previous: merged
    { offset: 100_000, length: 8 }, // far: its own request
    { offset: 5005, length: 10 }, // overlaps the first
  ];
  const plan = coalesceRanges(ranges, 64);
  expect(plan.map((p) => p.range)).toEqual([
    { offset: 0, length: 200 },
    { offset: 5000, length: 15 },
    { offset: 100_000, length: 8 },
  ]);
  const counted = withStats(new HttpStore(good.url));
  const got = await readRanges(counted, 'data.bin', ranges, { maxGap: 64 });
  got.forEach((g, i) => expectSlice(g, ranges[i]!.offset));
  expect(counted.stats.requests).toBe(3);
});

test('the cache serves repeated immutable reads without new requests', async () => {
  const counted = withStats(new HttpStore(good.url));
  const s = withCache(counted, { cache: new MemoryCache(1 << 20), namespace: 'v1' });
  for (let i = 0; i < 3; i++) expectSlice(await s.getRange('data.bin', { offset: 10, length: 20 }), 10);
  expect(await s.size('data.bin')).toBe(N);
  expect(await s.size('data.bin')).toBe(N);
  // one range request; the size came with its Content-Range (no HEAD)
  expect(counted.stats.requests).toBe(1);
});

test('range requests bypass the browser HTTP cache unless httpCache; ETag checks, whole GETs and HEADs revalidate (an atlas rebuilt at its URL reuses file names)', async () => {
  const seen: string[] = [];
  const logged: typeof fetch = (u, i) => (seen.push(`${i?.method} ${new Headers(i?.headers).get('range') ?? '-'} ${i?.cache ?? 'default'}`), fetch(u, i));
  const s = new HttpStore(good.url, { fetch: logged, suffixRanges: 'never' });
  await s.getRange('data.bin', { offset: 0, length: 10 });
  await s.getRange('data.bin', { offset: 10, length: 10 }, { fresh: true });
  await s.get('data.bin');
  await s.getTail('data.bin', 4);
  const cached = new HttpStore(good.url, { fetch: logged, httpCache: true });
  await cached.getRange('data.bin', { offset: 0, length: 10 });
  await s.size('other.bin');
  await cached.get('data.bin');
  expect(seen).toEqual([
    'GET bytes=0-9 no-store',
    'GET bytes=10-19 no-cache',
    'GET - no-cache', // a page reloaded after a rebuild read the old manifests from its HTTP cache
    `GET bytes=${N - 4}-${N - 1} no-store`, // the size was known from the whole GET: no HEAD
    'GET bytes=0-9 default',
    'HEAD - no-cache',
    'GET - default',
  ]);
});

test('the priority of a read reaches fetch, through the in-flight dedupe; unset stays unset', async () => {
  const seen: string[] = [];
  const logged: typeof fetch = (u, i) => (seen.push(`${new Headers(i?.headers).get('range') ?? '-'} ${i?.priority ?? 'unset'}`), fetch(u, i));
  const s = withInflightDedupe(new HttpStore(good.url, { fetch: logged, suffixRanges: 'never' }));
  await s.getRange('data.bin', { offset: 0, length: 10 }, { priority: 'low' });
  await s.getRange('data.bin', { offset: 10, length: 10 });
  await s.get('data.bin', { priority: 'high' });
  expect(seen).toEqual(['bytes=0-9 low', 'bytes=10-19 unset', '- high']);
});

test('getTail refuses an encoded suffix answer, like any range', async () => {
  bad.mode = 'gzip';
  await expect(new HttpStore(bad.url).getTail('data.bin', 68)).rejects.toThrow(/br-encoded; serve identity encoding/);
});

test('a 403 to a GET reads as a missing file (S3 and GCS send it for missing keys without list rights); a 403 to HEAD alone does not', async () => {
  bad.mode = 'forbidden';
  const s = new HttpStore(bad.url, { retries: 0 });
  expect(await s.get('data.bin')).toBeUndefined();
  expect(await s.size('data.bin')).toBeUndefined();
  expect(await s.getTail('data.bin', 10)).toBeUndefined();
  await expect(s.getRange('data.bin', { offset: 0, length: 10 })).rejects.toMatchObject({ _tag: 'NotFound', message: expect.stringContaining('403') });
  bad.mode = 'head-forbidden';
  expect(await new HttpStore(bad.url, { retries: 0 }).size('data.bin')).toBe(N); // the GET probe decides
});

test('a HEAD claiming 0 bytes is checked with a one-byte range before it is believed', async () => {
  bad.mode = 'head-zero';
  expect(await new HttpStore(bad.url, { retries: 0 }).size('data.bin')).toBe(N);
});

test('one bad whole-body answer fails its read only: a body that contradicts the known size is not kept', async () => {
  for (const sizeFirst of [true, false]) {
    bad.mode = 'empty-200-once';
    bad.hits = sizeFirst ? -1 : 0; // with sizeFirst, the HEAD-less size probe takes the first good answer
    const s = new HttpStore(bad.url, { retries: 0 });
    if (sizeFirst) {
      bad.hits = 1; // the size probe below is answered right (hit 2)
      expect(await s.size('data.bin')).toBe(N);
      bad.hits = 0;
    }
    await expect(s.getRange('data.bin', { offset: 100, length: 50 })).rejects.toMatchObject({ _tag: 'Http', fields: { status: 200 } });
    expectSlice(await s.getRange('data.bin', { offset: 100, length: 50 }), 100); // asked again, answered right
    expectSlice(await s.getRange('data.bin', { offset: 5000, length: 50 }), 5000);
  }
});

test('without a cache, withVersionPin fails reads of a file whose ETag changed mid-session, never mixing versions', async () => {
  bad.mode = 'etag-flip';
  bad.hits = 0;
  const s = withVersionPin(new HttpStore(bad.url, { retries: 0 }));
  expectSlice(await s.getRange('data.bin', { offset: 0, length: 10 }), 0);
  expectSlice(await s.getRange('data.bin', { offset: 10, length: 10 }), 10);
  const changed = { _tag: 'Http', fields: { etag: '"v2"', expectedEtag: '"v1"' }, message: expect.stringContaining('changed while this session was reading it') };
  await expect(s.getRange('data.bin', { offset: 20, length: 10 })).rejects.toMatchObject(changed);
  await expect(s.getRange('data.bin', { offset: 30, length: 10 })).rejects.toMatchObject(changed); // and every later read
  // The version hint changes in place by design: never pinned.
  bad.hits = 0;
  const hint = '_versions/latest_version_hint.json';
  await s.getRange(hint, { offset: 0, length: 10 });
  await s.getRange(hint, { offset: 0, length: 10 });
  await expect(s.getRange(hint, { offset: 0, length: 10 })).resolves.toHaveLength(10);
});

test('in a browser (a page location), a location that is not an http(s) URL is relative to the page, never a file path', async () => {
  const { openStore } = await import('../../../src/io/open.js');
  const g = globalThis as { location?: unknown };
  const saved = Object.getOwnPropertyDescriptor(g, 'location');
  Object.defineProperty(g, 'location', { value: { href: 'https://explorer.example.org/app/index.html', origin: 'https://explorer.example.org' }, configurable: true });
  try {
    expect((await openStore('atlas/')).url).toBe('https://explorer.example.org/app/atlas');
    expect((await openStore('/data/pbmc')).url).toBe('https://explorer.example.org/data/pbmc');
    await expect(openStore('ftp://example.org/atlas')).rejects.toMatchObject({ _tag: 'InvalidInput' });
  } finally {
    if (saved) Object.defineProperty(g, 'location', saved);
    else delete g.location;
  }
});


test('a size the host will not tell (no HEAD, Content-Range not exposed) is an HttpError saying what to configure', async () => {
  bad.mode = 'head-405-hidden-range';
  // it was "HTTP 206 Partial Content" followed by a byte of the body
  await expect(new HttpStore(bad.url, { retries: 0 }).size('data.bin')).rejects.toMatchObject({
    _tag: 'Http',
    message: expect.stringContaining('the host must expose Content-Range (Access-Control-Expose-Headers: Content-Range, Content-Length, ETag) or answer HEAD with a Content-Length'),
  });
});

test('a HEAD that fails outright is asked once, then the one-byte GET decides', async () => {
  bad.mode = 'head-fails';
  const t0 = performance.now();
  expect(await new HttpStore(bad.url).size('data.bin')).toBe(N); // it was an HttpError after the HEAD's retries
  expect(performance.now() - t0).toBeLessThan(500); // no retry backoff for the HEAD
});

test('stats count the bytes that arrived: a host ignoring Range sends the whole file for a few bytes', async () => {
  bad.mode = 'ignore-range';
  bad.hits = 0;
  const counted = withStats(new HttpStore(bad.url, { retries: 0 }));
  expectSlice(await counted.getRange('data.bin', { offset: 100, length: 10 }), 100);
  expect(counted.stats).toEqual({ requests: 1, bytes: N }); // it said 10
  // Later ranges and the size come from the kept body: no request, nothing arrives (requests
  // counted the reads, 3 here, where the server saw 1).
  expectSlice(await counted.getRange('data.bin', { offset: 5000, length: 10 }), 5000);
  expect(await counted.size('data.bin')).toBe(N);
  expect(counted.stats).toEqual({ requests: 1, bytes: N });
  expect(bad.hits).toBe(1);
  // a host that honours Range: the bytes asked for
  const honest = withStats(new HttpStore(good.url));
  await honest.getRange('data.bin', { offset: 100, length: 10 });
  expect(honest.stats.bytes).toBe(10);
});

test("a request that got no answer says why, not only Node's \"fetch failed\" (the reason is in its cause)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ra-http-tls-'));
  writeFileSync(join(dir, 'x.bin'), new Uint8Array(10));
  const tls = await serveDirectory(dir, { tls: selfSignedCert(1) });
  try {
    const err = await new HttpStore(tls.url, { retries: 0 }).get('x.bin').then(() => undefined, (e: unknown) => e);
    expect(isRaggedAtlasError(err, 'Http')).toBe(true);
    expect((err as Error).message).toMatch(/^request failed: fetch failed: self[- ]signed certificate.* \(at https:\/\/127\.0\.0\.1:\d+\/x\.bin\)$/);
  } finally {
    await tls.close();
  }
  // nothing listens: the refused connection is named
  const closed = tls.url.replace('https:', 'http:');
  const refused = await new HttpStore(closed, { retries: 0 }).get('x.bin').then(() => undefined, (e: unknown) => e);
  expect((refused as Error).message).toMatch(/^request failed: fetch failed: .*ECONNREFUSED/);
});
