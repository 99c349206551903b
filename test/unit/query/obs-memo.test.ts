// A checked-out atlas keeps its decoded obs selections (src/query/obs-memo.ts): a later query that
// selects the same rows and columns (another gene) reads and decodes no obs pages and returns what a
// fresh checkout returns; a different selection is read anew; an aborted query leaves nothing behind
// (neither a selection nor an opened zarr array).
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RaggedAtlas, type AnnData } from '../../../src/index.js';
import { serveDirectory, type RunningServer } from '../../../src/companion/serve.js';
import { ObsMemo, tableBytes } from '../../../src/query/obs-memo.js';
import { buildWalkthroughAtlas } from '../../fixtures/walkthrough.js';

let dir: string;
let server: RunningServer;
let genes: string[];
const obsReads: string[] = [];
/** Counts requests for the cells table's data files (the obs pages). */
const counting: typeof fetch = (input, init) => {
  const u = String(input instanceof Request ? input.url : input);
  if (u.includes('/cells.lance/data/')) obsReads.push(u);
  return fetch(input, init);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-obs-memo-'));
  await buildWalkthroughAtlas(join(dir, 'atlas'));
  server = await serveDirectory(join(dir, 'atlas'));
  const a = await RaggedAtlas.checkoutLatest(server.url, { workers: 0, cache: 'none' });
  const registry = await a.featureRegistry('gene_expression');
  genes = (registry.getChild('uid')!.toArray() as string[]).slice(0, 400).filter((_, i) => i % 50 === 0); // 8 genes
  a.close();
}, 600_000);

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const open = (opts: { obsMemoBytes?: number } = {}) => RaggedAtlas.checkoutLatest(server.url, { workers: 0, cache: 'none', fetch: counting, ...opts });
const geneQuery = (a: RaggedAtlas, uids: string[], opts: { signal?: AbortSignal } = {}) => a.query().select(['uid', 'barcode']).features(uids, 'gene_expression').toAnnData(opts);

function summary(ad: AnnData) {
  const X = ad.X as { indptr: ArrayLike<number>; indices: ArrayLike<number>; data: ArrayLike<number> };
  return {
    shape: ad.shape,
    obsNames: ad.obsNames,
    varNames: ad.varNames,
    barcodes: Array.from(ad.obs.getChild('barcode')!.toArray() as string[]),
    indptr: Array.from(X.indptr),
    indices: Array.from(X.indices),
    data: Array.from(X.data, Number),
  };
}

test('a second gene query on the same checkout reuses the decoded obs rows and equals a fresh checkout', async () => {
  const a = await open();
  const fresh = await open({ obsMemoBytes: 0 });
  try {
    const first = await geneQuery(a, genes.slice(0, 4));
    obsReads.length = 0;
    const second = await geneQuery(a, genes.slice(4));
    expect(obsReads).toEqual([]);
    const want = await geneQuery(fresh, genes.slice(4));
    expect(summary(second)).toEqual(summary(want));
    expect(second.shape[0]).toBe(3400);
    // Each result owns its obs columns (copies of the kept rows: see the test below).
    expect(second.obs.getChild('barcode')!.data[0]).not.toBe(first.obs.getChild('barcode')!.data[0]);
    // toArrow keeps its selections too (the demo's scatter re-reads its embedding per gene).
    const arrowOf = () => a.query().where("cell_type = '3'").select(['barcode']).toArrow();
    const t1 = await arrowOf();
    obsReads.length = 0;
    const t2 = await arrowOf();
    expect(obsReads).toEqual([]);
    expect(t2.toArray().map(String)).toEqual(t1.toArray().map(String));
    expect(t2.toArray().map(String)).toEqual((await fresh.query().where("cell_type = '3'").select(['barcode']).toArrow()).toArray().map(String));
    // Another selection (a predicate) is its own entry, read and returned as a fresh checkout does.
    const subset = await a.query().where("cell_type = '3'").select(['uid', 'barcode']).features(genes.slice(4), 'gene_expression').toAnnData();
    const subsetWant = await fresh.query().where("cell_type = '3'").select(['uid', 'barcode']).features(genes.slice(4), 'gene_expression').toAnnData();
    expect(summary(subset)).toEqual(summary(subsetWant));
    expect(subset.shape[0]).toBeLessThan(3400);
  } finally {
    a.close();
    fresh.close();
  }
});

