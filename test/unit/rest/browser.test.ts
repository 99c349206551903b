// The REST client in Chromium, Firefox and WebKit (Debian's, via test/helpers/browser.ts), cross-origin against the mock:
// proves src/rest runs in a page (fetch, no Node APIs, codecs loaded on demand, wasm zstd included)
// and shows the CORS preflight the service must allow.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { BrowserHarness } from '../../helpers/browser.js';
import { describeEachEngine } from '../../helpers/each-engine.js';
import { ARROW_FILE } from '../../helpers/lancedb-cloud-mock.js';
import { API_KEY, DB_URI, lanceDeletionFile, startFixture, type Fixture } from './fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx?.close();
});
afterEach(() => {
  fx.mock.cors = false;
  fx.mock.compression = 'none';
  fx.mock.clearInterceptors();
});

/** Runs a few client calls in a fresh page; returns plain results or the error's tag and message. */
async function inPage(h: BrowserHarness, filter: string): Promise<Record<string, unknown>> {
  const page = await h.newPage();
  try {
    return await page.evaluate(
      async ({ url, db, apiKey, filter }) => {
        const m = await (window as any).__import('/src/rest/index.ts');
        try {
          // A request stuck past 60 s fails naming its URL (the test's own timeout is 120 s).
          const client = m.connectCloud({ db, apiKey, hostOverride: url, retries: 0, timeoutMs: 60_000 });
          const names = await client.tableNames();
          const t = await client.openTable('cells');
          const count = await t.countRows(filter);
          const q = await t.query({ filter, columns: ['id', 'cell_type'] });
          return { names, count, ids: Array.from(q.getChild('id').toArray() as BigInt64Array, String), schema: String(q.schema) };
        } catch (e: any) {
          return { tag: e._tag, message: e.message };
        }
      },
      { url: fx.mock.url, db: DB_URI, apiKey: API_KEY, filter },
    );
  } finally {
    await page.close();
  }
}

describeEachEngine((engine, h) => {
  it('works cross-origin once the service answers the preflight; the preflight asks for the x- headers', async () => {
    fx.mock.cors = { exposeVersion: true };
    fx.mock.take();
    const filter = 'n_genes > 700';
    const local = await fx.local.openTable('cells');
    const expectedIds = (await local.query().where(filter).select(['id']).toArray()).map((r) => String(r.id));
    const r = await inPage(h(), filter);
    expect(r).toEqual({ names: ['cells', 'genes', 'zz_last'], count: await local.countRows(filter), ids: expectedIds, schema: 'Schema<{ 0: id: Int64, 1: cell_type: Utf8 }>' });
    const sent = fx.mock.take();
    const preflights = sent.filter((q) => q.method === 'OPTIONS');
    expect(preflights.length).toBeGreaterThanOrEqual(4); // max-age 0: one per request
    const asked = new Set(preflights.flatMap((q) => (q.headers['access-control-request-headers'] ?? '').split(',')));
    expect([...asked].sort()).toEqual(['content-type', 'x-api-key', 'x-lancedb-database', 'x-lancedb-database-prefix', 'x-lancedb-min-read-version', 'x-request-id']);
    const query = sent.find((q) => q.method === 'POST' && q.path.endsWith('/query/'))!;
    expect(query.headers['user-agent']).toMatch({ chromium: /Chrome\//, firefox: /Firefox\//, webkit: /AppleWebKit\// }[engine]); // the browser's own: we never set it
    expect(query.headers['x-api-key']).toBe(API_KEY);
  });

  it('without CORS on the service the page gets an HttpError (the browser hides the reason)', async () => {
    const r = await inPage(h(), 'id > 0');
    expect(r.tag).toBe('Http');
    // Each engine's own words for a blocked request.
    expect(r.message).toMatch({ chromium: /request failed: Failed to fetch/, firefox: /request failed: NetworkError when attempting to fetch resource/, webkit: /request failed: Load failed/ }[engine]);
    // …so the message names the likely cause, with the page's origin the host must allow.
    expect(r.message).toMatch(/through CORS the same way: does it send Access-Control-Allow-Origin for http:\/\/127\.0\.0\.1:\d+\?/);
  });

  it('compressed answers decode in the page: LZ4 in TypeScript, ZSTD through the wasm codec module', async () => {
    fx.mock.cors = { exposeVersion: true };
    fx.mock.compression = 'lz4';
    const local = await fx.local.openTable('cells');
    const lz4 = await inPage(h(), 'n_genes > 500');
    expect(lz4.ids).toEqual((await local.query().where('n_genes > 500').select(['id']).toArray()).map((r) => String(r.id)));

    const file = await lanceDeletionFile(300, 3);
    fx.mock.intercept((req) => (req.method === 'POST' && req.path.endsWith('/query/') ? { status: 200, headers: { 'content-type': ARROW_FILE }, body: file } : undefined));
    const page = await h().newPage();
    const rows = await page.evaluate(
      async ({ url, db }) => {
        const m = await (window as any).__import('/src/rest/index.ts');
        const t = await m.connectCloud({ db, hostOverride: url, retries: 0 }).openTable('cells');
        const q = await t.query();
        return Array.from(q.getChild('row_id').toArray() as Uint32Array).sort((a, b) => a - b);
      },
      { url: fx.mock.url, db: DB_URI },
    );
    await page.close();
    expect(rows).toEqual(Array.from({ length: 100 }, (_, i) => i * 3));
  });
});
