// LanceDB (Node) as the oracle: writes the fixture table to a temporary directory and answers
// `where(sql)` with the selected row indices (in the order LanceDB returns them).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRaggedAtlasError } from '../../../../src/errors.js';
import { evaluatePredicate, maskToIndices, type TableLike } from '../../../../src/query/predicate/index.js';
import { buildObsTable } from './fixture.js';

const require = createRequire(import.meta.url);

export interface Oracle {
  /** The table as LanceDB returns it (apache-arrow CJS objects). */
  table: { numRows: number; schema: { fields: { name: string; type: any }[] }; batches: any[]; getChild(name: string): any };
  /** Row indices selected by LanceDB, or the error it raised. */
  where(sql: string): Promise<{ rows: number[] } | { error: string }>;
  close(): void;
}

export async function openOracle(rows?: number): Promise<Oracle> {
  const lancedb = require('@lancedb/lancedb');
  const dir = mkdtempSync(join(tmpdir(), 'ragged-atlas-predicate-'));
  const db = await lancedb.connect(dir);
  const tbl = await db.createTable('obs', buildObsTable(undefined, rows));
  const table = await tbl.query().toArrow();
  const uidCol = table.getChild('uid');
  const index = new Map<string, number>();
  for (let i = 0; i < table.numRows; i++) index.set(uidCol.get(i), i);
  return {
    table,
    where: (sql: string) => lanceSelect(tbl, sql, 'uid', (u) => index.get(u as string)!),
    close() {
      tbl.close?.();
      db.close?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** LanceDB's `where(sql)` on `native`: each selected row's `column`, mapped to a row number, in LanceDB's order; or its error. */
async function lanceSelect(native: any, sql: string, column: string, row: (v: unknown) => number): Promise<Outcome> {
  try {
    const r = await native.query().where(sql).select([column]).toArrow();
    return { rows: Array.from({ length: r.numRows }, (_, k) => row(r.getChild(column).get(k))) };
  } catch (e) {
    return { error: String((e as Error).message).split('\n')[0]! };
  }
}

/** FNV-1a over the row indices: a compact fingerprint of a row selection. */
export function rowsHash(rows: ArrayLike<number>): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < rows.length; i++) {
    let x = rows[i]!;
    for (let b = 0; b < 4; b++) {
      h ^= x & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
      x >>>= 8;
    }
  }
  return h.toString(16).padStart(8, '0');
}

/** What a predicate selected (ids) or the error it raised. */
export type Outcome = { rows: number[] } | { error: string };

/**
 * `data` (an arrow Table of LanceDB's apache-arrow, with an int `id` column) written through
 * LanceDB into a temporary directory: `where` answers with the ids LanceDB selects, in its order;
 * `table` is the table as LanceDB reads it back (what our evaluator is run on); `native` the
 * LanceDB table itself.
 */
export async function openIdOracle(name: string, data: unknown): Promise<{ table: TableLike; native: any; where(sql: string): Promise<Outcome>; close(): void }> {
  const lancedb = require('@lancedb/lancedb');
  const dir = mkdtempSync(join(tmpdir(), `ragged-atlas-${name}-`));
  const db = await lancedb.connect(dir);
  const native = await db.createTable(name, data);
  return {
    table: (await native.query().toArrow()) as TableLike,
    native,
    where: (sql: string) => lanceSelect(native, sql, 'id', (v) => v as number),
    close() {
      native.close?.();
      db.close?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The ids our evaluator selects from `table` (table order), or the typed error it raised. */
export function oursById(sql: string, table: TableLike): Outcome {
  try {
    const ids = (table as unknown as { getChild(n: string): { get(i: number): unknown } }).getChild('id');
    return { rows: Array.from(maskToIndices(evaluatePredicate(sql, table)), (k) => ids.get(k) as number) };
  } catch (e) {
    if (!isRaggedAtlasError(e, 'PredicateSyntax', 'Query')) throw e;
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}
