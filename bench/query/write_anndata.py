"""AnnData-Zarr baseline stores for the query benchmark, written by the reference anndata.

Usage: write_anndata.py <bench-dir> csr,csc      (reads <bench-dir>/raw/, writes anndata-{csr,csc}.zarr)
       write_anndata.py --selfcheck               (metadata of the streamed writer == anndata.write_zarr)

Debian's anndata 0.8 + zarr 2.13 write Zarr v2 with zarr's defaults: Blosc(lz4, clevel 5, byte
shuffle) and `chunks=True` (zarr's guess_chunks) for every array. obs/var and the group structure
are written by `anndata.write_zarr` itself. X is written by the same calls anndata's
`write_sparse_compressed` makes (group attrs, then `create_dataset` for data/indices/indptr with
anndata's kwargs), but filled in row blocks instead of from one in-memory scipy matrix, so that a
1M-cell matrix fits in memory; `--selfcheck` verifies on a small matrix that every .zarray/.zattrs
is identical to what `anndata.write_zarr` writes. The CSC copy is transposed out of core: scipy's
`tocsc()` per row block, scattered into memory-mapped column-ordered arrays, then written.
"""
import json
import os
import shutil
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
import zarr
import anndata

BLOCK_ROWS = 16384
# zarr ignores the h5py-style maxshape anndata passes (and says so once per array).
warnings.filterwarnings("ignore", message="ignoring keyword argument 'maxshape'")


def gene_name(g):
    return "G%05d" % g


def sparse_dtypes(nnz):
    # scipy: int32 index arrays unless nnz needs int64.
    return np.int32 if nnz < 2**31 else np.int64


