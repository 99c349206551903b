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
