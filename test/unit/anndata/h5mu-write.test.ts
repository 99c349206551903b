// .h5mu against h5py (structure, as mudata's write_h5mu lays it out) and anndata's element reader
// (each /mod/<m> as an AnnData). Debian has no python3-mudata.
import * as arrow from 'apache-arrow';
import { afterAll, expect, test } from 'vitest';
import { toH5mu } from '../../../src/anndata/h5mu-write.js';
import type { AnnData, MuData } from '../../../src/anndata/types.js';
import { pythonJson } from '../../helpers/python.js';
import { removeTemp, writeTemp } from './h5py-dump.js';

afterAll(removeTemp);

const ROWS = Array.from({ length: 10 }, (_, i) => `cell-${i}`);

function modality(present: number[], varNames: string[], X: AnnData['X'], extraObs: Record<string, arrow.Vector> = {}): AnnData {
  const rows = ROWS.map((_, i) => i).filter((i) => present[i]);
  return {
    obs: new arrow.Table({ n: arrow.vectorFromArray(Int32Array.from(rows)), ...extraObs }),
    var: arrow.tableFromArrays({ feature: varNames.map((v) => v.toUpperCase()) }),
    X, layers: {}, obsm: {},
    obsNames: rows.map((i) => ROWS[i]!), varNames, shape: [rows.length, varNames.length],
  };
}

