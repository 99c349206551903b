// Malformed inputs: each must fail with an InvalidInputError whose `where` names the file and
// the position, and leave the atlas exactly as it was (no new zarr group, no table version).
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, isRaggedAtlasError } from '../../../src/errors.js';
import { Atlas } from '../../../src/companion/atlas.js';
import { ingest, type ModalitySpec } from '../../../src/companion/ingest.js';
import type { InputDataset, RowBatch } from '../../../src/companion/inputs/types.js';
import { DATA } from './helpers/oracles.js';
import { csrSource, memInput, rawSource } from './helpers/mem-input.js';

let dir: string;
let root: string;

async function state(): Promise<string> {
  const atlas = await Atlas.open(root);
  const versions = [];
  for (const t of [...atlas.managedTables(), atlas.versions]) versions.push(`${t.name}@${await t.version()}`);
  atlas.close();
  const walk = async (d: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of await readdir(d, { withFileTypes: true })) {
      out.push(join(d, e.name));
      if (e.isDirectory()) out.push(...(await walk(join(d, e.name))));
    }
    return out;
  };
  return JSON.stringify({ versions, zarr: (await walk(join(root, 'zarr_store'))).sort() });
}

const genes = ['A', 'B', 'C', 'D'];
const cells = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
const good = [
  [1, 0, 2, 0],
  [0, 3, 0, 1],
  [4, 0, 0, 0],
  [0, 0, 5, 6],
  [1, 1, 1, 1],
  [0, 2, 0, 0],
];

function input(X: InputDataset['X'], extra: Partial<Parameters<typeof memInput>[0]> = {}): InputDataset {
  return memInput({ source: '/data/bad.h5ad', obsNames: cells, varNames: genes, X, ...extra });
}

const csr = (rowStart: number, indptr: number[], indices: number[], values: number[] | Int32Array | Float32Array): RowBatch => ({
  rowStart,
  nRows: indptr.length - 1,
  format: 'csr',
  indptr: Float64Array.from(indptr),
  indices: Uint32Array.from(indices),
  values: values instanceof Int32Array || values instanceof Float32Array ? values : Uint32Array.from(values),
});

