import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HttpStore } from '../../../src/io/http.js';
import { readRanges, coalesceRanges } from '../../../src/io/ranges.js';
import { withStats } from '../../../src/io/stats.js';
import { withCache, MemoryCache } from '../../../src/io/cache.js';
import { serveDirectory, type RunningServer } from '../../../src/companion/serve.js';
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
  // Ranges are explicit `bytes=a-b`, never suffix ranges (those cost a CORS preflight).
  expect(log.every((e) => !e.range || /^bytes=\d+-\d+$/.test(e.range))).toBe(true);
});

test('a server that ignores Range is served correctly from one full download', async () => {
  bad.mode = 'ignore-range';
  bad.hits = 0;
  const s = new HttpStore(bad.url);
  expectSlice(await s.getRange('x', { offset: 100, length: 50 }), 100);
  expectSlice(await s.getRange('x', { offset: 150_000, length: 5 }), 150_000);
  expect(bad.hits).toBe(1);
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
  expect(counted.stats.requests).toBe(2);
});
