// Bad input → typed errors, never wrong results from structure we can check, never a hang.
import * as arrow from 'apache-arrow';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptDataError, RaggedAtlasError, UnsupportedError } from '../../../src/errors.js';
import { openTable, UNSUPPORTED_META } from '../../../src/lance/index.js';
import { manifestKey } from '../../../src/lance/versions.js';
import { MemStore, atlasTable, createLanceTable, rng, tempDir, testDecompressors } from './helpers.js';

const dir = tempDir('lance-err-');
const pristine: Record<string, MemStore> = {};

beforeAll(async () => {
  const db = await lancedb.connect(dir.path);
  for (const f of ['2.0', '2.1', '2.2'] as const) {
    const name = `t${f.replace('.', '')}`;
    const t = await createLanceTable<{ delete(p: string): Promise<unknown> }>(db, name, atlasTable({ rows: 3000, wide: true, seed: 9, nullStructs: f !== '2.0' }), f);
    await t.delete('u8 < 10');
    pristine[f] = MemStore.fromDir(`${dir.path}/${name}.lance`);
  }
});
afterAll(() => dir.remove());

const open = async (s: MemStore) => openTable(s, { decompressors: await testDecompressors() });
const manifestOf = (s: MemStore) => [...s.files.keys()].filter((k) => k.endsWith('.manifest')).sort()[0]!;
const dataOf = (s: MemStore) => [...s.files.keys()].filter((k) => k.startsWith('data/'))[0]!;

/** Rewrites the manifest protobuf with extra bytes appended (later fields win in protobuf). */
function appendToManifest(s: MemStore, extra: number[]) {
  const key = manifestOf(s);
  const b = s.files.get(key)!;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pos = Number(v.getBigUint64(b.length - 16, true));
  const len = v.getUint32(pos, true);
  const out = new Uint8Array(b.length + extra.length);
  out.set(b.subarray(0, pos + 4 + len));
  out.set(extra, pos + 4 + len);
  out.set(b.subarray(pos + 4 + len), pos + 4 + len + extra.length);
  new DataView(out.buffer).setUint32(pos, len + extra.length, true);
  s.files.set(key, out);
}

