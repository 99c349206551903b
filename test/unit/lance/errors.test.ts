// Bad input → typed errors, never wrong results from structure we can check, never a hang.
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptDataError, RaggedAtlasError, UnsupportedError } from '../../../src/errors.js';
import { openTable } from '../../../src/lance/index.js';
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