async function expectRejected(mod: ModalitySpec, where: RegExp, message: RegExp): Promise<void> {
  const before = await state();
  const err = await ingest(root, { modalities: [mod], batchRows: 2, chunkElems: 4, shardElems: 8 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'ingest should fail').toBeInstanceOf(Error);
  expect(isRaggedAtlasError(err, 'InvalidInput'), String(err)).toBe(true);
  expect((err as InvalidInputError).where).toMatch(where);
  expect((err as Error).message).toMatch(message);
  expect(await state()).toBe(before);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-bad-'));
  root = join(dir, 'atlas');
  const atlas = await Atlas.create(root);
  await ingest(atlas, { modalities: [{ field: 'gene_expression', input: input(csrSource(good)) }], name: 'good' });
  atlas.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('malformed inputs → InvalidInputError naming file and position, atlas unchanged', () => {
  it('column index out of range', async () => {
    const X = rawSource([6, 4], [csr(0, [0, 1, 2], [0, 9], [1, 1]), csr(2, [0, 0, 0, 0, 0], [], [])]);
    await expectRejected({ field: 'gene_expression', input: input(X) }, /bad\.h5ad: X, row 1, entry 0/, /column index 9 out of range \[0, 4\)/);
  });

  it('non-monotonic indptr', async () => {
    const X = rawSource([6, 4], [csr(0, [0, 2, 1], [0, 1], [1, 1])]);
    await expectRejected({ field: 'gene_expression', input: input(X) }, /bad\.h5ad: X, row 1/, /not monotonic/);
  });

  it('indptr that does not match the entries (wrong shape)', async () => {
    const X = rawSource([6, 4], [csr(0, [0, 1, 3], [0, 1], [1, 1])]);
    await expectRejected({ field: 'gene_expression', input: input(X) }, /bad\.h5ad: X, row/, /indptr ends at 3 but there are 2 indices/);
  });

  it('a matrix with fewer rows than obs names', async () => {
    const X = rawSource([6, 4], [csr(0, [0, 1, 2], [0, 1], [1, 1])]);
    await expectRejected({ field: 'gene_expression', input: input(X) }, /bad\.h5ad: X/, /ended after 2 rows, expected 6/);
  });

  it('var names that do not match the matrix width', async () => {
    await expectRejected({ field: 'gene_expression', input: input(csrSource(good), { varNames: ['A', 'B'] }) }, /bad\.h5ad: X/, /2 var names for a matrix of 4 columns/);
  });

  it('negative counts', async () => {
    const X = rawSource([6, 4], [csr(0, [0, 1, 2], [0, 1], Int32Array.from([1, -3]))], 'int32');
    await expectRejected({ field: 'gene_expression', input: input(X) }, /bad\.h5ad: X, row 1 \(obs 'c1'\), column 1 \(var 'B'\)/, /negative value -3/);
  });

  it('NaN counts in an integer layer', async () => {
    const X = rawSource([6, 4], [csr(0, [0, 1, 2], [0, 3], Float32Array.from([1, NaN]))], 'float32');
    await expectRejected({ field: 'gene_expression', input: input(X) }, /row 1 \(obs 'c1'\), column 3 \(var 'D'\)/, /NaN in an integer count layer/);
  });

  it('fractional counts (a normalised matrix mapped to counts)', async () => {
    const X = rawSource([6, 4], [csr(0, [0, 1, 1], [2], Float32Array.from([0.5]))], 'float32');
    await expectRejected({ field: 'gene_expression', input: input(X) }, /row 0 \(obs 'c0'\), column 2/, /non-integer value 0\.5/);
  });

  it('a bad batch after shards were already written removes the partial group', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => csr(i, [0, 2], [0, 1], [i + 1, i + 2]));
    rows[5] = csr(5, [0, 2], [1, 0], [1, 2]);
    rows[5]!.indices[1] = 77;
    const X = rawSource([6, 4], rows);
    await expectRejected({ field: 'gene_expression', input: input(X) }, /row 5/, /column index 77/);
  });

  it('layers with different sparsity patterns', async () => {
    const other = good.map((r) => r.slice());
    other[3]![0] = 9;
    const ds = input(csrSource(good), { layers: { lognorm: csrSource(other, { dtype: 'float32' }) } });
    await expectRejected({ field: 'gene_expression', input: ds, layers: { counts: 'X', log_normalized: 'layers/lognorm' } }, /bad\.h5ad: layers\/lognorm, row 3/, /different sparsity patterns/);
  });

  it('an unknown layer name or a missing matrix', async () => {
    await expectRejected({ field: 'gene_expression', input: input(csrSource(good)), layers: { counts: 'layers/nope' } }, /bad\.h5ad/, /no matrix 'layers\/nope'/);
    const before = await state();
    await expect(ingest(root, { modalities: [{ field: 'gene_expression', input: input(csrSource(good)), layers: { spliced: 'X' } }] })).rejects.toThrow(/has no layer 'spliced'/);
    expect(await state()).toBe(before);
  });

  it('truncated gzip (10x matrix.mtx.gz cut short)', async () => {
    const tenx = join(dir, 'truncated10x');
    await mkdir(tenx, { recursive: true });
    const mtx = await readFile(join(DATA, 'pbmc_small/counts_matrix.mtx'));
    const gz = gzipSync(mtx);
    await writeFile(join(tenx, 'matrix.mtx.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
    await copyFile(join(DATA, 'pbmc_small/counts_features.tsv'), join(tenx, 'features.tsv'));
    await copyFile(join(DATA, 'pbmc_small/counts_barcodes.tsv'), join(tenx, 'barcodes.tsv'));
    await expectRejected({ field: 'gene_expression', input: tenx }, /truncated10x\/matrix\.mtx\.gz/, /./);
  });
});

describe('more rows than obs names', () => {
  it('is refused', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => csr(i, [0, 1], [0], [1]));
    const before = await state();
    await expect(ingest(root, { modalities: [{ field: 'gene_expression', input: input(rawSource([6, 4], rows)) }], batchRows: 2 })).rejects.toThrow(/more than 6 rows/);
    expect(await state()).toBe(before);
  });
});

describe('atlas options', () => {
  it('Lance format 2.0 with several pointer fields is refused at create (it cannot store a missing modality)', async () => {
    const pointers = [
      { name: 'gene_expression', featureSpace: 'gene_expression', kind: 'sparse' as const },
      { name: 'protein_abundance', featureSpace: 'protein_abundance', kind: 'dense' as const },
    ];
    const columns = [{ name: 'barcode', type: 'string' as const, nullable: false }];
    await expect(Atlas.create(join(dir, 'v20-two'), { storageVersion: '2.0', obs: { columns, pointers } })).rejects.toMatchObject({
      _tag: 'InvalidInput',
      message: expect.stringContaining('cannot store a NULL struct'),
    });
    const one = await Atlas.create(join(dir, 'v20-one'), { storageVersion: '2.0', obs: { columns, pointers: pointers.slice(0, 1) } });
    one.close();
  });
});
