// h5ad reader vs Debian's python anndata 0.8 (the oracle): the real pbmc68k_reduced file, and
// variants python writes here (CSC X, CSR with layers, nullable/string/bool/categorical obs, the
// anndata 0.7 __categories layout).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openH5ad } from '../../../src/companion/inputs/h5ad.js';
import { isRaggedAtlasError } from '../../../src/errors.js';
import { openInput } from '../../../src/companion/inputs/index.js';
import type { InputDataset } from '../../../src/companion/inputs/types.js';
import { expectCsr, expectDataframe } from './inputs-compare.js';
import { collectCsr, collectDense, DATA, PY_DF_DUMP, PY_DUMP_PRELUDE, readBin, readJson, runPython, sameBytes, tempDir } from './inputs-oracle.js';

const PBMC68K = join(DATA, 'pbmc68k_reduced/10x_pbmc68k_reduced.h5ad');

describe('h5ad: pbmc68k_reduced equals python anndata', () => {
  const tmp = tempDir('h5ad68k');
  let d: InputDataset;
  beforeAll(async () => {
    runPython(
      PY_DUMP_PRELUDE + PY_DF_DUMP + `
import anndata
a = anndata.read_h5ad(sys.argv[2])
dump('X', np.asarray(a.X))
dumpj('X.info', {'dtype': str(a.X.dtype), 'shape': list(a.X.shape)})
dump_csr('raw', a.raw.X)
dump_df('obs', a.obs); dump_df('var', a.var); dump_df('rawvar', a.raw.var)
for k in a.obsm.keys(): dump('obsm.' + k, np.asarray(a.obsm[k]).astype(np.float32))
dumpj('obsm', {k: int(a.obsm[k].shape[1]) for k in a.obsm.keys()})
`,
      tmp.dir,
      PBMC68K,
    );
    d = await openH5ad(PBMC68K);
  });
  afterAll(async () => {
    await d?.close?.();
    tmp.cleanup();
  });

  it('X is dense float32 700x765, bit-exact, in row batches', async () => {
    expect(d.X?.format).toBe('dense');
    expect(d.X?.dtype).toBe('float32');
    expect(d.X?.shape).toEqual([700, 765]);
    const got = await collectDense(d.X!, 128);
    expect(got.batches).toEqual([128, 128, 128, 128, 128, 60]);
    expect(got.values).toBeInstanceOf(Float32Array);
    expect(sameBytes(got.values, readBin(tmp.dir, 'X', Float32Array))).toBe(true);
  });

  it('raw/X is CSR, equal to python (indptr, indices, float32 data)', async () => {
    expect(d.raw?.X.format).toBe('csr');
    expect(d.raw?.X.shape).toEqual([700, 765]);
    expectCsr(tmp.dir, 'raw', await collectCsr(d.raw!.X, 97));
    expectDataframe(tmp.dir, 'rawvar', d.raw!.varNames, d.raw!.var);
  });

  it('obs and var columns (categoricals, int64, float32, bool) equal python', () => {
    expectDataframe(tmp.dir, 'obs', d.obsNames, d.obs);
    expectDataframe(tmp.dir, 'var', d.varNames, d.var);
    const kinds = Object.fromEntries(d.obs.map((c) => [c.name, c.kind]));
    expect(kinds).toMatchObject({ bulk_labels: 'categorical', louvain: 'categorical', phase: 'categorical', n_genes: 'int', percent_mito: 'float' });
    const bl = d.obs.find((c) => c.name === 'bulk_labels');
    expect(bl?.kind === 'categorical' && bl.categories.length).toBe(10);
  });

  it('obsm X_pca / X_umap as float32, equal to numpy astype(float32)', () => {
    const dims = readJson<Record<string, number>>(tmp.dir, 'obsm');
    expect(Object.keys(d.obsm).sort()).toEqual(Object.keys(dims).sort());
    for (const [k, dim] of Object.entries(dims)) {
      expect(d.obsm[k]!.dim).toBe(dim);
      expect(sameBytes(d.obsm[k]!.values, readBin(tmp.dir, `obsm.${k}`, Float32Array)), k).toBe(true);
    }
    expect(d.obsm['X_pca']!.dim).toBe(50);
    expect(d.obsm['X_umap']!.dim).toBe(2);
  });

  it('openInput sniffs h5ad by content', async () => {
    const e = await openInput(PBMC68K);
    expect(e.obsNames).toEqual(d.obsNames);
    await e.close?.();
  });
});

