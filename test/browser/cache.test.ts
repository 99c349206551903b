// The persistent IndexedDB cache in Chromium and Firefox, cross-origin (the page on the Vite origin, the file on
// serveDirectory's: the ETag reaches the page only because the server exposes it through CORS).
// A file rewritten between two page loads is read anew; an unchanged one costs one tiny request.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { serveDirectory, type RunningServer } from '../../src/companion/serve.js';
import type { TestPage } from '../helpers/browser.js';
import { describeEachEngine } from '../helpers/each-engine.js';

const N = 100_000;
const content = (g: number) => Uint8Array.from({ length: N }, (_, i) => (i * 7 + g * 101) & 0xff);
const RANGES = [
  { offset: 1000, length: 500 },
  { offset: 60_000, length: 2000 },
];
const expected = (g: number) => RANGES.map((r) => Array.from(content(g).subarray(r.offset, r.offset + r.length)));

let dir: string;
let server: RunningServer;
let log: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-browser-cache-'));
  server = await serveDirectory(dir, { onRequest: (e) => log.push(`${e.method} ${e.path} ${e.range ?? ''}`.trim()) });
}, 300_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One session in the page: a fresh IndexedDbCache instance over the persistent database. */
function session(page: TestPage) {
  return page.evaluate(
    async ({ url, ranges }) => {
      const io = await (window as any).__import('/src/io/index.ts');
      const cache = new io.IndexedDbCache({ dbName: 'ra-etag-test' });
      const store = io.withCache(new io.HttpStore(url, { retries: 0 }), { cache, namespace: 'v0' });
      const out: number[][] = [];
      for (const r of ranges) out.push(Array.from(await store.getRange('data.bin', r)));
      await new Promise((r) => setTimeout(r, 400)); // the usage index is persisted 250 ms after a change
      return { out, held: await cache.size() };
    },
    { url: server.url, ranges: RANGES },
  );
}

describeEachEngine((_engine, h) => {
  test('IndexedDB cache: a rewritten file is read anew in the next page load, an unchanged one costs one tiny request', async () => {
    writeFileSync(join(dir, 'data.bin'), content(1));
    log = [];
    const page = await h().newPage();
    const first = await session(page);
    expect(first.out).toEqual(expected(1));
    expect(log).toEqual(RANGES.map((r) => `GET /data.bin bytes=${r.offset}-${r.offset + r.length - 1}`));

    // Same page again, fresh realm: everything comes from IndexedDB after one validation.
    log = [];
    await page.reload();
    const again = await session(page);
    expect(again.out).toEqual(expected(1));
    expect(log).toEqual(['GET /data.bin bytes=0-0']);

    // Rewrite the file (same name and size, new bytes, so a new ETag) and load the page again.
    await new Promise((r) => setTimeout(r, 30));
    writeFileSync(join(dir, 'data.bin'), content(2));
    log = [];
    await page.reload();
    const after = await session(page);
    expect(after.out).toEqual(expected(2));
    expect(log[0]).toBe('GET /data.bin bytes=0-0');
    expect(log.length).toBe(1 + RANGES.length);
    // The entries of the old ETag were dropped: what is held is the new ranges plus a small record.
    const rangeBytes = RANGES.reduce((s, r) => s + r.length, 0);
    expect(after.held).toBeGreaterThanOrEqual(rangeBytes);
    expect(after.held).toBeLessThan(rangeBytes + 200);
    await page.close();
  });

  test('IndexedDB cache: entries no index lists are deleted at open; a later budget applies to the shared cache', async () => {
    const page = await h().newPage();
    const keys = await page.evaluate(async () => {
      const io = await (window as any).__import('/src/io/index.ts');
      const first = new io.IndexedDbCache({ dbName: 'ra-orphans' });
      await first.set('kept', new Uint8Array(1000));
      await new Promise((r) => setTimeout(r, 400)); // its index is saved
      // What a page closed before its index was saved, or another tab's overwritten index, leaves behind.
      const db: IDBDatabase = await new Promise((ok, fail) => {
        const req = indexedDB.open('ra-orphans');
        req.onsuccess = () => ok(req.result);
        req.onerror = () => fail(req.error);
      });
      await new Promise<void>((ok, fail) => {
        const tx = db.transaction('bytes', 'readwrite');
        tx.objectStore('bytes').put(new Uint8Array(5000), 'orphan');
        tx.oncomplete = () => ok();
        tx.onerror = () => fail(tx.error);
      });
      const second = new io.IndexedDbCache({ dbName: 'ra-orphans' });
      await second.size(); // opens: reconciles the store with its index
      const left: string[] = await new Promise((ok) => {
        const req = db.transaction('bytes').objectStore('bytes').getAllKeys();
        req.onsuccess = () => ok((req.result as string[]).sort());
      });
      db.close();
      return left;
    });
    expect(keys).toEqual(['__index__', 'kept']);
    const held = await page.evaluate(async () => {
      const io = await (window as any).__import('/src/io/index.ts');
      io.IndexedDbCache.shared({ dbName: 'ra-shared' }); // a first checkout with the default budget
      const c = io.IndexedDbCache.shared({ dbName: 'ra-shared', budgetBytes: 50_000 }); // a second one asks for less
      for (let i = 0; i < 10; i++) await c.set(`k${i}`, new Uint8Array(10_000));
      return c.size();
    });
    expect(held).toBeLessThanOrEqual(50_000);
    await page.close();
  });

  test('IndexedDB cache: a write still in flight when the page goes away is in the index saved on pagehide', async () => {
    // A quick reload lost such entries: the index saved on pagehide did not list them yet, and the
    // next page deleted their bytes as orphans.
    const page = await h().newPage();
    const held = await page.evaluate(async () => {
      const io = await (window as any).__import('/src/io/index.ts');
      const first = new io.IndexedDbCache({ dbName: 'ra-pagehide' });
      await first.size(); // open
      const writing = first.set('big', new Uint8Array(16 << 20)); // slow enough to still be in flight
      await new Promise((r) => setTimeout(r, 0));
      window.dispatchEvent(new Event('pagehide'));
      await writing;
      const next = new io.IndexedDbCache({ dbName: 'ra-pagehide' }); // the next page load, before any later save
      return next.size();
    });
    expect(held).toBe(16 << 20);
    await page.close();
  });
});