describe('corrupt and unsupported input', () => {
  it('refuses unknown reader feature flags by name', async () => {
    const s = pristine['2.2']!.clone();
    appendToManifest(s, [0x48, 0x80, 0x20]); // field 9 (reader_feature_flags) = 4096
    await expect(open(s)).rejects.toThrow(UnsupportedError);
    await expect(open(s)).rejects.toMatchObject({ fields: { feature: 'reader flag 4096' } });
    const o = pristine['2.2']!.clone();
    appendToManifest(o, [0x48, 0x41]); // 64 = data overlay files, plus deletions
    await expect(open(o)).rejects.toMatchObject({ fields: { feature: 'reader flag 64: data overlay files' } });
  });

  it('refuses unknown data file formats', async () => {
    const s = pristine['2.2']!.clone();
    // data_format (15) = {file_format: "lance", version: "2.9"}
    appendToManifest(s, [0x7a, 0x0c, 0x0a, 0x05, ...Buffer.from('lance'), 0x12, 0x03, ...Buffer.from('2.9')]);
    await expect(open(s)).rejects.toMatchObject({ _tag: 'Unsupported', fields: { feature: 'lance file 2.9' } });
  });

  it('reports truncated and garbled manifests as corrupt', async () => {
    const base = pristine['2.1']!;
    const key = manifestOf(base);
    const cases: [string, (b: Uint8Array) => Uint8Array][] = [
      ['truncated', (b) => b.subarray(0, b.length - 7)],
      ['bad magic', (b) => Object.assign(b.slice(), { [b.length - 1]: 0 })],
      ['position past the end', (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(c.length - 16, c.length + 5, true); return c; }],
      ['garbage protobuf', (b) => { const c = b.slice(); const p = new DataView(c.buffer).getUint32(c.length - 16, true); c.fill(0xff, p + 4, p + 40); return c; }],
      ['tiny', () => new Uint8Array(3)],
    ];
    for (const [what, f] of cases) {
      const s = base.clone();
      s.files.set(key, f(s.files.get(key)!));
      const err = await open(s).then(() => undefined, (e) => e);
      expect(err, what).toBeInstanceOf(CorruptDataError);
    }
  });

  it.each(['2.0', '2.1', '2.2'])('reports corrupt %s data files with typed errors', async (format) => {
    const base = pristine[format]!;
    const key = dataOf(base);
    const bytes = base.files.get(key)!;
    const mutate = async (f: (b: Uint8Array) => Uint8Array) => {
      const s = base.clone();
      s.files.set(key, f(s.files.get(key)!.slice()));
      const t = await open(s);
      return t.scan().then(() => undefined, (e) => e);
    };
    expect(await mutate((b) => Object.assign(b, { [b.length - 2]: 0x58 }))).toBeInstanceOf(CorruptDataError); // magic
    expect(await mutate((b) => { b.fill(0xee, b.length - 40, b.length - 8); return b; })).toBeInstanceOf(CorruptDataError); // footer
    expect(await mutate((b) => Object.assign(b, { [b.length - 6]: 9 }))).toBeInstanceOf(UnsupportedError); // minor version
    expect(await mutate((b) => b.subarray(0, b.length - 100))).toBeInstanceOf(RaggedAtlasError); // truncated
    // Column metadata region overwritten.
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const cms = Number(v.getBigUint64(bytes.length - 40, true));
    expect(await mutate((b) => { b.fill(0xff, cms, cms + 64); return b; })).toBeInstanceOf(CorruptDataError);
  });

  it.each(['2.0', '2.1', '2.2'])('never throws untyped errors on random byte damage (%s)', async (format) => {
    const base = pristine[format]!;
    const key = dataOf(base);
    const r = rng(format.charCodeAt(2));
    let typed = 0;
    let ok = 0;
    for (let i = 0; i < 60; i++) {
      const s = base.clone();
      const b = s.files.get(key)!;
      const n = 1 + Math.floor(r() * 8);
      // Half the damage lands in the metadata tail, half anywhere.
      for (let k = 0; k < n; k++) {
        const at = i % 2 ? Math.floor(r() * b.length) : b.length - 1 - Math.floor(r() * Math.min(b.length, 4096));
        b[at] = Math.floor(r() * 256);
      }
      const res = await open(s).then((t) => t.scan()).then(() => 'ok', (e) => e);
      if (res === 'ok') ok++;
      else {
        expect(res, `damage ${i}: ${res?.stack}`).toBeInstanceOf(RaggedAtlasError);
        typed++;
      }
    }
    expect(typed + ok).toBe(60);
    expect(typed).toBeGreaterThan(0);
  });

  it('keeps fields of unreadable types in the schema and refuses to read them by name', async () => {
    // Appended manifest fields (repeated field 1), as a Python writer would record a large_list
    // column (apache-arrow JS cannot make one): big_list (large_list<int32>) and meta2 (struct of an
    // int32 and a large_list). No data file stores them; readable children read as null.
    const varint = (v: number) => { const o: number[] = []; for (; v > 127; v = Math.floor(v / 128)) o.push((v & 127) | 128); o.push(v); return o; };
    const str = (tag: number, x: string) => [tag, ...varint(Buffer.byteLength(x)), ...Buffer.from(x)];
    const field = (name: string, id: number, parent: number, type: string) => {
      const parentId = parent < 0 ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01] : varint(parent);
      const body = [...str(0x12, name), 0x18, ...varint(id), 0x20, ...parentId, ...str(0x2a, type), 0x30, 0x01];
      return [0x0a, ...varint(body.length), ...body];
    };
    const s = pristine['2.1']!.clone();
    appendToManifest(s, [
      ...field('big_list', 900, -1, 'large_list'), ...field('item', 901, 900, 'int32'),
      ...field('meta2', 902, -1, 'struct'), ...field('ok', 903, 902, 'int32'), ...field('bad', 904, 902, 'large_list'), ...field('item', 905, 904, 'int32'),
    ]);
    const t = await open(s);
    const big = t.schema.fields.find((f) => f.name === 'big_list')!;
    expect(String(big.type)).toBe('Null');
    expect(big.metadata.get('lance:logical_type')).toBe('large_list');
    expect(big.metadata.get('lance:unsupported')).toMatch(/big_list.*large_list/);
    expect(t.schema.fields.map((f) => f.name).slice(-2)).toEqual(['big_list', 'meta2']);
    const refused = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as UnsupportedError);
    const e1 = await refused(t.scan({ columns: ['uid', 'big_list'] }));
    expect(e1).toBeInstanceOf(UnsupportedError);
    expect(e1!.message).toContain('"big_list" of type large_list');
    expect(e1!.fields).toMatchObject({ field: 'big_list', logicalType: 'large_list' });
    expect((await refused(t.scan()))?.message).toContain('"big_list"'); // every column, so the unreadable one too
    expect((await refused(t.scan({ columns: ['meta2'] })))?.message).toContain('"meta2.bad" of type large_list');
    expect(await refused(t.take(BigUint64Array.of(0n), { columns: ['big_list'] }))).toBeInstanceOf(UnsupportedError);
    const it = t.scanBatches({ columns: ['big_list'] })[Symbol.asyncIterator]();
    expect(await refused(it.next())).toBeInstanceOf(UnsupportedError);
    // The rest of the table, and the readable child of the struct, still read.
    const ok = await t.scan({ columns: ['uid', 'meta2.ok'], limit: 5 });
    expect(ok.numRows).toBe(5);
    expect([...ok.getChild('meta2.ok')!]).toEqual([null, null, null, null, null]);
  });

  it('reports missing data and deletion files as not found', async () => {
    const s = pristine['2.2']!.clone();
    s.files.delete(dataOf(s));
    await expect(open(s).then((t) => t.scan())).rejects.toMatchObject({ _tag: 'NotFound' });
    const d = pristine['2.2']!.clone();
    for (const k of [...d.files.keys()]) if (k.startsWith('_deletions/')) d.files.delete(k);
    await expect(open(d).then((t) => t.scan())).rejects.toMatchObject({ _tag: 'NotFound' });
    expect(manifestKey(3, 'v1')).toBe('_versions/3.manifest');
  });
});

