// An atlas whose snapshot lists several obs tables (homeobox: `create(obs_schemas={...})`). As in
// homeobox (`_resolve_obs_table`), a query must name the table then; each named table reads on its
// own pinned version.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaggedAtlas, inThreadDecoder } from '../../../src/index.js';
import { buildWalkthroughAtlas } from '../../fixtures/walkthrough.js';

let dir: string;
let root: string;
let cellsRows: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-obs-tables-'));
  root = join(dir, 'atlas');
  await buildWalkthroughAtlas(root);
  const db = await lancedb.connect(join(root, 'lance_db'));
  const cells = await db.openTable('cells');
  cellsRows = await cells.countRows();
  // A second obs table: five cells of the first, recorded with it in a new snapshot record.
  const other = await db.createTable('nuclei', await cells.query().limit(5).toArrow());
  const versions = await db.openTable('atlas_versions');
  const records = (await versions.query().toArray()) as Record<string, unknown>[];
  const last = records.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a));
  const obsVersions = { ...JSON.parse(String(last.obs_table_versions)), nuclei: await other.version() };
  await versions.add([{ ...last, version: Number(last.version) + 1, obs_table_versions: JSON.stringify(obsVersions) }]);
  for (const t of [cells, other, versions]) t.close();
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a snapshot with several obs tables', () => {
  it('needs the table named, as homeobox does, and reads each named table at its pinned version', async () => {
    const atlas = await RaggedAtlas.checkoutLatest(root, { decoder: inThreadDecoder(), cache: 'none' });
    try {
      expect(atlas.obsTables.sort()).toEqual(['cells', 'nuclei']);
      // homeobox raises here; picking `cells` silently would answer for a table the caller did not choose.
      expect(() => atlas.query()).toThrow(expect.objectContaining({ _tag: 'Query', message: expect.stringMatching(/several obs tables \(cells, nuclei\): pass one to query\(name\)/) }));
      expect(await atlas.query('cells').count()).toBe(cellsRows);
      expect(await atlas.query('nuclei').count()).toBe(5);
      const nuclei = await atlas.query('nuclei').select(['uid']).toAnnData();
      const first = await atlas.query('cells').select(['uid']).limit(5).toAnnData();
      expect(nuclei.obsNames).toEqual(first.obsNames);
      expect(nuclei.X).toEqual(first.X);
      expect(() => atlas.query('spots')).toThrow(expect.objectContaining({ _tag: 'Query', message: expect.stringMatching(/no obs table "spots" in this snapshot \(tables: cells, nuclei\)/) }));
    } finally {
      atlas.close();
    }
  });
});
