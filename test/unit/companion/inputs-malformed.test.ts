// Malformed inputs must fail with typed errors whose `where` names the file and the position
// (h5ad: `file:/X/indices[k]`; text: `file:line`), never with a wrong result.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs, { cpSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openH5ad } from '../../../src/companion/inputs/h5ad.js';
import { openInput } from '../../../src/companion/inputs/index.js';
import { openTenx } from '../../../src/companion/inputs/tenx.js';
import { DATA, drain, expectError, PY_DUMP_PRELUDE, runPython, tempDir } from './inputs-oracle.js';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('malformed h5ad', () => {
  const tmp = tempDir('badh5');
  const f = (name: string): string => join(tmp.dir, `${name}.h5ad`);
  beforeAll(() => {
    // One valid file, then copies broken with h5py in one specific way each.
    runPython(
      PY_DUMP_PRELUDE + `
import anndata, h5py, shutil, pandas as pd
import scipy.sparse as sp
x = sp.csr_matrix(np.array([[1, 0, 2, 0], [0, 0, 3, 4], [5, 0, 0, 0], [0, 6, 0, 7], [0, 0, 0, 0]], dtype=np.float32))
obs = pd.DataFrame({'c': pd.Categorical(['a', 'b', 'a', 'b', 'a'])}, index=[f'c{i}' for i in range(5)])
a = anndata.AnnData(X=x, obs=obs, var=pd.DataFrame(index=list('wxyz')))
a.layers['csc'] = x.tocsc()
base = os.path.join(OUT, 'ok.h5ad'); a.write_h5ad(base)
def variant(name, fn):
    p = os.path.join(OUT, name + '.h5ad'); shutil.copy(base, p)
    with h5py.File(p, 'r+') as f: fn(f)
def replace(f, path, data):
    del f[path]; f.create_dataset(path, data=np.asarray(data))
variant('indptr_len', lambda f: replace(f, 'X/indptr', [0, 2, 4, 5, 7, 7, 7]))
variant('neg_index', lambda f: f['X/indices'].__setitem__(3, -1))
variant('big_index', lambda f: f['X/indices'].__setitem__(4, 4))
variant('nonmono', lambda f: replace(f, 'X/indptr', np.array([0, 2, 1, 5, 7, 7], dtype=np.int32)))
variant('indptr_end', lambda f: replace(f, 'X/indptr', np.array([0, 2, 4, 5, 6, 6], dtype=np.int32)))
variant('dup_index', lambda f: f['X/indices'].__setitem__(1, 0))
variant('csc_dup', lambda f: f['layers/csc/indices'].__setitem__(1, 0))
variant('awkward', lambda f: f['X'].attrs.__setitem__('encoding-type', 'awkward-array'))
variant('bad_code', lambda f: f['obs/c/codes'].__setitem__(2, 7))
variant('missing_col', lambda f: f['obs'].attrs.__setitem__('column-order', np.array(['c', 'ghost'], dtype=object)))
variant('shape', lambda f: f['X'].attrs.__setitem__('shape', np.array([5, 3])))
a.write_h5ad(os.path.join(OUT, 'lzf.h5ad'), compression='lzf')
# Cell Ranger's filtered_feature_bc_matrix.h5 (v3 layout) and an HDF5 file that is no AnnData
with h5py.File(os.path.join(OUT, 'tenx.h5'), 'w') as f:
    g = f.create_group('matrix')
    g['barcodes'] = np.array([b'AAAC-1', b'AAAG-1']); g['data'] = np.array([1, 2], dtype=np.int32)
    g['indices'] = np.array([0, 1], dtype=np.int64); g['indptr'] = np.array([0, 1, 2], dtype=np.int64); g['shape'] = np.array([2, 2], dtype=np.int32)
with h5py.File(os.path.join(OUT, 'other.h5'), 'w') as f:
    f['matrix_of_something'] = np.zeros(3)
`,
      tmp.dir,
    );
    writeFileSync(join(tmp.dir, 'text.h5ad'), 'this is not hdf5\n');
  });
  afterAll(() => tmp.cleanup());

  it('the unbroken file reads', async () => {
    const d = await openH5ad(f('ok'));
    await drain(d.X);
    await drain(d.layers['csc']);
    await d.close?.();
  });

  it('indptr length != n_obs + 1 is rejected at open', async () => {
    await expectError(openH5ad(f('indptr_len')), 'InvalidInput', new RegExp(`${esc(f('indptr_len'))}:/X/indptr$`), /length 7, expected 6/);
  });

  it('negative and out-of-range indices name the element', async () => {
    const a = await openH5ad(f('neg_index'));
    await expectError(drain(a.X), 'InvalidInput', new RegExp(`${esc(f('neg_index'))}:/X/indices\\[3\\]$`), /-1 out of range/);
    const b = await openH5ad(f('big_index'));
    await expectError(drain(b.X), 'InvalidInput', /:\/X\/indices\[4\]$/, /4 out of range \[0, 4\)/);
  });

  it('non-monotonic indptr and indptr not ending at nnz', async () => {
    const a = await openH5ad(f('nonmono'));
    await expectError(drain(a.X, 2), 'InvalidInput', /nonmono\.h5ad:\/X\/indptr\[2\]$/, /decreases/);
    const b = await openH5ad(f('indptr_end'));
    await expectError(drain(b.X), 'InvalidInput', /indptr_end\.h5ad:\/X\/indptr\[5\]$/, /ends at 6 but indices\/data have 7/);
  });

  it('duplicate column in a CSR row, duplicate row in a CSC column', async () => {
    const a = await openH5ad(f('dup_index'));
    await expectError(drain(a.X), 'InvalidInput', /dup_index\.h5ad:\/X\/indices\[1\]$/, /duplicate entry for row 0, column 0/);
    const b = await openH5ad(f('csc_dup'));
    await expectError(drain(b.layers['csc']), 'InvalidInput', /csc_dup\.h5ad:\/layers\/csc\/indices/, /duplicate/);
  });

  it('unsupported encoding-type is UnsupportedError with the feature', async () => {
    const e = await expectError(openH5ad(f('awkward')), 'Unsupported', /awkward\.h5ad:\/X$/);
    expect((e as unknown as { fields: { feature: string } }).fields.feature).toBe('encoding-type awkward-array');
  });

  it('categorical code out of range, missing listed column (kept for the ingest that uses them), matrix shape mismatch', async () => {
    // A bad obs column fails only an ingest that reads it (InputDataset.unreadable), with the same typed error.
    const unreadable = async (name: string, col: string) => Promise.reject((await openH5ad(f(name))).unreadable?.[`obs/${col}`] ?? new Error(`obs/${col} was read`));
    await expectError(unreadable('bad_code', 'c'), 'InvalidInput', /bad_code\.h5ad:\/obs\/c\/codes\[2\]$/, /code 7 out of range/);
    await expectError(unreadable('missing_col', 'ghost'), 'InvalidInput', /missing_col\.h5ad:\/obs\/ghost$/);
    await expectError(openH5ad(f('shape')), 'InvalidInput', /shape\.h5ad:\/X$/, /\[5, 3\] does not match/);
  });

  it('a 10x HDF5 matrix, another HDF5 file and an LZF-compressed h5ad say what they are', async () => {
    // all read as "dataframe is missing", or as a damaged file pointing at libhdf5's plugin path
    await expectError(openInput(join(tmp.dir, 'tenx.h5')), 'InvalidInput', /tenx\.h5/, /a 10x HDF5 matrix \(Cell Ranger \.h5\), not an AnnData file: ingest its matrix directory/);
    await expectError(openInput(join(tmp.dir, 'tenx.h5'), { format: '10x' }), 'InvalidInput', /tenx\.h5$/, /a 10x HDF5 file \(\.h5\) is not read/);
    await expectError(openInput(join(tmp.dir, 'other.h5')), 'InvalidInput', /other\.h5/, /not an AnnData file: it has no \/obs \(top level: matrix_of_something\)/);
    await expectError(openH5ad(join(tmp.dir, 'lzf.h5ad')), 'Unsupported', /lzf\.h5ad/, /an HDF5 filter this reader does not have \(LZF/);
    await expectError(openInput(f('ok'), { format: 'csv' as never }), 'InvalidInput', /ok\.h5ad$/, /unknown input format 'csv'/);
  });

  it('not HDF5 / not there', async () => {
    await expectError(openH5ad(join(tmp.dir, 'text.h5ad')), 'InvalidInput', /text\.h5ad$/, /not an HDF5 file/);
    await expectError(openInput(join(tmp.dir, 'nope.h5ad')), 'NotFound', /nope\.h5ad$/);
    await expectError(openInput(join(tmp.dir, 'text.h5ad')), 'InvalidInput', /text\.h5ad$/, /unrecognised input/);
  });

  it('a cut-off copy is named truncated (from the superblock\u2019s end-of-file address), not an h5ad with elements missing', async () => {
    const whole = readFileSync(f('ok'));
    for (const keep of [whole.length - 1, Math.floor(whole.length / 2), 100]) {
      const cut = join(tmp.dir, `cut-${keep}.h5ad`);
      writeFileSync(cut, whole.subarray(0, keep));
      await expectError(openH5ad(cut), 'InvalidInput', new RegExp(`cut-${keep}\\.h5ad$`), new RegExp(`truncated HDF5 file: ${keep} bytes, but its superblock records ${whole.length}`));
    }
    // A real h5ad written by anndata (superblock version 0 or 2/3, as h5py chooses) still opens.
    await expect(openH5ad(f('ok'))).resolves.toBeDefined();
  });

  it('damaged HDF5 metadata is named with libhdf5\u2019s own reason, and its diagnostics stay off stderr', async () => {
    // h5wasm returned a dead file handle or empty groups for these, read as "dataframe is missing",
    // after ~40 lines of HDF5-DIAG on stderr. Bytes overwritten: an object header right after the
    // superblock, a local heap, a global heap (where libhdf5 also aborts).
    const whole = readFileSync(f('ok'));
    const spy = vi.spyOn(process.stderr, 'write');
    const fdWrites = vi.spyOn(fs, 'writeSync');
    try {
      for (const [lo, hi] of [[96, 200], [400, 800], [1600, 3200]] as const) {
        const bad = join(tmp.dir, `damaged-${lo}.h5ad`);
        writeFileSync(bad, Buffer.concat([whole.subarray(0, lo), Buffer.alloc(hi - lo, 0xff), whole.subarray(hi)]));
        await expectError(openH5ad(bad), 'InvalidInput', new RegExp(`damaged-${lo}\\.h5ad`), /^HDF5 cannot (open the file|read \/\w*): H5\w+\(\): .+ \(.+\) \(a damaged or unsupported file\?\) \(at /);
      }
      expect(spy.mock.calls.map((c) => String(c[0])).filter((t) => /HDF5|Aborted/.test(t))).toEqual([]);
      expect(fdWrites.mock.calls.filter((c) => c[0] === 2)).toEqual([]);
    } finally {
      spy.mockRestore();
      fdWrites.mockRestore();
    }
    // The module is still usable afterwards.
    await expect(openH5ad(f('ok'))).resolves.toBeDefined();
  });
});

describe('malformed 10x / MatrixMarket', () => {
  const tmp = tempDir('badmtx');
  afterAll(() => tmp.cleanup());
  let n = 0;
  /** A copy of ECCITE HTO (4 features x 500 cells, plain matrix.mtx) with line `lineNo` (1-based) replaced. */
  function htoWith(edit: (lines: string[]) => void): { dir: string; mtx: string } {
    const dir = join(tmp.dir, `hto${n++}`);
    cpSync(join(DATA, 'eccite_cite_500/HTO'), dir, { recursive: true });
    const mtx = join(dir, 'matrix.mtx');
    const lines = readFileSync(mtx, 'utf8').trimEnd().split('\n');
    edit(lines);
    writeFileSync(mtx, lines.join('\n') + '\n');
    return { dir, mtx };
  }
  const at = (mtx: string, line: number): RegExp => new RegExp(`^${esc(mtx)}:${line}$`);

  it('NaN count in an integer matrix', async () => {
    const { dir, mtx } = htoWith((l) => (l[9] = '2 3 nan'));
    await expectError(openTenx(dir), 'InvalidInput', at(mtx, 10), /NaN/);
  });

  it('non-integer value in an integer matrix', async () => {
    const { dir, mtx } = htoWith((l) => (l[4] = '1 2 2.5'));
    await expectError(openTenx(dir), 'InvalidInput', at(mtx, 5), /non-integer value '2\.5'/);
  });

  it('row / column index out of range, negative index', async () => {
    const a = htoWith((l) => (l[6] = '5 2 1'));
    await expectError(openTenx(a.dir), 'InvalidInput', at(a.mtx, 7), /row index 5 out of range 1\.\.4/);
    const b = htoWith((l) => (l[7] = '1 501 1'));
    await expectError(openTenx(b.dir), 'InvalidInput', at(b.mtx, 8), /column index 501 out of range 1\.\.500/);
    const c = htoWith((l) => (l[3] = '-1 2 1'));
    await expectError(openTenx(c.dir), 'InvalidInput', at(c.mtx, 4), /row index '-1' is not a positive integer/);
    const z = htoWith((l) => (l[3] = '0 2 1'));
    await expectError(openTenx(z.dir), 'InvalidInput', at(z.mtx, 4), /row index 0 out of range/);
  });

  it('bad header / unsupported header', async () => {
    const a = htoWith((l) => (l[0] = '%%NotMatrixMarket matrix coordinate integer general'));
    await expectError(openTenx(a.dir), 'InvalidInput', at(a.mtx, 1), /not a MatrixMarket file/);
    const b = htoWith((l) => (l[0] = '%%MatrixMarket matrix coordinate integer symmetric'));
    await expectError(openTenx(b.dir), 'Unsupported', at(b.mtx, 1), /symmetric/);
    const c = htoWith((l) => (l[1] = '4 500'));
    await expectError(openTenx(c.dir), 'InvalidInput', at(c.mtx, 2), /bad MatrixMarket size line/);
  });

  it('duplicate entry', async () => {
    const { dir, mtx } = htoWith((l) => l.splice(5, 0, l[4]!));
    await expectError(openTenx(dir), 'InvalidInput', at(mtx, 6), /duplicate entry/);
  });

  it('fewer / more entries than the size line declares', async () => {
    const a = htoWith((l) => l.splice(l.length - 3, 3));
    await expectError(openTenx(a.dir), 'InvalidInput', new RegExp(`^${esc(a.mtx)}:\\d+$`), /file ends after \d+ of \d+ entries/);
    const b = htoWith((l) => l.push('1 1 1'));
    await expectError(openTenx(b.dir), 'InvalidInput', new RegExp(`^${esc(b.mtx)}:\\d+$`), /more entries than/);
  });

  it('matrix dimensions disagree with features.tsv', async () => {
    const { dir, mtx } = htoWith((l) => (l[1] = l[1]!.replace(/^4 /, '5 ')));
    await expectError(openTenx(dir), 'InvalidInput', new RegExp(`^${esc(mtx)}`), /5 rows \(features\) but .*features\.tsv has 4 lines/);
  });

  it('truncated gzip (a truncated copy of matrix.mtx.gz) names the file', async () => {
    const dir = join(tmp.dir, 'trunc');
    cpSync(join(DATA, 'eccite_cite_500/RNA'), dir, { recursive: true });
    const gz = join(dir, 'matrix.mtx.gz');
    truncateSync(gz, statSync(gz).size - 1000);
    await expectError(openTenx(dir), 'InvalidInput', new RegExp(`^${esc(gz)}:\\d+$`), /gzip stream ends early/);
    await expectError(openInput(dir), 'InvalidInput', new RegExp(`^${esc(gz)}:`));
  });

  it('corrupt gzip body', async () => {
    const dir = join(tmp.dir, 'corrupt');
    cpSync(join(DATA, 'eccite_cite_500/HTO'), dir, { recursive: true });
    const gz = gzipSync(readFileSync(join(dir, 'matrix.mtx')));
    gz.fill(0x55, 100, 140);
    writeFileSync(join(dir, 'matrix.mtx.gz'), gz);
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'matrix.mtx'));
    await expectError(openTenx(dir), 'InvalidInput', new RegExp(`^${esc(join(dir, 'matrix.mtx.gz'))}:`), /gzip/);
  });

  it('missing files', async () => {
    const dir = join(tmp.dir, 'nobarcodes');
    cpSync(join(DATA, 'eccite_cite_500/HTO'), dir, { recursive: true });
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'barcodes.tsv'));
    await expectError(openTenx(dir), 'NotFound', new RegExp(`${esc(dir)}$`), /barcodes\.tsv/);
  });
});
