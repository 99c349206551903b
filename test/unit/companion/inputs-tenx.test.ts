// 10x reader vs scipy.io.mmread (transposed to cells × genes) and anndata's make_index_unique, via
// Debian's python; streaming behaviour; multimodal ECCITE alignment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openInput } from '../../../src/companion/inputs/index.js';
import { openMultimodal10x } from '../../../src/companion/inputs/multimodal.js';
import { openTenx } from '../../../src/companion/inputs/tenx.js';
import type { RowBatch } from '../../../src/companion/inputs/types.js';
import { expectCsr } from './inputs-compare.js';
import { collectCsr, DATA, expectError, PY_DF_DUMP, PY_DUMP_PRELUDE, readJson, runPython, sumOf, tempDir } from './inputs-oracle.js';

const PBMC3K = join(DATA, 'pbmc3k_10x_v2/hg19');
const ECCITE = join(DATA, 'eccite_cite_500');

/** python: mmread(matrix).T as canonical CSR with uint32 data, + features/barcodes/unique names. */
const PY_TENX = PY_DUMP_PRELUDE + PY_DF_DUMP + `
import scipy.io, anndata, glob
for spec in sys.argv[2:]:
    name, d = spec.split('=', 1)
    mat = [p for p in glob.glob(os.path.join(d, 'matrix.mtx*'))][0]
    m = scipy.io.mmread(mat).T.tocsr()
    m.data = m.data.astype(np.uint32)
    dump_csr(name, m)
    feat = [p for p in glob.glob(os.path.join(d, '*.tsv*')) if 'barcodes' not in p][0]
    f = pd.read_csv(feat, sep='\\t', header=None, dtype=str, keep_default_na=False)
    names = f[1] if f.shape[1] > 1 else f[0]
    dumpj(name + '.features', {'ids': list(f[0]), 'names': list(names),
        'unique': list(anndata.utils.make_index_unique(pd.Index(names.values))),
        'types': list(f[2]) if f.shape[1] > 2 else None})
    b = pd.read_csv(os.path.join(d, [x for x in os.listdir(d) if x.startswith('barcodes')][0]), sep='\\t', header=None, dtype=str)
    dumpj(name + '.barcodes', list(b[0]))
`;

