import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Atlas } from '../../../src/companion/atlas.js';
import { ingest } from '../../../src/companion/ingest.js';
import { optimize } from '../../../src/companion/optimize.js';
import { snapshot } from '../../../src/companion/snapshot.js';
import { RaggedAtlas } from '../../../src/index.js';
import { layoutUid, makeStableUid } from '../../../src/companion/uids.js';
import { openDb, tableRows, tableSchema } from './helpers/atlas-read.js';
import { validateAtlas } from '../../../src/companion/validate.js';
import { csrSource, memInput, randomCounts } from './helpers/mem-input.js';
import { refCodecs } from './helpers/ref-codecs.js';
import { zarritaRead } from './helpers/zarrita.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-ingest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const counts = randomCounts(7, 6, 0.5, 3);
counts[4] = [0, 0, 0, 0, 0, 0]; // an empty row
const lognorm = counts.map((r) => r.map((v) => (v ? Math.log1p(v) : 0)));
const genes = ['CD3E', 'MS4A1', 'LYZ', 'NKG7', 'GNLY', 'CD14'];
const cells = Array.from({ length: 7 }, (_, i) => `cell-${i}`);

function input() {
  return memInput({
    source: 'pbmc-mini.h5ad',
    obsNames: cells,
    varNames: genes,
    X: csrSource(lognorm, { dtype: 'float32' }),
    raw: { X: csrSource(lognorm, { dtype: 'float32' }), varNames: genes },
    layers: { counts: csrSource(counts, { dtype: 'int32' }) },
    obs: [
      { name: 'louvain', kind: 'categorical', categories: ['T', 'B'], codes: Int32Array.from([0, 1, 0, -1, 1, 0, 0]) },
      { name: 'n_genes', kind: 'int', values: BigInt64Array.from([3n, 2n, 4n, 1n, 0n, 2n, 3n]) },
      { name: 'percent_mito', kind: 'float', values: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]) },
    ],
    obsm: { X_umap: { dim: 2, values: Float32Array.from({ length: 14 }, (_, i) => i / 2) } },
  });
}

