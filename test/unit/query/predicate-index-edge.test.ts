// Index-driven `where` on key types whose order is easy to get wrong, against LanceDB's own results
// on the same tables (with the index, and LanceDB's plain scan of an unindexed copy, which agree):
// Date32 keys (stored as days), float keys with NaN / ±Infinity / null (NaN sorts after +Infinity
// in arrow-rs's float order), and a table with stable row ids (its indices store row ids, which the
// reader cannot map: the query must scan, not fail). Also unary minus on unsigned columns, which
// DataFusion refuses.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTable } from '../../../src/lance/index.js';
import { tableBytes } from '../../../src/query/obs-memo.js';
import { selectObs } from '../../../src/query/obs-select.js';
import { emptySpec } from '../../../src/query/spec.js';

const require = createRequire(import.meta.url);
const lancedb = require('@lancedb/lancedb');
const A = require('apache-arrow'); // LanceDB's own (CJS) arrow build

const dir = mkdtempSync(join(tmpdir(), 'ra-pred-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Cols = Record<string, [unknown[], unknown]>;
async function lanceTable(name: string, cols: Cols, indices: string[], storageOptions?: Record<string, string>) {
  const db = await lancedb.connect(dir);
  const fields = Object.entries(cols).map(([n, [, t]]) => new A.Field(n, t, true));
  const data = Object.values(cols).map(([v, t]) => A.vectorFromArray(v, t).data[0]);
  const batch = new A.RecordBatch(new A.Schema(fields), A.makeData({ type: new A.Struct(fields), length: data[0].length, nullCount: 0, children: data }));
  const t = await db.createTable(name, new A.Table([batch]), storageOptions ? { storageOptions } : undefined);
  for (const c of indices) await t.createIndex(c, { config: lancedb.Index.btree() });
  return t;
}

async function ids(name: string, sql: string): Promise<number[]> {
  const t = await openTable(join(dir, `${name}.lance`));
  const r = await selectObs(t, { ...emptySpec(), where: [sql] }, { columns: ['id'] });
  return Array.from(r.getChild('id')!.toArray() as Int32Array);
}
const theirs = async (t: { query(): { where(s: string): { select(c: string[]): { toArray(): Promise<{ id: number }[]> } } } }, sql: string) =>
  (await t.query().where(sql).select(['id']).toArray()).map((r) => r.id);

const days = ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-04'].map((d) => new Date(`${d}T00:00:00Z`));
const floats = [1, 2, NaN, Infinity, null, -Infinity, 0];
let indexed: Record<string, unknown> = {};
let plain: Record<string, unknown> = {};

beforeAll(async () => {
  const dateCols: Cols = { id: [[0, 1, 2, 3], new A.Int32()], d: [days, new A.DateDay()] };
  const floatCols: Cols = {
    id: [floats.map((_, i) => i), new A.Int32()],
    f: [floats, new A.Float64()],
    g: [floats.map((x) => (x === null ? null : Math.fround(x))), new A.Float32()],
  };
  indexed = { dates: await lanceTable('dates', dateCols, ['d']), floats: await lanceTable('floats', floatCols, ['f', 'g']) };
  plain = { dates: await lanceTable('dates_plain', dateCols, []), floats: await lanceTable('floats_plain', floatCols, []) };
  await lanceTable('stable', { id: [[0, 1, 2, 3], new A.Int32()], x: [[5, 6, 5, 7], new A.Int32()] }, ['x'], { new_table_enable_stable_row_ids: 'true' });
}, 60_000);

const DATE_CASES = ["d = DATE '2020-01-02'", "d <= DATE '2020-01-02'", "d IN (DATE '2020-01-02', DATE '2020-01-03')", "d BETWEEN DATE '2020-01-02' AND DATE '2020-01-03'", "d > DATE '2020-01-02'"];
const FLOAT_CASES = ['f > 1', 'f >= 1e308', 'g > 1', 'f > 1e400', 'f BETWEEN 0 AND 1e400', 'f < 1', 'g <= 0', 'f IS NULL'];

test.each([...DATE_CASES.map((s) => ['dates', s]), ...FLOAT_CASES.map((s) => ['floats', s])])('%s: %s, through the btree, equals LanceDB', async (name, sql) => {
  const want = await theirs(indexed[name] as never, sql);
  expect(await theirs(plain[name] as never, sql)).toEqual(want); // LanceDB agrees with itself
  expect(await ids(name, sql)).toEqual(want);
  expect(await ids(`${name}_plain`, sql)).toEqual(want);
});

test('a table with stable row ids: an indexed predicate scans instead of failing', async () => {
  expect(await ids('stable', 'x = 5')).toEqual([0, 2]);
  expect(await ids('stable', 'x >= 6')).toEqual([1, 3]);
});

test('unary minus on an unsigned column is refused at binding (DataFusion: "Negation only supports" signed types)', async () => {
  const t = await lanceTable('neg', { id: [[0, 1, 2], new A.Int32()], u: [[1, 7, 200], new A.Uint8()] }, []);
  await expect(theirs(t, '-u > 5')).rejects.toThrow(/Negation only supports/);
  await expect(ids('neg', '-u > 5')).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('Unary minus needs a signed number, got UInt8') });
});

test('index candidates that the rest of the predicate rejects give an empty, well-formed table with the table schema', async () => {
  // Found by a randomized differential run: the index-fused take of zero kept rows built a table whose
  // batch held vectors where Data belongs (a TypeError in the obs memo), and picked rows lost the
  // fields' nullability.
  const db = await lancedb.connect(dir);
  const fields = [new A.Field('id', new A.Int32(), false), new A.Field('x', new A.Int32(), true), new A.Field('name', new A.Utf8(), false)];
  const cols = [A.vectorFromArray([0, 1, 2, 3], new A.Int32()), A.vectorFromArray([5, 6, 5, 7], new A.Int32()), A.vectorFromArray(['a', 'b', 'c', 'd'], new A.Utf8())];
  const batch = new A.RecordBatch(new A.Schema(fields), A.makeData({ type: new A.Struct(fields), length: 4, nullCount: 0, children: cols.map((c: { data: unknown[] }) => c.data[0]) }));
  const t = await db.createTable('fused', new A.Table([batch]));
  await t.createIndex('x', { config: lancedb.Index.btree() });
  const table = await openTable(join(dir, 'fused.lance'));
  for (const [sql, want] of [["x = 5 AND name LIKE 'zzz%'", []], ["x = 5 AND name = 'c'", [2]], ['x = 5', [0, 2]]] as const) {
    expect(await theirs(t, sql)).toEqual(want);
    const r = await selectObs(table, { ...emptySpec(), where: [sql] }, { columns: ['id', 'name'] });
    expect(Array.from(r.getChild('id')!.toArray() as Int32Array), sql).toEqual(want);
    expect(tableBytes(r)).toBeGreaterThanOrEqual(0);
    expect(r.schema.fields.filter((f) => f.name !== '_rowaddr').map((f) => [f.name, f.nullable]), sql).toEqual([['id', false], ['name', false]]);
  }
});
