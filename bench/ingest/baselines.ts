// The same synthetic matrix in the two formats people keep single-cell data in, for the
// bytes-on-disk comparison:
//   - h5ad written by anndata (Debian's python3-anndata 0.8 + h5py). zstd needs an HDF5 filter
//     plugin h5py can load; Debian 12 ships none for zstd, so the script falls back to gzip
//     (level 4, anndata's usual choice) and says which one it used.
//   - AnnData-Zarr: anndata 0.8 writes only zarr v2, so X (indptr int64, indices int32, data
//     uint32) is written here as zarr v3 with the companion's sharded writer and plain zstd
//     (level 0 = libzstd default 3, zarr-python's default codec), with the atlas's chunking.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WriterCodecs } from '../../src/companion/codecs.js';
import type { MatrixSource, RowBatch } from '../../src/companion/inputs/types.js';
import { ShardedArrayWriter } from '../../src/companion/zarr-writer/array-writer.js';
import { CHUNK_ELEMS, SHARD_ELEMS } from '../../src/companion/zarr-writer/chunking.js';
import { ensureGroup } from '../../src/companion/zarr-writer/group.js';
import { pyJsonDumps } from '../../src/companion/zarr-writer/metadata.js';

/** One pass over the matrix: AnnData-Zarr v3 X plus raw CSR files for the Python h5ad writer. */
export async function writeBaselines(src: MatrixSource, dir: string, codecs: WriterCodecs, batchRows: number): Promise<{ zarrDir: string; rawDir: string }> {
  const zarrDir = join(dir, 'anndata.zarr');
  const rawDir = join(dir, 'raw-csr');
  await mkdir(rawDir, { recursive: true });
  await ensureGroup(zarrDir, '');
  await mkdir(join(zarrDir, 'X'), { recursive: true });
  const [n, m] = src.shape;
  await writeFile(
    join(zarrDir, 'X', 'zarr.json'),
    pyJsonDumps({ attributes: { 'encoding-type': 'csr_matrix', 'encoding-version': '0.1.0', shape: [n, m] }, zarr_format: 3, node_type: 'group' }),
  );
  const zstd = { name: 'zstd' as const, level: 0, checksum: false };
  const mk = (name: string, dtype: 'int64' | 'int32' | 'uint32') =>
    new ShardedArrayWriter({ root: zarrDir, path: `X/${name}`, dtype, rowShape: [], chunkRows: CHUNK_ELEMS, shardRows: SHARD_ELEMS, codec: zstd, codecs });
  const indptrW = mk('indptr', 'int64');
  const indicesW = mk('indices', 'int32');
  const dataW = mk('data', 'uint32');
  const files = {
    indptr: createWriteStream(join(rawDir, 'indptr.i64')),
    indices: createWriteStream(join(rawDir, 'indices.i32')),
    data: createWriteStream(join(rawDir, 'data.u32')),
  };
  const put = (s: NodeJS.WritableStream, a: ArrayBufferView) =>
    new Promise<void>((ok) => (s.write(Buffer.from(a.buffer, a.byteOffset, a.byteLength)) ? ok() : s.once('drain', ok)));
  let nnz = 0;
  await indptrW.append(BigInt64Array.of(0n));
  await put(files.indptr, BigInt64Array.of(0n));
  for await (const b of src.rows(batchRows)) {
    const batch = b as RowBatch;
    const ip = new BigInt64Array(batch.nRows);
    for (let r = 0; r < batch.nRows; r++) ip[r] = BigInt(nnz + batch.indptr[r + 1]!);
    nnz += batch.indptr[batch.nRows]!;
    const idx = new Int32Array(batch.indices.buffer, batch.indices.byteOffset, batch.indices.length);
    await indptrW.append(ip);
    await indicesW.append(idx);
    await dataW.append(batch.values as Uint32Array);
    await put(files.indptr, ip);
    await put(files.indices, idx);
    await put(files.data, batch.values);
  }
  for (const w of [indptrW, indicesW, dataW]) await w.finish();
  await Promise.all(Object.values(files).map((s) => new Promise((ok) => s.end(ok))));
  return { zarrDir, rawDir };
}

const PY = `
import sys, numpy as np, scipy.sparse as sp, anndata as ad, pandas as pd, h5py
raw, out, n, m = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
indptr = np.fromfile(raw + "/indptr.i64", dtype=np.int64)
indices = np.fromfile(raw + "/indices.i32", dtype=np.int32)
data = np.fromfile(raw + "/data.u32", dtype=np.uint32)
X = sp.csr_matrix((data, indices, indptr), shape=(n, m))
a = ad.AnnData(X=X, obs=pd.DataFrame(index=[f"cell_{i}" for i in range(n)]), var=pd.DataFrame(index=[f"gene_{j}" for j in range(m)]))
used = "gzip (level 4)"
try:
    import hdf5plugin
    h5py.File(out + ".probe", "w").create_dataset("x", data=np.arange(10), **hdf5plugin.Zstd(clevel=3))
    a.write_h5ad(out, compression=32015, compression_opts=(3,))
    used = "zstd (level 3, hdf5plugin)"
except Exception:
    a.write_h5ad(out, compression="gzip", compression_opts=4)
print(used)
`;

/** Writes the h5ad with /usr/bin/python3 (anndata); returns the compression actually used. */
export function writeH5ad(rawDir: string, out: string, n: number, m: number): { ok: boolean; compression: string; error?: string } {
  const r = spawnSync('/usr/bin/python3', ['-c', PY, rawDir, out, String(n), String(m)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) return { ok: false, compression: '', error: (r.stderr || r.error?.message || 'python failed').trim().split('\n').slice(-3).join(' ') };
  return { ok: true, compression: r.stdout.trim().split('\n').pop() ?? '' };
}
