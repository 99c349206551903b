// RaggedAtlas opened through a LanceDB Cloud catalog (`{cloud: {db: 'db://…'}, zarr}`), compared with
// the same atlas opened from its static files.
//
// The server here is a MOCK of LanceDB Cloud: the real service (*.api.lancedb.com) cannot be reached
// from this machine. test/helpers/lancedb-cloud-mock.ts speaks the service's REST protocol
// (lance-format.md §6: describe, count_rows, query with Arrow IPC answers, version/list) and answers
// every request by running it with the real @lancedb/lancedb on the real walkthrough atlas written by
// the companion from ../shared/data (pbmc3k → snapshot v0, pbmc68k_reduced → v1): every row, count,
// filter and nearest-neighbour result the cloud atlas sees is LanceDB's own. The zarr store is served
// over HTTP from the same atlas folder.
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type * as arrow from 'apache-arrow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RaggedAtlas, type AnnData, type CloudAtlasLocation, type CsrMatrix } from '../../../src/index.js';
import { CloudAtlasTable } from '../../../src/atlas/cloud-table.js';
import { serveDirectory, type RunningServer } from '../../../src/companion/serve.js';
import { openTable } from '../../../src/lance/index.js';
import { connectCloud, type ConnectCloudOptions } from '../../../src/rest/index.js';
import { buildWalkthroughAtlas } from '../../fixtures/walkthrough.js';
import { ARROW_STREAM, LanceDbCloudMock, type RecordedRequest } from '../../helpers/lancedb-cloud-mock.js';
import { plainRows } from '../rest/fixture.js';

let dir: string;
let server: RunningServer;
let local: lancedb.Connection;
let mock: LanceDbCloudMock;
let cloud: ConnectCloudOptions;
let loc: CloudAtlasLocation;
let staticV1: RaggedAtlas;
let cloudV1: RaggedAtlas;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-cloud-atlas-'));
  await buildWalkthroughAtlas(join(dir, 'atlas'));
  server = await serveDirectory(join(dir, 'atlas'));
  local = await lancedb.connect(join(dir, 'atlas', 'lance_db'));
  mock = await LanceDbCloudMock.start(local);
  // Network errors are retried as in production (the default policy, with a short backoff): with
  // workers: 0 the static reads block the event loop for seconds, and a kept-alive socket the mock
  // closed meanwhile can then fail once with ECONNRESET.
  cloud = { db: 'db://walkthrough', apiKey: 'sk_test_atlas', hostOverride: mock.url, retries: { retries: 2, backoffMs: 1, jitterMs: 0 } };
  loc = { cloud, zarr: `${server.url}/zarr_store` };
  staticV1 = await RaggedAtlas.checkoutLatest(server.url, { workers: 0 });
  cloudV1 = await RaggedAtlas.checkoutLatest(loc, { workers: 0 });
}, 600_000);

afterEach(() => mock?.clearInterceptors());