class Appender:
    """Appends to a 1-D zarr array in whole chunks (no read-modify-write of partial chunks)."""

    def __init__(self, arr):
        self.arr = arr
        self.chunk = arr.chunks[0]
        self.buf = np.empty(self.chunk * max(1, (8 << 20) // self.chunk), dtype=arr.dtype)
        self.fill = 0
        self.at = 0

    def append(self, values):
        values = np.asarray(values)
        i = 0
        while i < len(values):
            take = min(len(values) - i, len(self.buf) - self.fill)
            self.buf[self.fill:self.fill + take] = values[i:i + take]
            self.fill += take
            i += take
            if self.fill == len(self.buf):
                self.flush()

    def flush(self):
        if self.fill:
            self.arr[self.at:self.at + self.fill] = self.buf[:self.fill]
            self.at += self.fill
            self.fill = 0

    def close(self):
        self.flush()
        assert self.at == self.arr.shape[0], (self.at, self.arr.shape)


def create_sparse_group(root, shape, nnz, fmt, index_dtype):
    """The group and (empty) arrays exactly as anndata's write_sparse_compressed creates them."""
    g = root.create_group("X")
    g.attrs["shape"] = shape
    kw = dict(maxshape=(None,))
    data = g.create_dataset("data", shape=(nnz,), dtype=np.float32, **kw)
    indices = g.create_dataset("indices", shape=(nnz,), dtype=index_dtype, **kw)
    indptr_len = (shape[0] if fmt == "csr" else shape[1]) + 1
    indptr = g.create_dataset("indptr", shape=(indptr_len,), dtype=index_dtype, **kw)
    # anndata's registry adds these after the writer returns.
    g.attrs["encoding-type"] = "%s_matrix" % fmt
    g.attrs["encoding-version"] = "0.1.0"
    return data, indices, indptr


def write_skeleton(path, obs, var):
    """obs, var, and the (empty) rest via anndata.write_zarr; X is added afterwards."""
    shutil.rmtree(path, ignore_errors=True)
    anndata.AnnData(obs=obs, var=var).write_zarr(path)
    return zarr.open_group(path, mode="r+")


class Raw:
    def __init__(self, bench_dir):
        raw = os.path.join(bench_dir, "raw")
        with open(os.path.join(raw, "meta.json")) as f:
            self.meta = json.load(f)
        self.indptr = np.fromfile(os.path.join(raw, "indptr.f64"), dtype=np.float64).astype(np.int64)
        self.indices = np.memmap(os.path.join(raw, "indices.u32"), dtype=np.uint32, mode="r")
        self.data = np.memmap(os.path.join(raw, "data.u16"), dtype=np.uint16, mode="r")
        self.cell_type = np.fromfile(os.path.join(raw, "cell_type.u8"), dtype=np.uint8)
        self.pct_mito = np.fromfile(os.path.join(raw, "pct_mito.f32"), dtype=np.float32)
        self.n = len(self.indptr) - 1
        self.genes = self.meta["params"]["genes"]
        self.nnz = int(self.indptr[-1])

    def blocks(self):
        for r0 in range(0, self.n, BLOCK_ROWS):
            r1 = min(self.n, r0 + BLOCK_ROWS)
            a, b = self.indptr[r0], self.indptr[r1]
            yield r0, r1, self.indptr[r0:r1 + 1] - a, self.indices[a:b], self.data[a:b]

    def frames(self):
        names = []
        for d, ds in enumerate(self.meta["datasets"]):
            names += ["ds%d-%07d" % (d, i) for i in range(ds["nRows"])]
        totals = np.zeros(self.n, dtype=np.float32)
        for r0, r1, ip, _, vals in self.blocks():
            sums = np.add.reduceat(vals.astype(np.float64), ip[:-1]) if len(vals) else np.zeros(r1 - r0)
            sums[np.diff(ip) == 0] = 0  # reduceat gives the next element for empty rows
            totals[r0:r1] = sums
        obs = pd.DataFrame(
            {
                "cell_type": pd.Categorical.from_codes(self.cell_type.astype(np.int8), categories=self.meta["cellTypes"]),
                "n_genes": np.diff(self.indptr).astype(np.int64),
                "total_counts": totals,
                "pct_mito": self.pct_mito,
            },
            index=pd.Index(names),
        )
        var = pd.DataFrame(index=pd.Index([gene_name(g) for g in range(self.genes)]))
        return obs, var


def write_csr(raw, obs, var, path):
    root = write_skeleton(path, obs, var)
    idt = sparse_dtypes(raw.nnz)
    data, indices, indptr = create_sparse_group(root, (raw.n, raw.genes), raw.nnz, "csr", idt)
    da, ia = Appender(data), Appender(indices)
    for _, _, _, idx, vals in raw.blocks():
        ia.append(idx.astype(idt))
        da.append(vals.astype(np.float32))
    da.close()
    ia.close()
    indptr[:] = raw.indptr.astype(idt)
    return data


def write_csc(raw, obs, var, path, tmp):
    root = write_skeleton(path, obs, var)
    idt = sparse_dtypes(raw.nnz)
    G = raw.genes
    counts = np.zeros(G, dtype=np.int64)
    for _, _, _, idx, _ in raw.blocks():
        counts += np.bincount(idx, minlength=G)
    cptr = np.zeros(G + 1, dtype=np.int64)
    np.cumsum(counts, out=cptr[1:])
    rows_mm = np.memmap(os.path.join(tmp, "csc_rows"), dtype=idt, mode="w+", shape=(max(1, raw.nnz),))
    vals_mm = np.memmap(os.path.join(tmp, "csc_vals"), dtype=np.float32, mode="w+", shape=(max(1, raw.nnz),))
    cursor = cptr[:-1].copy()
    for r0, r1, ip, idx, vals in raw.blocks():
        block = sp.csr_matrix((vals.astype(np.float32), idx.astype(np.int32), ip), shape=(r1 - r0, G)).tocsc()
        per_col = np.diff(block.indptr)
        col = np.repeat(np.arange(G), per_col)
        dest = cursor[col] + (np.arange(block.nnz) - block.indptr[col])
        rows_mm[dest] = block.indices.astype(idt) + r0
        vals_mm[dest] = block.data
        cursor += per_col
    assert np.array_equal(cursor, cptr[1:])
    data, indices, indptr = create_sparse_group(root, (raw.n, G), raw.nnz, "csc", idt)
    da, ia = Appender(data), Appender(indices)
    step = 1 << 24
    for a in range(0, raw.nnz, step):
        ia.append(rows_mm[a:a + step])
        da.append(vals_mm[a:a + step])
    da.close()
    ia.close()
    indptr[:] = cptr.astype(idt)
    del rows_mm, vals_mm
    return data


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(d, f))
    return total


def main(bench_dir, formats):
    raw = Raw(bench_dir)
    obs, var = raw.frames()
    for fmt in formats:
        path = os.path.join(bench_dir, "anndata-%s.zarr" % fmt)
        t0 = time.time()
        if fmt == "csr":
            data = write_csr(raw, obs, var, path)
        else:
            tmp = tempfile.mkdtemp(dir=bench_dir, prefix=".csc-tmp-")
            try:
                data = write_csc(raw, obs, var, path, tmp)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        info = {
            "seconds": time.time() - t0,
            "bytes": du(path),
            "chunkElements": data.chunks[0],
            "compressor": repr(data.compressor),
            "anndata": anndata.__version__,
            "zarr": zarr.__version__,
        }
        with open(os.path.join(path, ".done.json"), "w") as f:
            json.dump(info, f, indent=2)
        print("  anndata-%s.zarr: %.1f s, %.1f MB, chunks of %d elements, %s"
              % (fmt, info["seconds"], info["bytes"] / 1e6, data.chunks[0], info["compressor"]), flush=True)


def selfcheck():
    """The streamed X layout must equal what anndata.write_zarr writes for the same matrix."""
    global BLOCK_ROWS
    rng = np.random.default_rng(0)
    n, G = 3000, 500
    m = sp.random(n, G, density=0.05, format="csr", random_state=1, dtype=np.float32)
    m.data = np.floor(m.data * 20 + 1).astype(np.float32)
    m.sort_indices()
    tmp = tempfile.mkdtemp()
    try:
        raw_dir = os.path.join(tmp, "raw")
        os.makedirs(raw_dir)
        m.indptr.astype(np.float64).tofile(os.path.join(raw_dir, "indptr.f64"))
        m.indices.astype(np.uint32).tofile(os.path.join(raw_dir, "indices.u32"))
        m.data.astype(np.uint16).tofile(os.path.join(raw_dir, "data.u16"))
        rng.integers(0, 3, n).astype(np.uint8).tofile(os.path.join(raw_dir, "cell_type.u8"))
        rng.random(n).astype(np.float32).tofile(os.path.join(raw_dir, "pct_mito.f32"))
        meta = {"params": {"genes": G}, "datasets": [{"nRows": n}], "cellTypes": ["a", "b", "c"]}
        with open(os.path.join(raw_dir, "meta.json"), "w") as f:
            json.dump(meta, f)
        BLOCK_ROWS = 700  # several blocks
        raw = Raw(tmp)
        obs, var = raw.frames()
        ok = True
        for fmt, mat in (("csr", m), ("csc", m.tocsc())):
            ours = os.path.join(tmp, "ours-%s.zarr" % fmt)
            ref = os.path.join(tmp, "ref-%s.zarr" % fmt)
            if fmt == "csr":
                write_csr(raw, obs, var, ours)
            else:
                t = tempfile.mkdtemp(dir=tmp)
                write_csc(raw, obs, var, ours, t)
            anndata.AnnData(X=mat, obs=obs, var=var).write_zarr(ref)
            for d, _, files in os.walk(ref):
                for f in files:
                    p = os.path.join(d, f)
                    q = os.path.join(ours, os.path.relpath(p, ref))
                    same = os.path.exists(q) and open(p, "rb").read() == open(q, "rb").read()
                    if not same:
                        ok = False
                        print("DIFFERS:", fmt, os.path.relpath(p, ref))
            back = anndata.read_zarr(ours).X
            if (back != mat).nnz != 0:
                ok = False
                print("VALUES DIFFER:", fmt)
        print("selfcheck", "OK: every file identical to anndata.write_zarr" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--selfcheck"]:
        sys.exit(selfcheck())
    main(sys.argv[1], [f for f in sys.argv[2].split(",") if f])
