// Table operations written by LanceDB — appends, deletes (Arrow IPC and Roaring deletion files),
// updates, schema evolution, versions — read back over HTTP and compared with LanceDB.
import * as arrow from 'apache-arrow';
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/errors.js';
import { FsStore } from '../../../src/io/fs-store.js';
import { HttpStore } from '../../../src/io/http.js';
import { withStats } from '../../../src/io/stats.js';
import { openTable, type LanceTable } from '../../../src/lance/index.js';
import { manifestKey, parseManifestName } from '../../../src/lance/versions.js';
import { appendRows, atlasTable, columnNames, createLanceTable, diffTables, testDecompressors, type FileFormat, lanceFixture } from './helpers.js';

interface Oracle {
  query(): { withRowId(): { toArrow(): Promise<arrow.Table> } };
  delete(pred: string): Promise<unknown>;
  update(o: { where: string; valuesSql: Record<string, string> }): Promise<unknown>;
  addColumns(x: unknown): Promise<unknown>;
  dropColumns(names: string[]): Promise<unknown>;
  alterColumns(a: { path: string; rename?: string; dataType?: string }[]): Promise<unknown>;
  version(): Promise<number>;
  listVersions(): Promise<{ version: number; timestamp: Date }[]>;
  checkout(v: number): Promise<void>;
  checkoutLatest(): Promise<void>;
}

// LanceDB checks `instanceof Field` against the CommonJS build of apache-arrow it loads.
const cjsArrow = createRequire(import.meta.url)('apache-arrow') as typeof arrow;

const fx = lanceFixture('lance-ops-');
const dir = fx.dir;
const open = async (name: string, version?: number) => openTable(`${fx.server.url}/${name}.lance`, { version, decompressors: await testDecompressors() });

async function expectSame(ours: LanceTable, theirs: Oracle) {
  const o = await theirs.query().withRowId().toArrow();
  const t = await ours.scan({ withRowAddress: true });
  expect(t.numRows).toBe(o.numRows);
  expect(ours.numRows).toBe(o.numRows);
  expect(diffTables(t, o, columnNames(t).filter((c) => c !== '_rowaddr'))).toEqual([]);
  expect([...t.getChild('_rowaddr')!]).toEqual([...o.getChild('_rowid')!]);
}

describe.each(['2.1', '2.2', '2.0'] as FileFormat[])('operations on a %s table', (format) => {
  const name = `ops${format.replace('.', '')}`;
  const nullStructs = format !== '2.0';
  let tbl: Oracle;

  beforeAll(async () => {
    tbl = await createLanceTable<Oracle>(fx.db, name, atlasTable({ rows: 3000, seed: 11, nullStructs }), format);
  });

  it('reads appended fragments', async () => {
    await appendRows(tbl, atlasTable({ rows: 1500, seed: 12, startId: 3000, nullStructs }));
    await appendRows(tbl, atlasTable({ rows: 10, seed: 13, startId: 4500, nullStructs }));
    const t = await open(name);
    expect(t.fragments.length).toBe(3);
    await expectSame(t, tbl);
  });

  it('applies Arrow IPC deletion files (< 5000 deletions)', async () => {
    await tbl.delete('n_genes < 300 OR uid LIKE \'%7_%\'');
    const t = await open(name);
    const withDeletes = t.manifest.fragments.filter((f) => f.deletionFile);
    expect(withDeletes.length).toBeGreaterThan(0);
    expect(withDeletes.every((f) => f.deletionFile!.fileType === 0)).toBe(true);
    await expectSame(t, tbl);
    // offset/limit count surviving rows
    const all = await t.scan({ columns: ['uid'] });
    const part = await t.scan({ columns: ['uid'], offset: 2500, limit: 900 });
    expect([...part.getChild('uid')!]).toEqual([...all.getChild('uid')!].slice(2500, 3400));
  });

  it('applies updates (delete + new fragment)', async () => {
    await tbl.update({ where: 'i16 > 20000', valuesSql: { cell_type: "'updated'", n_genes: 'n_genes + 1' } });
    await expectSame(await open(name), tbl);
  });

  it('reads schema evolution: added, dropped, renamed and cast columns', async () => {
    await tbl.addColumns([{ name: 'doubled', valueSql: 'CAST(u16 AS BIGINT) * 2' }]);
    await tbl.addColumns(new cjsArrow.Field('nothing', new cjsArrow.Float64(), true));
    await tbl.dropColumns(['bin', 'i8']);
    await tbl.alterColumns([{ path: 'pct_mito', rename: 'mito' }, { path: 'n_genes', dataType: 'int64' }]);
    const t = await open(name);
    expect(columnNames(await t.scan({ limit: 1 }))).toContain('nothing');
    expect(t.schema.fields.find((f) => f.name === 'mito')).toBeDefined();
    expect(t.schema.fields.find((f) => f.name === 'bin')).toBeUndefined();
    // `nothing` is metadata-only: no data file stores it, so every fragment reads it as null.
    const nothing = t.fields.find((f) => f.name === 'nothing')!.id;
    expect(t.manifest.fragments.every((f) => f.files.every((d) => !d.fields.includes(nothing)))).toBe(true);
    await expectSame(t, tbl);
  });

  it('opens every version and lists them like LanceDB', async () => {
    const versions = await tbl.listVersions();
    const t = await open(name);
    const ours = await t.listVersions();
    expect(ours.map((v) => v.version)).toEqual(versions.map((v) => v.version));
    expect(ours.map((v) => v.timestamp?.getTime())).toEqual(versions.map((v) => v.timestamp.getTime()));
    for (const v of versions.map((x) => x.version)) {
      await tbl.checkout(v);
      await expectSame(await t.checkout(v), tbl);
    }
    await tbl.checkoutLatest();
  });
});

