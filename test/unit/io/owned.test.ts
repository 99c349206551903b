// Buffer ownership (src/io/owned.ts): only bytes no one else holds may be transferred (detached)
// by their reader. HttpStore marks its fresh answers; the dedupe and cache layers take the mark
// off whenever they share or keep the bytes; the zarr reader sends owned answers to the decode
// worker as they are and copies everything else.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { serveFiles } from '../../helpers/served-files.js';
import { HttpStore } from '../../../src/io/http.js';
import { withInflightDedupe } from '../../../src/io/dedupe.js';
import { MemoryCache, withCache } from '../../../src/io/cache.js';
import { isOwned, markOwned } from '../../../src/io/owned.js';

let srv: Awaited<ReturnType<typeof serveFiles>>;
const bytes = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7) & 255);

beforeAll(async () => {
  srv = await serveFiles('owned-', { 'f.bin': bytes });
});
afterAll(() => srv.close());

test('HttpStore answers are owned; views of a larger buffer never are', async () => {
  const s = new HttpStore(srv.url);
  expect(isOwned(await s.getRange('f.bin', { offset: 10, length: 100 }))).toBe(true);
  expect(isOwned((await s.get('f.bin'))!)).toBe(true);
  const big = new Uint8Array(10);
  expect(isOwned(markOwned(big.subarray(2)))).toBe(false);
});

test('a deduplicated answer with several waiters is shared, so disowned; a lone waiter keeps it', async () => {
  const s = withInflightDedupe(new HttpStore(srv.url));
  const [a, b] = await Promise.all([s.getRange('f.bin', { offset: 0, length: 64 }), s.getRange('f.bin', { offset: 0, length: 64 })]);
  expect(a).toBe(b);
  expect(isOwned(a)).toBe(false);
  expect(isOwned(await s.getRange('f.bin', { offset: 0, length: 64 }))).toBe(true);
});

test('bytes a cache keeps are disowned, and so are its hits', async () => {
  const s = withCache(new HttpStore(srv.url), { cache: new MemoryCache(1 << 20), revalidate: 'never' });
  const first = await s.getRange('f.bin', { offset: 100, length: 64 });
  expect(isOwned(first)).toBe(false);
  const hit = await s.getRange('f.bin', { offset: 100, length: 64 });
  expect(Array.from(hit)).toEqual(Array.from(bytes.subarray(100, 164)));
  expect(isOwned(hit)).toBe(false);
});
