// The whole predicate corpus through the product path: our Lance reader over real HTTP + our
// where() engine (with scalar indices when the table has them), against LanceDB's own filter on the
// same table. Two tables: a plain one, and one with appended fragments, deletes and BTREE/BITMAP
// indices (so index lookups, unindexed fragments and deletion files all take part).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serveDirectory, type RunningServer } from '../../../src/companion/serve.js';
import { openTable } from '../../../src/lance/index.js';
import { selectObs } from '../../../src/query/obs-select.js';
import { emptySpec } from '../../../src/query/spec.js';
import { isRaggedAtlasError } from '../../../src/errors.js';
import { PREDICATE_CORPUS } from './predicate/corpus.js';
import { buildObsTable } from './predicate/fixture.js';

const require = createRequire(import.meta.url);
const lancedb = require('@lancedb/lancedb');
const arrowCjs = require('apache-arrow');

let dir: string;
let server: RunningServer;
const oracle: Record<string, any> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-pred-lance-'));
  const db = await lancedb.connect(dir);
  const full = buildObsTable(arrowCjs);
  oracle.plain = await db.createTable('plain', full);
  // Same rows in two fragments, a few deletes, and indices covering only the first fragment's
  // rows for one of them (created before the append), so lookups mix with scans.
  const half = Math.floor(full.numRows / 2);
  const t = await db.createTable('indexed', full.slice(0, half));
  await t.createIndex('cell_type', { config: lancedb.Index.bitmap() });
  await t.add(full.slice(half));
  await t.createIndex('n_genes', { config: lancedb.Index.btree() });
  await t.createIndex('dataset_uid', { config: lancedb.Index.bitmap() });
  await t.delete('batch = 7 AND n_genes < 300');
  oracle.indexed = t;
  server = await serveDirectory(dir);
}, 300_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function lanceUids(name: string, sql: string): Promise<string[] | { error: string }> {
  try {
    const r = await oracle[name].query().where(sql).select(['uid']).toArrow();
    return Array.from({ length: r.numRows }, (_, i) => String(r.getChild('uid').get(i)));
  } catch (e) {
    return { error: String((e as Error).message).split('\n')[0]! };
  }
}

describe.each(['plain', 'indexed'])('%s table', (name) => {
  test(`all ${PREDICATE_CORPUS.length} corpus predicates select LanceDB's rows, in LanceDB's order`, async () => {
    const table = await openTable(`${server.url}/${name}.lance`);
    if (name === 'indexed') expect(table.indices().map((i) => i.columns[0]).sort()).toEqual(['cell_type', 'dataset_uid', 'n_genes']);
    let compared = 0;
    const mismatches: string[] = [];
    for (const { sql } of PREDICATE_CORPUS) {
      const want = await lanceUids(name, sql);
      let got: string[] | { error: string };
      try {
        const rows = await selectObs(table, { ...emptySpec(), where: [sql] }, { columns: ['uid'] });
        got = Array.from({ length: rows.numRows }, (_, i) => String(rows.getChild('uid')!.get(i)));
      } catch (e) {
        if (!isRaggedAtlasError(e, 'PredicateSyntax', 'Query')) throw e; // anything else is a bug
        got = { error: (e as Error).message };
      }
      if ('error' in want || 'error' in got) {
        if ('error' in want !== 'error' in got) mismatches.push(`${sql}: LanceDB ${JSON.stringify(want).slice(0, 80)} vs ours ${JSON.stringify(got).slice(0, 80)}`);
        continue;
      }
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${sql}: ${got.length} rows vs LanceDB ${want.length}`);
      compared++;
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(100);
  });
});
