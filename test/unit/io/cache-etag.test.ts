// The persistent byte cache and ETags, against real HTTP servers and real files: the companion's
// `serveDirectory` (Range + ETag from size and mtime) and two small servers that misbehave on purpose
// (no ETag at all; a different ETag per answer). Requests are counted at the servers.
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { serveDirectory, type RunningServer } from '../../../src/companion/serve.js';
import { isRaggedAtlasError } from '../../../src/errors.js';
import { MemoryCache, withCache, type CacheOptions } from '../../../src/io/cache.js';
import { HttpStore } from '../../../src/io/http.js';
import { readRanges } from '../../../src/io/ranges.js';
import type { ObjectVersion } from '../../../src/io/types.js';

const N = 100_000;
/** File content for generation `g`: every byte says which generation it belongs to. */
const content = (g: number) => Uint8Array.from({ length: N }, (_, i) => (i * 7 + g * 101) & 0xff);
const expectGen = (got: Uint8Array, offset: number, g: number) => {
  const want = content(g).subarray(offset, offset + got.length);
  expect(Buffer.from(got).equals(Buffer.from(want)), `bytes at ${offset} are generation ${g}`).toBe(true);
};
const A = { offset: 1000, length: 500 };
const B = { offset: 60_000, length: 2000 };
const C = { offset: 90_000, length: 100 };

let dir: string;
let srv: RunningServer;
let log: { method: string; path: string; range?: string }[] = [];
const requestsTo = (path: string) => log.filter((e) => e.path === path);

/** Rewrites a file in place (same name, same size, new bytes), as re-running an export would. */
async function rewrite(name: string, g: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 30)); // the server's ETag has millisecond mtimes
  writeFileSync(join(dir, name), content(g));
}

/** One session = one cache wrapper over a fresh HttpStore, as one atlas checkout builds it. */
const open = (cache: MemoryCache, opts: Partial<CacheOptions> = {}, url = srv.url) =>
  withCache(new HttpStore(url, { retries: 0 }), { cache, namespace: 'atlas@v0', ...opts });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-cache-etag-'));
  srv = await serveDirectory(dir, { onRequest: (e) => log.push(e) });
});
afterAll(async () => {
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  writeFileSync(join(dir, 'data.bin'), content(1));
  writeFileSync(join(dir, 'other.bin'), content(5));
  log = [];
});

test('HttpStore reports the ETag and size of every answer, including answers it already held', async () => {
  const s = new HttpStore(srv.url);
  const seen: ObjectVersion[] = [];
  const onVersion = (v: ObjectVersion) => seen.push(v);
  await s.getRange('data.bin', A, { onVersion });
  await s.size('data.bin', { onVersion }); // known from Content-Range: no request, same ETag
  await s.get('other.bin', { onVersion });
  expect(seen[0]).toEqual({ etag: expect.stringMatching(/^".+"$/), size: N });
  expect(seen[1]).toEqual(seen[0]);
  expect(seen[2]).toEqual({ etag: expect.stringMatching(/^".+"$/), size: N });
  expect(log.length).toBe(2);
});

test('a file rewritten between sessions: the next session reads the new bytes and drops the stale entries', async () => {
  const cache = new MemoryCache(1 << 24);
  const s1 = open(cache);
  expectGen(await s1.getRange('data.bin', A), A.offset, 1);
  expectGen(await s1.getRange('data.bin', B), B.offset, 1);
  expect(await s1.size('data.bin')).toBe(N);
  expectGen(await s1.getRange('data.bin', A), A.offset, 1); // cached in the session
  expect(requestsTo('/data.bin').length).toBe(2);
  const held1 = await cache.size();
  expect(held1).toBeGreaterThan(A.length + B.length);

  let etag1: string | undefined;
  let etag2: string | undefined;
  await new HttpStore(srv.url).size('data.bin', { onVersion: (v) => (etag1 = v.etag) });
  await rewrite('data.bin', 2);
  await new HttpStore(srv.url).size('data.bin', { onVersion: (v) => (etag2 = v.etag) });
  expect(etag1).toBeDefined();
  expect(etag2).not.toBe(etag1); // same name, same size, new ETag
  log = [];

  // Session 2's first read would be a cache hit: it costs one 1-byte validation, which sees the new
  // ETag, so the entries are dropped and the range is read again.
  const s2 = open(cache);
  expectGen(await s2.getRange('data.bin', A), A.offset, 2);
  expect(log.map((e) => e.range)).toEqual(['bytes=0-0', `bytes=${A.offset}-${A.offset + A.length - 1}`]);
  // Every entry of generation 1 is gone: the cache holds the record and the new range only.
  expect(await cache.size()).toBeLessThan(A.length + 200);
  expectGen(await s2.getRange('data.bin', B), B.offset, 2); // not the stale generation-1 entry
  expect(await s2.size('data.bin')).toBe(N);
  expect(log.length).toBe(3);

  // Session 3, nothing changed: the same reads cost exactly the one validation request.
  log = [];
  const s3 = open(cache);
  expectGen(await s3.getRange('data.bin', B), B.offset, 2);
  expectGen(await s3.getRange('data.bin', A), A.offset, 2);
  expect(await s3.size('data.bin')).toBe(N);
  expect(log.map((e) => `${e.method} ${e.path} ${e.range}`)).toEqual(['GET /data.bin bytes=0-0']);
});