describe('deletion bitmaps, version naming and discovery', () => {
  it('applies Roaring deletion files (> 5000 deletions)', async () => {
    const tbl = await createLanceTable<Oracle>(fx.db, 'roar', atlasTable({ rows: 12_000, seed: 21 }), '2.2');
    await tbl.delete('u8 < 150');
    const t = await open('roar');
    expect(t.manifest.fragments[0]!.deletionFile?.fileType).toBe(1);
    await expectSame(t, tbl);
  });

  it('reads a table emptied by deletes, and refuses to take deleted rows', async () => {
    const tbl = await createLanceTable<Oracle>(fx.db, 'emptied', atlasTable({ rows: 500, seed: 25 }), '2.2');
    await tbl.delete('u8 >= 128');
    const t = await open('emptied');
    const deleted = (await t.scan({ withRowAddress: true, columns: ['u8'] })).getChild('_rowaddr')!;
    const gone = [...Array(500).keys()].map(BigInt).find((a) => ![...deleted].includes(a))!;
    await expect(t.take([gone])).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.take([(7n << 32n) | 1n])).rejects.toBeInstanceOf(NotFoundError);
    await tbl.delete('true');
    const empty = await open('emptied');
    expect(empty.numRows).toBe(0);
    const out = await empty.scan();
    expect([out.numRows, out.schema.fields.length]).toEqual([0, t.schema.fields.length]);
  });

  it('reads V1-named manifests and probes past a stale version hint', async () => {
    const tbl = await createLanceTable<Oracle>(fx.db, 'v1names', atlasTable({ rows: 100, seed: 22 }), '2.2', { new_table_enable_v2_manifest_paths: 'false' });
    await appendRows(tbl, atlasTable({ rows: 50, seed: 23, startId: 100 }));
    const files = readdirSync(`${dir.path}/v1names.lance/_versions`).filter((f) => f.endsWith('.manifest'));
    expect(files.every((f) => parseManifestName(f)?.scheme === 'v1')).toBe(true);
    await expectSame(await open('v1names'), tbl);
    expect((await open('v1names', 1)).numRows).toBe(100);
  });

  it('finds the latest version without a hint: by listing, else by probing', async () => {
    const tbl = await createLanceTable<Oracle>(fx.db, 'nohint', atlasTable({ rows: 20, seed: 24 }), '2.1');
    for (let i = 0; i < 4; i++) await appendRows(tbl, atlasTable({ rows: 5, seed: 30 + i, startId: 100 + i * 5 }));
    rmSync(`${dir.path}/nohint.lance/_versions/latest_version_hint.json`, { force: true });
    const latest = await tbl.version();
    const http = withStats(new HttpStore(`${fx.server.url}/nohint.lance`));
    const viaProbe = await openTable(http, { decompressors: await testDecompressors() });
    expect(viaProbe.version).toBe(latest);
    const viaList = await openTable(new FsStore(`${dir.path}/nohint.lance`), { decompressors: await testDecompressors() });
    expect(viaList.version).toBe(latest);
    expect(manifestKey(1, 'v2')).toBe('_versions/18446744073709551614.manifest');
    await expect(open('nohint', 99)).rejects.toBeInstanceOf(NotFoundError);
    await expect(open('missing-table')).rejects.toBeInstanceOf(NotFoundError);
  });
});
