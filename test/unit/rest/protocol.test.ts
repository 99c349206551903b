// Our REST client and the official @lancedb/lancedb 0.39 remote client, side by side against one
// mock: for each operation the requests must match (method, path and query, body bytes, protocol
// headers; x-request-id only as "a fresh UUID") and the results must equal local LanceDB's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as lancedb from '@lancedb/lancedb';
import { plainRows, protocolView, startFixture, type Fixture } from './fixture.js';
import type { CloudTable } from '../../../src/rest/index.js';

let fx: Fixture;
let local: lancedb.Table;
beforeAll(async () => {
  fx = await startFixture();
  local = await fx.local.openTable('cells');
});
afterAll(() => fx.close());

/** Runs the official call, then ours, and checks they sent the same requests. */
async function same<T, U>(official: () => Promise<T>, ours: () => Promise<U>): Promise<[T, U]> {
  fx.mock.take();
  const a = await official();
  const sentByOfficial = fx.mock.take().map(protocolView);
  const b = await ours();
  const sentByOurs = fx.mock.take().map(protocolView);
  expect(sentByOfficial.length).toBeGreaterThan(0);
  expect(sentByOurs).toEqual(sentByOfficial);
  return [a, b];
}

/** Fresh handles on `cells` from both clients (their openTable requests compared too). */
async function openBoth(): Promise<[lancedb.Table, CloudTable]> {
  const official = await fx.official();
  const ours = fx.ours();
  return same(() => official.openTable('cells'), () => ours.openTable('cells'));
}

