// The query engine inside Chromium and Firefox: a page (one origin) opens an atlas served by the companion's
// server (another origin: CORS), decodes in Web Workers with the wasm module, and returns summaries
// that are compared with independent oracles computed in Node (scipy/anndata, zarrita, LanceDB).
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { serveDirectory, type RunningServer } from '../../src/companion/serve.js';
import { buildWalkthroughAtlas, H5AD_68K, P3K, ZIP_68K } from '../fixtures/walkthrough.js';
import { describeEachEngine } from '../helpers/each-engine.js';
import { stageBrowserPackage } from '../helpers/browser-package.js';
import { h5adRawX, pbmc3kCounts, zarrZipCsr } from '../helpers/oracle-matrices.js';
import { pythonJson } from '../helpers/python.js';

let dir: string;
let server: RunningServer;
const requests: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-browser-'));
  await buildWalkthroughAtlas(join(dir, 'atlas'));
  server = await serveDirectory(join(dir, 'atlas'), { onRequest: (e) => requests.push(`${e.method} ${e.path} ${e.range ?? ''}`) });
}, 600_000);

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Per-cell (barcode) nnz and sum of an oracle CSR. */
function perCell(obs: string[], csr: { indptr: Float64Array; data: Float64Array }): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  obs.forEach((b, i) => {
    let s = 0;
    for (let k = csr.indptr[i]!; k < csr.indptr[i + 1]!; k++) s += csr.data[k]!;
    out.set(b, [csr.indptr[i + 1]! - csr.indptr[i]!, s]);
  });
  return out;
}