function sample(): MuData {
  const all = ROWS.map(() => 1);
  const prot = ROWS.map((_, i) => (i % 2 === 0 ? 1 : 0));
  const atac = ROWS.map((_, i) => ([1, 2, 3, 7].includes(i) ? 1 : 0));
  const rnaX: AnnData['X'] = { format: 'csr', shape: [10, 5], indptr: Int32Array.from({ length: 11 }, (_, i) => i), indices: Int32Array.from({ length: 10 }, (_, i) => i % 5), data: Float32Array.from({ length: 10 }, (_, i) => i + 0.5) };
  const protX: AnnData['X'] = { format: 'dense', shape: [5, 3], data: Float32Array.from({ length: 15 }, (_, i) => i * 2) };
  const atacX: AnnData['X'] = { format: 'csr', shape: [4, 6], indptr: Float64Array.of(0, 2, 2, 3, 6), indices: Int32Array.of(0, 5, 3, 1, 2, 4), data: Uint8Array.of(1, 2, 3, 4, 5, 6) };
  return {
    obs: arrow.tableFromArrays({ donor: ROWS.map((_, i) => `d${i % 3}`), qc: Float64Array.from(ROWS, (_, i) => i / 10) }),
    obsNames: ROWS,
    mod: {
      rna: modality(all, ['g0', 'g1', 'g2', 'g3', 'g4'], rnaX, { flag: arrow.vectorFromArray(ROWS.map((_, i) => i > 4), new arrow.Bool()) }),
      prot: modality(prot, ['CD3', 'CD4', 'CD8'], protX),
      atac: modality(atac, ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'], atacX),
    },
    present: { rna: Uint8Array.from(all), prot: Uint8Array.from(prot), atac: Uint8Array.from(atac) },
  };
}

test('toH5mu: MuData layout (h5py) and every modality readable by anndata', async () => {
  const mdata = sample();
  const file = writeTemp(await toH5mu(mdata), 'out.h5mu');
  const py = pythonJson(String.raw`
import sys, json, h5py, numpy as np, anndata
from anndata.experimental import read_elem
f = h5py.File(sys.argv[1], 'r')
with open(sys.argv[1], 'rb') as raw: head = raw.read(512)
def attrs(o): return {k: (v.tolist() if isinstance(v, np.ndarray) else (int(v) if isinstance(v, np.integer) else v)) for k, v in o.attrs.items()}
mods = {}
for m in f['mod'].keys():
    a = read_elem(f['mod'][m])
    X = a.X.toarray() if hasattr(a.X, 'toarray') else np.asarray(a.X)
    mods[m] = {'type': type(a).__name__, 'shape': list(a.shape), 'obs_names': a.obs_names.tolist(), 'var_names': a.var_names.tolist(),
               'X': X.tolist(), 'X_dtype': str(X.dtype), 'obs': {c: a.obs[c].tolist() for c in a.obs.columns},
               'var': a.var['feature'].astype(str).tolist(), 'attrs': attrs(f['mod'][m])}
obs = read_elem(f['obs'])
print(json.dumps({
  'head': head.rstrip(b'\0').decode(), 'userblock': f.userblock_size, 'root_attrs': attrs(f), 'axis_dtype': str(f.attrs['axis'].dtype),
  'keys': sorted(f.keys()), 'mod_keys': sorted(f['mod'].keys()), 'mod_attrs': attrs(f['mod']),
  'obsmap': {m: f['obsmap'][m][()].tolist() for m in f['obsmap']}, 'obsmap_dtype': str(f['obsmap']['rna'].dtype),
  'varmap': {m: f['varmap'][m][()].tolist() for m in f['varmap']},
  'obs_index': obs.index.tolist(), 'obs': {c: obs[c].astype(str).tolist() if c == 'donor' else obs[c].tolist() for c in obs.columns},
  'var_index': read_elem(f['var']).index.tolist(),
  'dicts': {k: dict(f[k].attrs)['encoding-type'] for k in ['obsm', 'varm', 'obsp', 'varp', 'uns', 'obsmap', 'varmap']},
  'mods': mods}))`, [file]);

  expect(py.head).toBe('MuData (format-version=0.1.0;creator=ragged-atlas;creator-version=0.1.0)');
  expect(py.userblock).toBe(512);
  expect(py.root_attrs).toEqual({ 'encoding-type': 'MuData', 'encoding-version': '0.1.0', encoder: 'ragged-atlas', 'encoder-version': '0.1.0', axis: 0 });
  expect(py.axis_dtype).toBe('int64');
  expect(py.keys).toEqual(['mod', 'obs', 'obsm', 'obsmap', 'obsp', 'uns', 'var', 'varm', 'varmap', 'varp']);
  expect(py.mod_keys).toEqual(['atac', 'prot', 'rna']);
  expect(py.mod_attrs).toEqual({ 'mod-order': ['rna', 'prot', 'atac'] });
  expect(py.obsmap_dtype).toBe('uint32');
  expect(py.obsmap).toEqual({
    rna: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    prot: [1, 0, 2, 0, 3, 0, 4, 0, 5, 0],
    atac: [0, 1, 2, 3, 0, 0, 0, 4, 0, 0],
  });
  expect(py.var_index).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'CD3', 'CD4', 'CD8', 'p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
  expect(py.varmap).toEqual({
    rna: [1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    prot: [0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0],
    atac: [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6],
  });
  expect(py.obs_index).toEqual(ROWS);
  expect(py.obs).toEqual({ donor: ROWS.map((_, i) => `d${i % 3}`), qc: ROWS.map((_, i) => i / 10) });
  expect(py.dicts).toEqual({ obsm: 'dict', varm: 'dict', obsp: 'dict', varp: 'dict', uns: 'dict', obsmap: 'dict', varmap: 'dict' });

  const { rna, prot, atac } = py.mods;
  for (const m of [rna, prot, atac]) {
    expect(m.type).toBe('AnnData');
    expect(m.attrs).toEqual({ 'encoding-type': 'anndata', 'encoding-version': '0.1.0', encoder: 'ragged-atlas', 'encoder-version': '0.1.0' });
  }
  expect(rna.shape).toEqual([10, 5]);
  expect(rna.obs_names).toEqual(ROWS);
  expect(rna.X[3]).toEqual([0, 0, 0, 3.5, 0]);
  expect(rna.obs.flag).toEqual(ROWS.map((_, i) => i > 4));
  expect(rna.var).toEqual(['G0', 'G1', 'G2', 'G3', 'G4']);
  expect(prot.shape).toEqual([5, 3]);
  expect(prot.obs_names).toEqual(['cell-0', 'cell-2', 'cell-4', 'cell-6', 'cell-8']);
  expect(prot.obs.n).toEqual([0, 2, 4, 6, 8]);
  expect(prot.X).toEqual([[0, 2, 4], [6, 8, 10], [12, 14, 16], [18, 20, 22], [24, 26, 28]]);
  expect(prot.var_names).toEqual(['CD3', 'CD4', 'CD8']);
  expect(atac.shape).toEqual([4, 6]);
  expect(atac.obs_names).toEqual(['cell-1', 'cell-2', 'cell-3', 'cell-7']);
  expect(atac.X_dtype).toBe('uint8');
  expect(atac.X).toEqual([[1, 0, 0, 0, 0, 2], [0, 0, 0, 0, 0, 0], [0, 0, 0, 3, 0, 0], [0, 4, 5, 0, 6, 0]]);
});

test('toH5mu rejects modalities that disagree with their presence masks', async () => {
  const m = sample();
  await expect(toH5mu({ ...m, present: { ...m.present, prot: Uint8Array.from(ROWS, () => 1) } })).rejects.toThrow(/row 1 of prot is cell-2, expected cell-1/);
  const { atac: _, ...rest } = m.present;
  await expect(toH5mu({ ...m, present: rest })).rejects.toThrow(/no presence mask for modality atac/);
});