describe('h5ad variants written by python anndata', () => {
  const tmp = tempDir('h5advar');
  beforeAll(() => {
    runPython(
      PY_DUMP_PRELUDE + PY_DF_DUMP + `
import anndata, h5py
import scipy.sparse as sp
n, m = 53, 29
rng = np.random.default_rng(7)
def rand_csr(dtype, density=0.25):
    x = sp.random(n, m, density=density, format='csr', random_state=rng, dtype=np.float64)
    x.data = (x.data * 40).astype(dtype) if np.issubdtype(dtype, np.integer) else x.data.astype(dtype)
    x.data[x.data == 0] = 1
    x[5, :] = 0; x.eliminate_zeros()          # an empty row
    return x
obs = pd.DataFrame(index=[f'cell{i}' for i in range(n)])
obs['nint'] = pd.array([None if i % 5 == 0 else i * 1000003 for i in range(n)], dtype='Int64')
obs['nbool'] = pd.array([None if i % 7 == 0 else bool(i % 2) for i in range(n)], dtype='boolean')
obs['label'] = [f'u{i}-é✓' for i in range(n)]               # unique strings stay string-array
obs['flag'] = np.array([i % 3 == 0 for i in range(n)])
obs['cat'] = pd.Categorical([['x', 'y', None, 'z'][i % 4] for i in range(n)])
obs['i8'] = np.arange(n, dtype=np.int8)
obs['i32'] = np.arange(n, dtype=np.int32) * -7
obs['f64'] = np.linspace(-1, 1, n)
obs['numcat'] = pd.Categorical([i % 3 for i in range(n)])
# float categories, spelled as pandas' astype(str) spells them (1e-05, 1e+16, 2.0); pandas 1.x keeps
# float32 categories as float64 (no float32 Index), which expectDataframe's str() oracle checks
obs['fcat'] = pd.Categorical([[1e-5, 1e16, 2.0, 0.1, 1.5e-7, 123456789012345680000.0][i % 6] for i in range(n)])
obs['f32cat'] = pd.Categorical(np.array([[0.0001, 0.1, 1e16][i % 3] for i in range(n)], dtype=np.float32))
var = pd.DataFrame(index=[f'g{j}' for j in range(m)])
var['score'] = np.arange(m, dtype=np.float32) / 3
# 1) CSC X
xc = rand_csr(np.float32).tocsc()
a = anndata.AnnData(X=xc, obs=obs, var=var)
a.obsm['X_emb'] = rng.standard_normal((n, 3))
a.write_h5ad(os.path.join(OUT, 'csc.h5ad'))
# 2) CSR X int32 with layers (int64 CSR, dense float64, CSC, CSR with unsorted row indices)
x = rand_csr(np.int32)
b = anndata.AnnData(X=x, obs=obs, var=var, dtype=np.int32)
b.layers['counts64'] = rand_csr(np.int64)
b.layers['dense'] = rng.standard_normal((n, m))
b.layers['csc'] = rand_csr(np.float64).tocsc()
u = rand_csr(np.float32)
for r in range(n):                            # reverse each row's indices: valid CSR, not canonical
    s, e = u.indptr[r], u.indptr[r + 1]
    u.indices[s:e] = u.indices[s:e][::-1].copy(); u.data[s:e] = u.data[s:e][::-1].copy()
u.has_sorted_indices = False
b.layers['unsorted'] = u
b.write_h5ad(os.path.join(OUT, 'layers.h5ad'))
# oracle: what anndata reads back
for name in ('csc', 'layers'):
    r = anndata.read_h5ad(os.path.join(OUT, name + '.h5ad'))
    dump_csr(name + '.X', r.X)
    for k in r.layers.keys(): dump_csr(f'{name}.layer.{k}', r.layers[k])
    dump_df(name + '.obs', r.obs); dump_df(name + '.var', r.var)
    for k in r.obsm.keys(): dump(f'{name}.obsm.{k}', np.asarray(r.obsm[k]).astype(np.float32))
# 3) anndata 0.7 layout: codes dataset + 'categories' object reference to obs/__categories/<col>
import shutil
shutil.copy(os.path.join(OUT, 'csc.h5ad'), os.path.join(OUT, 'legacy.h5ad'))
with h5py.File(os.path.join(OUT, 'legacy.h5ad'), 'r+') as f:
    g = f['obs']
    cats = g['cat/categories'][...]; codes = g['cat/codes'][...]
    del g['cat']
    cg = g.create_group('__categories')
    cd = cg.create_dataset('cat', data=cats, dtype=h5py.string_dtype())
    d = g.create_dataset('cat', data=codes)
    d.attrs['categories'] = cd.ref
`,
      tmp.dir,
    );
  });
  afterAll(() => tmp.cleanup());

  it('CSC X: row batches equal python (in-memory transpose and per-batch scan)', async () => {
    const d = await openH5ad(join(tmp.dir, 'csc.h5ad'));
    expect(d.X?.format).toBe('csc');
    expect(d.X?.dtype).toBe('float32');
    const mem = await collectCsr(d.X!, 10);
    expect(mem.batches).toEqual([10, 10, 10, 10, 10, 3]);
    expectCsr(tmp.dir, 'csc.X', mem);
    await d.close?.();
    const s = await openH5ad(join(tmp.dir, 'csc.h5ad'), { cscInMemoryMaxNnz: 0, readChunkEntries: 17 });
    expectCsr(tmp.dir, 'csc.X', await collectCsr(s.X!, 7));
    await s.close?.();
  });

  it('obs with nullable int/bool, strings, bool, categorical with nulls, numeric categories', async () => {
    const d = await openH5ad(join(tmp.dir, 'csc.h5ad'));
    expectDataframe(tmp.dir, 'csc.obs', d.obsNames, d.obs);
    expectDataframe(tmp.dir, 'csc.var', d.varNames, d.var);
    const byName = Object.fromEntries(d.obs.map((c) => [c.name, c]));
    expect(byName['nint']).toMatchObject({ kind: 'int' });
    expect(byName['nint']!.kind === 'int' && byName['nint']!.valid?.[0]).toBe(0);
    expect(byName['cat']!.kind === 'categorical' && byName['cat']!.codes[2]).toBe(-1);
    expect(byName['numcat']!.kind === 'categorical' && byName['numcat']!.categories).toEqual(['0', '1', '2']);
    expect(byName['fcat']!.kind === 'categorical' && byName['fcat']!.categories).toEqual(['1.5e-07', '1e-05', '0.1', '2.0', '1e+16', '1.2345678901234568e+20']);
    expect(byName['label']!.kind === 'string' && byName['label']!.values[1]).toBe('u1-é✓');
    expect(sameBytes(d.obsm['X_emb']!.values, readBin(tmp.dir, 'csc.obsm.X_emb', Float32Array))).toBe(true);
    await d.close?.();
  });

  it('CSR X (int32) with layers: int64 CSR, dense float64, CSC, unsorted CSR', async () => {
    const d = await openH5ad(join(tmp.dir, 'layers.h5ad'));
    expect(d.X?.dtype).toBe('int32');
    expectCsr(tmp.dir, 'layers.X', await collectCsr(d.X!, 16));
    expect(Object.keys(d.layers).sort()).toEqual(['counts64', 'csc', 'dense', 'unsorted']);
    expect(d.layers['counts64']!.dtype).toBe('int64');
    expectCsr(tmp.dir, 'layers.layer.counts64', await collectCsr(d.layers['counts64']!, 16));
    expectCsr(tmp.dir, 'layers.layer.csc', await collectCsr(d.layers['csc']!, 16));
    expectCsr(tmp.dir, 'layers.layer.unsorted', await collectCsr(d.layers['unsorted']!, 5));
    // dense layer vs python's CSR view of it (zeros dropped): compare through densifying ours.
    const dense = await collectDense(d.layers['dense']!, 20);
    expect(dense.values).toBeInstanceOf(Float64Array);
    const ref = readBin(tmp.dir, 'layers.layer.dense.data', Float64Array);
    expect(sameBytes(dense.values.filter((v) => v !== 0), ref)).toBe(true);
    await d.close?.();
  });

  it('legacy anndata 0.7 categorical (__categories + object reference)', async () => {
    const d = await openH5ad(join(tmp.dir, 'legacy.h5ad'));
    const cat = d.obs.find((c) => c.name === 'cat');
    const ref = readJson<{ name: string; categories?: string[] }[]>(tmp.dir, 'csc.obs.meta').find((m) => m.name === 'cat');
    expect(cat?.kind).toBe('categorical');
    if (cat?.kind !== 'categorical') return;
    expect(cat.categories).toEqual(ref?.categories);
    const i = d.obs.indexOf(cat);
    expect(sameBytes(cat.codes, readBin(tmp.dir, `csc.obs.${i}.codes`, Int32Array))).toBe(true);
    expect(d.obs.map((c) => c.name)).not.toContain('__categories');
    await d.close?.();
  });
});