afterAll(async () => {
  staticV1?.close();
  cloudV1?.close();
  await mock?.close();
  local?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Requests for one table endpoint since the last take(), with their JSON bodies. */
function sent(table: string, endpoint: string): Record<string, unknown>[] {
  return mock
    .take()
    .filter((r) => r.path === `/v1/table/${table}/${endpoint}/`)
    .map((r) => (r.text ? (JSON.parse(r.text) as Record<string, unknown>) : {}));
}

function expectSameTable(got: arrow.Table, want: arrow.Table): void {
  expect(got.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual(want.schema.fields.map((f) => `${f.name}: ${f.type}`));
  expect(plainRows(got)).toEqual(plainRows(want));
}

function expectSameAnnData(got: AnnData, want: AnnData): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.obsNames).toEqual(want.obsNames);
  expect(got.varNames).toEqual(want.varNames);
  expectSameTable(got.obs, want.obs);
  expectSameTable(got.var, want.var);
  expect(Object.keys(got.obsm)).toEqual(Object.keys(want.obsm));
  for (const k of Object.keys(want.obsm)) expect(got.obsm[k]).toEqual(want.obsm[k]);
  const X = got.X as CsrMatrix;
  const W = want.X as CsrMatrix;
  expect(X.format).toBe(W.format);
  expect(X.shape).toEqual(W.shape);
  // Exact values, element by element (typed arrays of the same class).
  expect(X.indptr).toEqual(W.indptr);
  expect(X.indices).toEqual(W.indices);
  expect(X.data).toEqual(W.data);
  expect(Object.keys(got.layers)).toEqual(Object.keys(want.layers));
  for (const k of Object.keys(want.layers)) expect(got.layers[k]).toEqual(want.layers[k]);
}

describe('opening an atlas through a LanceDB Cloud catalog', () => {
  it('lists the same snapshots as the static files, from the service', async () => {
    mock.take();
    const fromCloud = await RaggedAtlas.listVersions(loc);
    expect(fromCloud).toEqual(await RaggedAtlas.listVersions(server.url));
    expect(fromCloud.map((v) => [v.version, v.totalRows])).toEqual([[0, 2700], [1, 3400]]);
    const reqs = mock.take();
    expect(reqs.map((r) => r.path)).toEqual(['/v1/table/atlas_versions/query/']);
    expect(reqs[0]!.headers).toMatchObject({ 'x-api-key': 'sk_test_atlas', 'x-lancedb-database': 'walkthrough' });
  });

  it('checkout(v0) stays pinned to pbmc3k after v1 exists: every request carries the recorded versions', async () => {
    mock.take();
    const v0 = await RaggedAtlas.checkout(loc, 0, { workers: 0 });
    const s0 = await RaggedAtlas.checkout(server.url, 0, { workers: 0 });
    try {
      const pinned = v0.record.obsTableVersions.cells!;
      expect(pinned).toBeLessThan(cloudV1.record.obsTableVersions.cells!);
      expect(await v0.query().count()).toBe(2700);
      const ds = await v0.listDatasets();
      expect(ds.numRows).toBe(1);
      expect(ds.getChild('dataset_name')?.get(0)).toBe('pbmc3k');
      const where = "barcode LIKE 'AA%'";
      const n = await v0.query().where(where).count();
      expect(n).toBe(await s0.query().where(where).count());
      expect(n).toBeGreaterThan(100);
      expectSameTable(await v0.query().count({ groupBy: 'dataset_uid' }), await s0.query().count({ groupBy: 'dataset_uid' }));
      const ad = await v0.query().where(where).toAnnData();
      expect(ad.shape).toEqual([n, 32738]);
      expectSameAnnData(ad, await s0.query().where(where).toAnnData());
      // Every table request named the version the v0 snapshot recorded, never "latest".
      const want: Record<string, number> = {
        cells: pinned,
        datasets: v0.record.datasetTableVersion,
        _feature_layouts: v0.record.featureLayoutsTableVersion,
        gene_expression_registry: v0.record.registryTableVersions.gene_expression!,
      };
      const reqs = mock.take().filter((r) => r.path !== '/v1/table/atlas_versions/query/');
      expect(reqs.length).toBeGreaterThan(8);
      for (const r of reqs) {
        const table = decodeURIComponent(r.path.split('/')[3]!);
        expect((JSON.parse(r.text) as { version: unknown }).version, `${r.path} ${r.text}`).toBe(want[table]);
      }
    } finally {
      v0.close();
      s0.close();
    }
  });

  it('count(), count({groupBy}) and where() equal the static atlas; the service evaluates filter, projection, limit and offset', async () => {
    expect(await cloudV1.query().count()).toBe(await staticV1.query().count());
    expectSameTable(await cloudV1.query().count({ groupBy: 'cell_type' }), await staticV1.query().count({ groupBy: 'cell_type' }));
    const groups = await cloudV1.query().count({ groupBy: 'cell_type' });
    expect(groups.numRows).toBeGreaterThan(5);

    const where = "cell_type = '3' AND n_genes > 800";
    mock.take();
    const n = await cloudV1.query().where(where).count();
    expect(sent('cells', 'count_rows')).toEqual([{ predicate: where, version: cloudV1.record.obsTableVersions.cells }]);
    expect(n).toBe(await staticV1.query().where(where).count());
    expect(n).toBeGreaterThan(10);
    expect(await cloudV1.query().where(where).offset(5).limit(7).count()).toBe(7);

    expectSameTable(await cloudV1.query().where(where).toArrow(), await staticV1.query().where(where).toArrow());
    mock.take();
    const page = await cloudV1.query().where(where).select(['barcode', 'n_genes']).offset(3).limit(5).toArrow();
    expect(sent('cells', 'query')).toEqual([
      expect.objectContaining({ filter: where, columns: ['uid', 'barcode', 'n_genes'], k: 5, offset: 3, with_row_id: true, vector: [], version: cloudV1.record.obsTableVersions.cells }),
    ]);
    expectSameTable(page, await staticV1.query().where(where).select(['barcode', 'n_genes']).offset(3).limit(5).toArrow());
    expect(page.numRows).toBe(5);
    // A filter matching nothing is an empty table with the same columns.
    expectSameTable(await cloudV1.query().where('n_genes > 100000').toArrow(), await staticV1.query().where('n_genes > 100000').toArrow());
  });

  it('toAnnData(): union and intersection give the static shapes and exactly its values', async () => {
    for (const join of ['union', 'intersection'] as const) {
      const c = await cloudV1.query().select(['uid', 'barcode', 'cell_type']).featureJoin(join).toAnnData();
      const s = await staticV1.query().select(['uid', 'barcode', 'cell_type']).featureJoin(join).toAnnData();
      expect(c.shape[0]).toBe(3400);
      expectSameAnnData(c, s);
    }
    // Cells of both datasets, every obs column and obsm.
    // A trailing -- comment: the service gets the SQL of the parsed AND with the presence filter, not the texts joined.
    const where = "barcode LIKE 'AC%' OR n_genes BETWEEN 1200 AND 1400 -- both datasets";
    const c = await cloudV1.query().where(where).toAnnData();
    expect(new Set(Array.from(c.obs.getChild('dataset_uid')!.toArray() as string[])).size).toBe(2);
    expectSameAnnData(c, await staticV1.query().where(where).toAnnData());
    const ds68k = [...(await cloudV1.listDatasets())].find((d) => (d as { dataset_name: string }).dataset_name === 'pbmc68k_reduced') as { dataset_uid: string };
    const q = (a: RaggedAtlas) => a.query().where(`dataset_uid = '${ds68k.dataset_uid}'`).layers('gene_expression', ['log_normalized', 'counts']).featureJoin('intersection').toAnnData();
    const [c68, s68] = await Promise.all([q(cloudV1), q(staticV1)]);
    expect(c68.shape).toEqual([700, 765]);
    expectSameAnnData(c68, s68);
  });

  it('features(), search() and balancedLimit() give the static results', async () => {
    const reg = await cloudV1.featureRegistry('gene_expression');
    expectSameTable(reg, await staticV1.featureRegistry('gene_expression'));
    const sym = reg.getChild('gene_symbol')!;
    const uids: string[] = [];
    for (let i = 0; i < reg.numRows; i++) if (['CD3E', 'MS4A1', 'LYZ', 'NKG7'].includes(String(sym.get(i)))) uids.push(String(reg.getChild('uid')!.get(i)));
    const f = (a: RaggedAtlas) => a.query().where('n_genes > 1000').features(uids, 'gene_expression').toAnnData();
    expectSameAnnData(await f(cloudV1), await f(staticV1));

    // Exact kNN on the service (pbmc3k has no X_umap: null vectors are never results).
    const v = Float32Array.from([1, 2]);
    for (const metric of ['l2', 'cosine', 'dot'] as const) {
      mock.take();
      const c = await cloudV1.query().where('n_genes > 300').search(v, { metric, k: 12 }).select(['uid', 'cell_type']).offset(2).toArrow();
      const body = sent('cells', 'query')[0]!;
      expect(body).toMatchObject({ filter: 'n_genes > 300', distance_type: metric, vector_column: 'X_umap', bypass_vector_index: true, k: 14 }); // k counts after the offset, as LanceDB's search().limit(k).offset(o)
      const s = await staticV1.query().where('n_genes > 300').search(v, { metric, k: 12 }).select(['uid', 'cell_type']).offset(2).toArrow();
      expect(c.numRows).toBe(12);
      expect(c.schema.fields.map((x) => x.name)).toEqual(s.schema.fields.map((x) => x.name));
      expect(Array.from(c.getChild('uid')!.toArray() as string[])).toEqual(Array.from(s.getChild('uid')!.toArray() as string[]));
      const dc = c.getChild('_distance')!.toArray() as Float32Array;
      const ds = s.getChild('_distance')!.toArray() as Float32Array;
      for (let i = 0; i < dc.length; i++) expect(dc[i]).toBeCloseTo(ds[i]!, 4);
    }
    expect(await cloudV1.query().search(v, { k: 40 }).count()).toBe(40);
    await expect(cloudV1.query().search([1, 2, 3]).toArrow()).rejects.toMatchObject({ _tag: 'Query' });

    const b = (a: RaggedAtlas) => a.query().where('n_genes > 500').balancedLimit(60, 'cell_type').select(['uid', 'cell_type']).toArrow();
    const bc = await b(cloudV1);
    expectSameTable(bc, await b(staticV1));
    expect(bc.numRows).toBeGreaterThan(30);
    expect(await cloudV1.query().balancedLimit(60, 'cell_type').count()).toBe(await staticV1.query().balancedLimit(60, 'cell_type').count());
    // search + balancedLimit: each group's nearest, on both paths.
    const sb = (a: RaggedAtlas) => a.query().search([1.5, -2], { column: 'X_umap' }).balancedLimit(22, 'cell_type').select(['uid', 'cell_type']).toArrow();
    const [csb, ssb] = await Promise.all([sb(cloudV1), sb(staticV1)]);
    expect(csb.numRows).toBe(22);
    expect(Array.from(csb.getChild('uid')!.toArray() as string[])).toEqual(Array.from(ssb.getChild('uid')!.toArray() as string[]));
  });

  it('predicates are parsed and bound before anything is sent: our typed errors, no request', async () => {
    mock.take();
    await expect(cloudV1.query().where("cell_type = = 'x'").toArrow()).rejects.toMatchObject({ _tag: 'PredicateSyntax', fields: { position: 12 } });
    await expect(cloudV1.query().where('cell_typo = 1').count()).rejects.toMatchObject({ _tag: 'Query' });
    await expect(cloudV1.query().where("n_genes = 'many'").count()).rejects.toMatchObject({ _tag: 'Query' });
    await expect(cloudV1.query().select(['nope']).toArrow()).rejects.toMatchObject({ _tag: 'Query' });
    expect(mock.take()).toEqual([]);
    // The static path gives the same classes.
    await expect(staticV1.query().where("cell_type = = 'x'").toArrow()).rejects.toMatchObject({ _tag: 'PredicateSyntax', fields: { position: 12 } });
    await expect(staticV1.query().where('cell_typo = 1').count()).rejects.toMatchObject({ _tag: 'Query' });
  });

  it('the table surface (scan, scanBatches, take) agrees with the static Lance reader', async () => {
    const version = cloudV1.record.obsTableVersions.cells!;
    const c = await CloudAtlasTable.open(connectCloud(cloud), 'cells', version);
    const s = await openTable(join(dir, 'atlas', 'lance_db', 'cells.lance'), { version });
    expect(c.numRows).toBe(s.numRows);
    expect(c.schema.fields.map(String)).toEqual(s.schema.fields.map(String));
    expect(c.schema.fields.find((f) => f.name === 'gene_expression')!.metadata.get('homeobox.feature_space')).toBe('gene_expression');
    const opts = { columns: ['uid', 'n_genes'], offset: 2650, limit: 100, withRowAddress: true };
    const [cs, ss] = [await c.scan(opts), await s.scan(opts)];
    expectSameTable(cs, ss);
    const addrs = ss.getChild('_rowaddr')!.toArray() as BigUint64Array;
    const shuffled = BigUint64Array.from([addrs[70]!, addrs[3]!, addrs[99]!, addrs[3]!, addrs[50]!]);
    expectSameTable(await c.take(shuffled, { columns: ['barcode'] }), await s.take(shuffled, { columns: ['barcode'] }));
    await expect(c.take(BigUint64Array.from([1n << 40n]))).rejects.toMatchObject({ _tag: 'NotFound' });
    const batches: arrow.RecordBatch[] = [];
    for await (const batch of c.scanBatches({ columns: ['uid'], batchSize: 1000 })) batches.push(batch);
    expect(batches.map((x) => x.numRows)).toEqual([1000, 1000, 1000, 400]);
    expect(batches.flatMap((x) => Array.from(x.getChild('uid')!.toArray() as string[]))).toEqual(Array.from((await s.scan({ columns: ['uid'] })).getChild('uid')!.toArray() as string[]));
  });

  it('counts REST requests and zarr reads in stats; needs a zarr location', async () => {
    const a = await RaggedAtlas.checkoutLatest(loc, { workers: 0, cache: 'none' });
    try {
      const opened = a.stats;
      expect(opened.requests).toBe(9); // atlas_versions, then describe + count_rows of the 4 pinned tables
      await a.query().where("cell_type = '3'").toAnnData();
      expect(a.stats.requests).toBeGreaterThan(opened.requests + 2);
      expect(a.stats.bytes).toBeGreaterThan(opened.bytes);
    } finally {
      a.close();
    }
    await expect(RaggedAtlas.checkoutLatest({ cloud }, { workers: 0 })).rejects.toMatchObject({ _tag: 'Query', message: expect.stringMatching(/zarr/) });
    const viaOption = await RaggedAtlas.checkout({ cloud }, 0, { workers: 0, zarrStore: `${server.url}/zarr_store` });
    expect((await viaOption.query().toAnnData()).shape).toEqual([2700, 32738]);
    viaOption.close();
  });
});

describe('errors from the service surface as the rest module typed errors, naming the table', () => {
  const everything = (reply: { status: number; body?: string; headers?: Record<string, string> }) => () => ({ headers: { 'content-type': 'application/json' }, ...reply });
  const on = (path: string, reply: (r: RecordedRequest) => { status: number; body?: string | Uint8Array; headers?: Record<string, string> } | Promise<{ status: number; body?: string | Uint8Array; headers?: Record<string, string> }>) => (r: RecordedRequest) => (r.path === path ? reply(r) : undefined);

  it('401: HttpError with the status, when opening and in a query', async () => {
    mock.intercept(everything({ status: 401, body: '{"error":"invalid API key"}' }));
    const err = await RaggedAtlas.listVersions(loc).catch((e: unknown) => e);
    expect(err).toMatchObject({ _tag: 'Http', fields: { status: 401, table: 'atlas_versions' } });
    expect((err as Error).message).toMatch(/^401 Unauthorized: \{"error":"invalid API key"\}.*\/v1\/table\/atlas_versions\/query\//);
    mock.clearInterceptors();
    mock.intercept(on('/v1/table/cells/query/', () => ({ status: 401, body: 'expired key' })));
    await expect(cloudV1.query().where("cell_type = '3'").toArrow()).rejects.toMatchObject({ _tag: 'Http', fields: { status: 401, table: 'cells' } });
  });

  it('404: NotFoundError naming the table (and the pinned version)', async () => {
    await expect(RaggedAtlas.listVersions(loc, { versionTable: 'no_such_versions' })).rejects.toMatchObject({
      _tag: 'NotFound',
      fields: { table: 'no_such_versions', status: 404 },
      message: expect.stringMatching(/no snapshot table "no_such_versions"/),
    });
    mock.intercept(on('/v1/table/datasets/describe/', () => ({ status: 404, body: '{"error":"Table datasets not found"}' })));
    await expect(RaggedAtlas.checkoutLatest(loc, { workers: 0 })).rejects.toMatchObject({
      _tag: 'NotFound',
      fields: { table: 'datasets', version: cloudV1.record.datasetTableVersion },
    });
  });

  it('5xx: retried, then HttpError saying how many attempts', async () => {
    const a = await RaggedAtlas.checkoutLatest(loc, { workers: 0 });
    try {
      mock.take();
      mock.intercept(on('/v1/table/cells/count_rows/', () => ({ status: 503, body: 'overloaded' })));
      const err = await a.query().where('n_genes > 1').count().catch((e: unknown) => e);
      expect(err).toMatchObject({ _tag: 'Http', fields: { status: 503, attempts: 3, table: 'cells' } });
      expect((err as Error).message).toMatch(/gave up after 3 attempts; last: 503 Service Unavailable: overloaded/);
      expect(sent('cells', 'count_rows')).toHaveLength(3);
      mock.clearInterceptors();
      // A transient 502 is retried away.
      mock.intercept(on('/v1/table/cells/count_rows/', () => ({ status: 502, body: 'bad gateway' })), { once: true });
      expect(await a.query().where('n_genes > 1').count()).toBe(await staticV1.query().where('n_genes > 1').count());
    } finally {
      a.close();
    }
  });

  it('malformed JSON or Arrow: HttpError / CorruptDataError naming the table', async () => {
    mock.intercept(on('/v1/table/_feature_layouts/describe/', () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"version": 3, "sche' })));
    await expect(RaggedAtlas.checkoutLatest(loc, { workers: 0 })).rejects.toMatchObject({ _tag: 'Http', fields: { status: 200, table: '_feature_layouts' } });
    mock.clearInterceptors();
    mock.intercept(on('/v1/table/cells/count_rows/', () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '"lots"' })));
    await expect(cloudV1.query().where('n_genes > 1').count()).rejects.toMatchObject({ _tag: 'Http', fields: { table: 'cells' }, message: expect.stringMatching(/expected a row count/) });
    mock.clearInterceptors();
    mock.intercept(on('/v1/table/cells/query/', () => ({ status: 200, headers: { 'content-type': ARROW_STREAM }, body: new Uint8Array([255, 255, 255, 255, 9, 0, 0, 0, 1, 2, 3]) })));
    await expect(cloudV1.query().where('n_genes > 1').toArrow()).rejects.toMatchObject({ _tag: 'CorruptData', fields: { table: 'cells' } });
    mock.clearInterceptors();
    mock.intercept(
      on('/v1/table/cells/query/', async (r) => {
        const real = await mock.answer(r);
        const body = real.body as Uint8Array;
        return { ...real, body: body.subarray(0, body.length >> 1) };
      }),
    );
    await expect(cloudV1.query().where('n_genes > 1').toArrow()).rejects.toMatchObject({ _tag: 'CorruptData', fields: { table: 'cells' } });
    mock.clearInterceptors();
    mock.intercept(on('/v1/table/cells/query/', () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' })));
    await expect(cloudV1.query().toArrow()).rejects.toMatchObject({ _tag: 'Http', fields: { table: 'cells' } });
  });
});