describe('10x v2: pbmc3k', () => {
  const tmp = tempDir('pbmc3k');
  beforeAll(() => {
    runPython(PY_TENX, tmp.dir, `pbmc3k=${PBMC3K}`);
  });
  afterAll(() => tmp.cleanup());

  it('2700 cells x 32738 genes, nnz 2286884, 6390631 UMIs, equal to scipy mmread().T', async () => {
    const d = await openInput(PBMC3K);
    expect(d.X?.shape).toEqual([2700, 32738]);
    expect(d.X?.format).toBe('csr');
    expect(d.X?.dtype).toBe('uint32');
    const got = await collectCsr(d.X!, 500);
    expect(got.indices.length).toBe(2286884);
    expect(sumOf(got.values)).toBe(6390631);
    expectCsr(tmp.dir, 'pbmc3k', got);
  });

  it('var names are symbols made unique like anndata; ids kept; barcodes as obs names', async () => {
    const d = await openTenx(PBMC3K);
    const f = readJson<{ ids: string[]; names: string[]; unique: string[] }>(tmp.dir, 'pbmc3k.features');
    expect(d.varNames).toEqual(f.unique);
    expect(d.varNames).not.toEqual(f.names); // pbmc3k has duplicated symbols
    // …and the ingest says so, as it does for an h5ad's duplicates
    const renamed = f.unique.filter((u, i) => u !== f.names[i]).length;
    expect(d.notes).toEqual([`${renamed} duplicate feature name(s) made unique (as scanpy.read_10x_mtx does)`]);
    expect(d.var).toEqual([{ name: 'gene_ids', kind: 'string', values: f.ids }]);
    expect(d.obsNames).toEqual(readJson(tmp.dir, 'pbmc3k.barcodes'));
    expect(d.obs).toEqual([]);
  });

  it('streams: 100-row batches, each exactly sized, emitted before the file has been read to the end', async () => {
    const dir = join(tmp.dir, 'stream');
    cpSync(PBMC3K, dir, { recursive: true });
    const d = await openTenx(dir); // the validating first pass reads the intact file
    const it = d.X!.rows(100);
    // Nothing has been read yet: truncate the matrix to 40% now. Batches from the first part must
    // still arrive, and the truncation must only be hit later — which is only possible if rows()
    // emits batches as it goes instead of loading the matrix first.
    const mtx = join(dir, 'matrix.mtx.gz');
    truncateSync(mtx, Math.floor(statSync(mtx).size * 0.4));
    const seen: RowBatch[] = [];
    const err = await expectError(
      (async () => {
        for await (const b of it) seen.push(b as RowBatch);
      })(),
      'InvalidInput',
      new RegExp(`${mtx.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+$`),
      /gzip stream ends early/,
    );
    expect(err.message).toMatch(/truncated/);
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.length).toBeLessThan(27);
    seen.forEach((b, i) => {
      expect(b.rowStart).toBe(i * 100);
      expect(b.nRows).toBe(100);
      expect(b.indptr.length).toBe(101);
      // Exactly-sized arrays that own their memory: no hidden whole-matrix buffer behind a view.
      expect(b.indices.buffer.byteLength).toBe(b.indices.byteLength);
      expect(b.values.buffer.byteLength).toBe(b.values.byteLength);
      expect(b.indices.length).toBe(b.indptr[100]);
    });
  });

  it('full pass in 100-row batches gives 27 batches of 100', async () => {
    const d = await openTenx(PBMC3K);
    const got = await collectCsr(d.X!, 100);
    expect(got.batches).toEqual(Array(27).fill(100));
    expectCsr(tmp.dir, 'pbmc3k', got);
  });
});

describe('ECCITE-seq multimodal (RNA, ADT, HTO)', () => {
  const tmp = tempDir('eccite');
  beforeAll(() => {
    runPython(PY_TENX, tmp.dir, ...['RNA', 'ADT', 'HTO'].map((m) => `${m}=${join(ECCITE, m)}`));
  });
  afterAll(() => tmp.cleanup());

  it('shapes, nnz, names with spaces/parentheses preserved, barcodes aligned, values equal scipy', async () => {
    const mm = await openMultimodal10x(ECCITE);
    expect(Object.keys(mm).sort()).toEqual(['ADT', 'HTO', 'RNA']);
    expect(mm['RNA']!.X!.shape).toEqual([500, 19521]);
    expect(mm['ADT']!.X!.shape).toEqual([500, 49]);
    expect(mm['HTO']!.X!.shape).toEqual([500, 4]);
    expect(mm['ADT']!.varNames).toContain('B220 (CD45R)');
    expect(mm['ADT']!.varNames).toContain('HLA-A,B,C');
    expect(mm['RNA']!.varNames[0]).toBe('hg19_AL627309.1');
    for (const m of ['RNA', 'ADT', 'HTO']) {
      const f = readJson<{ names: string[]; unique: string[] }>(tmp.dir, `${m}.features`);
      expect(mm[m]!.varNames, m).toEqual(f.unique);
      expect(mm[m]!.obsNames, m).toEqual(mm['RNA']!.obsNames);
      expect(mm[m]!.obsNames, m).toEqual(readJson(tmp.dir, `${m}.barcodes`));
      const got = await collectCsr(mm[m]!.X!, 128);
      expectCsr(tmp.dir, m, got);
    }
    expect((await collectCsr(mm['RNA']!.X!, 500)).indices.length).toBe(663563);
  });

  it('a modality with barcodes in another order is realigned to the reference order', async () => {
    const dir = join(tmp.dir, 'shuffled');
    cpSync(ECCITE, dir, { recursive: true });
    // Reverse ADT's barcode order and renumber its matrix columns to match (and gzip it).
    const adt = join(dir, 'ADT');
    const bc = readFileSync(join(adt, 'barcodes.tsv'), 'utf8').trimEnd().split('\n');
    writeFileSync(join(adt, 'barcodes.tsv'), bc.slice().reverse().join('\n') + '\n');
    const lines = readFileSync(join(adt, 'matrix.mtx'), 'utf8').trimEnd().split('\n');
    const out = lines.map((l, i) => {
      if (i < 2) return l;
      const [g, c, v] = l.split(' ');
      return `${g} ${bc.length + 1 - Number(c)} ${v}`;
    });
    writeFileSync(join(adt, 'matrix.mtx.gz'), gzipSync(out.join('\n') + '\n'));
    const { rmSync } = await import('node:fs');
    rmSync(join(adt, 'matrix.mtx'));
    const mm = await openMultimodal10x(dir, { windowEntries: 3000 }); // several windows
    expect(mm['ADT']!.obsNames).toEqual(mm['RNA']!.obsNames);
    expectCsr(tmp.dir, 'ADT', await collectCsr(mm['ADT']!.X!, 64));
  });

  it('different barcode sets are an error naming the modality', async () => {
    const dir = join(tmp.dir, 'mismatch');
    cpSync(ECCITE, dir, { recursive: true });
    const f = join(dir, 'HTO', 'barcodes.tsv');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^AAGCCGCGTTGTCTTT$/m, 'AAAAAAAAAAAAAAAA'));
    await expectError(openMultimodal10x(dir), 'InvalidInput', /HTO\/barcodes\.tsv$/, /HTO lacks barcode 'AAGCCGCGTTGTCTTT'/);
  });
});

