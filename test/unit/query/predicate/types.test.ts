// Column types beyond the obs fixture, against LanceDB; plus the evaluator's input forms.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isRaggedAtlasError, QueryError } from '../../../../src/errors.js';
import {
  evaluatePredicate,
  evaluateTriState,
  maskToIndices,
  parsePredicate,
  referencedColumns,
  type RecordBatchLike,
  type TableLike,
} from '../../../../src/query/predicate/index.js';

const require = createRequire(import.meta.url);
const N = 64;

function negNaN(): number {
  const f = new Float64Array(1);
  new Uint32Array(f.buffer)[1] = 0xfff80000;
  return f[0]!;
}

function buildTable(large = false): arrow.Table {
  const A = arrow;
  const col = (values: unknown[], type: arrow.DataType) => A.vectorFromArray(values as never[], type as never).data[0]!;
  const ids = Array.from({ length: N }, (_, i) => i);
  const nullEvery = <T>(k: number, f: (i: number) => T) => ids.map((i) => (i % k === k - 1 ? null : f(i)));
  const floats = [0, -0, 1.5, -1.5, NaN, negNaN(), Infinity, -Infinity, 1e-310, 2.5];
  const dictType = new A.Dictionary(new A.Utf8(), new A.Int8());
  const keys = col(nullEvery(9, (i) => i % 3), new A.Int8());
  const dict = A.makeData({
    type: dictType,
    length: N,
    nullCount: keys.nullCount,
    nullBitmap: keys.nullBitmap,
    data: keys.values,
    dictionary: A.vectorFromArray(['alpha', "o'k", 'Ωmega'], new A.Utf8()),
  } as never);
  const cols: [string, arrow.DataType, arrow.Data][] = [
    ['id', new A.Int32(), col(ids, new A.Int32())],
    ['u64', new A.Uint64(), col(nullEvery(7, (i) => (i === 3 ? 18446744073709551615n : BigInt(i * 1000))), new A.Uint64())],
    ['i8', new A.Int8(), col(nullEvery(5, (i) => (i % 2 ? -(i * 4) : i * 4) % 128), new A.Int8())],
    ['i16', new A.Int16(), col(nullEvery(8, (i) => i * 500 - 16000), new A.Int16())],
    ['u32', new A.Uint32(), col(nullEvery(6, (i) => i * 67_000_000), new A.Uint32())],
    ['f', new A.Float64(), col(nullEvery(11, (i) => floats[i % floats.length]), new A.Float64())],
    ['f32', new A.Float32(), col(nullEvery(11, (i) => Math.fround(floats[(i + 3) % floats.length]!)), new A.Float32())],
    // LanceDB's Node ingest rejects LargeUtf8: the oracle table uses Utf8, a second copy LargeUtf8
    ['big_text', large ? new A.LargeUtf8() : new A.Utf8(), col(nullEvery(4, (i) => ['x', 'y_z', '50%', 'ÄÖ', ''][i % 5]), large ? new A.LargeUtf8() : new A.Utf8())],
    ['day', new A.DateDay(), col(nullEvery(10, (i) => new Date(Date.UTC(2020, 0, 1 + i * 13))), new A.DateDay())],
    ['ts_ns', new A.TimestampNanosecond(), col(nullEvery(13, (i) => Date.UTC(2021, 5, 1) + i * 3_600_000), new A.TimestampNanosecond())],
    ['flag', new A.Bool(), col(nullEvery(3, (i) => i % 2 === 0), new A.Bool())],
    ['cat', dictType, dict],
  ];
  const fields = cols.map(([name, type]) => new A.Field(name, type, true));
  return new A.Table([new A.RecordBatch(new A.Schema(fields), A.makeData({ type: new A.Struct(fields), length: N, nullCount: 0, children: cols.map((c) => c[2]) }))]);
}

