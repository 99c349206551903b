// Dictionary-typed columns (Arrow Dictionary<K, V>: what apache-arrow's tableFromArrays makes from
// JS strings, what pandas categoricals become) and other types that once vanished from the schema,
// written by LanceDB in file formats 2.0, 2.1 and 2.2 and compared cell by cell with LanceDB.
//
// Lance stores such a field with logical type `dict:{value}:{key}:false`; 2.0 pages are
// `dictionary{indices: the Arrow keys, items: the Arrow dictionary + a null item}`, 2.1/2.2 pages
// are mini-block pages whose dictionary is the Arrow dictionary (nulls in def levels). LanceDB
// returns Dictionary columns, and so do we.
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { openTable, type LanceTable } from '../../../src/lance/index.js';
import { stringCodes } from '../../../src/arrow/columns.js';
import { dictionaryOrigin } from '../../../src/arrow/dictionary-origin.js';
import { appendRows, columnNames, createLanceTable, diffTables, FORMATS, testDecompressors, lanceFixture } from './helpers.js';

type Oracle = {
  query(): { withRowId(): { toArrow(): Promise<arrow.Table> } };
  delete(predicate: string): Promise<unknown>;
};

const fx = lanceFixture('lance-dict-');

/** A Dictionary vector from keys (null = null row) and dictionary values. */
function dictionary(valueType: arrow.DataType, keyType: arrow.Int, values: unknown[], keys: (number | null)[]): arrow.Data {
  const k = arrow.vectorFromArray(keys, keyType as never).data[0]!;
  const type = new arrow.Dictionary(valueType, keyType as arrow.Int32);
  return arrow.makeData({
    type, length: keys.length, nullCount: k.nullCount, nullBitmap: k.nullBitmap, data: k.values as Int32Array,
    dictionary: arrow.vectorFromArray(values as never[], valueType as never),
  } as never);
}

const TISSUES = ['blood', 'lung', null, "Peyer's patch", 'unused', 'bone marrow', 'Ünïcödé 🧬', ''];

/** Every dictionary flavour LanceDB writes, plus bfloat16 vectors. `seed` shifts the values. */
function dictTable(n: number, seed: number, nullStructs: boolean): arrow.Table {
  const ids = Array.from({ length: n }, (_, i) => i + seed * n);
  const utf8 = new arrow.Utf8();
  const cols: [string, arrow.Data][] = [
    ['id', arrow.vectorFromArray(ids, new arrow.Int32()).data[0]!],
    // Null rows both as null keys and as keys pointing at a null dictionary value; an unused value.
    // Dictionary order differs with the seed (so appended fragments have different dictionaries).
    ['tissue', dictionary(utf8, new arrow.Int32(), [...TISSUES.slice(seed), ...TISSUES.slice(0, seed)], ids.map((i) => (i % 13 === 0 ? null : (i * 7) % 8)))],
    // What tableFromArrays makes from a JS string array.
    ['cat', arrow.tableFromArrays({ cat: ids.map((i) => (i % 17 === 0 ? null : `cat ${(i * 3) % 11}`)) as string[] }).getChild('cat')!.data[0]!],
    ['small_keys', dictionary(new arrow.Int64(), new arrow.Uint8(), [10n, -20n, 2n ** 60n], ids.map((i) => (i % 7 === 0 ? null : i % 3)))],
    ['i16_keys', dictionary(utf8, new arrow.Int16(), ['p', 'q'], ids.map((i) => (i % 9 === 0 ? null : i % 2)))],
    ['floats', dictionary(new arrow.Float32(), new arrow.Int32(), [1.5, -2.25, Number.NaN], ids.map((i) => i % 3))],
    ['bytes', dictionary(new arrow.Binary(), new arrow.Int32(), [Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(255)], ids.map((i) => (i % 5 === 0 ? null : i % 3)))],
    ['large', dictionary(new arrow.LargeUtf8(), new arrow.Int32(), ['L1', 'L2'], ids.map((i) => i % 2))],
    ['all_null', dictionary(utf8, new arrow.Int32(), ['a', 'b'], ids.map(() => null))],
    ['same', dictionary(utf8, new arrow.Int32(), ['only'], ids.map(() => 0))],
  ];
  // list<dict>: null lists, empty lists, null items.
  const listKeys: (number | null)[] = [];
  const offsets = [0];
  const listValid: boolean[] = [];
  for (const i of ids) {
    const len = i % 11 === 0 ? 0 : i % 4;
    for (let k = 0; k < len; k++) listKeys.push((i + k) % 5 === 0 ? null : (i + k) % 3);
    offsets.push(listKeys.length);
    listValid.push(i % 11 !== 0 || i % 2 === 0);
  }
  const lv = arrow.vectorFromArray(listValid, new arrow.Bool()).data[0]!;
  const listType = new arrow.List(new arrow.Field('item', new arrow.Dictionary(utf8, new arrow.Int32()), true));
  cols.push(['tags', arrow.makeData({
    type: listType, length: n, nullCount: listValid.filter((v) => !v).length, nullBitmap: lv.values,
    valueOffsets: Int32Array.from(offsets), child: dictionary(utf8, new arrow.Int32(), ['x', 'y', 'z'], listKeys),
  } as never)]);
  // struct<dict>; 2.0 cannot store null structs.
  const sv = ids.map((i) => !nullStructs || i % 19 !== 0);
  const structType = new arrow.Struct([new arrow.Field('label', new arrow.Dictionary(utf8, new arrow.Int32()), true), new arrow.Field('n', new arrow.Int32(), true)]);
  cols.push(['meta', arrow.makeData({
    type: structType, length: n, nullCount: sv.filter((v) => !v).length, nullBitmap: arrow.vectorFromArray(sv, new arrow.Bool()).data[0]!.values,
    children: [dictionary(utf8, new arrow.Int32(), ['u', 'v'], ids.map((i) => (i % 4 === 0 ? null : i % 2))), arrow.vectorFromArray(ids, new arrow.Int32()).data[0]!],
  })]);
  // bfloat16 vectors (Lance extension type, logical type fixed_size_list:lance.bfloat16:4).
  const bf = new arrow.Field('item', new arrow.FixedSizeBinary(2), true, new Map([['ARROW:extension:name', 'lance.bfloat16']]));
  const bfChild = arrow.makeData({ type: new arrow.FixedSizeBinary(2), length: n * 4, nullCount: 0, data: Uint8Array.from({ length: n * 8 }, (_, k) => (k * 31 + seed) & 255) });
  cols.push(['bf16', arrow.makeData({ type: new arrow.FixedSizeList(4, bf), length: n, nullCount: 0, child: bfChild })]);

  const fields = cols.map(([name, d]) => new arrow.Field(name, d.type, true));
  const schema = new arrow.Schema(fields);
  return new arrow.Table(schema, new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children: cols.map((c) => c[1]) })));
}