test('an unchanged file costs one tiny request per file per session, and nothing when its first read is a miss', async () => {
  const cache = new MemoryCache(1 << 24);
  const s1 = open(cache);
  await readRanges(s1, 'data.bin', [A, B], { maxGap: 0 });
  await s1.getRange('other.bin', A);
  await s1.get('other.bin');
  expect(log.length).toBe(4);

  log = [];
  const s2 = open(cache);
  // Many concurrent hits of two files: one shared validation per file, no request per range.
  const reads = await Promise.all([
    ...Array.from({ length: 5 }, () => s2.getRange('data.bin', A)),
    s2.getRange('data.bin', B),
    s2.getRange('other.bin', A),
    s2.get('other.bin'),
  ]);
  reads.slice(0, 5).forEach((r) => expectGen(r!, A.offset, 1));
  expectGen(reads[7]!, 0, 5);
  expect(log.map((e) => `${e.path} ${e.range}`).sort()).toEqual(['/data.bin bytes=0-0', '/other.bin bytes=0-0']);
  await s2.getRange('data.bin', A);
  await s2.getRange('other.bin', A);
  expect(log.length).toBe(2); // validated once per session, never again

  // A session whose first read of a file goes to the network learns the ETag from that answer.
  log = [];
  const s3 = open(cache);
  expectGen(await s3.getRange('data.bin', C), C.offset, 1); // miss
  expectGen(await s3.getRange('data.bin', A), A.offset, 1); // hit, already validated by C's answer
  expectGen(await s3.getRange('data.bin', B), B.offset, 1);
  expect(log.map((e) => e.range)).toEqual([`bytes=${C.offset}-${C.offset + C.length - 1}`]);

  // revalidate: 'never' trusts the cache: no request at all.
  log = [];
  const s4 = open(cache, { revalidate: 'never' });
  for (const r of [A, B, C]) expectGen(await s4.getRange('data.bin', r), r.offset, 1);
  expectGen((await s4.get('other.bin'))!, 0, 5);
  expect(log.length).toBe(0);

  // The namespace is part of the key: another pinned version does not see these entries.
  const other = open(cache, { namespace: 'atlas@v1' });
  await other.getRange('data.bin', A);
  expect(log.map((e) => e.range)).toEqual([`bytes=${A.offset}-${A.offset + A.length - 1}`]);
});

test("revalidate: 'never' notices a rewrite at the first uncached range; it fails a session that already returned old bytes", async () => {
  const cache = new MemoryCache(1 << 24);
  const s1 = open(cache);
  await s1.getRange('data.bin', A);
  await rewrite('data.bin', 3);

  // Nothing of the file returned yet in this session: the new ETag is adopted, the old entries dropped.
  const fresh = open(cache, { revalidate: 'never' });
  expectGen(await fresh.getRange('data.bin', B), B.offset, 3);
  expectGen(await fresh.getRange('data.bin', A), A.offset, 3);

  await rewrite('data.bin', 4);
  // Old bytes already returned (A from the cache), then a miss meets the new ETag: a typed error.
  const trusting = open(cache, { revalidate: 'never' });
  expectGen(await trusting.getRange('data.bin', A), A.offset, 3);
  const err = await trusting.getRange('data.bin', C).catch((e) => e);
  expect(isRaggedAtlasError(err, 'Http')).toBe(true);
  expect(String(err.message)).toMatch(/changed while this session was reading it/);
  expect(err.fields.expectedEtag).not.toBe(err.fields.etag);
  // The session stays failed for that file (even for ranges it holds), other files still read.
  await expect(trusting.getRange('data.bin', A)).rejects.toMatchObject({ _tag: 'Http' });
  expectGen(await trusting.getRange('other.bin', A), A.offset, 5);

  // The next session reads generation 4 only.
  const next = open(cache, { revalidate: 'never' });
  for (const r of [A, B, C]) expectGen(await next.getRange('data.bin', r), r.offset, 4);
});