describe('10x: unsorted entries (two-pass windowed scatter)', () => {
  const tmp = tempDir('unsorted');
  afterAll(() => tmp.cleanup());

  it('shuffled entry order reads equal to scipy, with one or many windows', async () => {
    const dir = join(tmp.dir, 'adt');
    cpSync(join(ECCITE, 'ADT'), dir, { recursive: true });
    const lines = readFileSync(join(dir, 'matrix.mtx'), 'utf8').trimEnd().split('\n');
    const body = lines.slice(2);
    // Deterministic shuffle.
    let s = 12345;
    for (let i = body.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const j = s % (i + 1);
      [body[i], body[j]] = [body[j]!, body[i]!];
    }
    writeFileSync(join(dir, 'matrix.mtx'), [...lines.slice(0, 2), ...body].join('\n') + '\n');
    runPython(PY_TENX, tmp.dir, `adt=${dir}`);
    for (const windowEntries of [1 << 24, 1000]) {
      const d = await openTenx(dir, { windowEntries });
      const got = await collectCsr(d.X!, 37);
      expectCsr(tmp.dir, 'adt', got);
    }
  });
});

describe('makeUnique = anndata.utils.make_index_unique', () => {
  it('matches python on collisions with existing suffixed names', async () => {
    const { makeUnique } = await import('../../../src/companion/inputs/make-unique.js');
    const cases = [
      ['A', 'A', 'A-1', 'B', 'A', 'B', 'A-2', 'A-1'],
      ['x', 'x', 'x', 'x-1', 'x-2', 'x-4'],
      ['a', 'b', 'c'],
      ['TBCE', 'TBCE', 'U1', 'U1', 'U1'],
    ];
    const py = JSON.parse(
      runPython(
        `import sys, json, anndata, pandas as pd
print(json.dumps([list(anndata.utils.make_index_unique(pd.Index(c))) for c in json.loads(sys.argv[1])]))`,
        JSON.stringify(cases),
      ),
    ) as string[][];
    expect(cases.map((c) => makeUnique(c))).toEqual(py);
  });

  it('openInput accepts the matrix file itself and sniffs 10x', async () => {
    const d = await openInput(join(ECCITE, 'HTO', 'matrix.mtx'));
    expect(d.X?.shape).toEqual([500, 4]);
    expect(d.var.map((c) => c.name)).toEqual(['gene_ids']);
  });
});
