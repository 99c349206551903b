// ECCITE-seq (RNA + ADT + HTO of the same 500 cells) into one obs row per cell: RNA as sparse
// gene_expression, ADT as dense protein_abundance, HTO as a user-defined dense feature space.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Atlas } from '../../../src/companion/atlas.js';
import { ingest, type IngestResult } from '../../../src/companion/ingest.js';
import { optimize } from '../../../src/companion/optimize.js';
import { listVersions, snapshot } from '../../../src/companion/snapshot.js';
import { makeStableUid } from '../../../src/companion/uids.js';
import { tableRows, tableSchema } from './helpers/atlas-read.js';
import { DATA, readLines, readMtxTransposed, sameArray, type Csr } from './helpers/oracles.js';
import { zarritaRead } from './helpers/zarrita.js';

const E = join(DATA, 'eccite_cite_500');
let dir: string;
let root: string;
let res: IngestResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-eccite-'));
  root = join(dir, 'atlas');
  const atlas = await Atlas.create(root, {
    obs: {
      columns: [{ name: 'barcode', type: 'string', nullable: false }],
      pointers: [
        { name: 'gene_expression', featureSpace: 'gene_expression', kind: 'sparse' },
        { name: 'protein_abundance', featureSpace: 'protein_abundance', kind: 'dense' },
        { name: 'hashtags', featureSpace: 'hashtag_counts', kind: 'dense' },
      ],
    },
    featureSpaces: [{ name: 'hashtag_counts', pointer: 'dense', layers: { counts: 'uint32' } }],
  });
  res = await ingest(atlas, {
    name: 'eccite_control',
    modalities: [
      { field: 'gene_expression', input: join(E, 'RNA') },
      { field: 'protein_abundance', input: join(E, 'ADT') },
      { field: 'hashtags', input: join(E, 'HTO') },
    ],
    obsMap: { _index: 'barcode' },
  });
  await optimize(atlas);
  await snapshot(atlas);
  atlas.close();
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function dense(m: Csr): number[] {
  const out = new Array(m.nRows * m.nCols).fill(0);
  for (let r = 0; r < m.nRows; r++) for (let k = m.indptr[r]!; k < m.indptr[r + 1]!; k++) out[r * m.nCols + m.indices[k]!] = m.data[k]!;
  return out;
}

describe('ECCITE multimodal ingest', () => {
  it('writes one dataset row per modality, sharing the dataset_uid', async () => {
    const ds = await tableRows(root, 'datasets');
    expect(ds.map((d) => d.feature_space).sort()).toEqual(['gene_expression', 'hashtag_counts', 'protein_abundance']);
    expect(new Set(ds.map((d) => d.dataset_uid))).toEqual(new Set([res.datasetUid]));
    expect(new Set(ds.map((d) => d.zarr_group)).size).toBe(3);
    expect(ds.every((d) => d.n_rows === 500)).toBe(true);
    expect((await listVersions(await Atlas.open(root))).map((v) => v.total_rows)).toEqual([500]);
  });

  it('gives every cell an RNA, ADT and HTO pointer', async () => {
    const barcodes = await readLines(join(E, 'RNA/barcodes.tsv'));
    const rna = await readMtxTransposed(join(E, 'RNA/matrix.mtx.gz'));
    const cells = await tableRows(root, 'cells');
    expect(cells).toHaveLength(500);
    const g = Object.fromEntries(res.modalities.map((m) => [m.field, m.zarrGroup]));
    const byBarcode = new Map(cells.map((c) => [c.barcode as string, c]));
    barcodes.forEach((b, i) => {
      const c = byBarcode.get(b)!;
      expect(c.gene_expression).toEqual({ zarr_group: g.gene_expression, start: rna.indptr[i], end: rna.indptr[i + 1], zarr_row: i });
      expect(c.protein_abundance).toEqual({ zarr_group: g.protein_abundance, position: i });
      expect(c.hashtags).toEqual({ zarr_group: g.hashtags, position: i });
    });
    const schema = await tableSchema(root, 'cells');
    expect(schema.find((f) => f.name === 'hashtags')!.metadata).toEqual({ 'homeobox.feature_space': 'hashtag_counts' });
    expect(schema.find((f) => f.name === 'protein_abundance')!.type).toBe('Struct<{zarr_group:Utf8, position:Int64}>');
  });

  it('stores exact values for all three modalities', async () => {
    const zs = join(root, 'zarr_store');
    const g = Object.fromEntries(res.modalities.map((m) => [m.field, m.zarrGroup]));
    const rna = await readMtxTransposed(join(E, 'RNA/matrix.mtx.gz'));
    expect(sameArray((await zarritaRead(zs, `${g.gene_expression}/csr/indices`)).data, rna.indices)).toBeUndefined();
    expect(sameArray((await zarritaRead(zs, `${g.gene_expression}/csr/layers/counts`)).data, rna.data)).toBeUndefined();
    const adt = await readMtxTransposed(join(E, 'ADT/matrix.mtx'));
    const a = await zarritaRead(zs, `${g.protein_abundance}/layers/counts`);
    expect(a.shape).toEqual([500, 49]);
    expect(a.dtype).toBe('uint32');
    expect(sameArray(a.data, dense(adt))).toBeUndefined();
    const hto = await readMtxTransposed(join(E, 'HTO/matrix.mtx'));
    const h = await zarritaRead(zs, `${g.hashtags}/layers/counts`);
    expect(h.shape).toEqual([500, 4]);
    expect(sameArray(h.data, dense(hto))).toBeUndefined();
    const meta = JSON.parse(await readFile(join(zs, g.protein_abundance!, 'layers/counts/zarr.json'), 'utf8'));
    expect(meta.codecs[0].configuration.chunk_shape).toEqual([835, 49]);
    expect(meta.chunk_grid.configuration.chunk_shape).toEqual([855875, 49]);
    expect(meta.codecs[0].configuration.codecs[1]).toEqual({ name: 'zstd', configuration: { level: 0, checksum: false } });
  });

  it('registers each modality\'s features in its own registry', async () => {
    const adtNames = await readLines(join(E, 'ADT/features.tsv'));
    const prot = await tableRows(root, 'protein_abundance_registry');
    expect(new Set(prot.map((r) => r.protein_name))).toEqual(new Set(adtNames));
    expect(prot.find((r) => r.protein_name === 'B220 (CD45R)')!.uid).toBe(makeStableUid('B220 (CD45R)'));
    const tags = await tableRows(root, 'hashtag_counts_registry');
    expect(tags.map((r) => r.feature_name).sort()).toEqual((await readLines(join(E, 'HTO/features.tsv'))).sort());
    expect(tags.every((r) => typeof r.global_index === 'number')).toBe(true);
  });
});