test('a file deleted between sessions is NotFound, not served from the cache', async () => {
  const cache = new MemoryCache(1 << 24);
  await open(cache).getRange('data.bin', A);
  unlinkSync(join(dir, 'data.bin'));
  await expect(open(cache).getRange('data.bin', A)).rejects.toMatchObject({ _tag: 'NotFound' });
  expect(await cache.size()).toBe(0);
});

test('Lance files named with a UUID are cached by name: never validated, and a new ETag for the same bytes is no error', async () => {
  const key = 't.lance/data/0f3a9c2e-5b7d-4e1a-9c3b-2d4e6f8a0b1c.lance';
  mkdirSync(join(dir, 't.lance/data'), { recursive: true });
  writeFileSync(join(dir, key), content(1));
  const cache = new MemoryCache(1 << 24);
  const s1 = open(cache);
  expectGen(await s1.getRange(key, A), A.offset, 1);
  expectGen(await s1.getRange('data.bin', A), A.offset, 1);
  utimesSync(join(dir, key), new Date(), new Date(Date.now() + 60_000)); // a copy or re-upload: new ETag, same bytes
  log = [];
  const s2 = open(cache);
  expectGen(await s2.getRange(key, A), A.offset, 1); // no request
  expectGen(await s2.getRange(key, B), B.offset, 1); // one request, its new ETag is not compared
  expectGen(await s2.getRange('data.bin', A), A.offset, 1); // an ordinary name is validated
  expect(log.map((e) => `${e.path} ${e.range}`)).toEqual([
    `/${key} bytes=${B.offset}-${B.offset + B.length - 1}`,
    '/data.bin bytes=0-0',
  ]);
});

test('a version manifest is checked by ETag: a table created again at the same URL reuses the name 1.manifest', async () => {
  const key = 't.lance/_versions/1.manifest';
  mkdirSync(join(dir, 't.lance/_versions'), { recursive: true });
  writeFileSync(join(dir, key), content(1));
  const cache = new MemoryCache(1 << 24);
  expectGen(await open(cache).getRange(key, A), A.offset, 1);
  // The atlas is deleted and built again: version 1 of the new table, other bytes, same name.
  await rewrite(key, 2);
  log = [];
  expectGen(await open(cache).getRange(key, A), A.offset, 2);
  expect(log.map((e) => `${e.path} ${e.range}`)).toEqual([`/${key} bytes=0-0`, `/${key} bytes=${A.offset}-${A.offset + A.length - 1}`]);
});