describeEachEngine((engine, h) => {
  test('walkthrough in the browser: versions, counts, joins, exact values, workers, cache, abort (alone and beside another query), h5ad', async () => {
    const page = await h().newPage();
    const r = await page.evaluate(async (url) => {
      const m = await (window as any).__import('/src/index.ts');
      const versions = (await m.RaggedAtlas.listVersions(url)).map((v: any) => [v.version, v.totalRows]);
      const v0 = await m.RaggedAtlas.checkout(url, 0, { cache: 'none' });
      const v0count = await v0.query().count();
      v0.close();
      const a = await m.RaggedAtlas.checkoutLatest(url, { cache: 'indexeddb' });
      const groups = [...(await a.query().count({ groupBy: 'cell_type' }))].map((row: any) => [row.cell_type, Number(row.count)]);
      const union = await a.query().select(['uid', 'barcode']).toAnnData();
      const inter = await a.query().select(['uid']).featureJoin('intersection').toAnnData();
      // Per-cell nnz and sum of counts: compared with the oracle in Node.
      const X = union.X;
      const barcodes = union.obs.getChild('barcode').toArray();
      const cells: Record<string, [number, number]> = {};
      for (let i = 0; i < union.shape[0]; i++) {
        let s = 0;
        for (let k = X.indptr[i]; k < X.indptr[i + 1]; k++) s += X.data[k];
        cells[barcodes[i]] = [X.indptr[i + 1] - X.indptr[i], s];
      }
      // Every Lance page decoded in the workers (lanceOffloadBytes: 0): the same result.
      const w = await m.RaggedAtlas.checkoutLatest(url, { cache: 'none', lanceOffloadBytes: 0 });
      const wu = await w.query().select(['uid', 'barcode']).toAnnData();
      w.close();
      const same = (x: ArrayLike<unknown>, y: ArrayLike<unknown>) => x.length === y.length && Array.from(x).every((v, i) => v === y[i]);
      const offloadSame = same(wu.obsNames, union.obsNames) && same(wu.obs.getChild('barcode').toArray(), barcodes) && same(wu.X.indptr, X.indptr) && same(wu.X.indices, X.indices) && same(wu.X.data, X.data);
      const before = a.stats.requests;
      const beforeBytes = a.stats.bytes;
      // Abort mid-flight: a typed AbortError, and the atlas keeps working afterwards.
      const ac = new AbortController();
      const aborted = a.query().toAnnData({ signal: ac.signal }).then(() => 'finished', (e: any) => e._tag ?? e.name);
      ac.abort();
      const abortTag = await aborted;
      const sub = await a.query().where("cell_type = '3'").select(['uid', 'cell_type']).toAnnData();
      const h5ad = Array.from(await m.toH5ad(sub));
      a.close();
      // Two queries at once on a fresh checkout share its loads (file metadata, catalog rows,
      // arrays); aborting one must not fail the other.
      const concurrent = [];
      for (const delayMs of [0, 5, 20]) {
        const c = await m.RaggedAtlas.checkoutLatest(url, { cache: 'none' });
        const ac2 = new AbortController();
        const pa = c.query().where("cell_type = '1'").toAnnData({ signal: ac2.signal }).then(() => 'finished', (e: any) => e._tag ?? e.name);
        const pb = c.query().where("cell_type = '3'").select(['uid', 'cell_type']).toAnnData().then((ad: any) => ad.obsNames, (e: any) => `${e._tag}: ${e.message}`);
        await new Promise((done) => setTimeout(done, delayMs));
        ac2.abort();
        concurrent.push({ abortedTag: await pa, otherObs: await pb });
        c.close();
      }
      // A second checkout in the same page is served from IndexedDB: far fewer requests.
      const b = await m.RaggedAtlas.checkoutLatest(url, { cache: 'indexeddb' });
      await b.query().select(['uid', 'barcode']).toAnnData();
      const cachedRequests = b.stats.requests;
      const cachedBytes = b.stats.bytes;
      b.close();
      return {
        versions, v0count, groups, unionShape: union.shape, interShape: inter.shape, cells, firstRequests: before, cachedRequests, firstBytes: beforeBytes, cachedBytes,
        abortTag, subShape: sub.shape, subObs: sub.obsNames, h5ad, workers: navigator.hardwareConcurrency, offloadSame, concurrent,
      };
    }, server.url);

    expect(r.versions).toEqual([[0, 2700], [1, 3400]]);
    expect(r.v0count).toBe(2700);
    expect(r.unionShape).toEqual([3400, 32738]);
    expect(r.interShape).toEqual([3400, 765]);
    expect((r.groups as [string, number][]).reduce((s, g) => s + g[1], 0)).toBe(3400);
    expect(r.abortTag).toBe('Aborted');
    for (const c of r.concurrent) expect(c).toEqual({ abortedTag: 'Aborted', otherObs: r.subObs });
    expect(r.offloadSame).toBe(true);

    // Exact per-cell content against scipy (pbmc3k) and zarrita (pbmc68k counts layer of the zarr.zip).
    const p3k = pbmc3kCounts(P3K);
    const raw68k = h5adRawX(H5AD_68K);
    const c68k = await zarrZipCsr(ZIP_68K, 'layers/counts');
    const want = new Map([...perCell(p3k.obsNames, p3k), ...perCell(raw68k.obsNames, c68k)]);
    expect(Object.keys(r.cells).length).toBe(3400);
    for (const [b, v] of Object.entries(r.cells)) expect(v, b).toEqual(want.get(b));

    // The IndexedDB cache served the second checkout: no data page or chunk went over the network.
    // What remains are tiny requests: the version hint, the next-version probe, and one 1-byte ETag
    // check per cached file whose name can be reused (zarr.json files, the config, version manifests).
    console.log(`cached checkout: ${r.cachedRequests} requests, ${r.cachedBytes} bytes (first: ${r.firstRequests}, ${r.firstBytes})`);
    expect(r.cachedRequests).toBeLessThan(r.firstRequests);
    expect(r.cachedBytes).toBeLessThan(r.firstBytes / 100);

    // The h5ad written in the page is read by the reference anndata.
    const file = join(dir, 'browser.h5ad');
    writeFileSync(file, Uint8Array.from(r.h5ad));
    const py = pythonJson<{ shape: number[]; obs: string[] }>(
      `import sys, json, anndata\na = anndata.read_h5ad(sys.argv[1])\nprint(json.dumps({"shape": list(a.shape), "obs": list(a.obs_names)}))`,
      [file],
    );
    expect(py.shape).toEqual(r.subShape);
    expect(py.obs).toEqual(r.subObs);
    // The atlas was read cross-origin with explicit byte ranges only (no suffix ranges).
    expect(requests.some((q) => q.startsWith('GET /zarr_store/') && /bytes=\d+-\d+/.test(q))).toBe(true);
    expect(requests.every((q) => !/bytes=-/.test(q))).toBe(true);
  });

  test('a host without CORS for this page fails the checkout with an HttpError that says so, after its retries', async () => {
    // The atlas's own files, from a server that sends no CORS headers (a bucket without a CORS rule).
    let plainHits = 0;
    const plain = createServer((req, res) => {
      plainHits++;
      const file = join(dir, 'atlas', decodeURIComponent(new URL(req.url!, 'http://x').pathname));
      if (!existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': statSync(file).size }).end(readFileSync(file));
    });
    await new Promise<void>((done) => plain.listen(0, '127.0.0.1', () => done()));
    try {
      const page = await h().newPage();
      const r = await page.evaluate(async (url) => {
        const m = await (window as any).__import('/src/index.ts');
        const err = await m.RaggedAtlas.checkoutLatest(url, { cache: 'none', retries: 1 }).then((a: any) => (a.close(), undefined), (e: any) => e);
        return { tag: err?._tag, message: String(err?.message), where: String(err?.where), origin: location.origin };
      }, `http://127.0.0.1:${(plain.address() as AddressInfo).port}`);
      await page.close();
      expect(r.tag, r.message).toBe('Http');
      expect(r.message).toContain(`does it send Access-Control-Allow-Origin for ${r.origin}?`);
      expect(r.where).toContain('/lance_db/atlas_versions.lance/');
      expect(plainHits).toBeGreaterThanOrEqual(2); // the request reached the host and was retried
    } finally {
      plain.close();
    }
  });

  test('a worker script that cannot load fails the checkout with a WorkerError naming it, promptly', async () => {
    const page = await h().newPage();
    const r = await page.evaluate(async (url) => {
      const m = await (window as any).__import('/src/index.ts');
      const workerUrl = new URL('/no/such/decode-worker.js', location.href);
      const t0 = performance.now();
      const err = await m.RaggedAtlas.checkoutLatest(url, { cache: 'none', workerUrl }).then(
        (a: any) => (a.close(), undefined),
        (e: any) => e,
      );
      return { tag: err?._tag, where: err?.where, message: String(err?.message), typed: err instanceof m.WorkerError, ms: performance.now() - t0, want: workerUrl.href };
    }, server.url);
    await page.close();
    expect(r.tag, r.message).toBe('Worker');
    expect(r.typed).toBe(true);
    expect(r.where).toBe(r.want);
    expect(r.ms).toBeLessThan(10_000);
  });

  test('the self-contained browser build runs from a third origin (a CDN): workers start through blob: trampolines, a relative wasmUrl resolves against the page', async () => {
    // The package as a CDN serves it: dist/browser/ beside wasm/dist/, on its own origin.
    const pkg = mkdtempSync(join(tmpdir(), 'ra-cdn-'));
    await stageBrowserPackage(pkg);
    const cdn = await serveDirectory(pkg);
    try {
      const page = await h().newPage();
      const r = await page.evaluate(
        async ({ url, lib }) => {
          const imp = (window as any).__import as (p: string) => Promise<any>;
          // The premise: this page may not start a worker from the CDN's script directly. Chromium and
          // WebKit throw at construction, Firefox reports an error event instead.
          const direct = await new Promise<string>((resolve) => {
            try {
              const w = new Worker(`${lib}/dist/browser/decode-worker.js`, { type: 'module' });
              const t = setTimeout(() => (w.terminate(), resolve('started')), 3000);
              w.onerror = () => (clearTimeout(t), w.terminate(), resolve('error event'));
            } catch (e) {
              resolve((e as Error).name);
            }
          });
          const cdn = await imp(`${lib}/dist/browser/ragged-atlas.js`);
          const src = await imp('/src/index.ts');
          const read = async (m: any, opts: object) => {
            const a = await m.RaggedAtlas.checkoutLatest(url, { cache: 'none', workers: 2, ...opts });
            try {
              const ad = await a.query().where("cell_type = '3'").select(['uid', 'barcode']).toAnnData();
              return { ad, sameArrow: ad.obs instanceof (m.arrow?.Table ?? Object) };
            } finally {
              a.close();
            }
          };
          const want = (await read(src, {})).ad;
          const same = (x: ArrayLike<unknown>, y: ArrayLike<unknown>) => x.length === y.length && Array.from(x).every((v, i) => v === y[i]);
          const check = (ad: any) => same(ad.obsNames, want.obsNames) && same(ad.X.indptr, want.X.indptr) && same(ad.X.indices, want.X.indices) && same(ad.X.data, want.X.data) && same(ad.varNames, want.varNames);
          // Decode and fetch workers from the CDN's decode-worker.js, wasm from the CDN's wasm/dist.
          const byDefault = await read(cdn, {});
          // A relative wasmUrl means the page's: here the dev server's copy (the workers cannot resolve it).
          const pageWasm = await read(cdn, { wasmUrl: '/wasm/dist/ragged_atlas_codec_simd.wasm', variant: 'simd' });
          return {
            direct,
            rows: want.shape[0],
            byDefault: check(byDefault.ad),
            pageWasm: check(pageWasm.ad),
            sameArrow: byDefault.sameArrow,
            bundleError: await cdn.RaggedAtlas.checkoutLatest(`${url}/nope`).then(() => 'opened', (e: any) => e._tag),
          };
        },
        { url: server.url, lib: cdn.url },
      );
      expect(r.direct).toBe(engine === 'firefox' ? 'error event' : 'SecurityError');
      expect(r.rows).toBeGreaterThan(0);
      expect(r.byDefault).toBe(true);
      expect(r.pageWasm).toBe(true);
      expect(r.sameArrow).toBe(true);
      expect(r.bundleError).toBe('NotFound');
    } finally {
      await cdn.close();
      await rm(pkg, { recursive: true, force: true });
    }
  });
});
