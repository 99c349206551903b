// LanceDB (Node) as the oracle: writes the fixture table to a temporary directory and answers
// `where(sql)` with the selected row indices (in the order LanceDB returns them).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    async where(sql: string) {
      try {
        const r = await tbl.query().where(sql).select(['uid']).toArrow();
        const out: number[] = [];
        if (r.numRows > 0) {
          const u = r.getChild('uid');
          for (let i = 0; i < r.numRows; i++) out.push(index.get(u.get(i))!);
        }
        return { rows: out };
      } catch (e) {
        return { error: String((e as Error).message).split('\n')[0]! };
      }
    },
    close() {
      tbl.close?.();
      db.close?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
