// The reader in real Chromium and Firefox: src/ loaded through the Vite dev server, the table served
// cross-origin by serveDirectory (CORS + Range), zstd from the WASM codec module. The browser's
// rows must equal what the Node reader returns (which the other tests check against LanceDB).
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { serveDirectory } from '../../src/companion/serve.js';
import { openTable } from '../../src/lance/index.js';
import { describeEachEngine } from '../helpers/each-engine.js';
import { atlasTable, createLanceTable, tempDir } from '../unit/lance/helpers.js';

const dir = tempDir('lance-browser-');
let server: Awaited<ReturnType<typeof serveDirectory>>;

beforeAll(async () => {
  const db = await lancedb.connect(dir.path);
  const t = await createLanceTable<{ delete(p: string): Promise<unknown>; createIndex(c: string, o: unknown): Promise<void> }>(
    db, 'obs', atlasTable({ rows: 3000, wide: true, huge: true, seed: 3 }), '2.2',
  );
  await t.delete('u8 < 20');
  await t.createIndex('cell_type', { config: lancedb.Index.bitmap() });
  server = await serveDirectory(dir.path);
});
afterAll(async () => {
  await server?.close();
  dir.remove();
});

const rowJson = (row: { toJSON(): unknown } | null) =>
  JSON.stringify(row?.toJSON(), (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Array.from(v) : v));

describeEachEngine((_engine, h) => {
  test('reads a table cross-origin in the browser: scan with deletions, zstd values, bitmap index', async () => {
    const page = await h().newPage();
    const url = `${server.url}/obs.lance`;
    const got = await page.evaluate(async (url) => {
      const m = await (window as any).__import('/src/lance/index.ts');
      const t = await m.openTable(url);
      const out = await t.scan({ withRowAddress: true });
      const hit = await t.indexLookup('cell_type', { op: 'eq', value: 'B cell' });
      const json = (row: any) => JSON.stringify(row?.toJSON(), (_k: string, v: unknown) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Array.from(v) : v));
      const rows: string[] = [];
      for (let i = 0; i < out.numRows; i += 37) rows.push(json(out.get(i)));
      return { n: out.numRows, hits: [...hit.rows].map(String), rows, huge: out.getChild('huge').get(3)?.length };
    }, url);
    const t = await openTable(url);
    const out = await t.scan({ withRowAddress: true });
    const rows: string[] = [];
    for (let i = 0; i < out.numRows; i += 37) rows.push(rowJson(out.get(i)));
    expect(got.n).toBe(out.numRows);
    expect(got.rows).toEqual(rows);
    expect(got.huge).toBeGreaterThan(32 * 1024);
    expect(got.hits).toEqual([...(await t.indexLookup('cell_type', { op: 'eq', value: 'B cell' }))!.rows].map(String));
  });
});
