import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, test } from 'vitest';
import { toH5ad, writeH5ad } from '../../../src/anndata/h5ad-write.js';
import { toH5mu } from '../../../src/anndata/h5mu-write.js';
import type { AnnData, CsrMatrix } from '../../../src/anndata/types.js';
import { pythonJson } from '../../helpers/python.js';
import { READ_H5AD, sampleAnnData } from './fixtures.js';
import { h5dump, removeTemp, sha256, writeTemp } from './h5py-dump.js';

afterAll(removeTemp);

const read = (bytes: Uint8Array) => pythonJson(READ_H5AD, [writeTemp(bytes, 'out.h5ad')]);

function emptyTable(n: number): arrow.Table {
  return n === 0 ? new arrow.Table() : arrow.tableFromArrays({ _placeholder: new Int8Array(n) }).select([]);
}

describe('toH5ad read by the reference anndata 0.8', () => {
  test('every value intact; bools are real bools', async () => {
    const py = read(await toH5ad(sampleAnnData()));
    expect(py.shape).toEqual([3, 2]);
    expect(py.obs_names).toEqual(['c1', 'c2', 'c3']);
    expect(py.var_names).toEqual(['g1', 'g2']);
    expect(py.obs_columns).toEqual(['cell_type', 'batch', 'n_genes', 'score', 'depth', 'flag', 'maybe']);
    // tableFromArrays dictionary-encodes strings: categoricals, in first-appearance order.
    expect(py.obs.cell_type).toEqual({ kind: 'categorical', ordered: false, codes_dtype: 'int8', values: ['T cell', 'B cell', 'T cell'] });
    expect(py.obs.batch).toEqual({ kind: 'categorical', ordered: false, codes_dtype: 'int8', values: ['a', null, "b's"] });
    expect(py.obs.n_genes).toEqual({ kind: 'int64', values: [10, 20, 30] });
    expect(py.obs.score).toEqual({ kind: 'float32', values: [0.5, -1.25, 3] });
    expect(py.obs.depth).toEqual({ kind: 'Int64', values: [1, null, 3] });
    expect(py.obs.maybe).toEqual({ kind: 'boolean', values: [true, null, false] });
    expect(py.obs.flag).toEqual({ kind: 'bool', values: [true, false, true] });
    expect(py.var.gene_symbol.values).toEqual(['CD3E', 'MS4A1']);
    expect(py.var.global_index).toEqual({ kind: 'int64', values: [0, 5] });
    expect(py.X_sparse).toBe(true);
    expect(py.X_dtype).toBe('uint32');
    expect(py.indptr_dtype).toBe('int32');
    expect(py.X).toEqual([[0, 7], [0, 0], [1, 4000000000]]);
    expect(py.layers.log).toEqual([[0, 1.5], [0, 0], [2.5, 3.5]]);
    expect(py.obsm.X_umap).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect([py.uns, py.obsp, py.varm]).toEqual([[], [], []]);
  });

  test('a dictionary column is a categorical of its dictionary: order, unused values, the ordered flag, numeric categories', async () => {
    const ordered = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8(), 0, true);
    const dictOf = (values: string[] | Int32Array, codes: number[], type: arrow.Dictionary) =>
      arrow.makeVector(arrow.makeData({ type, length: codes.length, nullCount: 0, data: Int8Array.from(codes), dictionary: arrow.vectorFromArray(values as never, type.dictionary) }));
    const obs = new arrow.Table<any>({
      level: dictOf(['low', 'mid', 'high', 'unused'], [2, 0, 2], ordered),
      batch: dictOf(Int32Array.of(7, 3, 11), [1, 1, 0], new arrow.Dictionary(new arrow.Int32(), new arrow.Int8())),
    });
    const adata: AnnData = { obs, var: emptyTable(1), X: null, layers: {}, obsm: {}, obsNames: ['a', 'b', 'c'], varNames: ['g'], shape: [3, 1] };
    const py = pythonJson(
      `import sys, json, anndata
a = anndata.read_h5ad(sys.argv[1])
print(json.dumps({c: {"categories": [x if isinstance(x, str) else int(x) for x in a.obs[c].cat.categories], "ordered": bool(a.obs[c].cat.ordered), "values": [x if isinstance(x, str) else int(x) for x in a.obs[c]]} for c in a.obs.columns}))`,
      [writeTemp(await toH5ad(adata), 'dict.h5ad')],
    );
    expect(py.level).toEqual({ categories: ['low', 'mid', 'high', 'unused'], ordered: true, values: ['high', 'low', 'high'] });
    expect(py.batch).toEqual({ categories: [7, 3, 11], ordered: false, values: [3, 3, 7] });
  });

  test('obsm keeps an embedding\'s element type, with NaN for null rows and null elements', async () => {
    const { obsFrame } = await import('../../../src/query/obs-frame.js');
    const list = (t: arrow.DataType) => new arrow.FixedSizeList(2, new arrow.Field('item', t, true));
    const rows = new arrow.Table({
      uid: arrow.vectorFromArray(['c0', 'c1', 'c2'], new arrow.Utf8()),
      f32: arrow.vectorFromArray([[null, 2.5], [1, 2], null], list(new arrow.Float32())),
      f64: arrow.vectorFromArray([[1 / 3, 0.1], [1, 2], [3, 4]], list(new arrow.Float64())),
      i32: arrow.vectorFromArray([[2 ** 30 + 5, 7], [1, 2], [3, 4]], list(new arrow.Int32())),
      i32n: arrow.vectorFromArray([[2 ** 30 + 5, null], [1, 2], [3, 4]], list(new arrow.Int32())),
      f16: arrow.vectorFromArray([[1.5, -2], [0.25, 3], [4, 5]], list(new arrow.Float16())),
    });
    const { obsm } = obsFrame(rows, []);
    const got = Object.fromEntries(Object.entries(obsm).map(([k, m]) => [k, [m.data.constructor.name, Array.from(m.data as Float64Array)]]));
    expect(got).toEqual({
      f32: ['Float32Array', [NaN, 2.5, 1, 2, NaN, NaN]],
      f64: ['Float64Array', [1 / 3, 0.1, 1, 2, 3, 4]],
      i32: ['Int32Array', [2 ** 30 + 5, 7, 1, 2, 3, 4]],
      i32n: ['Float64Array', [2 ** 30 + 5, NaN, 1, 2, 3, 4]],
      f16: ['Float32Array', [1.5, -2, 0.25, 3, 4, 5]],
    });
  });

  test('a string holding a NUL is refused (HDF5 would cut it there), naming where', async () => {
    const adata: AnnData = { obs: emptyTable(2), var: emptyTable(1), X: null, layers: {}, obsm: {}, obsNames: ['a', 'b\0c'], varNames: ['g'], shape: [2, 1] };
    await expect(toH5ad(adata)).rejects.toMatchObject({ _tag: 'InvalidInput', message: expect.stringContaining('contains a NUL character'), fields: { where: '/obs/_index' } });
  });

  test('a value that is no AnnData (or a MuData) is named, not a TypeError from inside the writer', async () => {
    const mdata = { obs: emptyTable(1), obsNames: ['a'], mod: {}, present: {} };
    await expect(toH5ad(mdata as never)).rejects.toMatchObject({ _tag: 'InvalidInput', message: expect.stringContaining('toH5ad takes an AnnData (from toAnnData or toBatches); got object (this is a MuData: write it with toH5mu / writeH5mu)') });
    await expect(toH5ad(undefined as never)).rejects.toMatchObject({ _tag: 'InvalidInput', message: expect.stringContaining('got undefined') });
    await expect(toH5mu({ obs: emptyTable(1), shape: [1, 0] } as never)).rejects.toMatchObject({ _tag: 'InvalidInput', message: expect.stringContaining('toH5mu takes a MuData (from toMuData); got object (this is an AnnData') });
  });

  test('on-disk encoding: attributes, enum bools, masks (h5py view)', async () => {
    const py = h5dump(writeTemp(await toH5ad(sampleAnnData())));
    const attr = (path: string, name: string) => py.objects[path]!.attrs[name]!;
    expect(attr('/', 'encoding-type').values).toEqual(['anndata']);
    expect(attr('/', 'encoding-version').values).toEqual(['0.1.0']);
    expect(attr('obs', 'column-order').values).toEqual(['cell_type', 'batch', 'n_genes', 'score', 'depth', 'flag', 'maybe']);
    expect(attr('obs', '_index').values).toEqual(['_index']);
    expect(attr('obs/batch', 'ordered')).toMatchObject({ h5class: 'enum', dtype: '|b1', shape: [], values: [false] });
    expect(py.objects['obs/flag']).toMatchObject({ h5class: 'enum', enum: { FALSE: 0, TRUE: 1 } });
    expect(py.objects['obs/depth/mask']).toMatchObject({ dtype: '|b1', value: { values: [false, true, false] } });
    expect(py.objects['obs/maybe/values']).toMatchObject({ dtype: '|b1', value: { values: [true, false, false] } });
    expect(py.objects['obs/maybe/mask']).toMatchObject({ dtype: '|b1', value: { values: [false, true, false] } });
    expect(attr('X', 'encoding-type').values).toEqual(['csr_matrix']);
    expect(attr('X', 'shape')).toMatchObject({ dtype: '<i8', values: ['3', '2'] });
    for (const g of ['layers', 'obsm', 'obsp', 'varm', 'varp', 'uns']) expect(attr(g, 'encoding-type').values).toEqual(['dict']);
  });

  test('int64 indptr, int64 and float64 data, dense X, many categories, dictionary columns, unicode', async () => {
    const n = 300;
    const cats = Array.from({ length: n }, (_, i) => `type ${i} ✓`);
    const obs = new arrow.Table<any>({
      many: arrow.vectorFromArray(cats.map((c, i) => (i === 7 ? null : c)), new arrow.Utf8()),
      dict: arrow.vectorFromArray(cats.map((_, i) => (i % 5 === 0 ? null : ['x', 'y', 'z'][i % 3]!)), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
      'ünïcode name': arrow.vectorFromArray(cats.map((_, i) => `😀 ${i}`), new arrow.Utf8()),
      small: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : i % 100)), new arrow.Int32()),
      u8: arrow.vectorFromArray(Uint8Array.from({ length: n }, (_, i) => i % 256)),
      f64: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i === 3 ? null : i / 4)), new arrow.Float64()),
    });
    const indptr = Float64Array.from({ length: n + 1 }, (_, i) => i);
    const csr: CsrMatrix = { format: 'csr', shape: [n, 4], indptr, indices: Int32Array.from({ length: n }, (_, i) => i % 4), data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 10_000_000_000n) };
    const adata: AnnData = {
      obs, var: emptyTable(4), X: csr,
      layers: { dense: { format: 'dense', shape: [n, 4], data: Float64Array.from({ length: n * 4 }, (_, i) => i / 3) } },
      obsm: {}, obsNames: cats.map((_, i) => `çell-${i}`), varNames: ['a', 'b', 'c', 'd'], shape: [n, 4],
    };
    const py = read(await toH5ad(adata));
    expect(py.obs_names[1]).toBe('çell-1');
    expect(py.obs.many.kind).toBe('categorical');
    expect(py.obs.many.codes_dtype).toBe('int16');
    expect(py.obs.many.values).toEqual(cats.map((c, i) => (i === 7 ? null : c)));
    expect(py.obs.dict).toMatchObject({ kind: 'categorical', codes_dtype: 'int8' });
    expect(py.obs.dict.values).toEqual(cats.map((_, i) => (i % 5 === 0 ? null : ['x', 'y', 'z'][i % 3])));
    expect(py.obs['ünïcode name'].kind).toBe('object'); // plain Utf8 without nulls: a string-array
    expect(py.obs['ünïcode name'].values[299]).toBe('😀 299');
    expect(py.obs.small.kind).toBe('Int32');
    expect(py.obs.small.values).toEqual(Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : i % 100)));
    expect(py.obs.u8).toEqual({ kind: 'uint8', values: Array.from({ length: n }, (_, i) => i % 256) });
    expect(py.obs.f64.values).toEqual(Array.from({ length: n }, (_, i) => (i === 3 ? null : i / 4)));
    expect(py.X_dtype).toBe('int64');
    expect(py.indptr_dtype).toBe('int64');
    expect(py.X[299]).toEqual([0, 0, 0, 2_990_000_000_000]);
    expect(py.layer_dtypes.dense).toBe('float64');
    expect(py.layers.dense[299][3]).toBe((299 * 4 + 3) / 3);
    expect(py.var_columns).toEqual([]);

    const dense: AnnData = { ...adata, X: { format: 'dense', shape: [n, 4], data: Int16Array.from({ length: n * 4 }, (_, i) => i - 600) }, layers: {} };
    const py2 = read(await toH5ad(dense));
    expect(py2.X_sparse).toBe(false);
    expect(py2.X_dtype).toBe('int16');
    expect(py2.X[0]).toEqual([-600, -599, -598, -597]);
  });

  test('empty obs, 0 cells, 0 genes, no X', async () => {
    const base = sampleAnnData();
    const noCols = read(await toH5ad({ ...base, obs: emptyTable(3), var: emptyTable(2) }));
    expect(noCols.obs_columns).toEqual([]);
    expect(noCols.obs_names).toEqual(['c1', 'c2', 'c3']);
    expect(noCols.X).toEqual([[0, 7], [0, 0], [1, 4000000000]]);

    const zeroCells: AnnData = {
      obs: base.obs.slice(0, 0), var: base.var, obsNames: [], varNames: ['g1', 'g2'], shape: [0, 2],
      X: { format: 'csr', shape: [0, 2], indptr: Int32Array.of(0), indices: new Int32Array(0), data: new Float32Array(0) },
      layers: { d: { format: 'dense', shape: [0, 2], data: new Float64Array(0) } }, obsm: { X_umap: { format: 'dense', shape: [0, 2], data: new Float32Array(0) } },
    };
    const z = read(await toH5ad(zeroCells));
    expect(z.shape).toEqual([0, 2]);
    expect(z.X_shape).toEqual([0, 2]);
    expect(z.obs_columns).toEqual(['cell_type', 'batch', 'n_genes', 'score', 'depth', 'flag', 'maybe']);
    expect(z.obs.flag).toEqual({ kind: 'bool', values: [] });
    expect(z.layers.d).toEqual([]);

    const zeroGenes: AnnData = {
      ...base, var: emptyTable(0), varNames: [], shape: [3, 0],
      X: { format: 'csr', shape: [3, 0], indptr: Int32Array.of(0, 0, 0, 0), indices: new Int32Array(0), data: new Float32Array(0) },
      layers: { d: { format: 'dense', shape: [3, 0], data: new Float32Array(0) } },
    };
    const g = read(await toH5ad(zeroGenes));
    expect(g.shape).toEqual([3, 0]);
    expect(g.X).toEqual([[], [], []]);
    expect(g.obs.batch.values).toEqual(['a', null, "b's"]);

    const obsOnly = read(await toH5ad({ ...base, X: null, layers: {} }));
    expect(obsOnly.X).toBeNull();
    expect(obsOnly.shape).toEqual([3, 2]);
  });

  test('rejects inconsistent shapes', async () => {
    const base = sampleAnnData();
    await expect(toH5ad({ ...base, obsNames: ['c1'] })).rejects.toThrow(/1 obs names for 3 rows/);
    await expect(toH5ad({ ...base, layers: { bad: { format: 'dense', shape: [3, 3], data: new Float32Array(9) } } })).rejects.toThrow(/bad is 3 × 3, not 3 × 2/);
  });

  test('realistic size: 5,000 cells × 2,000 genes, ~1M nnz, read back exactly (plain and gzip)', async () => {
    const nObs = 5000, nVar = 2000, perRow = 200;
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const indptr = new Int32Array(nObs + 1);
    const indices = new Int32Array(nObs * perRow);
    const data = new Float32Array(nObs * perRow);
    let k = 0;
    for (let r = 0; r < nObs; r++) {
      const cols = new Set<number>();
      const want = perRow - 20 + Math.floor(rand() * 40);
      while (cols.size < want) cols.add(Math.floor(rand() * nVar));
      for (const c of [...cols].sort((a, b) => a - b)) {
        indices[k] = c;
        data[k++] = 1 + Math.floor(rand() * 50);
      }
      indptr[r + 1] = k;
    }
    const nnz = k;
    const X: CsrMatrix = { format: 'csr', shape: [nObs, nVar], indptr, indices: indices.subarray(0, nnz), data: data.subarray(0, nnz) };
    const obsNames = Array.from({ length: nObs }, (_, i) => `cell-${i.toString(36)}-${i}`);
    const varNames = Array.from({ length: nVar }, (_, i) => `ENSG${String(i).padStart(11, '0')}`);
    const adata: AnnData = {
      obs: new arrow.Table<any>({
        cell_type: arrow.vectorFromArray(obsNames.map((_, i) => `type-${i % 17}`), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
        n_counts: arrow.vectorFromArray(Float64Array.from({ length: nObs }, (_, i) => indptr[i + 1]! - indptr[i]!)),
        is_doublet: arrow.vectorFromArray(obsNames.map((_, i) => i % 13 === 0), new arrow.Bool()),
      }),
      var: arrow.tableFromArrays({ gene_symbol: varNames.map((_, i) => `G${i}`) }),
      X, layers: {}, obsm: { X_umap: { format: 'dense', shape: [nObs, 2], data: Float32Array.from({ length: nObs * 2 }, (_, i) => i / 7) } },
      obsNames, varNames, shape: [nObs, nVar],
    };
    const check = String.raw`
import sys, json, hashlib, anndata, numpy as np, h5py
a = anndata.read_h5ad(sys.argv[1])
h = lambda x: hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()
print(json.dumps({'shape': list(a.shape), 'dtype': str(a.X.dtype), 'nnz': int(a.X.nnz),
  'data': h(a.X.data), 'indices': h(a.X.indices), 'indptr': h(a.X.indptr), 'idx_dtype': str(a.X.indices.dtype),
  'obs_names': h('\0'.join(a.obs_names).encode()), 'var_names': h('\0'.join(a.var_names).encode()),
  'cell_type': a.obs['cell_type'].astype(str).tolist()[:20], 'n_cats': len(a.obs['cell_type'].cat.categories),
  'n_counts': h(a.obs['n_counts'].to_numpy()), 'doublets': int(a.obs['is_doublet'].sum()), 'doublet_dtype': str(a.obs['is_doublet'].dtype),
  'umap': h(a.obsm['X_umap']), 'compression': h5py.File(sys.argv[1], 'r')['X/data'].compression}))`;
    for (const options of [{}, { gzip: 6 }]) {
      const times: number[] = [];
      let bytes: Uint8Array = new Uint8Array();
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        bytes = await toH5ad(adata, options);
        times.push(performance.now() - t0);
      }
      const best = Math.min(...times);
      const raw = X.data.byteLength + X.indices.byteLength + indptr.byteLength;
      console.log(`toH5ad${options.gzip ? ' gzip' : ''} 5000 × 2000, nnz ${nnz} (${(raw / 2 ** 20).toFixed(1)} MiB CSR): ${(bytes.length / 2 ** 20).toFixed(1)} MiB file in ${times.map((t) => t.toFixed(0)).join(' / ')} ms (best ${(raw / 2 ** 20 / (best / 1000)).toFixed(0)} MiB/s of matrix data)`);
      let streamed = 0;
      await writeH5ad(adata, (c) => void (streamed += c.length), options);
      expect(streamed).toBe(bytes.length);
      const py = pythonJson(check, [writeTemp(bytes, 'big.h5ad')]);
      expect(py).toEqual({
        shape: [nObs, nVar], dtype: 'float32', nnz, data: sha256(X.data), indices: sha256(X.indices), indptr: sha256(indptr), idx_dtype: 'int32',
        obs_names: sha256(obsNames), var_names: sha256(varNames),
        cell_type: obsNames.slice(0, 20).map((_, i) => `type-${i % 17}`), n_cats: 17,
        n_counts: sha256(adata.obs.getChild('n_counts')!.toArray() as Float64Array), doublets: Math.ceil(nObs / 13), doublet_dtype: 'bool',
        umap: sha256(adata.obsm.X_umap!.data), compression: options.gzip ? 'gzip' : null,
      });
    }
  }, 300_000);
});