const PREDICATES = [
  'u64 > 5000',
  'u64 = 18446744073709551615',
  'u64 >= 9223372036854775808',
  'u64 = -1',
  'u64 BETWEEN 1000 AND 20000',
  'NOT (u64 > 5000.5)',
  'u64 IN (0, 1000, 18446744073709551615)',
  'i8 > -10',
  'i8 = 200',
  'i8 IN (4, -4, 8)',
  'i8 * 2 < 0',
  'i8 + 127 > 0',
  'i16 < -10000',
  'u32 > 3000000000',
  'u32 = -5',
  'f = 0',
  'f = -0.0',
  'f < 0',
  'f > 1e308',
  'f < -1e308',
  'f = f',
  'f > -1 OR f <= -1',
  'f IN (0, 2.5)',
  'f BETWEEN -2 AND 2',
  'f32 > 1',
  'f32 = 2.5',
  'f32 < f',
  'f * 0 = 0',
  "big_text = 'y_z'",
  "big_text LIKE '%\\_%'",
  "big_text LIKE '50\\%'",
  "big_text ILIKE 'äö'",
  "big_text > 'x'",
  "big_text IN ('x', '')",
  "day > DATE '2020-06-01'",
  "day <= DATE '2020-03-01' OR day IS NULL",
  "day = '2020-01-01'",
  "ts_ns > TIMESTAMP '2021-06-01 12:00:00'",
  "ts_ns BETWEEN TIMESTAMP '2021-06-01 10:30:00' AND TIMESTAMP '2021-06-02'",
  "ts_ns < '2021-06-02'",
  "NOT (ts_ns < '2021-06-02')",
  'flag',
  'flag = false',
  'NOT flag OR flag IS NULL',
  "cat = 'Ωmega'",
  "cat IN ('alpha', NULL)",
  "cat LIKE 'o%'",
  "upper(cat) = 'ALPHA'",
  'cat IS NULL',
  "cat != 'alpha' AND i8 > 0",
];

let dir: string;
let lanceTable: any;
let table: any;
beforeAll(async () => {
  const lancedb = require('@lancedb/lancedb');
  dir = mkdtempSync(join(tmpdir(), 'ragged-atlas-predicate-types-'));
  const db = await lancedb.connect(dir);
  lanceTable = await db.createTable('t', buildTable());
  table = await lanceTable.query().toArrow();
});
afterAll(() => {
  lanceTable?.close?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('same rows as LanceDB on other column types', () => {
  test.each(PREDICATES)('%s', async (sql) => {
    let want: number[] | 'error';
    try {
      const r = await lanceTable.query().where(sql).select(['id']).toArrow();
      want = r.numRows ? Array.from(r.getChild('id').toArray() as Int32Array) : [];
    } catch {
      want = 'error';
    }
    let got: number[] | 'error';
    try {
      const mask = evaluatePredicate(sql, table as TableLike);
      const idCol = table.getChild('id');
      got = Array.from(maskToIndices(mask), (i) => idCol.get(i));
    } catch (e) {
      if (!isRaggedAtlasError(e, 'PredicateSyntax', 'Query')) throw e;
      got = 'error';
    }
    expect(got).toEqual(want);
  });
});

test('LargeUtf8 columns answer as Utf8 ones', () => {
  const small = buildTable(false) as unknown as TableLike;
  const large = buildTable(true) as unknown as TableLike;
  expect(String(buildTable(true).schema.fields.find((f) => f.name === 'big_text')!.type)).toBe('LargeUtf8');
  for (const sql of PREDICATES.filter((p) => p.includes('big_text'))) {
    expect(evaluatePredicate(sql, large), sql).toEqual(evaluatePredicate(sql, small));
  }
});

describe('inputs', () => {
  test('a RecordBatch, a Table, a bound predicate and a parsed Expr give the same answer', () => {
    const t = buildTable();
    const sql = "cat = 'alpha' OR f > 1";
    const fromTable = evaluatePredicate(sql, t as unknown as TableLike);
    const fromBatch = evaluatePredicate(parsePredicate(sql), t.batches[0] as unknown as RecordBatchLike);
    expect(fromBatch).toEqual(fromTable);
    const tri = evaluateTriState(sql, t as unknown as TableLike);
    expect([...new Set(tri)].sort()).toEqual([0, 1, 2]);
    expect(tri.map((v) => (v === 1 ? 1 : 0))).toEqual(fromTable);
  });

  test('an empty table', () => {
    const t = buildTable().slice(0, 0);
    expect(evaluatePredicate('f > 1', t as unknown as TableLike)).toEqual(new Uint8Array(0));
  });

  test('a batch missing a referenced column is a QueryError', () => {
    const t = buildTable().select(['id', 'f']);
    expect(() => evaluatePredicate('i8 > 1', t as unknown as TableLike)).toThrow(QueryError);
    try {
      evaluatePredicate('i8 > 1', t as unknown as TableLike);
    } catch (e) {
      expect((e as QueryError).fields.column).toBe('i8');
      expect((e as QueryError).fields.available).toEqual(['id', 'f']);
      expect((e as QueryError).message).toContain('Available columns: "id", "f"');
    }
  });

  test('referencedColumns with a schema: actual names, schema order, validation', () => {
    const schema = buildTable().schema;
    expect(referencedColumns(parsePredicate("CAT = 'x' AND (F > 1 OR lower(big_text) = 'x')"), schema)).toEqual(['f', 'big_text', 'cat']);
    expect(referencedColumns(parsePredicate('i8 > NULL OR flag'), schema)).toEqual(['flag']);
    expect(() => referencedColumns(parsePredicate('lower(BIG_TEXT) = 1'), schema)).toThrow(QueryError);
  });
});
