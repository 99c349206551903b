// Differential tests: tables written by LanceDB in file formats 2.0, 2.1 and 2.2, read by our
// reader over real HTTP, compared cell by cell (and row by row, via row addresses) with LanceDB.
import * as arrow from 'apache-arrow';
import { readFileSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFooter } from '../../../src/lance/file-reader.js';
import { openTable, type LanceTable } from '../../../src/lance/index.js';
import { atlasTable, columnNames, createLanceTable, diffTables, encodingCensus, FORMATS, pagedTable, testDecompressors, lanceFixture } from './helpers.js';

type Oracle = { query(): { withRowId(): { toArrow(): Promise<arrow.Table> }; limit(n: number): { offset(n: number): { toArrow(): Promise<arrow.Table> } } } };

const fx = lanceFixture('lance-formats-');
const dir = fx.dir;

describe.each(FORMATS)('file format %s', (format) => {
  const tag = format.replace('.', '');
  const open = async (name: string) => openTable(`${fx.server.url}/${name}.lance`, { decompressors: await testDecompressors() });
  let small: LanceTable;
  let medium: LanceTable;
  let smallOracle: arrow.Table;
  let mediumOracle: arrow.Table;
  let mediumTbl: Oracle;
  let paged: LanceTable;
  let pagedOracle: arrow.Table;

  beforeAll(async () => {
    const nullStructs = format !== '2.0';
    const s = await createLanceTable<Oracle>(fx.db, `small${tag}`, atlasTable({ rows: 60, wide: true, huge: true, seed: 3, nullStructs }), format);
    mediumTbl = await createLanceTable<Oracle>(fx.db, `medium${tag}`, atlasTable({ rows: 20_000, wide: true, huge: true, seed: 5, nullStructs }), format);
    smallOracle = await s.query().withRowId().toArrow();
    mediumOracle = await mediumTbl.query().withRowId().toArrow();
    const p = await createLanceTable<Oracle>(fx.db, `paged${tag}`, pagedTable(60_000, nullStructs), format);
    pagedOracle = await p.query().withRowId().toArrow();
    small = await open(`small${tag}`);
    medium = await open(`medium${tag}`);
    paged = await open(`paged${tag}`);
  });

  // Full-zip pages exist from format 2.1 on.
  if (format !== '2.0') it('reads a bool column stored full-zip (one byte per value), with and without nulls', async () => {
    // LanceDB writes `structural-encoding=fullzip` bools as 8-bit values; they read as a 1-byte block.
    const n = 1500;
    const vals = Array.from({ length: n }, (_, i) => (i % 7 < 2 ? null : i % 3 === 0));
    const field = new arrow.Field('b', new arrow.Bool(), true, new Map([['lance-encoding:structural-encoding', 'fullzip']]));
    const schema = new arrow.Schema([field]);
    const data = arrow.makeData({ type: new arrow.Struct([field]), length: n, nullCount: 0, children: [arrow.vectorFromArray(vals, new arrow.Bool()).data[0]!] });
    const oracle = await createLanceTable<Oracle>(fx.db, `boolzip${tag}`, new arrow.Table(schema, [new arrow.RecordBatch(schema, data)]), format);
    const theirs = await oracle.query().withRowId().toArrow();
    const ours = await (await open(`boolzip${tag}`)).scan();
    expect([...ours.getChild('b')!]).toEqual([...theirs.getChild('b')!]);
    expect([...ours.getChild('b')!]).toEqual(vals);
  });

  it('writes data files whose footer says the format', () => {
    const files = readdirSync(`${dir.path}/medium${tag}.lance/data`);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(`${dir.path}/medium${tag}.lance/data/${f}`));
      expect(parseFooter(bytes, bytes.length, f).version).toBe(format);
    }
    expect(medium.fragments[0]!.files[0]!.fileVersion).toBe(format === '2.0' ? '2.0' : format);
  });

  it('exercises every layout and encoding the default writer produces', async () => {
    const used = new Set<string>();
    for (const t of ['small', 'medium', 'paged']) for (const e of await encodingCensus(`${dir.path}/${t}${tag}.lance`)) used.add(e);
    const expected = format === '2.0'
      ? ['nullable(none)', 'nullable(some)', 'flat', 'binary', 'dictionary', 'fixedSizeList', 'list', 'struct']
      : ['miniBlock', 'fullZip', 'constant', 'miniBlock+dictionary', 'flat', 'variable', 'inlineBitpacking', 'outOfLineBitpacking',
        'fsst', 'general(zstd)', 'fixedSizeList', 'fixedSizeList+validity', ...(format === '2.1' ? ['rle'] : ['general(lz4)'])];
    expect([...used].sort()).toEqual(expect.arrayContaining(expected.sort()));
  });

  it('has the same schema as LanceDB, with field and schema metadata', () => {
    const theirs = smallOracle.schema.fields.filter((f) => f.name !== '_rowid');
    const describe = (f: arrow.Field) => `${f.name}:${f.type}:${f.nullable}:${JSON.stringify([...f.metadata])}`;
    expect(small.schema.fields.map(describe)).toEqual(theirs.map(describe));
    expect(small.schema.fields.find((f) => f.name === 'pointer')!.metadata.get('homeobox.feature_space')).toBe('gene_expression');
    expect(small.schema.metadata.get('homeobox.schema')).toBe('obs/1');
  });

  it('stops when its signal fires', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(medium.scan({ signal: ac.signal })).rejects.toMatchObject({ _tag: 'Aborted' });
  });

  it('reads every cell of a small table in LanceDB row order', async () => {
    const ours = await small.scan({ withRowAddress: true });
    expect(diffTables(ours, smallOracle, columnNames(ours).filter((c) => c !== '_rowaddr'))).toEqual([]);
    expect([...ours.getChild('_rowaddr')!]).toEqual([...smallOracle.getChild('_rowid')!]);
  });

  it('reads every cell of a 20k-row table (all encodings) in LanceDB row order', async () => {
    const ours = await medium.scan({ withRowAddress: true });
    expect(ours.numRows).toBe(20_000);
    expect(diffTables(ours, mediumOracle, columnNames(ours).filter((c) => c !== '_rowaddr'))).toEqual([]);
    expect([...ours.getChild('_rowaddr')!]).toEqual([...mediumOracle.getChild('_rowid')!]);
  });

  it('projects columns and struct children', async () => {
    const ours = await medium.scan({ columns: ['pointer.zarr_group', 'tags', 'uid', 'position.position'] });
    expect(columnNames(ours)).toEqual(['pointer.zarr_group', 'tags', 'uid', 'position.position']);
    const ptr = mediumOracle.getChild('pointer')!;
    const pos = mediumOracle.getChild('position')!;
    for (let i = 0; i < ours.numRows; i += 7) {
      expect(ours.getChild('pointer.zarr_group')!.get(i)).toBe(ptr.get(i)?.zarr_group ?? null);
      expect(ours.getChild('position.position')!.get(i)).toBe(pos.get(i)?.position ?? null);
    }
    expect(diffTables(ours, mediumOracle, ['tags', 'uid'])).toEqual([]);
  });

  it('narrows struct columns to some children (scan and take), then reads them whole again', async () => {
    const structChildren = { pointer: ['zarr_row', 'zarr_group'] };
    const narrow = await medium.scan({ columns: ['uid', 'pointer'], structChildren, withRowAddress: true });
    const type = narrow.schema.fields.find((f) => f.name === 'pointer')!.type as arrow.Struct;
    expect(type.children.map((c) => c.name)).toEqual(['zarr_group', 'zarr_row']); // stored order
    const ptr = mediumOracle.getChild('pointer')!;
    const rows = Array.from({ length: 400 }, (_, k) => (k * 47) % narrow.numRows);
    const took = await medium.take(BigUint64Array.from(rows, (r) => narrow.getChild('_rowaddr')!.get(r) as bigint), { columns: ['pointer'], structChildren });
    rows.forEach((r, k) => {
      for (const t of [narrow.getChild('pointer')!.get(r), took.getChild('pointer')!.get(k)]) {
        expect(t?.zarr_group ?? null).toBe(ptr.get(r)?.zarr_group ?? null);
        expect(t?.zarr_row ?? null).toBe(ptr.get(r)?.zarr_row ?? null);
      }
    });
    // Every child again afterwards: nothing cached for the narrowed read stands in for the whole one.
    expect(diffTables(await medium.scan({ columns: ['pointer'] }), mediumOracle, ['pointer'])).toEqual([]);
    await expect(medium.scan({ columns: ['pointer'], structChildren: { pointer: ['nope'] } })).rejects.toMatchObject({ _tag: 'Query' });
    await expect(medium.scan({ columns: ['uid'], structChildren: { uid: ['x'] } })).rejects.toMatchObject({ _tag: 'Query' });
  });

  it('applies limit and offset like LanceDB', async () => {
    for (const [limit, offset] of [[10, 0], [1000, 12_345], [50, 19_990]] as const) {
      const ours = await medium.scan({ limit, offset, columns: ['uid', 'n_genes', 'emb128', 'long_text'] });
      const theirs = await mediumTbl.query().limit(limit).offset(offset).toArrow();
      expect(diffTables(ours, theirs, ['uid', 'n_genes', 'emb128', 'long_text'])).toEqual([]);
    }
  });

  it('streams batches that concatenate to the full scan', async () => {
    const cols = ['uid', 'tags', 'pointer', 'emb8', 'fsst_text', 'huge'];
    const batches: arrow.RecordBatch[] = [];
    for await (const b of medium.scanBatches({ columns: cols, batchSize: 3000, offset: 1000 })) batches.push(b);
    expect(batches.map((b) => b.numRows)).toEqual([3000, 3000, 3000, 3000, 3000, 3000, 1000]);
    const ours = new arrow.Table(batches);
    expect(diffTables(ours, mediumOracle.slice(1000), cols)).toEqual([]);
  });

  it('reads nested columns split over many pages, whole and in batches that straddle pages', async () => {
    const file = (await paged.scan({ limit: 1 })) && paged.fragments[0]!;
    expect(file.numRows).toBe(60_000);
    const ours = await paged.scan({ withRowAddress: true });
    expect(diffTables(ours, pagedOracle, ['tags', 'text', 'pointer'])).toEqual([]);
    const batches: arrow.RecordBatch[] = [];
    for await (const b of paged.scanBatches({ batchSize: 7000, offset: 5 })) batches.push(b);
    expect(diffTables(new arrow.Table(batches), pagedOracle.slice(5), ['tags', 'text', 'pointer'])).toEqual([]);
  });

  it('takes rows by row address in the order given', async () => {
    const all = mediumOracle.getChild('_rowid')!;
    const picks = [19_999, 0, 4242, 4243, 17, 10_000, 8191, 8192];
    const ours = await medium.take(BigUint64Array.from(picks, (i) => all.get(i) as bigint), { columns: ['uid', 'tags', 'pointer', 'emb128'], withRowAddress: true });
    expect(ours.numRows).toBe(picks.length);
    expect(diffTables(ours, picked(mediumOracle, picks), ['uid', 'tags', 'pointer', 'emb128'])).toEqual([]);
  });
});

function picked(t: arrow.Table, rows: number[]) {
  return {
    numRows: rows.length,
    getChild: (n: string) => {
      const c = t.getChild(n);
      return c && { get: (i: number) => c.get(rows[i]!) };
    },
  };
}
