// The corpus against the oracle: for every predicate, the rows our evaluator selects over the table
// LanceDB returns (apache-arrow CJS objects) are exactly — same rows, same order — the rows
// `table.query().where(sql)` returns; where LanceDB fails, we fail with PredicateSyntaxError/QueryError.
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isRaggedAtlasError } from '../../../../src/errors.js';
import { evaluatePredicate, maskToIndices, type TableLike } from '../../../../src/query/predicate/index.js';
import { PREDICATE_CORPUS } from './corpus.js';
import { CORPUS_EXPECTED } from './corpus-expected.js';
import { buildObsTable, reprinted } from './fixture.js';
import { openOracle, rowsHash, type Oracle } from './oracle.js';

type Outcome = { rows: number[] } | { error: string };

function ours(sql: string, table: TableLike): Outcome {
  try {
    return { rows: Array.from(maskToIndices(evaluatePredicate(sql, table))) };
  } catch (e) {
    if (!isRaggedAtlasError(e, 'PredicateSyntax', 'Query')) throw e; // anything else is a bug
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

function expectSame(sql: string, got: Outcome, want: Outcome): void {
  if ('error' in want) {
    expect('error' in got, `${sql}: LanceDB fails (${want.error.slice(0, 200)}) but we selected rows`).toBe(true);
  } else {
    expect('rows' in got, `${sql}: LanceDB selects ${want.rows.length} rows but we failed: ${'error' in got ? got.error : ''}`).toBe(true);
    expect((got as { rows: number[] }).rows, sql).toEqual(want.rows);
  }
}

let oracle: Oracle;
const lance = new Map<string, Outcome>();

beforeAll(async () => {
  oracle = await openOracle();
  for (const { sql } of PREDICATE_CORPUS) lance.set(sql, await oracle.where(sql));
});
afterAll(() => oracle?.close());

test('the corpus is large and unique', () => {
  expect(PREDICATE_CORPUS.length).toBeGreaterThanOrEqual(120);
  expect(new Set(PREDICATE_CORPUS.map((c) => c.sql)).size).toBe(PREDICATE_CORPUS.length);
  const selecting = [...lance.values()].filter((o) => 'rows' in o && o.rows.length > 0).length;
  expect(selecting).toBeGreaterThanOrEqual(150);
});

describe('same rows as LanceDB over the table LanceDB returns', () => {
  test.each(PREDICATE_CORPUS.map((c) => [c.sql, c.note ?? ''] as const))('%s', (sql) => {
    expectSame(sql, ours(sql, oracle.table as unknown as TableLike), lance.get(sql)!);
  });
});

describe('LanceDB still answers as recorded in corpus-expected.ts', () => {
  test.each(PREDICATE_CORPUS.map((c) => c.sql))('%s', (sql) => {
    const want = CORPUS_EXPECTED.get(sql);
    expect(want, `no recorded expectation for ${sql}: run gen-expected.ts`).toBeDefined();
    const got = lance.get(sql)!;
    if ('error' in want!) expect('error' in got).toBe(true);
    else expect('rows' in got ? { count: got.rows.length, hash: rowsHash(got.rows) } : got).toEqual(want);
  });
});

test('same rows over the ESM-built table, split into batches with offsets', () => {
  const whole = buildObsTable(arrow);
  // slicing gives Data with non-zero offsets; concatenating slices gives a multi-batch table
  const parts = [whole.slice(0, 1000), whole.slice(1000, 1001), whole.slice(1001, 2222), whole.slice(2222)];
  const split = new arrow.Table(parts.flatMap((p) => p.batches));
  expect(split.batches.length).toBeGreaterThan(1);
  for (const { sql } of PREDICATE_CORPUS) {
    const want = lance.get(sql)!;
    expectSame(sql, ours(sql, whole as unknown as TableLike), want);
    expectSame(sql, ours(sql, split as unknown as TableLike), want);
  }
});

test('toSql re-serialises every corpus predicate to SQL LanceDB reads the same way', async () => {
  for (const { sql } of PREDICATE_CORPUS) {
    const r = reprinted(sql);
    if (!r) continue;
    const { again } = r;
    const want = lance.get(sql)!;
    expectSame(`${sql} → ${again}`, await oracle.where(again), want);
    expectSame(`${sql} → ${again}`, ours(again, oracle.table as unknown as TableLike), want);
  }
});

test('a value that fails at run time names the predicate it failed in (no text position to give)', () => {
  const table = oracle.table as unknown as TableLike;
  for (const sql of ['n_genes / 0 > 1', "CAST(cell_type AS INT) > 0"]) {
    let err: unknown;
    try {
      evaluatePredicate(sql, table);
    } catch (e) {
      err = e;
    }
    expect(isRaggedAtlasError(err, 'Query'), sql).toBe(true);
    expect((err as { where?: string }).where, sql).toMatch(/^where\(.+\)$/);
    expect((err as Error).message, sql).toContain(`(at ${(err as { where: string }).where})`);
  }
});