describe('create + ingest (in-memory input, tiny shards)', () => {
  let root: string;
  let result: Awaited<ReturnType<typeof ingest>>;

  beforeAll(async () => {
    root = join(dir, 'atlas');
    const atlas = await Atlas.create(root, {
      obs: {
        columns: [
          { name: 'barcode', type: 'string', nullable: false },
          { name: 'cell_type', type: 'string', nullable: true },
          { name: 'n_genes', type: 'int64', nullable: true },
          { name: 'tissue', type: 'string', nullable: true },
        ],
        embeddings: [{ name: 'X_umap', dim: 2 }],
        pointers: [{ name: 'gene_expression', featureSpace: 'gene_expression', kind: 'sparse' }],
      },
    });
    result = await ingest(atlas, {
      modalities: [{ field: 'gene_expression', input: input(), layers: { counts: 'layers/counts', log_normalized: 'raw/X' } }],
      obsMap: { louvain: 'cell_type', _index: 'barcode' },
      batchRows: 3,
      chunkElems: 8,
      shardElems: 16,
      codecs: refCodecs,
    });
    atlas.close();
  });

  it('reports what it wrote', () => {
    expect(result.nObs).toBe(7);
    expect(result.datasetName).toBe('pbmc-mini');
    expect(result.droppedObsColumns).toEqual(['percent_mito']);
    expect(result.nullFilledObsColumns).toEqual(['tissue']);
    const m = result.modalities[0]!;
    expect(m.nnz).toBe(counts.flat().filter((v) => v).length);
    expect(m.newFeatures).toBe(6);
    expect(m.layoutUid).toBe(layoutUid(genes.map((g) => makeStableUid(g))));
  });

  it('writes homeobox table schemas with metadata', async () => {
    const obs = await tableSchema(root, 'cells');
    expect(obs.map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['uid', 'Utf8', false],
      ['dataset_uid', 'Utf8', false],
      ['barcode', 'Utf8', false],
      ['cell_type', 'Utf8', true],
      ['n_genes', 'Int64', true],
      ['tissue', 'Utf8', true],
      ['X_umap', 'FixedSizeList[2]<Float32>', true],
      ['gene_expression', 'Struct<{zarr_group:Utf8, start:Int64, end:Int64, zarr_row:Int64}>', true],
    ]);
    expect(obs[7]!.metadata).toEqual({ 'homeobox.feature_space': 'gene_expression' });
    expect(obs[7]!.children!.every((c) => c.nullable)).toBe(true);
    const reg = await tableSchema(root, 'gene_expression_registry');
    expect(reg.map((f) => [f.name, f.type, f.nullable, f.metadata])).toEqual([
      ['uid', 'Utf8', false, {}],
      ['global_index', 'Int64', true, {}],
      ['gene_symbol', 'Utf8', false, { 'homeobox.stable_uid': 'true' }],
    ]);
    const ds = await tableSchema(root, 'datasets');
    expect(ds.slice(0, 5).map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['dataset_uid', 'Utf8', false],
      ['zarr_group', 'Utf8', false],
      ['feature_space', 'Utf8', false],
      ['layout_uid', 'Utf8', false],
      ['created_at', 'Utf8', false],
    ]);
    const fl = await tableSchema(root, '_feature_layouts');
    expect(fl.map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['layout_uid', 'Utf8', false],
      ['feature_uid', 'Utf8', false],
      ['local_index', 'Int64', false],
      ['global_index', 'Int64', true],
    ]);
    const av = await tableSchema(root, 'atlas_versions');
    expect(av.map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['version', 'Int64', false],
      ['obs_table_versions', 'Utf8', false],
      ['dataset_table_name', 'Utf8', false],
      ['dataset_table_version', 'Int64', false],
      ['registry_table_names', 'Utf8', false],
      ['registry_table_versions', 'Utf8', false],
      ['feature_layouts_table_version', 'Int64', false],
      ['total_rows', 'Int64', false],
      ['created_at', 'Utf8', false],
    ]);
  });

  it('writes obs rows with homeobox pointers and aligned columns', async () => {
    const rows = await tableRows(root, 'cells');
    expect(rows).toHaveLength(7);
    const [ds] = await tableRows(root, 'datasets');
    let cum = 0;
    rows.forEach((r, i) => {
      expect(r.uid).toMatch(/^[0-9a-f]{16}$/);
      expect(r.dataset_uid).toBe(ds!.dataset_uid);
      expect(r.barcode).toBe(cells[i]);
      expect(r.cell_type).toBe([ 'T', 'B', 'T', null, 'B', 'T', 'T'][i]);
      expect(r.tissue).toBeNull();
      expect(r.X_umap).toEqual([i, i + 0.5]);
      const nnz = counts[i]!.filter((v) => v).length;
      expect(r.gene_expression).toEqual({ zarr_group: ds!.zarr_group, start: cum, end: cum + nnz, zarr_row: i });
      cum += nnz;
    });
    expect(ds).toMatchObject({ feature_space: 'gene_expression', dataset_name: 'pbmc-mini', n_rows: 7, layout_uid: result.modalities[0]!.layoutUid });
    expect(ds!.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
  });

  it('registers features and the layout', async () => {
    const reg = await tableRows(root, 'gene_expression_registry');
    expect(reg.map((r) => r.gene_symbol).sort()).toEqual([...genes].sort());
    for (const r of reg) expect(r.uid).toBe(makeStableUid(r.gene_symbol as string));
    expect(reg.every((r) => r.global_index === null)).toBe(true);
    const fl = (await tableRows(root, '_feature_layouts')).sort((a, b) => (a.local_index as number) - (b.local_index as number));
    expect(fl.map((r) => r.feature_uid)).toEqual(genes.map((g) => makeStableUid(g)));
    expect(fl.map((r) => r.local_index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('zarr arrays read back with zarrita equal the input', async () => {
    const zg = result.modalities[0]!.zarrGroup;
    const zs = join(root, 'zarr_store');
    const ind = await zarritaRead(zs, `${zg}/csr/indices`);
    const cnt = await zarritaRead(zs, `${zg}/csr/layers/counts`);
    const ln = await zarritaRead(zs, `${zg}/csr/layers/log_normalized`);
    const expIdx: number[] = [];
    const expCnt: number[] = [];
    const expLn: number[] = [];
    counts.forEach((row, i) =>
      row.forEach((v, j) => {
        if (v) {
          expIdx.push(j);
          expCnt.push(v);
          expLn.push(Math.fround(lognorm[i]![j]!));
        }
      }),
    );
    expect(ind.dtype).toBe('uint32');
    expect(cnt.dtype).toBe('uint32');
    expect(ln.dtype).toBe('float32');
    expect(Array.from(ind.data as Uint32Array)).toEqual(expIdx);
    expect(Array.from(cnt.data as Uint32Array)).toEqual(expCnt);
    expect(Array.from(ln.data as Float32Array)).toEqual(expLn);
    expect((await readdir(join(zs, zg))).sort()).toEqual(['csr', 'zarr.json']);
  });

  it('refuses to ingest the same input twice', async () => {
    // in-memory inputs have no content hash; a file-backed one is tested with real data
    expect(result.sourceSha256).toBeUndefined();
  });

  it('hashes the files a directory of symlinks points at (a pipeline-staged 10x sample), not an empty directory', async () => {
    const { sourceSha256 } = await import('../../../src/companion/source-hash.js');
    const { mkdir, symlink, writeFile } = await import('node:fs/promises');
    const base = join(dir, 'staged');
    for (const s of ['s1', 's2', 'real1', 'real2']) await mkdir(join(base, s), { recursive: true });
    await writeFile(join(base, 'real1', 'matrix.mtx'), 'one');
    await writeFile(join(base, 'real2', 'matrix.mtx'), 'two');
    await symlink(join(base, 'real1', 'matrix.mtx'), join(base, 's1', 'matrix.mtx'));
    await symlink(join(base, 'real2', 'matrix.mtx'), join(base, 's2', 'matrix.mtx'));
    await symlink(base, join(base, 's1', 'loop')); // a cycle is walked once
    const [h1, h2, r1] = [await sourceSha256([join(base, 's1')]), await sourceSha256([join(base, 's2')]), await sourceSha256([join(base, 'real1')])];
    expect(h1).not.toBe(h2);
    expect(h2).toBe(await sourceSha256([join(base, 'real2')]));
    expect(r1).not.toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'); // sha256 of nothing
  });
});

describe('registry merge, global_index assignment and version hints', () => {
  it('skips existing uids, appends new features in uid order, never renumbers', async () => {
    const { registerFeatures } = await import('../../../src/companion/index.js');
    const root = join(dir, 'registry');
    const atlas = await Atlas.create(root);
    expect(await registerFeatures(atlas, 'gene_expression', ['G1', 'G2', 'G3', 'G2'])).toBe(3);
    expect(await registerFeatures(atlas, 'gene_expression', ['G3', 'G4'])).toBe(1);
    await optimize(atlas);
    const first = new Map((await tableRows(root, 'gene_expression_registry')).map((r) => [r.gene_symbol, r.global_index]));
    const byUid = ['G1', 'G2', 'G3', 'G4'].sort((a, b) => (makeStableUid(a) < makeStableUid(b) ? -1 : 1));
    expect(byUid.map((g) => first.get(g))).toEqual([0, 1, 2, 3]);
    await ingest(atlas, {
      modalities: [{ field: 'gene_expression', input: memInput({ obsNames: ['a', 'b'], varNames: ['G9', 'G2', 'G8'], X: csrSource([[1, 0, 2], [0, 3, 0]]) }) }],
      codecs: refCodecs,
    });
    await optimize(atlas);
    const second = new Map((await tableRows(root, 'gene_expression_registry')).map((r) => [r.gene_symbol, r.global_index]));
    for (const [g, gi] of first) expect(second.get(g)).toBe(gi);
    const added = ['G8', 'G9'].sort((a, b) => (makeStableUid(a) < makeStableUid(b) ? -1 : 1));
    expect(added.map((g) => second.get(g))).toEqual([4, 5]);
    const layouts = await tableRows(root, '_feature_layouts');
    expect(layouts.map((l) => l.global_index).sort()).toEqual(['G9', 'G2', 'G8'].map((g) => second.get(g)).sort());
    await snapshot(atlas);
    atlas.close();
    const { readFile } = await import('node:fs/promises');
    for (const t of ['cells', 'datasets', 'gene_expression_registry', '_feature_layouts', 'atlas_versions']) {
      const hint = JSON.parse(await readFile(join(root, 'lance_db', `${t}.lance`, '_versions', 'latest_version_hint.json'), 'utf8'));
      expect(typeof hint.version, t).toBe('number');
    }
  });
});

describe('a user-defined dense feature space (lognorm_rna, float32 layers/lognorm)', () => {
  it('writes a (cells, F) float32 array and dense pointers; validate accepts it', async () => {
    const { validateAtlas } = await import('../../../src/companion/validate.js');
    const root = join(dir, 'lognorm');
    const atlas = await Atlas.create(root, {
      obs: { pointers: [{ name: 'lognorm_rna', featureSpace: 'lognorm_rna', kind: 'dense' }] },
      featureSpaces: [{ name: 'lognorm_rna', pointer: 'dense', layers: { lognorm: 'float32' } }],
    });
    const values = lognorm.map((r) => r.map((v) => v * 1.5));
    const res = await ingest(atlas, {
      modalities: [{ field: 'lognorm_rna', input: memInput({ obsNames: cells, varNames: genes, X: csrSource(values, { dtype: 'float64', format: 'dense' }) }), layers: { lognorm: 'X' } }],
      batchRows: 3,
    });
    await optimize(atlas);
    expect((await validateAtlas(atlas)).errors).toEqual([]);
    atlas.close();
    const zg = res.modalities[0]!.zarrGroup;
    const z = await zarritaRead(join(root, 'zarr_store'), `${zg}/layers/lognorm`);
    expect(z.shape).toEqual([7, 6]);
    expect(z.dtype).toBe('float32');
    expect(Array.from(z.data as Float32Array)).toEqual(values.flat().map(Math.fround));
    const rows = await tableRows(root, 'cells');
    expect(rows.map((r) => r.lognorm_rna)).toEqual(cells.map((_, i) => ({ zarr_group: zg, position: i })));
    const reg = await tableSchema(root, 'lognorm_rna_registry');
    expect(reg[2]).toMatchObject({ name: 'feature_name', metadata: { 'homeobox.stable_uid': 'true' } });
  });
});

describe('a one-feature modality (its csr/indices are all 0, so the writer leaves the shard out)', () => {
  it('reads back through the library as written: the missing shard has no recorded size, so it is fill_value', async () => {
    const root = join(dir, 'one-feature');
    const atlas = await Atlas.create(root);
    const X = [[3], [0], [7], [1]];
    await ingest(atlas, { modalities: [{ field: 'gene_expression', input: memInput({ obsNames: ['a', 'b', 'c', 'd'], varNames: ['ONLY'], X: csrSource(X) }) }], codecs: refCodecs });
    await optimize(atlas);
    await snapshot(atlas);
    atlas.close();
    const groups = await readdir(join(root, 'zarr_store'));
    const indices = (await readdir(join(root, 'zarr_store', groups.find((g) => !g.endsWith('.json'))!, 'csr', 'indices'), { recursive: true })).filter((f) => f.startsWith('c'));
    expect(indices.filter((f) => f.includes('/'))).toEqual([]); // no shard object: all of it is fill_value
    const a = await RaggedAtlas.checkoutLatest(root, { workers: 0 });
    try {
      const ad = await a.query().toAnnData();
      const got = Object.fromEntries(ad.obsNames.map((n, i) => [n, Array.from((ad.X as { data: ArrayLike<number> }).data).slice((ad.X as { indptr: ArrayLike<number> }).indptr[i], (ad.X as { indptr: ArrayLike<number> }).indptr[i + 1])]));
      expect(ad.shape).toEqual([4, 1]);
      expect(Object.values(got).map((v) => v.map(Number))).toEqual([[3], [], [7], [1]]);
    } finally {
      a.close();
    }
  });
});

describe('layers from several matrices', () => {
  it("refuses a layer whose features are listed in another order (raw/X, another file): the first layer's var names label every layer", async () => {
    const root = join(dir, 'layer-order');
    const atlas = await Atlas.create(root);
    const counts4 = [[6, 7, 1, 7], [1, 2, 3, 4]];
    const x = memInput({ source: 'x.h5ad', obsNames: ['r0', 'r1'], varNames: ['A', 'B', 'C', 'D'], X: csrSource(counts4) });
    const reversed = memInput({ source: 'other.h5ad', obsNames: ['r0', 'r1'], varNames: ['D', 'C', 'B', 'A'], X: csrSource(counts4.map((r) => [...r].reverse().map(Math.log1p)), { dtype: 'float32' }) });
    const run = (other: typeof x) => ingest(atlas, { modalities: [{ field: 'gene_expression', input: x, layers: { counts: 'X', log_normalized: { input: other, matrix: 'X' } } }], codecs: refCodecs });
    await expect(run(reversed)).rejects.toMatchObject({ _tag: 'InvalidInput', message: expect.stringContaining("column 0 is 'D' in layer 'log_normalized', 'A' in layer 'counts'") });
    // The same features in the same order are fine.
    const same = memInput({ source: 'other.h5ad', obsNames: ['r0', 'r1'], varNames: ['A', 'B', 'C', 'D'], X: csrSource(counts4.map((r) => r.map(Math.log1p)), { dtype: 'float32' }) });
    await expect(run(same)).resolves.toBeDefined();
    atlas.close();
  });

  it('refuses counts from a file of other cells, or the same cells in another order, than the input whose obs columns are stored', async () => {
    // The obs columns are taken by position: they were attached to the wrong cells.
    const root = join(dir, 'obs-other-file');
    const atlas = await Atlas.create(root, { obs: { columns: [{ name: 'barcode', type: 'string', nullable: false }, { name: 'cell_type', type: 'string', nullable: true }], pointers: [{ name: 'gene_expression', featureSpace: 'gene_expression', kind: 'sparse' }] } });
    const meta = memInput({ source: 'meta.h5ad', obsNames: ['c0', 'c1', 'c2'], varNames: ['A'], X: csrSource([[1], [2], [3]]), obs: [{ name: 'cell_type', kind: 'string', values: ['t0', 't1', 't2'] }] });
    const counts = (cells: string[]) => memInput({ source: 'counts.h5ad', obsNames: cells, varNames: ['A', 'B'], X: csrSource([[1, 0], [0, 2], [3, 3]]) });
    const run = (cells: string[]) => ingest(atlas, { modalities: [{ field: 'gene_expression', input: meta, layers: { counts: { input: counts(cells), matrix: 'X' } } }], obsMap: { _index: 'barcode' }, codecs: refCodecs, allowDuplicate: true });
    await expect(run(['c2', 'c1', 'c0'])).rejects.toMatchObject({ _tag: 'InvalidInput', message: expect.stringContaining("row 0 is 'c0' in meta.h5ad, 'c2' in counts.h5ad") });
    await expect(run(['x0', 'x1', 'x2'])).rejects.toMatchObject({ _tag: 'InvalidInput', where: 'meta.h5ad: obs' });
    await expect(run(['c0', 'c1'])).rejects.toMatchObject({ _tag: 'InvalidInput' });
    await expect(run(['c0', 'c1', 'c2'])).resolves.toBeDefined();
    atlas.close();
  });
});

describe('inputs refused before anything is written', () => {
  it('a matrix meant for a fragment feature space (chromatin_accessibility) is refused up front', async () => {
    // homeobox fills it from fragment files; a matrix's arrays would have stored gene indices as chromosomes
    const atlas = await Atlas.create(join(dir, 'fragments'), { obs: { columns: [], pointers: [{ name: 'atac', featureSpace: 'chromatin_accessibility', kind: 'sparse' }] } });
    const peaks = memInput({ source: 'peaks.h5ad', obsNames: ['a', 'b'], varNames: ['chr1:1-500', 'chr1:900-1400'], X: csrSource([[1, 0], [0, 2]]) });
    await expect(ingest(atlas, { modalities: [{ field: 'atac', input: peaks, layers: { starts: 'X', lengths: 'X' } }], codecs: refCodecs })).rejects.toMatchObject({
      _tag: 'InvalidInput',
      message: expect.stringContaining("feature space 'chromatin_accessibility' (field 'atac') holds fragments"),
      where: 'peaks.h5ad',
    });
    atlas.close();
  });

  // Both used to get as far as the Lance writes: a 0-feature dataset was stored with a layout no
  // query could read (every whole-atlas query then failed), and a NaN in an embedding failed in
  // LanceDB after the registry rows were committed.
  const tables = async (root: string) => Object.fromEntries(await Promise.all(['_feature_layouts', 'gene_expression_registry', 'datasets', 'cells'].map(async (t) => [t, (await tableRows(root, t)).length])));

  it('a matrix with no features, and an embedding holding NaN, are InvalidInputErrors that leave the atlas as it was', async () => {
    const root = join(dir, 'refused');
    const atlas = await Atlas.create(root, { obs: { columns: [{ name: 'barcode', type: 'string', nullable: false }], embeddings: [{ name: 'X_umap', dim: 2 }] } });
    const ok = memInput({ source: 'ok.h5ad', obsNames: ['a', 'b'], varNames: ['G1', 'G2'], X: csrSource([[1, 0], [0, 2]]), obsm: { X_umap: { dim: 2, values: Float32Array.from([0, 1, 2, 3]) } } });
    await ingest(atlas, { modalities: [{ field: 'gene_expression', input: ok }], obsMap: { _index: 'barcode' }, codecs: refCodecs });
    const before = await tables(root);
    const zarrBefore = (await readdir(join(root, 'zarr_store'))).sort();

    const noGenes = memInput({ source: 'zero-genes.h5ad', obsNames: ['c', 'd'], varNames: [], X: csrSource([[], []]) });
    await expect(ingest(atlas, { modalities: [{ field: 'gene_expression', input: noGenes }], obsMap: { _index: 'barcode' }, codecs: refCodecs })).rejects.toMatchObject({
      _tag: 'InvalidInput',
      message: expect.stringContaining('the matrix has no features (2 x 0)'),
    });
    const nan = memInput({ source: 'umap-nan.h5ad', obsNames: ['e', 'f'], varNames: ['G1', 'G3'], X: csrSource([[1, 1], [2, 0]]), obsm: { X_umap: { dim: 2, values: Float32Array.from([0, 1, Number.NaN, 3]) } } });
    await expect(ingest(atlas, { modalities: [{ field: 'gene_expression', input: nan }], obsMap: { _index: 'barcode' }, codecs: refCodecs })).rejects.toMatchObject({
      _tag: 'InvalidInput',
      message: expect.stringContaining("obsm 'X_umap' holds NaN (cell 1, dimension 0)"),
    });
    expect(await tables(root)).toEqual(before);
    expect((await readdir(join(root, 'zarr_store'))).sort()).toEqual(zarrBefore);
    atlas.close();

    // An atlas that holds such a dataset anyway (written before, or by another tool): validate names it.
    const [dataset] = await tableRows(root, 'datasets');
    await (await (await openDb(root)).openTable('_feature_layouts')).delete(`layout_uid = '${String(dataset!.layout_uid)}'`);
    const reopened = await Atlas.open(root);
    const report = await validateAtlas(reopened);
    reopened.close();
    expect(report.errors).toContainEqual(expect.stringContaining(`_feature_layouts '${String(dataset!.layout_uid)}': no rows (dataset ${String(dataset!.dataset_uid)} has no features)`));
  });
});

describe('feature types', () => {
  it('warns when a gene_expression input lists features of other types (a CITE-seq Cell Ranger matrix)', async () => {
    const atlas = await Atlas.create(join(dir, 'feature-types'));
    const input = memInput({
      obsNames: ['a', 'b'],
      varNames: ['G1', 'G2', 'CD3_TotalSeqB'],
      var: [{ name: 'feature_types', kind: 'string', values: ['Gene Expression', 'Gene Expression', 'Antibody Capture'] }],
      X: csrSource([[1, 0, 5], [0, 2, 7]]),
    });
    const res = await ingest(atlas, { modalities: [{ field: 'gene_expression', input }], codecs: refCodecs });
    expect(res.warnings.some((w) => w.includes("1 feature(s) of type 'Antibody Capture' are ingested as gene_expression features"))).toBe(true);
    atlas.close();
  });
});
