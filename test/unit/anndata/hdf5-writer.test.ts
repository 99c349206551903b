// The HDF5 writer against h5py (Debian's /usr/bin/python3, HDF5 1.10): every feature, read back.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { array, bools, H5File, scalar, strings } from '../../../src/anndata/hdf5/index.js';
import { lookup3 } from '../../../src/anndata/hdf5/checksum.js';
import { pythonJson } from '../../helpers/python.js';
import { expected, h5dump, removeTemp, sha256, tempPath, writeTemp } from './h5py-dump.js';

afterAll(removeTemp);

const UNICODE = ['', 'ascii', 'é', '中文字符', '😀👍🏽', `${'long '.repeat(20)}✓`, 'tab\tnew\nline', 'nul-free "quotes" \\ slash'];

describe('lookup3 checksum', () => {
  test('known answers of lookup3.c', () => {
    const enc = new TextEncoder();
    expect(lookup3(new Uint8Array())).toBe(0xdeadbeef);
    expect(lookup3(enc.encode('Four score and seven years ago'))).toBe(0x17770551);
    expect(lookup3(enc.encode('Four score and seven years ago'), 1)).toBe(0xcd628161);
  });

  test('matches the checksum HDF5 stores in a superblock it wrote', () => {
    const file = tempPath('ref.h5');
    pythonJson(`import sys, h5py, json\nh5py.File(sys.argv[1], 'w', libver=('v108', 'v108')).close()\nprint('0')`, [file]);
    const bytes = readFileSync(file);
    expect(bytes[8]).toBe(2); // superblock version 2
    expect(lookup3(bytes.subarray(0, 44))).toBe(bytes.readUInt32LE(44));
  });
});

