// AnnData Zarr v3 reader. python anndata 0.8 cannot read Zarr v3, so the oracle is (a) the h5ad of
// the same dataset, read by our h5ad reader (itself checked against python in inputs-h5ad.test.ts),
// (b) the documented nnz/sum of layers/counts, and (c) python's zipfile for last-wins member semantics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openAnnDataZarr } from '../../../src/companion/inputs/anndata-zarr.js';
import { openH5ad } from '../../../src/companion/inputs/h5ad.js';
import { openInput, sniffFormat } from '../../../src/companion/inputs/index.js';
import type { InputDataset } from '../../../src/companion/inputs/types.js';
import { collectCsr, collectDense, DATA, runPython, sameBytes, sumOf, tempDir } from './inputs-oracle.js';

const ZIP = join(DATA, 'pbmc68k_reduced/10x_pbmc68k_reduced.zarr.zip');
const H5AD = join(DATA, 'pbmc68k_reduced/10x_pbmc68k_reduced.h5ad');

function expectSameColumns(a: InputDataset['obs'], b: InputDataset['obs']): void {
  expect(a.map((c) => `${c.name}:${c.kind}`)).toEqual(b.map((c) => `${c.name}:${c.kind}`));
  a.forEach((c, i) => {
    const o = b[i]!;
    if (c.kind === 'categorical' && o.kind === 'categorical') {
      expect(c.categories, c.name).toEqual(o.categories);
      expect(sameBytes(c.codes, o.codes), c.name).toBe(true);
    } else if (c.kind === 'string' && o.kind === 'string') {
      expect(c.values, c.name).toEqual(o.values);
    } else if (c.kind !== 'string' && c.kind !== 'categorical' && o.kind !== 'string' && o.kind !== 'categorical') {
      expect(c.values.constructor, c.name).toBe(o.values.constructor);
      expect(sameBytes(c.values, o.values), c.name).toBe(true);
    }
  });
}

async function expectMatchesH5ad(z: InputDataset, h: InputDataset): Promise<void> {
  expect(z.obsNames).toEqual(h.obsNames);
  expect(z.varNames).toEqual(h.varNames);
  expectSameColumns(z.obs, h.obs);
  expectSameColumns(z.var, h.var);
  expect(z.X?.format).toBe('dense');
  expect(z.X?.dtype).toBe('float32');
  const zx = await collectDense(z.X!, 100);
  const hx = await collectDense(h.X!, 100);
  expect(sameBytes(zx.values, hx.values)).toBe(true);
  expect(Object.keys(z.obsm).sort()).toEqual(Object.keys(h.obsm).sort());
  for (const k of Object.keys(h.obsm)) {
    expect(z.obsm[k]!.dim).toBe(h.obsm[k]!.dim);
    expect(sameBytes(z.obsm[k]!.values, h.obsm[k]!.values), k).toBe(true);
  }
}

describe('AnnData Zarr v3: pbmc68k_reduced .zarr.zip', () => {
  let z: InputDataset;
  let h: InputDataset;
  const tmp = tempDir('zarr');
  beforeAll(async () => {
    z = await openAnnDataZarr(ZIP);
    h = await openH5ad(H5AD);
  });
  afterAll(async () => {
    await z?.close?.();
    await h?.close?.();
    tmp.cleanup();
  });

  it('X (sharded, zstd), obs, var, obsm equal the h5ad bit for bit', async () => {
    await expectMatchesH5ad(z, h);
  });

  it('layers/counts is int32 CSR with nnz 174400 and sum 486651, same pattern as the h5ad raw/X', async () => {
    const c = z.layers['counts']!;
    expect(c.format).toBe('csr');
    expect(c.dtype).toBe('int32');
    expect(c.shape).toEqual([700, 765]);
    const got = await collectCsr(c, 64);
    expect(got.values).toBeInstanceOf(Int32Array);
    expect(got.indices.length).toBe(174400);
    expect(sumOf(got.values)).toBe(486651);
    const raw = await collectCsr(h.raw!.X, 64);
    expect(sameBytes(got.indptr, raw.indptr)).toBe(true);
    expect(sameBytes(got.indices, raw.indices)).toBe(true);
  });

  it('raw is stored as an encoding-type "null" element in this store, so it is absent', () => {
    expect(z.raw).toBeUndefined();
  });

  it('duplicate zip members: the LAST entry wins, as in python zipfile', async () => {
    const py = JSON.parse(
      runPython(
        `import sys, zipfile, json, collections
z = zipfile.ZipFile(sys.argv[1])
c = collections.Counter(i.filename for i in z.infolist())
obs = json.loads(z.read('obs/zarr.json'))
first = [i for i in z.infolist() if i.filename == 'obs/zarr.json'][0]
print(json.dumps({'dups': c['obs/zarr.json'], 'order': obs['attributes']['column-order'], 'firstHasOrder': 'column-order' in json.loads(z.open(first).read()).get('attributes', {})}))`,
        ZIP,
      ),
    ) as { dups: number; order: string[]; firstHasOrder: boolean };
    expect(py.dups).toBeGreaterThan(1);
    expect(py.firstHasOrder).toBe(false); // the first copy would give a different (listing) column order
    expect(z.obs.map((c) => c.name)).toEqual(py.order);
  });

  it('the same store extracted to a directory reads identically; openInput sniffs both', async () => {
    const dir = join(tmp.dir, 'pbmc.zarr');
    runPython('import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', ZIP, dir);
    expect(await sniffFormat(dir)).toBe('zarr');
    expect(await sniffFormat(ZIP)).toBe('zarr');
    const d = await openInput(dir);
    await expectMatchesH5ad(d, h);
    const counts = await collectCsr(d.layers['counts']!, 700);
    expect(counts.batches).toEqual([700]);
    expect(counts.indices.length).toBe(174400);
    await d.close?.();
  });
});

