// Two feature spaces beside each other in one atlas (found by an exploratory multimodal pass):
// - a pointer field whose space has no dataset yet (an empty registry): queries leave it out, as
//   homeobox's to_multimodal does, instead of failing inside apache-arrow;
// - a protein panel named and ordered exactly like a gene panel: homeobox's layout id hashes the
//   uids alone (and uids the names alone), so both would share one set of layout rows, which hold
//   one global_index per uid; every later snapshot then failed validation. The second space's
//   layout now gets its own id, and both modalities read back exactly.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Atlas, type CreateAtlasOptions } from '../../../src/companion/atlas.js';
import { ingest } from '../../../src/companion/ingest.js';
import { optimize } from '../../../src/companion/optimize.js';
import { snapshot } from '../../../src/companion/snapshot.js';
import { makeStableUid } from '../../../src/companion/uids.js';
import { validateAtlas } from '../../../src/companion/validate.js';
import { RaggedAtlas, type AnnData } from '../../../src/index.js';
import { tableRows } from './helpers/atlas-read.js';
import { csrSource, memInput, type Dense } from './helpers/mem-input.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-spaces-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TWO_SPACES: CreateAtlasOptions = {
  obs: {
    pointers: [
      { name: 'gene_expression', featureSpace: 'gene_expression', kind: 'sparse' },
      { name: 'protein_abundance', featureSpace: 'protein_abundance', kind: 'dense' },
    ],
  },
};

const cells = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** X as dense rows over its varNames. */
function denseOf(ad: AnnData): number[][] {
  const X = ad.X!;
  const [n, m] = ad.shape;
  const out = Array.from({ length: n }, () => new Array<number>(m).fill(0));
  if (X.format === 'dense') {
    for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) out[r]![c] = Number(X.data[r * m + c]);
  } else {
    for (let r = 0; r < n; r++) for (let k = X.indptr[r]!; k < X.indptr[r + 1]!; k++) out[r]![X.indices[k]!] = Number(X.data[k]);
  }
  return out;
}

test('a pointer field whose space has no dataset yet is left out of toMuData; its own AnnData is empty', async () => {
  const root = join(dir, 'rna-only');
  const atlas = await Atlas.create(root, TWO_SPACES);
  await ingest(atlas, { modalities: [{ field: 'gene_expression', input: memInput({ obsNames: cells('c', 3), varNames: ['G1', 'G2'], X: csrSource([[1, 0], [0, 2], [3, 4]]) }) }] });
  await optimize(atlas);
  await snapshot(atlas);
  atlas.close();
  const a = await RaggedAtlas.checkoutLatest(root, { workers: 0, cache: 'none' });
  const md = await a.query().toMuData();
  expect(Object.keys(md.mod)).toEqual(['gene_expression']);
  expect(md.mod.gene_expression!.shape).toEqual([3, 2]);
  const adt = await a.query().selectFields('protein_abundance').toAnnData();
  expect(adt.shape).toEqual([0, 0]);
  expect(await a.query().featureSpaces('protein_abundance').count()).toBe(3); // count() ignores presence, as homeobox's
  let batches = 0;
  for await (const _ of a.query().featureSpaces('protein_abundance').toBatches({ batchSize: 2 })) batches++;
  expect(batches).toBe(0);
  a.close();
});

test('a protein panel named and ordered like a gene panel gets a layout of its own: snapshots pass, both read back exactly', async () => {
  const panel = ['CD4', 'CD14', 'CD3E', 'MS4A1'];
  const genesFirst: Dense = [[5, 0, 1, 0, 2, 0], [0, 3, 0, 0, 0, 7]];
  const genePanel: Dense = [[1, 0, 2, 0], [0, 0, 0, 9], [4, 4, 0, 1]];
  const proteins: Dense = [[10, 20, 30, 40], [0, 5, 0, 6]];
  for (const order of ['separate ingests', 'one ingest'] as const) {
    const root = join(dir, order.replace(' ', '-'));
    const atlas = await Atlas.create(root, TWO_SPACES);
    // other genes first, so the panel's genes get other global indices than its proteins will
    await ingest(atlas, { name: 'g', modalities: [{ field: 'gene_expression', input: memInput({ source: 'g.h5ad', obsNames: cells('g', 2), varNames: ['A1', 'B2', 'CD14', 'C3', 'CD4', 'D4'], X: csrSource(genesFirst) }) }] });
    await optimize(atlas);
    await snapshot(atlas);
    if (order === 'separate ingests') {
      await ingest(atlas, { name: 'gp', modalities: [{ field: 'gene_expression', input: memInput({ source: 'gp.h5ad', obsNames: cells('p', 3), varNames: panel, X: csrSource(genePanel) }) }] });
      await optimize(atlas);
      await snapshot(atlas);
      await ingest(atlas, { name: 'adt', modalities: [{ field: 'protein_abundance', input: memInput({ source: 'adt.h5ad', obsNames: cells('a', 2), varNames: panel, X: csrSource(proteins, { format: 'dense', dtype: 'float32' }) }) }] });
    } else {
      // one cell set, both modalities in one ingest: the first modality's layout is not yet in the datasets table
      const both = cells('b', 2);
      await ingest(atlas, {
        name: 'both',
        modalities: [
          { field: 'gene_expression', input: memInput({ source: 'rna.h5ad', obsNames: both, varNames: panel, X: csrSource(genePanel.slice(0, 2)) }) },
          { field: 'protein_abundance', input: memInput({ source: 'adt.h5ad', obsNames: both, varNames: panel, X: csrSource(proteins, { format: 'dense', dtype: 'float32' }) }) },
        ],
      });
    }
    await optimize(atlas);
    expect((await validateAtlas(atlas)).errors, order).toEqual([]);
    await snapshot(atlas);
    atlas.close();
    const ds = await tableRows(root, 'datasets');
    const layoutOf = (space: string) => new Set(ds.filter((d) => d.feature_space === space).map((d) => d.layout_uid));
    for (const l of layoutOf('protein_abundance')) expect(layoutOf('gene_expression').has(l), order).toBe(false);

    const a = await RaggedAtlas.checkoutLatest(root, { workers: 0, cache: 'none' });
    // every value by feature uid (uids come from names: makeStableUid)
    const check = (ad: AnnData, rows: { names: string[]; X: Dense }[], what: string) => {
      const got = denseOf(ad);
      let r = 0;
      for (const part of rows) {
        for (const row of part.X) {
          part.names.forEach((n, j) => expect(got[r]![ad.varNames.indexOf(makeStableUid(n))] ?? 0, `${order}: ${what} ${n} of row ${r}`).toBe(row[j]));
          r++;
        }
      }
      expect(r, `${order}: ${what} rows`).toBe(ad.shape[0]);
    };
    check(await a.query().selectFields('protein_abundance').toAnnData(), [{ names: panel, X: proteins }], 'protein');
    const genes = ['A1', 'B2', 'CD14', 'C3', 'CD4', 'D4'];
    check(await a.query().selectFields('gene_expression').toAnnData(), [{ names: genes, X: genesFirst }, { names: panel, X: order === 'one ingest' ? genePanel.slice(0, 2) : genePanel }], 'gene');
    a.close();
  }
});