test('an aborted query leaves nothing behind: the next one reads and returns the full result', async () => {
  const a = await open();
  const fresh = await open({ obsMemoBytes: 0 });
  try {
    const ac = new AbortController();
    const aborted = geneQuery(a, genes.slice(0, 4), { signal: ac.signal }).then(() => 'finished', (e) => e._tag);
    ac.abort();
    expect(await aborted).toBe('Aborted');
    expect(summary(await geneQuery(a, genes.slice(0, 4)))).toEqual(summary(await geneQuery(fresh, genes.slice(0, 4))));
    // A memo hit still honours the caller's signal.
    const ac2 = new AbortController();
    ac2.abort();
    await expect(geneQuery(a, genes.slice(4), { signal: ac2.signal })).rejects.toMatchObject({ _tag: 'Aborted' });
  } finally {
    a.close();
    fresh.close();
  }
});

test('results never share buffers with the memo: writing into one changes no later result', async () => {
  const a = await open();
  try {
    const q = () => a.query().where("cell_type = '1'").select(['uid', 'barcode', 'n_genes']);
    const first = await q().toAnnData();
    const n = first.obs.getChild('n_genes')!;
    const original = n.get(0);
    // A caller writing into its result's buffers (Arrow tables are meant to be read-only, but nothing stops it).
    (n.data[0]!.values as BigInt64Array)[0] = -1n;
    (first.obs.getChild('barcode')!.data[0]!.values as Uint8Array).fill(0x21);
    const second = await q().toAnnData(); // from the memo
    expect(second.obs.getChild('n_genes')!.get(0)).toBe(original);
    expect(second.obs.getChild('barcode')!.get(0)).not.toMatch(/^!+$/);
    const [t1, t2] = [await q().toArrow(), await q().toArrow()];
    expect(t1.getChild('n_genes')!.data[0]!.values).not.toBe(t2.getChild('n_genes')!.data[0]!.values);
    expect(t1.getChild('n_genes')!.get(0)).toBe(original);
    expect(Array.from(t1.getChild('barcode')!.toArray() as string[])).toEqual(Array.from(second.obs.getChild('barcode')!.toArray() as string[]));
  } finally {
    a.close();
  }
});

test('ObsMemo keeps the most recently used selections within its byte budget', () => {
  const t = (n: number) => arrow.tableFromArrays({ x: Float64Array.from({ length: n }, (_, i) => i) });
  const [a, b, c] = [t(100), t(100), t(100)]; // 800 bytes of values each
  expect(tableBytes(a)).toBeGreaterThanOrEqual(800);
  const memo = new ObsMemo(2 * tableBytes(a));
  memo.set('a', a);
  memo.set('b', b);
  expect(memo.get('a')).toBe(a); // a is now the most recently used
  memo.set('c', c); // over budget: b goes
  expect(memo.get('b')).toBeUndefined();
  expect(memo.get('a')).toBe(a);
  expect(memo.get('c')).toBe(c);
  expect(memo.bytes).toBeLessThanOrEqual(memo.budgetBytes);
  // A table larger than the whole budget is not kept; a budget of 0 keeps nothing.
  memo.set('big', t(1000));
  expect(memo.get('big')).toBeUndefined();
  const none = new ObsMemo(0);
  none.set('a', a);
  expect(none.get('a')).toBeUndefined();
  memo.clear();
  expect(memo.bytes).toBe(0);
});