describe('what the reader cannot decode is refused, never read as something else', () => {
  const F = (n: string, t: arrow.DataType, md?: Record<string, string>) => new arrow.Field(n, t, true, md ? new Map(Object.entries(md)) : undefined);
  const tableOf = (fields: arrow.Field[], vectors: arrow.Vector[]) => {
    const schema = new arrow.Schema(fields);
    const n = vectors[0]!.length;
    return new arrow.Table(schema, [new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children: vectors.map((v) => v.data[0]!) }))]);
  };
  const written = async (name: string, t: arrow.Table, f: '2.0' | '2.1' | '2.2') => {
    const db = await lancedb.connect(dir.path);
    await createLanceTable(db, name, t, f);
    return open(MemStore.fromDir(`${dir.path}/${name}.lance`));
  };
  const ids = arrow.vectorFromArray(Int32Array.from({ length: 10 }, (_, i) => i));

  it.each(['2.0', '2.1', '2.2'] as const)('a packed struct (lance-encoding:packed) is an unsupported column, not all nulls (%s)', async (f) => {
    const st = new arrow.Struct([F('a', new arrow.Int32()), F('b', new arrow.Float64())]);
    const t = await written(`packed${f.replace('.', '')}`, tableOf([F('id', new arrow.Int32()), F('st', st, { 'lance-encoding:packed': 'true' })], [ids, arrow.vectorFromArray(Array.from({ length: 10 }, (_, i) => ({ a: i, b: i / 2 })), st)]), f);
    expect(t.schema.fields.find((x) => x.name === 'st')!.metadata.get(UNSUPPORTED_META)).toMatch(/packed struct/);
    await expect(t.scan({ columns: ['st'] })).rejects.toMatchObject({ _tag: 'Unsupported' });
    await expect(t.take([0n], { columns: ['st'] })).rejects.toMatchObject({ _tag: 'Unsupported' });
    expect((await t.scan({ columns: ['id'] })).numRows).toBe(10); // the other columns read as before
  });

  it.each(['zstd', 'lz4'])('2.0 binary bytes compressed with %s are refused, not returned as compressed frames', async (scheme) => {
    const md = { 'lance-encoding:compression': scheme };
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
    const bin = arrow.vectorFromArray(Array.from({ length: 10 }, () => Uint8Array.from({ length: 64 }, rnd)), new arrow.Binary());
    const str = arrow.vectorFromArray(Array.from({ length: 10 }, (_, i) => `hello world ${i} `.repeat(4)), new arrow.Utf8());
    const t = await written(`bin20${scheme}`, tableOf([F('id', new arrow.Int32()), F('s', new arrow.Utf8(), md), F('rnd', new arrow.Binary(), md)], [ids, str, bin]), '2.0');
    for (const c of ['s', 'rnd']) await expect(t.scan({ columns: [c] })).rejects.toMatchObject({ _tag: 'Unsupported', message: expect.stringContaining(scheme) });
  });

  it('scan offset, limit and batchSize out of range are QueryErrors; a column named twice comes once', async () => {
    const t = await open(pristine['2.0']!);
    for (const bad of [{ offset: -3 }, { offset: NaN }, { limit: -1 }, { offset: 1.5 }]) await expect(t.scan(bad)).rejects.toMatchObject({ _tag: 'Query' });
    for (const batchSize of [0, -1, 2.5]) await expect(t.scanBatches({ batchSize }).next()).rejects.toMatchObject({ _tag: 'Query' });
    expect((await t.scan({ columns: ['u8', 'u8'], limit: 3 })).schema.fields.map((f) => f.name)).toEqual(['u8']);
    // Arguments a plain-JS caller gets wrong: a string of columns was read as its letters ("no
    // column named u"), an unknown fragment as 0 rows, numbers as row addresses and a fractional
    // version were RangeErrors.
    await expect(t.scan({ columns: 'u8' as never })).rejects.toMatchObject({ _tag: 'Query', message: 'scan columns must be a list of column names, got string "u8"' });
    await expect(t.scan({ fragments: [99] })).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('this version has no fragment number 99 (fragments: 0') });
    await expect(t.take([0, 1] as never)).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('take() needs row addresses as a BigUint64Array or bigints') });
    for (const version of [1.5, -1, '1']) {
      await expect(openTable(pristine['2.0']!, { version: version as number })).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('a table version is a non-negative integer') });
    }
  });
});