/** A minimal Range server over an in-memory file whose content and ETag behaviour tests set. */
interface FakeServer {
  url: string;
  body: Uint8Array;
  /** ETag of the next answer; undefined: no ETag header at all. */
  etag: () => string | undefined;
  /** Last-Modified of the next answer; undefined: none. */
  lastModified: () => string | undefined;
  hits: string[];
  close(): void;
}
async function fakeServer(): Promise<FakeServer> {
  const state: Omit<FakeServer, 'url' | 'close'> = { body: content(1), etag: () => undefined, lastModified: () => undefined, hits: [] };
  const server: Server = createServer((req, res) => {
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    state.hits.push(m ? m[0] : 'full');
    const etag = state.etag();
    const modified = state.lastModified();
    const headers: Record<string, string | number> = { ...(etag ? { ETag: etag } : {}), ...(modified ? { 'Last-Modified': modified } : {}) };
    if (!m) {
      res.writeHead(200, { ...headers, 'Content-Length': state.body.length });
      return res.end(state.body);
    }
    const [a, b] = [Number(m[1]), Number(m[2])];
    res.writeHead(206, { ...headers, 'Content-Range': `bytes ${a}-${b}/${state.body.length}` });
    res.end(state.body.subarray(a, b + 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => (server.closeAllConnections(), server.close()),
  }) as FakeServer;
}

test('a server without ETags keeps working: cached by name, no validation requests', async () => {
  const fake = await fakeServer();
  try {
    const cache = new MemoryCache(1 << 24);
    const s1 = open(cache, {}, fake.url);
    expectGen(await s1.getRange('f', A), A.offset, 1);
    expectGen((await s1.get('f'))!, 0, 1);
    expect(fake.hits.length).toBe(2);
    fake.hits = [];
    const s2 = open(cache, {}, fake.url);
    expectGen(await s2.getRange('f', A), A.offset, 1);
    expectGen((await s2.get('f'))!, 0, 1);
    expectGen(await s2.getRange('f', B), B.offset, 1); // uncached: read, no check possible
    expect(fake.hits).toEqual([`bytes=${B.offset}-${B.offset + B.length - 1}`]);
    // Without an ETag a rewrite cannot be seen: documented, the cache then serves by name.
    fake.body = content(2);
    expectGen(await open(cache, {}, fake.url).getRange('f', A), A.offset, 1);
  } finally {
    fake.close();
  }
});

test('a server with Last-Modified but no (exposed) ETag: a rewrite is seen by its date', async () => {
  const fake = await fakeServer();
  try {
    let modified = 'Sat, 21 Nov 2026 10:00:00 GMT';
    fake.lastModified = () => modified;
    const seen: ObjectVersion[] = [];
    await new HttpStore(fake.url).getRange('f', A, { onVersion: (v) => seen.push(v) });
    expect(seen).toEqual([{ etag: `last-modified:${modified}`, size: N }]);
    const cache = new MemoryCache(1 << 24);
    expectGen(await open(cache, {}, fake.url).getRange('f', A), A.offset, 1);
    // Unchanged: the next session's hit costs the one-byte validation only.
    fake.hits = [];
    expectGen(await open(cache, {}, fake.url).getRange('f', A), A.offset, 1);
    expect(fake.hits).toEqual(['bytes=0-0']);
    // Rewritten (a new date): the validation sees it, the old entries go, the range is read anew.
    fake.body = content(2);
    modified = 'Sat, 21 Nov 2026 11:00:00 GMT';
    fake.hits = [];
    expectGen(await open(cache, {}, fake.url).getRange('f', A), A.offset, 2);
    expect(fake.hits).toEqual(['bytes=0-0', `bytes=${A.offset}-${A.offset + A.length - 1}`]);
    // An ETag, when there is one, is the version; the date is not consulted.
    fake.etag = () => '"v9"';
    const tagged: ObjectVersion[] = [];
    await new HttpStore(fake.url).getRange('f', A, { onVersion: (v) => tagged.push(v) });
    expect(tagged[0]!.etag).toBe('"v9"');
  } finally {
    fake.close();
  }
});

test('weak and strong forms of one ETag are the same version', async () => {
  const fake = await fakeServer();
  try {
    const cache = new MemoryCache(1 << 24);
    let n = 0;
    fake.etag = () => (n++ % 2 ? 'W/"v1"' : '"v1"');
    const s1 = open(cache, {}, fake.url);
    expectGen(await s1.getRange('f', A), A.offset, 1);
    expectGen(await s1.getRange('f', B), B.offset, 1);
    fake.hits = [];
    const s2 = open(cache, {}, fake.url);
    expectGen(await s2.getRange('f', A), A.offset, 1);
    expectGen(await s2.getRange('f', B), B.offset, 1);
    expect(fake.hits).toEqual(['bytes=0-0']);
  } finally {
    fake.close();
  }
});

test('a server that answers two ranges of one read with different ETags gives a typed error, never mixed bytes', async () => {
  const fake = await fakeServer();
  try {
    const cache = new MemoryCache(1 << 24);
    // Two replicas behind a balancer, holding different versions of the file.
    let n = 0;
    const replicas = [content(1), content(2)];
    fake.etag = () => {
      const i = n++ % 2;
      fake.body = replicas[i]!;
      return `"replica-${i}"`;
    };
    const s = open(cache, {}, fake.url);
    const err = await readRanges(s, 'f', [A, B, C], { maxGap: 0 }).catch((e) => e);
    expect(isRaggedAtlasError(err, 'Http')).toBe(true);
    expect(err.fields).toMatchObject({ etag: expect.stringMatching(/replica/), expectedEtag: expect.stringMatching(/replica/) });
    expect(err.fields.etag).not.toBe(err.fields.expectedEtag);
    // Every later read of that file in the session fails the same way, cached or not.
    await expect(s.getRange('f', A)).rejects.toBe(err);

    // Sequential reads: whatever the session returned before the switch is of one version.
    const s2 = open(new MemoryCache(1 << 24), {}, fake.url);
    const first = await s2.getRange('f', A);
    const g = first[0] === content(1)[A.offset] ? 1 : 2;
    expectGen(first, A.offset, g);
    await expect(s2.getRange('f', B)).rejects.toMatchObject({ _tag: 'Http', fields: { expectedEtag: `"replica-${g - 1}"` } });
  } finally {
    fake.close();
  }
});

test('an aborted reader stops waiting for a shared validation; the others still get their bytes', async () => {
  const cache = new MemoryCache(1 << 24);
  await open(cache).getRange('data.bin', A);
  const s = open(cache);
  const ac = new AbortController();
  const aborted = s.getRange('data.bin', A, { signal: ac.signal });
  const other = s.getRange('data.bin', A);
  ac.abort();
  await expect(aborted).rejects.toMatchObject({ _tag: 'Aborted' });
  expectGen(await other, A.offset, 1);
});
