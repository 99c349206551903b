// Scalar index lookups (BTREE, BITMAP) against LanceDB's own `where` results, including
// fragments the index does not cover (appends after indexing) and deleted rows.
import * as lancedb from '@lancedb/lancedb';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryError } from '../../../src/errors.js';
import { withStats } from '../../../src/io/stats.js';
import { HttpStore } from '../../../src/io/http.js';
import { openTable, type IndexQuery, type LanceTable } from '../../../src/lance/index.js';
import { statSync, readdirSync } from 'node:fs';
import { selectObs } from '../../../src/query/obs-select.js';
import { emptySpec } from '../../../src/query/spec.js';
import { WHOLE_FILE_BYTES } from '../../../src/lance/context.js';
import { appendRows, atlasTable, createLanceTable, diffTables, serve, tempDir, testDecompressors } from './helpers.js';

interface Oracle {
  createIndex(col: string, o: { config: unknown }): Promise<void>;
  delete(p: string): Promise<unknown>;
  query(): { where(s: string): { withRowId(): { select(c: string[]): { toArrow(): Promise<arrow.Table> } } } };
}

const dir = tempDir('lance-idx-');
let server: Awaited<ReturnType<typeof serve>>;
let tbl: Oracle;
let table: LanceTable;
/** A small table wholly covered by a btree index (no appends): index-driven selects fuse their take. */
let small: Oracle;

// [column, SQL, lookup]
const CASES: [string, string, IndexQuery][] = [
  ['cell_type', "cell_type = 'B cell'", { op: 'eq', value: 'B cell' }],
  ['cell_type', "cell_type IN ('NK cell', 'platelet', 'nope')", { op: 'in', values: ['NK cell', 'platelet', 'nope'] }],
  ['cell_type', 'cell_type IS NULL', { op: 'isNull' }],
  ['dataset_uid', "dataset_uid = 'dataset_2'", { op: 'eq', value: 'dataset_2' }],
  ['n_genes', 'n_genes = 1234', { op: 'eq', value: 1234 }],
  ['n_genes', 'n_genes >= 1000 AND n_genes < 1100', { op: 'range', lower: 1000, upper: 1100, upperInclusive: false }],
  ['n_genes', 'n_genes > 4990', { op: 'range', lower: 4990, lowerInclusive: false }],
  ['n_genes', 'n_genes IS NULL', { op: 'isNull' }],
  ['uid', "uid >= 'cell_00004321' AND uid < 'cell_00004400'", { op: 'range', lower: 'cell_00004321', upper: 'cell_00004400', upperInclusive: false }],
  ['big', 'big BETWEEN -1152921504606846976 AND -1152921499606846976', { op: 'range', lower: -1152921504606846976n, upper: -1152921499606846976n }],
  ['pct_mito', 'pct_mito < 1.5', { op: 'range', upper: 1.5, upperInclusive: false }],
  ['u8', 'u8 IN (1, 2, 3)', { op: 'in', values: [1, 2, 3] }],
  ['flag', 'flag = true', { op: 'eq', value: true }],
];

beforeAll(async () => {
  const db = await lancedb.connect(dir.path);
  tbl = await createLanceTable<Oracle>(db, 'cells', atlasTable({ rows: 30_000, seed: 41 }), '2.2');
  for (const c of ['cell_type', 'dataset_uid', 'u8', 'flag']) await tbl.createIndex(c, { config: lancedb.Index.bitmap() });
  for (const c of ['n_genes', 'uid', 'big', 'pct_mito']) await tbl.createIndex(c, { config: lancedb.Index.btree() });
  // Rows the indices do not cover, and deletions inside covered fragments.
  await appendRows(tbl, atlasTable({ rows: 2000, seed: 42, startId: 30_000 }));
  await tbl.delete('i16 < -20000');
  small = await createLanceTable<Oracle>(db, 'small', atlasTable({ rows: 1500, seed: 43 }), '2.2');
  await small.createIndex('n_genes', { config: lancedb.Index.btree() });
  server = await serve(dir.path);
  table = await openTable(`${server.url}/cells.lance`, { decompressors: await testDecompressors() });
});
afterAll(async () => {
  await server?.close();
  dir.remove();
});