describe('HDF5 files read back by h5py', () => {
  test('every datatype, shape, attribute kind and nested groups', async () => {
    const f = new H5File();
    const root = f.root;
    root.setAttr('encoding-type', 'anndata');
    root.setAttr('encoding-version', '0.1.0');
    root.setAttr('yes', true).setAttr('no', false);
    root.setAttr('shape', BigInt64Array.of(3n, -4n, 9007199254740993n));
    root.setAttr('column-order', ['a', 'b c', 'é']);
    root.setAttr('empty-order', strings([]));
    root.setAttr('pi', Math.PI);
    root.setAttr('axis', scalar(0, 'int64'));
    root.setAttr('ñame-ü', 'unicode attribute name');
    root.setAttr('unicode', UNICODE);

    const d = root.createGroup('types');
    const ints = {
      int8: Int8Array.of(-128, 127, 0), uint8: Uint8Array.of(0, 255, 7), int16: Int16Array.of(-32768, 32767),
      uint16: Uint16Array.of(0, 65535), int32: Int32Array.of(-2147483648, 2147483647), uint32: Uint32Array.of(0, 4294967295, 4000000000),
      int64: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 0n), uint64: BigUint64Array.of(0n, 2n ** 64n - 1n),
      float32: Float32Array.of(1.5, -0, Infinity, NaN, 3.4e38, 1e-45), float64: Float64Array.of(Math.PI, -Infinity, NaN, 5e-324, -1.7976931348623157e308),
    };
    for (const [name, a] of Object.entries(ints)) d.createDataset(name, a).setAttr('dtype', name);
    d.createDataset('bool', bools([true, false, true, true]));
    d.createDataset('bool-bytes', bools(Uint8Array.of(0, 1, 2, 255))); // non-0/1 bytes become true
    d.createDataset('strings', UNICODE);
    d.createDataset('lone-surrogate', ['\ud800x', 'y\udc00']);

    const nd = root.createGroup('shapes');
    nd.createDataset('f64-2x3', array(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3]));
    nd.createDataset('i16-2x2x2', array(Int16Array.of(1, -2, 3, -4, 5, -6, 7, -8), [2, 2, 2]));
    nd.createDataset('str-2x2', strings(['a', 'b', 'c', 'd'], [2, 2]));
    nd.createDataset('bool-2x2', bools([true, false, false, true], [2, 2]));
    nd.createDataset('scalar-f64', 2.5);
    nd.createDataset('scalar-str', 'just one');
    nd.createDataset('scalar-bool', true);
    nd.createDataset('scalar-i64', 42n);
    nd.createDataset('empty-i32', new Int32Array(0));
    nd.createDataset('empty-str', strings([]));
    nd.createDataset('empty-f32-0x5', array(new Float32Array(0), [0, 5]));
    nd.createDataset('empty-bool', bools([]));

    const deep = root.createGroup('a').createGroup('b').createGroup('c').createGroup('dé 😀');
    deep.setAttr('level', 4n);
    deep.createDataset('leaf', Int32Array.of(1)).setAttr('on-dataset', ['x', 'y']).setAttr('flag', true);
    root.createGroup('empty-group');
    const many = root.createGroup('many');
    for (let i = 0; i < 300; i++) many.createGroup(`c${String(i).padStart(3, '0')}`);
    const longName = 'n'.repeat(300);
    many.createDataset(longName, Uint8Array.of(1));

    const file = writeTemp(await f.toBytes());
    const py = h5dump(file);

    const expectedNames = [
      'a', 'a/b', 'a/b/c', 'a/b/c/dé 😀', 'a/b/c/dé 😀/leaf', 'empty-group', 'many',
      ...Array.from({ length: 300 }, (_, i) => `many/c${String(i).padStart(3, '0')}`), `many/${longName}`,
      'shapes', ...['bool-2x2', 'empty-bool', 'empty-f32-0x5', 'empty-i32', 'empty-str', 'f64-2x3', 'i16-2x2x2', 'scalar-bool', 'scalar-f64', 'scalar-i64', 'scalar-str', 'str-2x2'].map((n) => `shapes/${n}`),
      'types', ...['bool', 'bool-bytes', 'float32', 'float64', 'int16', 'int32', 'int64', 'int8', 'lone-surrogate', 'strings', 'uint16', 'uint32', 'uint64', 'uint8'].map((n) => `types/${n}`),
    ];
    expect([...py.names].sort()).toEqual([...expectedNames].sort());
    expect(py.userblock).toBe(0);

    const ra = py.objects['/']!.attrs;
    expect(Object.keys(ra).sort()).toEqual(['axis', 'column-order', 'empty-order', 'encoding-type', 'encoding-version', 'no', 'pi', 'shape', 'unicode', 'yes', 'ñame-ü'].sort());
    expect(ra['encoding-type']).toMatchObject({ h5class: 'string', cset: 'utf-8', shape: [], values: ['anndata'] });
    expect(ra['encoding-version']!.values).toEqual(['0.1.0']);
    expect(ra.yes).toMatchObject({ h5class: 'enum', enum: { FALSE: 0, TRUE: 1 }, dtype: '|b1', shape: [], values: [true] });
    expect(ra.no).toMatchObject({ dtype: '|b1', values: [false] });
    expect(ra.shape).toMatchObject({ dtype: '<i8', shape: [3], values: ['3', '-4', '9007199254740993'] });
    expect(ra['column-order']).toMatchObject({ cset: 'utf-8', shape: [3], values: ['a', 'b c', 'é'] });
    expect(ra['empty-order']).toMatchObject({ cset: 'utf-8', shape: [0], values: [] });
    expect(ra.pi).toMatchObject({ dtype: '<f8', shape: [], values: [Math.PI] });
    expect(ra.axis).toMatchObject({ dtype: '<i8', shape: [], values: ['0'] });
    expect(ra['ñame-ü']!.values).toEqual(['unicode attribute name']);
    expect(ra.unicode!.values).toEqual(UNICODE);

    const dtypes: Record<string, string> = { int8: '|i1', uint8: '|u1', int16: '<i2', uint16: '<u2', int32: '<i4', uint32: '<u4', int64: '<i8', uint64: '<u8', float32: '<f4', float64: '<f8' };
    for (const [name, a] of Object.entries(ints)) {
      const o = py.objects[`types/${name}`]!;
      expect(o.dtype, name).toBe(dtypes[name]);
      expect(o.h5class).toBe(name.startsWith('float') ? 'float' : 'integer');
      expect(o.value!.shape).toEqual([a.length]);
      expect(o.value!.values, name).toEqual(expected(a));
      expect(o.attrs.dtype!.values).toEqual([name]);
    }
    expect(Object.is((py.objects['types/float32']!.value!.values as number[])[1], -0)).toBe(true);
    expect(py.objects['types/bool']).toMatchObject({ dtype: '|b1', h5class: 'enum', enum: { FALSE: 0, TRUE: 1 }, value: { values: [true, false, true, true] } });
    expect(py.objects['types/bool-bytes']!.value!.values).toEqual([false, true, true, true]);
    expect(py.objects['types/strings']).toMatchObject({ h5class: 'string', cset: 'utf-8', dtype: '|O', value: { shape: [UNICODE.length], values: UNICODE } });
    expect(py.objects['types/lone-surrogate']!.value!.values).toEqual(['\ufffdx', 'y\ufffd']);

    const s = (n: string) => py.objects[`shapes/${n}`]!;
    expect(s('f64-2x3').value).toMatchObject({ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] });
    expect(s('i16-2x2x2').value).toMatchObject({ shape: [2, 2, 2], values: [1, -2, 3, -4, 5, -6, 7, -8] });
    expect(s('str-2x2').value).toMatchObject({ shape: [2, 2], values: ['a', 'b', 'c', 'd'] });
    expect(s('bool-2x2')).toMatchObject({ dtype: '|b1', value: { shape: [2, 2], values: [true, false, false, true] } });
    expect(s('scalar-f64')).toMatchObject({ dtype: '<f8', value: { shape: [], values: [2.5] } });
    expect(s('scalar-str')).toMatchObject({ cset: 'utf-8', value: { shape: [], values: ['just one'] } });
    expect(s('scalar-bool')).toMatchObject({ dtype: '|b1', value: { shape: [], values: [true] } });
    expect(s('scalar-i64')).toMatchObject({ dtype: '<i8', value: { shape: [], values: ['42'] } });
    expect(s('empty-i32')).toMatchObject({ dtype: '<i4', value: { shape: [0], values: [] } });
    expect(s('empty-str')).toMatchObject({ cset: 'utf-8', value: { shape: [0], values: [] } });
    expect(s('empty-f32-0x5')).toMatchObject({ dtype: '<f4', value: { shape: [0, 5], values: [] } });
    expect(s('empty-bool')).toMatchObject({ dtype: '|b1', value: { shape: [0], values: [] } });

    expect(py.objects['a/b/c/dé 😀']!.attrs.level!.values).toEqual(['4']);
    const leaf = py.objects['a/b/c/dé 😀/leaf']!;
    expect(leaf.value!.values).toEqual([1]);
    expect(leaf.attrs['on-dataset']!.values).toEqual(['x', 'y']);
    expect(leaf.attrs.flag).toMatchObject({ dtype: '|b1', values: [true] });
    expect(py.objects['empty-group']).toEqual({ kind: 'group', attrs: {} });
    expect(py.objects[`many/${longName}`]!.value!.values).toEqual([1]);
  });

  test('1e6-element numeric, bool and string arrays, and one 3 MB string', async () => {
    const n = 1_000_000;
    const f64 = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1e6);
    const i64 = BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 9_000_000_000_000n - 4n);
    const flags = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const names = Array.from({ length: n }, (_, i) => (i % 10 === 0 ? `çell-${i}-😀` : `cell_${i}`));
    const huge = 'x'.repeat(3_000_000) + 'é';
    const f = new H5File();
    f.root.createDataset('f64', f64);
    f.root.createDataset('i64', i64);
    f.root.createDataset('flags', bools(flags));
    f.root.createDataset('names', names);
    f.root.createDataset('huge', [huge, 'after']);
    const t0 = performance.now();
    const bytes = await f.toBytes();
    const ms = performance.now() - t0;
    console.log(`hdf5 writer: ${(bytes.length / 2 ** 20).toFixed(1)} MiB (1e6 f64 + i64 + bool + strings) in ${ms.toFixed(0)} ms`);
    const py = h5dump(writeTemp(bytes), 10);
    expect(py.objects.f64).toMatchObject({ dtype: '<f8', value: { shape: [n], sha256: sha256(f64) } });
    expect(py.objects.i64).toMatchObject({ dtype: '<i8', value: { shape: [n], sha256: sha256(i64) } });
    expect(py.objects.flags).toMatchObject({ dtype: '|b1', value: { shape: [n], sha256: sha256(flags) } });
    expect(py.objects.names).toMatchObject({ cset: 'utf-8', value: { shape: [n], sha256: sha256(names) } });
    const hugeBack = pythonJson<number[]>(`import sys, h5py, json\nd = h5py.File(sys.argv[1])['huge'].asstr()[()]\nprint(json.dumps([len(d[0]), d[0] == 'x' * 3000000 + 'é', d[1] == 'after']))`, [writeTemp(bytes)]);
    expect(hugeBack).toEqual([3_000_001, true, true]);
  });

  test('a user block before the superblock (MuData preamble layout)', async () => {
    const f = new H5File({ userBlock: new TextEncoder().encode('MuData (format-version=0.1.0)') });
    f.root.setAttr('encoding-type', 'MuData');
    f.root.createDataset('x', Int32Array.of(1, 2, 3));
    const bytes = await f.toBytes();
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('MuData');
    expect(bytes[512]).toBe(0x89);
    const py = h5dump(writeTemp(bytes));
    expect(py.userblock).toBe(512);
    expect(py.objects['/']!.attrs['encoding-type']!.values).toEqual(['MuData']);
    expect(py.objects.x!.value!.values).toEqual([1, 2, 3]);
  });

  test('streams to a sink; data past 4 GiB is addressed with 64-bit offsets', async () => {
    // A 4.5 GiB dataset of zeros from a ByteSource, then small datasets whose data and headers sit
    // beyond 4 GiB. The sink leaves the zero chunks as holes of a sparse file.
    const zeros = new Uint8Array(64 * 2 ** 20);
    const count = 72; // 72 × 64 MiB = 4.5 GiB
    const f = new H5File();
    f.root.createDataset('zeros', array({ byteLength: zeros.length * count, *chunks() { for (let i = 0; i < count; i++) yield zeros; } }, [zeros.length * count], 'uint8'));
    f.root.createDataset('after', Float64Array.of(1.25, -2.5));
    f.root.createDataset('after-strings', ['past', '4 GiB']);
    f.root.createGroup('g').setAttr('where', 'end of file');
    const file = tempPath('big.h5');
    const fd = openSync(file, 'w');
    let pos = 0;
    let written = 0;
    try {
      await f.writeTo((chunk) => {
        if (chunk !== zeros) written += writeSync(fd, chunk, 0, chunk.length, pos);
        pos += chunk.length;
      });
      // The file ends with the object headers, which were written: its size is `pos`.
    } finally {
      closeSync(fd);
    }
    expect(statSync(file).size).toBe(pos);
    expect(pos).toBeGreaterThan(4.5 * 2 ** 30);
    expect(written).toBeLessThan(2 ** 20);
    let py: Record<string, unknown>;
    try {
      py = pythonJson<Record<string, unknown>>(String.raw`
import sys, json, h5py
f = h5py.File(sys.argv[1], 'r')
z = f['zeros']
print(json.dumps({'zeros': [z.shape[0], int(z[-3:].sum()), int(z[2**32:2**32 + 5].sum())],
  'after': f['after'][()].tolist(), 'after_offset': f['after'].id.get_offset(),
  'strings': f['after-strings'].asstr()[()].tolist(), 'where': f['g'].attrs['where']}))`, [file]);
    } finally {
      rmSync(file);
    }
    expect(py.zeros).toEqual([zeros.length * count, 0, 0]);
    expect(py.after).toEqual([1.25, -2.5]);
    expect(py.after_offset as number).toBeGreaterThan(2 ** 32);
    expect(py.strings).toEqual(['past', '4 GiB']);
    expect(py.where).toBe('end of file');
  }, 300_000);

  test('chunked + gzip datasets: multi-level chunk B-trees, padded edge chunks, random slices', async () => {
    const n = 1_000_000;
    const f64 = Float64Array.from({ length: n }, (_, i) => Math.round(Math.sin(i / 100) * 1000) / 8);
    const i32 = Int32Array.from({ length: 1001 * 7 }, (_, i) => (i * 7919) % 100_003 - 50_000);
    const i16 = Int16Array.from({ length: 5 * 3 * 4 }, (_, i) => i - 30);
    const flags = Uint8Array.from({ length: 70_001 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const src = Uint8Array.from({ length: 3 * 2 ** 20 + 17 }, (_, i) => (i * 31) & 0xff);
    const f = new H5File();
    f.root.createDataset('f64-3-levels', f64, { compression: 'gzip', chunkRows: 200 }); // 5,000 chunks: 79 leaves, 2 inner nodes, a root
    f.root.createDataset('f64-default', f64, { compression: 'gzip' }); // ~1 MiB chunks
    f.root.createDataset('i32-1001x7', array(i32, [1001, 7]), { compression: 'gzip', chunkRows: 10 });
    f.root.createDataset('i16-5x3x4', array(i16, [5, 3, 4]), { compression: 'gzip', chunkRows: 2 });
    f.root.createDataset('bool', bools(flags), { compression: 'gzip', chunkRows: 1000 });
    f.root.createDataset('source', array({ byteLength: src.length, *chunks() { for (let i = 0; i < src.length; i += 100_000) yield src.subarray(i, i + 100_000); } }, [src.length], 'uint8'), { compression: 'gzip', chunkRows: 65_536 });
    f.root.createDataset('empty', new Float32Array(0), { compression: 'gzip' }); // stays contiguous
    f.root.createDataset('strings', ['not', 'compressed'], { compression: 'gzip' });
    const t0 = performance.now();
    const bytes = await f.toBytes();
    console.log(`hdf5 writer gzip: ${(bytes.length / 2 ** 20).toFixed(1)} MiB (from ${((16 * n + i32.byteLength + flags.length + src.length) / 2 ** 20).toFixed(1)} MiB raw) in ${(performance.now() - t0).toFixed(0)} ms`);
    const py = pythonJson<Record<string, any>>(String.raw`
import sys, json, hashlib, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r')
h = lambda a: hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
out = {}
for k in f:
    d = f[k]
    out[k] = {'compression': d.compression, 'chunks': list(d.chunks) if d.chunks else None, 'shape': list(d.shape), 'dtype': d.dtype.str,
              'num_chunks': d.id.get_num_chunks() if d.chunks else None}
    if k != 'strings': out[k]['sha256'] = h(d[()])
d = f['f64-3-levels']
out['slices'] = [d[123456:123460].tolist(), d[999998:].tolist(), d[0:2].tolist(), f['i32-1001x7'][1000].tolist(), f['i16-5x3x4'][4, 2].tolist()]
out['strings']['values'] = f['strings'].asstr()[()].tolist()
print(json.dumps(out))`, [writeTemp(bytes)]);
    expect(py['f64-3-levels']).toEqual({ compression: 'gzip', chunks: [200], shape: [n], dtype: '<f8', num_chunks: 5_000, sha256: sha256(f64) });
    expect(py['f64-default']).toMatchObject({ compression: 'gzip', chunks: [131_072], num_chunks: 8, sha256: sha256(f64) });
    expect(py['i32-1001x7']).toEqual({ compression: 'gzip', chunks: [10, 7], shape: [1001, 7], dtype: '<i4', num_chunks: 101, sha256: sha256(i32) });
    expect(py['i16-5x3x4']).toMatchObject({ compression: 'gzip', chunks: [2, 3, 4], num_chunks: 3, sha256: sha256(i16) });
    expect(py.bool).toMatchObject({ compression: 'gzip', dtype: '|b1', num_chunks: 71, sha256: sha256(flags) });
    expect(py.source).toMatchObject({ compression: 'gzip', chunks: [65_536], num_chunks: 49, sha256: sha256(src) });
    expect(py.empty).toMatchObject({ compression: null, chunks: null, shape: [0] });
    expect(py.strings).toMatchObject({ compression: null, values: ['not', 'compressed'] });
    expect(py.slices).toEqual([
      Array.from(f64.subarray(123456, 123460)), Array.from(f64.subarray(999998)), Array.from(f64.subarray(0, 2)),
      Array.from(i32.subarray(7000, 7007)), Array.from(i16.subarray(4 * 12 + 2 * 4, 4 * 12 + 3 * 4)),
    ]);
  }, 300_000);

  test('a second reader, h5wasm (libhdf5 1.14 in WebAssembly), reads the same files', async () => {
    const h5wasm = (await import('h5wasm/node')).default;
    await h5wasm.ready;
    const f = new H5File({ userBlock: new TextEncoder().encode('preamble') });
    f.root.setAttr('encoding-type', 'anndata').setAttr('ordered', false).setAttr('column-order', ['a', 'é']);
    const g = f.root.createGroup('obs').createGroup('nested 😀');
    g.createDataset('flags', bools([true, false, true]));
    g.createDataset('names', ['x', '', 'ü😀']);
    g.createDataset('m', array(Uint32Array.of(1, 2, 3, 4000000000), [2, 2]));
    g.createDataset('z', Float32Array.from({ length: 100_000 }, (_, i) => i / 4), { compression: 'gzip', chunkRows: 4096 });
    const file = writeTemp(await f.toBytes(), 'wasm.h5'); // h5wasm/node reads host paths
    const r = new h5wasm.File(file, 'r');
    try {
      expect(r.attrs['encoding-type']!.value).toBe('anndata');
      expect(r.attrs['column-order']!.value).toEqual(['a', 'é']);
      expect(r.attrs.ordered!.metadata.enum_type?.members).toEqual({ FALSE: 0, TRUE: 1 });
      const ds = (p: string) => r.get(`obs/nested 😀/${p}`) as InstanceType<typeof h5wasm.Dataset>;
      expect(Array.from(ds('flags').value as Int8Array)).toEqual([1, 0, 1]);
      expect(ds('names').value).toEqual(['x', '', 'ü😀']);
      expect(ds('m').shape).toEqual([2, 2]);
      expect(Array.from(ds('m').value as Uint32Array)).toEqual([1, 2, 3, 4000000000]);
      expect(ds('z').metadata.chunks).toEqual([4096]);
      expect((ds('z').value as Float32Array)[99_999]).toBe(99_999 / 4);
    } finally {
      r.close();
    }
  });

  test('rejects what HDF5 cannot hold or the caller got wrong', async () => {
    const f = new H5File();
    f.root.createGroup('g');
    expect(() => f.root.createGroup('g')).toThrow(/already exists/);
    expect(() => f.root.createDataset('a/b', Int8Array.of(1))).toThrow(/invalid HDF5 name/);
    expect(() => f.root.createDataset('', Int8Array.of(1))).toThrow(/invalid HDF5 name/);
    expect(() => f.root.createDataset('x', array(Int8Array.of(1, 2, 3), [2, 2]))).toThrow(/3 elements for shape \[2, 2\]/);
    expect(() => f.root.createDataset('y', strings(['a'], [2]))).toThrow(/1 strings/);
    expect(() => f.root.createDataset('z', { dtype: 'bool', shape: [2], data: Int32Array.of(1, 0) })).toThrow(/holds no bool/);
    const big = new H5File();
    big.root.setAttr('too-big', new Float64Array(10_000));
    await expect(big.toBytes()).rejects.toThrow(/at most 64 KiB/);
    const short = new H5File();
    short.root.createDataset('s', array({ byteLength: 16, *chunks() { yield new Uint8Array(8); } }, [2], 'float64'));
    await expect(short.toBytes()).rejects.toThrow(/yielded 8 bytes, expected 16/);
  });
});
