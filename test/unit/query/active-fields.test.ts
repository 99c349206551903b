// Which pointer fields a terminal reconstructs, as homeobox's `_active_pointer_fields` and
// `_resolve_single_anndata_field` choose them. The choice is made before any read, from the obs
// table's pointer fields alone, so the catalog here is a stub holding just those (the real-atlas
// cases are in multimodal.test.ts); no byte is read.
import { expect, test } from 'vitest';
import { AtlasExecutor } from '../../../src/query/executor.js';
import { AtlasQuery } from '../../../src/query/atlas-query.js';
import { emptySpec } from '../../../src/query/spec.js';
import { nonAnnDataForm, type PointerField } from '../../../src/atlas/pointer-fields.js';
import type { AtlasCatalog } from '../../../src/atlas/catalog.js';

const field = (name: string, featureSpace: string, kind: PointerField['kind']): PointerField => ({ name, featureSpace, kind, legacyFeatureSpaceChild: false });
const FIELDS = [field('chromatin_accessibility', 'chromatin_accessibility', 'sparse'), field('tiles', 'image_tiles', 'dense'), field('masks', 'discrete_image', 'spatial')];

function query(fields: PointerField[]): AtlasQuery {
  const catalog = { obsTable: () => ({ schema: { fields: [] } }), pointerFields: () => fields } as unknown as AtlasCatalog;
  const exec = new AtlasExecutor(catalog, () => {
    throw new Error('no read expected');
  });
  return new AtlasQuery(exec, emptySpec());
}

test('fragments and image spaces have no AnnData form; matrix spaces do', () => {
  expect(FIELDS.map(nonAnnDataForm)).toEqual(['fragments (homeobox as_fragments)', 'image tiles (homeobox as_spatial_batch)', 'images (homeobox as_spatial_batch)']);
  expect(nonAnnDataForm(field('gene_expression', 'gene_expression', 'sparse'))).toBeUndefined();
  expect(nonAnnDataForm(field('hashtags', 'hashtag_counts', 'dense'))).toBeUndefined();
});

test('toAnnData / toBatches over fields that are none of them matrices is an UnsupportedError naming them', async () => {
  const q = query(FIELDS);
  await expect(q.toAnnData()).rejects.toMatchObject({ _tag: 'Unsupported', message: expect.stringContaining('chromatin_accessibility: it holds fragments') });
  await expect(q.featureSpaces('image_tiles').toAnnData()).rejects.toMatchObject({ _tag: 'Unsupported', message: expect.stringContaining('tiles: it holds image tiles') });
  await expect(q.selectFields('masks').toBatches({ batchSize: 10 })[Symbol.asyncIterator]().next()).rejects.toMatchObject({ _tag: 'Unsupported' });
});

test('features() in a space the selected fields do not hold is a QueryError (homeobox raises)', async () => {
  const q = query([field('gene_expression', 'gene_expression', 'sparse'), field('adt', 'protein_abundance', 'dense')]);
  await expect(q.features(['p1'], 'protein_abundance').selectFields('gene_expression').toAnnData()).rejects.toMatchObject({
    _tag: 'Query',
    message: expect.stringContaining('features() was set for feature space protein_abundance, but the selected pointer fields are in gene_expression'),
  });
  await expect(q.features(['p1'], 'protein_abundance').featureSpaces('gene_expression').toMuData()).rejects.toMatchObject({ _tag: 'Query' });
});

test('features() keeps one list per feature space: a second call for a space replaces it, another space adds', () => {
  const q = query([]).features(['a'], 'gene_expression').features(['p'], 'protein_abundance').features(['b', 'c'], 'gene_expression');
  expect(q.spec.features).toEqual({ gene_expression: ['b', 'c'], protein_abundance: ['p'] });
});