describe('scalar index lookups', () => {
  it('lists the index segments', () => {
    const idx = table.indices();
    expect(idx.map((i) => `${i.columns[0]}:${i.type}`).sort()).toEqual(
      ['big:btree', 'cell_type:bitmap', 'dataset_uid:bitmap', 'flag:bitmap', 'n_genes:btree', 'pct_mito:btree', 'u8:bitmap', 'uid:btree'],
    );
    expect(idx.every((i) => i.queryable && i.fragments?.size === 1)).toBe(true);
  });

  it.each(CASES)('%s: %s', async (column, sql, q) => {
    const hit = await table.indexLookup(column, q);
    expect(hit).toBeDefined();
    // Rows in fragments the index does not cover: scan and filter them like a query engine would.
    const uncovered = table.fragments.map((f) => f.id).filter((f) => !hit!.coveredFragments.has(f));
    expect(uncovered.length).toBe(1);
    const rest = await table.scan({ columns: [column], withRowAddress: true, fragments: uncovered });
    const col = rest.getChild(column)!;
    const extra: bigint[] = [];
    for (let i = 0; i < rest.numRows; i++) if (matches(col.get(i), q)) extra.push(rest.getChild('_rowaddr')!.get(i) as bigint);
    const ours = [...hit!.rows, ...extra].map(String).sort();
    const theirs = await tbl.query().where(sql).withRowId().select([column]).toArrow();
    expect(ours).toEqual([...theirs.getChild('_rowid')!].map(String).sort());
  });

  it('fetches only the index pages a lookup needs', async () => {
    const store = withStats(new HttpStore(`${server.url}/cells.lance`));
    const t = await openTable(store, { decompressors: await testDecompressors() });
    const before = store.stats.bytes;
    await t.indexLookup('cell_type', { op: 'eq', value: 'monocyte' });
    const bitmapBytes = store.stats.bytes - before;
    const before2 = store.stats.bytes;
    await t.scan({ columns: ['cell_type'] });
    expect(bitmapBytes).toBeLessThan(store.stats.bytes - before2);
  });

  it('sends no HEAD for index files: their sizes come from the manifest (IndexMetadata.files)', async () => {
    const t = await openTable(`${server.url}/cells.lance`, { decompressors: await testDecompressors() });
    const from = server.requests.length;
    await t.indexLookup('n_genes', { op: 'eq', value: 1234 }); // btree: page_lookup + page_data
    await t.indexLookup('cell_type', { op: 'eq', value: 'B cell' }); // bitmap
    const idx = server.requests.slice(from).filter((r) => r.path.includes('/_indices/'));
    expect(new Set(idx.map((r) => r.path.split('/').pop())).size).toBe(3);
    expect(idx.filter((r) => (r as { method?: string }).method === 'HEAD')).toEqual([]);
  });

  it('an index-driven select reads predicate and output columns in one take; a small data file in one request', async () => {
    const t = await openTable(`${server.url}/small.lance`, { decompressors: await testDecompressors() });
    const files = readdirSync(`${dir.path}/small.lance/data`);
    expect(files).toHaveLength(1);
    expect(statSync(`${dir.path}/small.lance/data/${files[0]}`).size).toBeLessThanOrEqual(WHOLE_FILE_BYTES);
    const where = 'n_genes >= 1000 AND n_genes < 3000 AND cell_type IS NOT NULL';
    const columns = ['uid', 'cell_type', 'n_genes', 'pct_mito'];
    const from = server.requests.length;
    const all = await selectObs(t, { ...emptySpec(), where: [where] }, { columns });
    const data = server.requests.slice(from).filter((r) => r.path.includes('/data/'));
    expect(data).toHaveLength(1); // footer, predicate and output columns: one whole-file read
    // The same rows and values as LanceDB (compared in row-address order: LanceDB's order may differ).
    const theirs = await small.query().where(where).withRowId().select(columns).toArrow();
    const order = (t: arrow.Table, col: string) => [...t.getChild(col)!].map((v, i) => [BigInt(v as bigint), i] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, i]) => i);
    const byAddr = order(theirs, '_rowid');
    const want = { numRows: theirs.numRows, getChild: (c: string) => ({ get: (i: number) => theirs.getChild(c)!.get(byAddr[i]!) }) };
    expect(all.numRows).toBe(theirs.numRows);
    expect(all.numRows).toBeGreaterThan(100);
    expect(diffTables(all, want, columns)).toEqual([]);
    expect([...all.getChild('_rowaddr')!].map(String)).toEqual(byAddr.map((i) => String(theirs.getChild('_rowid')!.get(i))));
    // offset / limit slice the fused result as they slice the take.
    const page = await selectObs(t, { ...emptySpec(), where: [where], limit: 50, offset: 5 }, { columns });
    expect(diffTables(page, all.slice(5, 55), [...columns, '_rowaddr'])).toEqual([]);
  });

  it('answers undefined for unindexed columns and refuses unknown ones', async () => {
    expect(await table.indexLookup('u16', { op: 'eq', value: 1 })).toBeUndefined();
    await expect(table.indexLookup('no_such', { op: 'eq', value: 1 })).rejects.toBeInstanceOf(QueryError);
    await expect(table.indexLookup('n_genes', { op: 'eq', value: 'x' })).rejects.toBeInstanceOf(QueryError);
  });
});

function matches(v: unknown, q: IndexQuery): boolean | undefined {
  const norm = (x: unknown) => (typeof x === 'boolean' ? Number(x) : x);
  const x = norm(v) as number | bigint | string | null;
  switch (q.op) {
    case 'isNull': return x === null;
    case 'eq': return x !== null && x == norm(q.value);
    case 'in': return x !== null && q.values.some((y: unknown) => x == norm(y));
    case 'range': {
      if (x === null) return false;
      const lo = q.lower as number | bigint | string | undefined;
      const hi = q.upper as number | bigint | string | undefined;
      if (lo !== undefined && (x < lo || (x == lo && q.lowerInclusive === false))) return false;
      if (hi !== undefined && (x > hi || (x == hi && q.upperInclusive === false))) return false;
      return true;
    }
  }
}
