// toH5ad / toH5mu inside Chromium and Firefox (the HDF5 writer is pure: no Node APIs), bytes handed back to Node
// and read with the reference anndata / h5py.
import { afterAll, expect, test } from 'vitest';
import { describeEachEngine } from '../helpers/each-engine.js';
import { pythonJson } from '../helpers/python.js';
import { READ_H5AD } from '../unit/anndata/fixtures.js';
import { removeTemp, writeTemp } from '../unit/anndata/h5py-dump.js';

afterAll(() => removeTemp());

describeEachEngine((engine, h) => {
  test('toH5ad in the browser produces a file anndata reads with every value intact', async () => {
    const page = await h().newPage();
    const result = await page.evaluate(async () => {
      const imp = (window as any).__import;
      const { toH5ad } = await imp('/src/anndata/h5ad-write.ts');
      const { sampleAnnData } = await imp('/test/unit/anndata/fixtures.ts');
      const t0 = performance.now();
      const bytes: Uint8Array = await toH5ad(sampleAnnData());
      const ms = performance.now() - t0;
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { base64: btoa(bin), ms, inWindow: typeof window !== 'undefined', hasProcess: typeof (globalThis as any).process !== 'undefined' };
    });
    expect(result.inWindow).toBe(true);
    const bytes = Uint8Array.from(Buffer.from(result.base64, 'base64'));
    const py = pythonJson(READ_H5AD, [writeTemp(bytes, 'browser.h5ad')]);
    expect(py.shape).toEqual([3, 2]);
    expect(py.obs_names).toEqual(['c1', 'c2', 'c3']);
    expect(py.obs.batch).toEqual({ kind: 'categorical', ordered: false, codes_dtype: 'int8', values: ['a', null, "b's"] });
    expect(py.obs.n_genes).toEqual({ kind: 'int64', values: [10, 20, 30] });
    expect(py.obs.depth).toEqual({ kind: 'Int64', values: [1, null, 3] });
    expect(py.obs.maybe).toEqual({ kind: 'boolean', values: [true, null, false] });
    expect(py.obs.flag).toEqual({ kind: 'bool', values: [true, false, true] });
    expect(py.X_dtype).toBe('uint32');
    expect(py.X).toEqual([[0, 7], [0, 0], [1, 4000000000]]);
    expect(py.layers.log).toEqual([[0, 1.5], [0, 0], [2.5, 3.5]]);
    expect(py.obsm.X_umap).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  test('a 1e6-string, 8 MB-numeric, gzip-chunked file written in the browser is read exactly by h5py', async () => {
    const page = await h().newPage();
    const result = await page.evaluate(async () => {
      const { H5File, bools } = await (window as any).__import('/src/anndata/hdf5/index.ts');
      const n = 1_000_000;
      const f = new H5File();
      f.root.setAttr('encoding-type', 'test');
      f.root.createDataset('names', Array.from({ length: n }, (_, i) => (i % 7 === 0 ? `çell-${i}-😀` : `cell_${i}`)));
      f.root.createDataset('f64', Float64Array.from({ length: n }, (_, i) => i / 8));
      f.root.createDataset('flags', bools(Uint8Array.from({ length: n }, (_, i) => i & 1)));
      f.root.createDataset('f64z', Float64Array.from({ length: n }, (_, i) => i / 8), { compression: 'gzip' }); // CompressionStream
      const t0 = performance.now();
      const bytes: Uint8Array = await f.toBytes();
      const ms = performance.now() - t0;
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { base64: btoa(bin), ms, size: bytes.length };
    });
    console.log(`${engine} H5File.toBytes: ${(result.size / 2 ** 20).toFixed(1)} MiB (1e6 strings + 1e6 f64 + 1e6 bool + 1e6 f64 gzip) in ${result.ms.toFixed(0)} ms`);
    const file = writeTemp(Uint8Array.from(Buffer.from(result.base64, 'base64')), 'browser.h5');
    const py = pythonJson(String.raw`
import sys, json, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r')
names = f['names'].asstr()[()]
n = len(names)
ok = all(names[i] == (f'çell-{i}-😀' if i % 7 == 0 else f'cell_{i}') for i in range(n))
f64 = f['f64'][()]
f64z = f['f64z'][()]
flags = f['flags'][()]
print(json.dumps({'n': n, 'names_ok': ok, 'f64_ok': bool(np.array_equal(f64, np.arange(n) / 8)),
  'f64z_ok': bool(np.array_equal(f64z, np.arange(n) / 8)), 'f64z_compression': f['f64z'].compression, 'flags_dtype': str(flags.dtype),
  'flags_ok': bool(np.array_equal(flags, (np.arange(n) & 1).astype(bool))), 'attr': f.attrs['encoding-type']}))`, [file]);
    expect(py).toEqual({ n: 1_000_000, names_ok: true, f64_ok: true, f64z_ok: true, f64z_compression: 'gzip', flags_dtype: 'bool', flags_ok: true, attr: 'test' });
  });
});
