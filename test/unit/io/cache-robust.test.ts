// The cache may cost speed, never a read: views of bigger buffers are stored as their own bytes,
// a gzipped whole-file answer stays versioned (a rewrite is noticed), and a cache that hangs or
// throws is gone around. A real HTTP server; MemoryCache or hand-made caches in front of it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HttpStore } from '../../../src/io/http.js';
import { MemoryCache, withCache, type ByteCache } from '../../../src/io/cache.js';

const N = 2 << 20;
const file = Uint8Array.from({ length: N }, (_, i) => (i * 13) & 0xff);
let version = 1;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/whole.bin') {
      // A host that ignores Range: the whole body every time.
      res.writeHead(200, { 'Content-Length': N, ETag: '"w1"' });
      return res.end(file);
    }
    // zarr.json gzipped as a whole-file answer, Apache-style variant ETag; ranges (the cache's
    // one-byte validation) come identity-encoded with the file's own ETag.
    const json = Buffer.from(`{"version":${version}}`);
    if (req.headers.range) {
      res.writeHead(206, { 'Content-Range': `bytes 0-0/${json.length}`, ETag: `"z${version}"` });
      return res.end(json.subarray(0, 1));
    }
    const gz = gzipSync(json);
    res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': gz.length, ETag: `"z${version}-gzip"` });
    res.end(gz);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

test('a range sliced from a whole body is cached as its own bytes, not the 2 MB buffer behind it', async () => {
  const held: Uint8Array[] = [];
  const mem = new MemoryCache(1 << 20);
  const spy: ByteCache = { get: (k) => mem.get(k), set: (k, v) => (held.push(v), mem.set(k, v)), size: () => mem.size(), clear: () => mem.clear() };
  const store = withCache(new HttpStore(url, { retries: 0 }), { cache: spy });
  for (let i = 0; i < 5; i++) expect(Array.from(await store.getRange('whole.bin', { offset: i * 1000, length: 10 }))).toEqual(Array.from(file.subarray(i * 1000, i * 1000 + 10)));
  const ranges = held.filter((v) => v.length === 10);
  expect(ranges).toHaveLength(5);
  expect(ranges.every((v) => v.buffer.byteLength === 10)).toBe(true);
});

test('a gzipped whole-file answer keeps its version: a rewrite is read anew in the next session', async () => {
  const cache = new MemoryCache();
  const session = () => withCache(new HttpStore(url, { retries: 0 }), { cache });
  version = 1;
  expect(new TextDecoder().decode(await session().get('zarr.json'))).toBe('{"version":1}');
  expect(new TextDecoder().decode(await session().get('zarr.json'))).toBe('{"version":1}'); // cached, checked
  version = 2;
  expect(new TextDecoder().decode(await session().get('zarr.json'))).toBe('{"version":2}'); // noticed
});

test('a cache that never answers, or throws synchronously, costs time, not the read', async () => {
  const hung: ByteCache = { get: () => new Promise(() => undefined), set: () => new Promise(() => undefined), size: async () => 0, clear: async () => undefined };
  const throwing: ByteCache = {
    get: () => {
      throw new Error('broken');
    },
    set: () => {
      throw new Error('broken');
    },
    size: async () => 0,
    clear: async () => undefined,
  };
  for (const cache of [throwing, hung]) {
    const store = withCache(new HttpStore(url, { retries: 0 }), { cache });
    expect(Array.from(await store.getRange('whole.bin', { offset: 5, length: 4 }))).toEqual(Array.from(file.subarray(5, 9)));
  }
}, 20_000);