const DICT_COLUMNS = ['tissue', 'cat', 'small_keys', 'i16_keys', 'floats', 'bytes', 'large', 'all_null', 'same'];

describe.each(FORMATS)('file format %s', (format) => {
  const tag = format.replace('.', '');
  const open = async (name: string) => openTable(`${fx.server.url}/${name}.lance`, { decompressors: await testDecompressors() });
  let plain: LanceTable;
  let oracle: arrow.Table;
  let edited: Oracle;

  beforeAll(async () => {
    const nullStructs = format !== '2.0';
    const t = await createLanceTable<Oracle>(fx.db, `dict${tag}`, dictTable(6000, 0, nullStructs), format);
    oracle = await t.query().withRowId().toArrow();
    plain = await open(`dict${tag}`);
    // Two fragments with different dictionaries, and deletions.
    edited = await createLanceTable<Oracle>(fx.db, `dictedit${tag}`, dictTable(3000, 1, nullStructs), format);
    await appendRows(edited, dictTable(2500, 2, nullStructs));
    await edited.delete('id % 5 = 2');
  });

  it('lists dictionary fields in the schema with LanceDB types', () => {
    const describe = (f: arrow.Field) => `${f.name}:${f.type}:${f.nullable}`;
    expect(plain.schema.fields.map(describe)).toEqual(oracle.schema.fields.filter((f) => f.name !== '_rowid').map(describe));
    expect(String(plain.schema.fields.find((f) => f.name === 'tissue')!.type)).toBe('Dictionary<Int32, Utf8>');
    expect(String(plain.schema.fields.find((f) => f.name === 'small_keys')!.type)).toBe('Dictionary<Uint8, Int64>');
    const bf = plain.schema.fields.find((f) => f.name === 'bf16')!.type as arrow.FixedSizeList;
    expect(bf.children[0]!.metadata.get('ARROW:extension:name')).toBe('lance.bfloat16');
  });

  it('reads every cell like LanceDB, as Dictionary vectors with the same nulls', async () => {
    const ours = await plain.scan({ withRowAddress: true });
    expect(diffTables(ours, oracle, columnNames(ours).filter((c) => c !== '_rowaddr'))).toEqual([]);
    expect([...ours.getChild('_rowaddr')!]).toEqual([...oracle.getChild('_rowid')!]);
    for (const c of DICT_COLUMNS) {
      const v = ours.getChild(c)!;
      expect(arrow.DataType.isDictionary(v.type), c).toBe(true);
      expect(v.nullCount, c).toBe(oracle.getChild(c)!.nullCount);
    }
    expect(ours.getChild('small_keys')!.data[0]!.values).toBeInstanceOf(Uint8Array);
    expect(ours.getChild('i16_keys')!.data[0]!.values).toBeInstanceOf(Int16Array);
    expect(ours.getChild('all_null')!.nullCount).toBe(6000);
  });

  it('streams batches and takes rows by address', async () => {
    const batches: arrow.RecordBatch[] = [];
    for await (const b of plain.scanBatches({ batchSize: 1000, offset: 777 })) batches.push(b);
    const cols = columnNames(oracle).filter((c) => c !== '_rowid');
    expect(diffTables(new arrow.Table(batches), oracle.slice(777), cols)).toEqual([]);
    const all = oracle.getChild('_rowid')!;
    const picks = [5999, 0, 13, 4242, 4243, 17, 3000, 1024, 1023, 13];
    const taken = await plain.take(BigUint64Array.from(picks, (i) => all.get(i) as bigint), { columns: ['tissue', 'tags', 'meta', 'cat'] });
    const want = { numRows: picks.length, getChild: (n: string) => ({ get: (i: number) => oracle.getChild(n)!.get(picks[i]!) }) };
    expect(diffTables(taken, want, ['tissue', 'tags', 'meta', 'cat'])).toEqual([]);
  });

  it('a plain low-cardinality string column stored as dictionary pages gives codes equal to its cells', async () => {
    // zarr_group-like: long runs of a few values, some nulls. LanceDB 2.1/2.2 writes dictionary
    // mini-block pages for it; we expand them to Utf8 (as LanceDB does) and remember the indices.
    const groups = ['6377fc6e9340474b', '6297bb06eedd4784', '10fd74cfb96d446d'];
    const n = 9000;
    const values = Array.from({ length: n }, (_, i) => (i % 97 === 5 ? null : groups[Math.floor(i / 3000)]!));
    const t = arrow.tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => i) });
    const zg = arrow.vectorFromArray(values, new arrow.Utf8());
    const schema = new arrow.Schema([...t.schema.fields, new arrow.Field('zarr_group', new arrow.Utf8(), true)]);
    const data = new arrow.Table(schema, new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: [t.getChild('id')!.data[0]!, zg.data[0]!] })));
    await createLanceTable(fx.db, `lowcard${tag}`, data, format);
    const read = (await (await open(`lowcard${tag}`)).scan({ columns: ['zarr_group'] })).getChild('zarr_group')!;
    expect(read.type.toString()).toBe('Utf8');
    expect(Array.from({ length: n }, (_, i) => read.get(i))).toEqual(values);
    if (format !== '2.0') expect(read.data.some((d) => dictionaryOrigin(d) !== undefined)).toBe(true);
    const { codes, values: items } = stringCodes(read);
    expect(Array.from(codes, (c) => (c < 0 ? null : items[c]))).toEqual(values);
    // Slices (and slices of slices) are recognised as rows of the page; the result still agrees.
    for (const [a, b] of [[2990, 3010], [0, 1], [8999, 9000], [4000, 4000]] as const) {
      const part = read.slice(a, b);
      if (format !== '2.0' && b > a) expect(part.data.some((d) => dictionaryOrigin(d) !== undefined), `${a}..${b}`).toBe(true);
      const sliced = stringCodes(part);
      expect(Array.from(sliced.codes, (c) => (c < 0 ? null : sliced.values[c])), `${a}..${b}`).toEqual(values.slice(a, b));
      const inner = part.slice(1, Math.max(1, part.length - 1));
      const twice = stringCodes(inner);
      expect(Array.from(twice.codes, (c) => (c < 0 ? null : twice.values[c]))).toEqual(values.slice(a, b).slice(1, Math.max(1, b - a - 1)));
    }
    // A Data over the same string bytes but other offsets is not taken for the page.
    const d0 = read.data.find((d) => dictionaryOrigin(d) !== undefined);
    if (d0) {
      const copy = arrow.makeData({ type: new arrow.Utf8(), length: 1, nullCount: 0, valueOffsets: Int32Array.of(0, 16), data: d0.values });
      expect(dictionaryOrigin(copy)).toBeUndefined();
    }
  });

  it('reads fragments with different dictionaries and deleted rows', async () => {
    const theirs = await edited.query().withRowId().toArrow();
    const ours = await (await open(`dictedit${tag}`)).scan({ withRowAddress: true });
    expect(ours.numRows).toBe(theirs.numRows);
    expect(diffTables(ours, theirs, columnNames(ours).filter((c) => c !== '_rowaddr'))).toEqual([]);
    expect([...ours.getChild('_rowaddr')!]).toEqual([...theirs.getChild('_rowid')!]);
  });
});