describe('AnnData Zarr v2, as anndata 0.8 writes it', () => {
  const tmp = tempDir('zarr2');
  beforeAll(() => {
    // one AnnData written three ways: h5ad (the oracle, read by the checked h5ad reader), Zarr v2
    // with zarr's default Blosc, and Zarr v2 whose arrays are LZMA-compressed (numcodecs has it,
    // zarr.js readers do not)
    runPython(
      `import sys, os, numpy as np, pandas as pd, scipy.sparse as sp, anndata, zarr, numcodecs
out = sys.argv[1]
rng = np.random.default_rng(3)
X = sp.random(40, 25, density=0.2, format='csr', random_state=3, dtype=np.float32)
X.data = np.ceil(X.data * 50)
obs = pd.DataFrame({'cat': pd.Categorical([['a', 'b', None][i % 3] for i in range(40)]), 'f': rng.standard_normal(40)}, index=[f'c{i}' for i in range(40)])
a = anndata.AnnData(X=X, obs=obs, var=pd.DataFrame(index=[f'g{j}' for j in range(25)]))
a.obsm['X_umap'] = rng.standard_normal((40, 2)).astype(np.float32)
a.write_h5ad(os.path.join(out, 'a.h5ad'))
a.write_zarr(os.path.join(out, 'a.zarr'))
a.write_zarr(os.path.join(out, 'lzma.zarr'))
g = zarr.open_group(os.path.join(out, 'lzma.zarr'), mode='r+')
src = g['X/data'][...]
del g['X/data']
g.create_dataset('X/data', data=src, compressor=numcodecs.LZMA())`,
      tmp.dir,
    );
  });
  afterAll(() => tmp.cleanup());

  it('reads the same cells, columns, matrix and obsm as the h5ad', async () => {
    const z = await openInput(join(tmp.dir, 'a.zarr'));
    const h = await openH5ad(join(tmp.dir, 'a.h5ad'));
    expect(z.obsNames).toEqual(h.obsNames);
    expect(z.varNames).toEqual(h.varNames);
    expectSameColumns(z.obs, h.obs);
    const [zx, hx] = [await collectCsr(z.X!, 16), await collectCsr(h.X!, 16)];
    expect(sameBytes(zx.indices, hx.indices) && sameBytes(zx.values, hx.values)).toBe(true);
    expect(sameBytes(z.obsm['X_umap']!.values, h.obsm['X_umap']!.values)).toBe(true);
    await z.close?.();
    await h.close?.();
  });

  it('a compressor without a codec here is an UnsupportedError naming it and the way out, not "damaged"', async () => {
    const z = await openInput(join(tmp.dir, 'lzma.zarr'));
    await expect(collectCsr(z.X!, 16)).rejects.toMatchObject({ _tag: 'Unsupported', message: expect.stringMatching(/compressed with numcodecs\.lzma.*rewrite the store/) });
    await z.close?.();
  });
});
