// Independent oracles for the walkthrough inputs, none of which uses our readers:
//  - pbmc3k counts: scipy.io.mmread of the 10x matrix (Debian python), gene names made unique as anndata does;
//  - pbmc68k_reduced raw/X (log-normalised): python anndata;
//  - pbmc68k_reduced layers/counts: plain zarrita (with its own zstd) over the .zarr.zip (anndata 0.8 cannot read zarr v3).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zarr from 'zarrita';
import ZipFileStore from '@zarrita/storage/zip';
import { pythonJson } from './python.js';

export interface OracleCsr {
  obsNames: string[];
  varNames: string[];
  indptr: Float64Array;
  indices: Int32Array;
  data: Float64Array;
}

const DUMP = `
import sys, json, numpy as np, scipy.io, scipy.sparse as sp, anndata
from anndata.utils import make_index_unique
import pandas as pd
kind, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "mtx":
    m = sp.csr_matrix(scipy.io.mmread(src + "/matrix.mtx.gz").T)
    genes = [l.rstrip("\\n").split("\\t")[1] for l in open(src + "/genes.tsv")]
    obs = [l.strip() for l in open(src + "/barcodes.tsv")]
    var = list(make_index_unique(pd.Index(genes)))
else:
    a = anndata.read_h5ad(src)
    m = sp.csr_matrix(a.raw.X)
    obs, var = list(a.obs_names), list(a.raw.var_names)
m.sort_indices()
m.indptr.astype("<f8").tofile(out + "/indptr"); m.indices.astype("<i4").tofile(out + "/indices"); m.data.astype("<f8").tofile(out + "/data")
print(json.dumps({"obs": obs, "var": var}))
`;

function load(kind: 'mtx' | 'h5ad-raw', src: string): OracleCsr {
  const out = mkdtempSync(join(tmpdir(), 'oracle-'));
  const meta = pythonJson<{ obs: string[]; var: string[] }>(DUMP, [kind, src, out], { timeoutMs: 300_000 });
  const f64 = (n: string) => new Float64Array(readFileSync(join(out, n)).buffer.slice(0));
  return { obsNames: meta.obs, varNames: meta.var, indptr: f64('indptr'), indices: new Int32Array(readFileSync(join(out, 'indices')).buffer.slice(0)), data: f64('data') };
}

export const pbmc3kCounts = (dir: string) => load('mtx', dir);
export const h5adRawX = (file: string) => load('h5ad-raw', file);

/** A CSR group (`data`, `indices`, `indptr`) of an AnnData zarr v3 store inside a zip, read with zarrita. */
export async function zarrZipCsr(zipPath: string, group: string): Promise<Pick<OracleCsr, 'indptr' | 'indices' | 'data'>> {
  const store = ZipFileStore.fromBlob(new Blob([readFileSync(zipPath)]));
  const root = zarr.root(store);
  const get = async (name: string) => (await zarr.get(await zarr.open.v3(root.resolve(`${group}/${name}`), { kind: 'array' }))).data as ArrayLike<number | bigint>;
  const [indptr, indices, data] = await Promise.all([get('indptr'), get('indices'), get('data')]);
  return { indptr: Float64Array.from(indptr, Number), indices: Int32Array.from(indices as ArrayLike<number>), data: Float64Array.from(data, Number) };
}