describe('requests match the official client', () => {
  it('tableNames: plain, limit, startAfter + limit', async () => {
    const official = await fx.official();
    const ours = fx.ours();
    for (const opts of [undefined, { limit: 1 }, { startAfter: 'cells', limit: 2 }]) {
      const [a, b] = await same(() => official.tableNames(opts), () => ours.tableNames(opts));
      expect(b).toEqual(a);
    }
    expect(await ours.tableNames()).toEqual(['cells', 'genes', 'zz_last']);
  });

  it('openTable + version/describe: same requests, and the schema equals the local table schema', async () => {
    const [officialTable, ours] = await openBoth();
    const [v1, v2] = await same(() => officialTable.version(), () => ours.version());
    expect(v2).toBe(v1);
    expect(v2).toBe(await local.version());
    const description = await ours.describe();
    expect(description.version).toBe(4);
    expect(String(description.schema)).toBe(String(await local.schema()));
    expect(String(description.schema)).toBe(String(await officialTable.schema())); // the official client reads the mock's JSON the same way
    expect(description.schema.fields.map((f) => f.nullable)).toEqual((await local.schema()).fields.map((f) => f.nullable));
  });

  it('countRows without and with a filter', async () => {
    const [officialTable, ours] = await openBoth();
    const [a, b] = await same(() => officialTable.countRows(), () => ours.countRows());
    expect(b).toBe(a);
    expect(b).toBe(await local.countRows());
    const filter = "cell_type = 'T cell' AND n_genes > 500";
    const [c, d] = await same(() => officialTable.countRows(filter), () => ours.countRows(filter));
    expect(d).toBe(c);
    expect(d).toBe(await local.countRows(filter));
    expect(d).toBeGreaterThan(0);
    // a filter that is not a string was sent as the predicate; columns as a string spread into {"0":…}
    fx.mock.take();
    await expect(ours.countRows({ filter } as never)).rejects.toMatchObject({ _tag: 'Query', message: 'countRows takes a SQL filter string, got object' });
    await expect(ours.query({ columns: 'uid' as never })).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('columns must be a list of names or {alias: SQL expression}, got string "uid"') });
    expect(fx.mock.take()).toEqual([]);
  });

  it('query with filter, select, limit, offset, withRowId', async () => {
    const [officialTable, ours] = await openBoth();
    const filter = 'n_genes > 300';
    const [a, b] = await same(
      () => officialTable.query().where(filter).select(['id', 'cell_type', 'pointer']).limit(7).offset(3).withRowId().toArrow(),
      () => ours.query({ filter, columns: ['id', 'cell_type', 'pointer'], limit: 7, offset: 3, withRowId: true }),
    );
    const expected = await local.query().where(filter).select(['id', 'cell_type', 'pointer']).limit(7).offset(3).withRowId().toArrow();
    expect(b.numRows).toBe(7);
    expect(String(b.schema)).toBe(String(expected.schema));
    expect(plainRows(b)).toEqual(plainRows(expected));
    expect(plainRows(b)).toEqual(plainRows(a));
  });

  it('query without a limit sends k = i64::MAX and returns every row', async () => {
    const [officialTable, ours] = await openBoth();
    const [, b] = await same(() => officialTable.query().toArrow(), () => ours.query());
    const expected = await local.query().toArrow();
    expect(b.numRows).toBe(expected.numRows);
    expect(plainRows(b)).toEqual(plainRows(expected));
  });

  it('vector searches: defaults, then distance type, column, nprobes, refine factor, postfilter', async () => {
    const [officialTable, ours] = await openBoth();
    const q = [1, 2.5, 0.1, 1e-7];
    const [a1, b1] = await same(() => officialTable.vectorSearch(q).limit(3).toArrow(), () => ours.query({ vector: q, limit: 3 }));
    expect(plainRows(b1)).toEqual(plainRows(a1));
    expect(plainRows(b1)).toEqual(plainRows(await local.vectorSearch(q).limit(3).toArrow()));
    const [a2, b2] = await same(
      () => officialTable.vectorSearch(q).distanceType('cosine').column('embedding').nprobes(7).refineFactor(2).where('n_genes > 200').postfilter().toArrow(),
      () => ours.query({ vector: q, distanceType: 'cosine', vectorColumn: 'embedding', nprobes: 7, refineFactor: 2, filter: 'n_genes > 200', prefilter: false }),
    );
    expect(b2.numRows).toBeLessThanOrEqual(10); // postfilter: the filter runs on the 10 nearest
    expect(plainRows(b2)).toEqual(plainRows(a2));
    const expected = await local.vectorSearch(q).distanceType('cosine').column('embedding').where('n_genes > 200').postfilter().toArrow();
    expect(plainRows(b2)).toEqual(plainRows(expected));
  });

  it('checkout(version) then countRows and query read that version', async () => {
    const [officialTable, ours] = await openBoth();
    const [, pinned] = await same(() => officialTable.checkout(2), () => ours.checkout(2));
    expect(pinned.pinnedVersion).toBe(2);
    const [a, b] = await same(() => officialTable.countRows(), () => pinned.countRows());
    const [qa, qb] = await same(() => officialTable.query().where('id >= 195').toArrow(), () => pinned.query({ filter: 'id >= 195' }));
    const old = await fx.local.openTable('cells');
    await old.checkout(2);
    expect(b).toBe(a);
    expect(b).toBe(await old.countRows());
    expect(b).toBe(220);
    expect(plainRows(qb)).toEqual(plainRows(await old.query().where('id >= 195').toArrow()));
    expect(plainRows(qb)).toEqual(plainRows(qa));
    expect(await ours.countRows()).toBe(await local.countRows()); // the latest handle is untouched
  });

  it('listVersions and listIndices', async () => {
    const [officialTable, ours] = await openBoth();
    const [va, vb] = await same(() => officialTable.listVersions(), () => ours.listVersions());
    expect(vb.map((v) => v.version)).toEqual([1, 2, 3, 4]);
    expect(vb.map((v) => v.timestamp.getTime())).toEqual(va.map((v) => new Date(v.timestamp).getTime()));
    expect(vb.map((v) => v.metadata)).toEqual(va.map((v) => v.metadata));
    const [ia, ib] = await same(() => officialTable.listIndices(), () => ours.listIndices());
    expect(ib.map((i) => [i.name, i.columns])).toEqual(ia.map((i) => [i.name, i.columns]));
    expect(ib).toEqual([{ name: 'id_idx', columns: ['id'], indexType: 'BTREE', indexUuid: expect.any(String), numIndexedRows: await local.countRows(), numUnindexedRows: 0 }]);
  });

  it('a 404 on openTable is NotFoundError naming the table (official: TableNotFound)', async () => {
    const official = await fx.official();
    const ours = fx.ours();
    const [a, b] = await same(
      () => official.openTable('missing').then(() => undefined, (e: Error) => e),
      () => ours.openTable('missing').then(() => undefined, (e: Error) => e),
    );
    expect(a?.message).toMatch(/Table 'missing' was not found/);
    expect(b).toMatchObject({ _tag: 'NotFound', fields: { table: 'missing', status: 404 } });
    expect(b?.message).toMatch(/table 'missing' was not found/);
  });
});

describe('beyond the official API', () => {
  it('a per-call version reads that version from a latest handle, without the read-your-reads header', async () => {
    const ours = await fx.ours().openTable('cells');
    fx.mock.take();
    expect(await ours.countRows(undefined, { version: 2 })).toBe(220);
    expect((await ours.query({ version: 1, columns: ['id'] })).numRows).toBe(200);
    expect((await ours.describe({ version: 3 })).version).toBe(3);
    const sent = fx.mock.take();
    expect(sent.map((r) => JSON.parse(r.text).version)).toEqual([2, 1, 3]);
    expect(sent.every((r) => r.headers['x-lancedb-min-read-version'] === undefined)).toBe(true);
    expect(await ours.version()).toBe(4); // the handle still follows the latest version
    await expect(ours.countRows(undefined, { version: -1 })).rejects.toMatchObject({ _tag: 'Query' });
  });

  it('checkoutLatest on a pinned handle goes back to the latest version', async () => {
    const ours = await fx.ours().openTable('cells');
    const pinned = await ours.checkout(1);
    expect(await pinned.countRows()).toBe(200);
    expect(await pinned.checkoutLatest().countRows()).toBe(await local.countRows());
  });
});