describe('pythonSpecSnippet', () => {
  it('registers a sparse user space with a reconstructor homeobox can turn into AnnData', async () => {
    const { pythonSpecSnippet, specFromUserDef } = await import('../../../src/companion/feature-spaces.js');
    // homeobox ≥ 0.2.4: SparseCSRReconstructor.as_anndata has no @endpoint, so to_anndata refuses a
    // space that names it; SparseGeneExpressionReconstructor's has (and needs csr/indices).
    const sparse = pythonSpecSnippet(specFromUserDef({ name: 'peaks', pointer: 'sparse', layers: { counts: 'uint32' } }));
    expect(sparse).toContain('reconstructor=SparseGeneExpressionReconstructor(),');
    expect(sparse).toContain('from homeobox.reconstruction import SparseGeneExpressionReconstructor');
    expect(sparse).toContain('"csr/indices"');
    expect(sparse).not.toContain('SparseCSRReconstructor');
    const dense = pythonSpecSnippet(specFromUserDef({ name: 'hto', pointer: 'dense', layers: { counts: 'uint32' } }));
    expect(dense).toContain('reconstructor=DenseFeatureReconstructor(),');
  });
});

describe('proteins named like genes (CITE-seq panels: CD4, CD14, …)', () => {
  // A name has one uid in every feature space (uids come from names alone). homeobox's
  // sync_layouts_global_index fills every NULL layout row the registry holds a uid for, so the gene
  // pass gave those protein layout rows gene indices; the companion's repair then cleared them and
  // the first snapshot failed ("global_index has 14 null(s)"). Each space now fills its own layouts.
  it('the first optimize gives every layout row its own space index, and the snapshot succeeds', async () => {
    const root2 = join(dir, 'shared-names');
    const atlas = await Atlas.create(root2, {
      obs: {
        columns: [{ name: 'barcode', type: 'string', nullable: false }],
        pointers: [
          { name: 'gene_expression', featureSpace: 'gene_expression', kind: 'sparse' },
          { name: 'protein_abundance', featureSpace: 'protein_abundance', kind: 'dense' },
        ],
      },
    });
    await ingest(atlas, { name: 'pbmc3k', modalities: [{ field: 'gene_expression', input: join(DATA, 'pbmc3k_10x_v2', 'hg19') }], obsMap: { _index: 'barcode' } });
    await optimize(atlas);
    await snapshot(atlas);
    await ingest(atlas, {
      name: 'eccite',
      modalities: [
        { field: 'gene_expression', input: join(E, 'RNA') },
        { field: 'protein_abundance', input: join(E, 'ADT') },
      ],
      obsMap: { _index: 'barcode' },
    });
    await optimize(atlas);
    await snapshot(atlas);
    atlas.close();

    const index = async (table: string) => new Map((await tableRows(root2, table)).map((r) => [r.uid as string, Number(r.global_index)]));
    const [genes, proteins] = [await index('gene_expression_registry'), await index('protein_abundance_registry')];
    const shared = [...proteins.keys()].filter((u) => genes.has(u));
    expect(shared.length).toBeGreaterThan(5); // CD14, CD4, CD8a, … are genes too
    const datasets = await tableRows(root2, 'datasets');
    const space = new Map(datasets.map((d) => [d.layout_uid as string, d.feature_space as string]));
    const layouts = await tableRows(root2, '_feature_layouts');
    for (const r of layouts) {
      const want = (space.get(r.layout_uid as string) === 'protein_abundance' ? proteins : genes).get(r.feature_uid as string);
      expect(Number(r.global_index), `${r.feature_uid} in ${space.get(r.layout_uid as string)}`).toBe(want);
    }
  }, 300_000);
});