describe('h5ad elements the reader cannot take fail only the ingest that uses them', () => {
  const tmp = tempDir('h5adodd');
  let d: InputDataset;
  beforeAll(async () => {
    runPython(
      `
import sys, numpy as np, pandas as pd, scipy.sparse as sp, anndata
X = sp.csr_matrix(np.array([[1, 0, 2], [0, 3, 0], [4, 0, 0], [0, 0, 5]], dtype=np.float32))
a = anndata.AnnData(X=X, obs=pd.DataFrame({'n': [1, 2, 3, 4], 'z': np.array([1 + 2j, 0, 1j, 3], dtype=np.complex128)}, index=['a', 'b', 'c', 'd']),
                    var=pd.DataFrame(index=['g1', 'g2', 'g3']))
a.layers['half'] = np.ones((4, 3), dtype=np.float16)
a.obsm['cube'] = np.zeros((4, 2, 2), dtype=np.float32)
a.obsm['X_umap'] = np.arange(8, dtype=np.float64).reshape(4, 2)
a.obsm['frame'] = pd.DataFrame(np.ones((4, 2)), index=a.obs_names, columns=['u1', 'u2'])  # R/Seurat conversions
a.obsm['sparse'] = sp.csr_matrix(np.eye(4, 2, dtype=np.float32))
a.obsm['half2'] = np.ones((4, 2), dtype=np.float16)
a.obsm['flags'] = np.ones((4, 2), dtype=bool)
a.write_h5ad(sys.argv[1] + '/odd.h5ad')
`,
      tmp.dir,
    );
    d = await openH5ad(join(tmp.dir, 'odd.h5ad'));
  });
  afterAll(async () => {
    await d?.close?.();
    tmp.cleanup();
  });

  it('a complex obs column, a float16 layer, a 3-D obsm and obsm a dataframe, sparse, float16 or bool are set aside with why; the rest reads', async () => {
    expect(d.obs.map((c) => c.name)).toEqual(['n']);
    expect(Object.keys(d.layers)).toEqual([]);
    expect(Object.keys(d.obsm)).toEqual(['X_umap']);
    expect(Object.keys(d.unreadable ?? {}).sort()).toEqual(['layers/half', 'obs/z', 'obsm/cube', 'obsm/flags', 'obsm/frame', 'obsm/half2', 'obsm/sparse']);
    expect(Object.values(d.unreadable!).every((e) => isRaggedAtlasError(e, 'Unsupported', 'InvalidInput'))).toBe(true);
  });

  it('an ingest that maps none of them succeeds; one that maps one fails with its error', async () => {
    const { Atlas } = await import('../../../src/companion/atlas.js');
    const { ingest } = await import('../../../src/companion/ingest.js');
    const atlas = await Atlas.create(join(tmp.dir, 'atlas'), { obs: { columns: [{ name: 'n', type: 'int64', nullable: true }], embeddings: [{ name: 'X_umap', dim: 2 }] } } as never);
    try {
      await expect(ingest(atlas, { modalities: [{ field: 'gene_expression', input: d }] })).resolves.toBeDefined();
      await expect(ingest(atlas, { name: 'again', obsMap: { z: 'n' }, modalities: [{ field: 'gene_expression', input: d }] } as never)).rejects.toMatchObject({ _tag: 'Unsupported' });
      await expect(ingest(atlas, { name: 'layer', modalities: [{ field: 'gene_expression', input: d, layers: { counts: 'layers/half' } }] } as never)).rejects.toMatchObject({ _tag: 'Unsupported' });
      // a declared embedding the input holds in a form not read is refused, not stored as NULL
      const declaring = await Atlas.create(join(tmp.dir, 'atlas-frame'), { obs: { columns: [], embeddings: [{ name: 'frame', dim: 2 }] } } as never);
      try {
        await expect(ingest(declaring, { modalities: [{ field: 'gene_expression', input: d }] })).rejects.toMatchObject({ _tag: 'Unsupported', message: expect.stringContaining('not a dense array') });
      } finally {
        declaring.close();
      }
    } finally {
      atlas.close();
    }
  });
});
