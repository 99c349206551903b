// AnnData fixtures shared by the unit tests and the browser test (which imports this module in
// Chromium through the Vite dev server), and the anndata script that reads .h5ad files back.
import * as arrow from 'apache-arrow';
import type { AnnData } from '../../../src/anndata/types.js';

/** Every obs column kind (categorical with nulls, nullable Int64/boolean, bools, floats), CSR uint32 X. */
export function sampleAnnData(): AnnData {
  const strs = (v: (string | null)[]) => arrow.vectorFromArray(v, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
  const withNulls = new arrow.Table({
    cell_type: strs(['T cell', 'B cell', 'T cell']),
    batch: strs(['a', null, "b's"]),
    n_genes: arrow.vectorFromArray(BigInt64Array.from([10n, 20n, 30n])),
    score: arrow.vectorFromArray(Float32Array.from([0.5, -1.25, 3])),
    depth: arrow.vectorFromArray([1n, null, 3n], new arrow.Int64()),
    flag: arrow.vectorFromArray([true, false, true], new arrow.Bool()),
    maybe: arrow.vectorFromArray([true, null, false], new arrow.Bool()),
  });
  return {
    obs: withNulls,
    var: arrow.tableFromArrays({ gene_symbol: ['CD3E', 'MS4A1'], global_index: BigInt64Array.from([0n, 5n]) }),
    X: { format: 'csr', shape: [3, 2], indptr: Int32Array.from([0, 1, 1, 3]), indices: Int32Array.from([1, 0, 1]), data: Uint32Array.from([7, 1, 4000000000]) },
    layers: { log: { format: 'dense', shape: [3, 2], data: Float32Array.from([0, 1.5, 0, 0, 2.5, 3.5]) } },
    obsm: { X_umap: { format: 'dense', shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) } },
    obsNames: ['c1', 'c2', 'c3'],
    varNames: ['g1', 'g2'],
    shape: [3, 2],
  };
}

/** Reads an .h5ad with anndata.read_h5ad (argv[1]) and prints it as JSON, column kinds included. */
export const READ_H5AD = `
import sys, json, anndata, numpy as np, pandas as pd
a = anndata.read_h5ad(sys.argv[1])
def col(s):
    if isinstance(s.dtype, pd.CategoricalDtype):
        return {"kind": "categorical", "ordered": bool(s.cat.ordered), "codes_dtype": str(s.cat.codes.dtype),
                "values": [None if pd.isna(v) else v for v in s.tolist()]}
    if str(s.dtype) in ("Int64", "Int32", "Int16", "Int8", "UInt8", "UInt32", "boolean"):
        return {"kind": str(s.dtype), "values": [None if pd.isna(v) else (bool(v) if str(s.dtype)=="boolean" else int(v)) for v in s.tolist()]}
    vals = s.tolist()
    return {"kind": str(s.dtype), "values": [None if (isinstance(v, float) and np.isnan(v)) else v for v in vals]}
def mat(m):
    return (m.toarray() if hasattr(m, "toarray") else np.asarray(m)).tolist()
X = None if a.X is None else (a.X.toarray() if hasattr(a.X, "toarray") else a.X)
print(json.dumps({
  "shape": list(a.shape), "obs_names": a.obs_names.tolist(), "var_names": a.var_names.tolist(),
  "obs_columns": a.obs.columns.tolist(), "var_columns": a.var.columns.tolist(),
  "obs": {c: col(a.obs[c]) for c in a.obs.columns}, "var": {c: col(a.var[c]) for c in a.var.columns},
  "X": None if X is None else X.tolist(), "X_dtype": None if X is None else str(X.dtype), "X_sparse": hasattr(a.X, "toarray"),
  "X_shape": None if a.X is None else list(a.X.shape),
  "indptr_dtype": str(a.X.indptr.dtype) if hasattr(a.X, "indptr") else None,
  "layers": {k: mat(v) for k, v in a.layers.items()},
  "layer_dtypes": {k: str(v.dtype) for k, v in a.layers.items()},
  "obsm": {k: np.asarray(v).tolist() for k, v in a.obsm.items()},
  "uns": list(a.uns.keys()), "obsp": list(a.obsp.keys()), "varm": list(a.varm.keys()),
}))
`;
