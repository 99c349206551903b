import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { Atlas } from '../../../src/companion/atlas.js';
import { ingest } from '../../../src/companion/ingest.js';
import { optimize } from '../../../src/companion/optimize.js';
import { snapshot } from '../../../src/companion/snapshot.js';
import { addDatasetRows } from '../../../src/companion/tables/writes.js';
import { validateAtlas } from '../../../src/companion/validate.js';
import { arrayMetadataJson, groupMetadataJson } from '../../../src/companion/zarr-writer/metadata.js';
import { csrSource, memInput, randomCounts } from './helpers/mem-input.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-validate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mk = (n: number) => memInput({ obsNames: Array.from({ length: n }, (_, i) => `c${i}`), varNames: ['A', 'B', 'C'], X: csrSource(randomCounts(n, 3, 0.6, n)) });

describe('validate and snapshot refusal', () => {
  it('snapshot refuses an atlas whose registry is not indexed, listing every problem', async () => {
    const atlas = await Atlas.create(join(dir, 'a'));
    await ingest(atlas, { modalities: [{ field: 'gene_expression', input: mk(5) }] });
    const err = await snapshot(atlas).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationError);
    const problems = (err as ValidationError).problems;
    expect(problems).toContain("Registry 'gene_expression': 3 row(s) have no global_index. Run optimize to fix.");
    expect(problems.some((p) => /global_index has 3 null\(s\)/.test(p))).toBe(true);
    await optimize(atlas);
    expect((await snapshot(atlas)).record.version).toBe(0);
    atlas.close();
  });

  it('names zarr groups that break their spec, orphans, and dataset rows without cells', async () => {
    const root = join(dir, 'b');
    const atlas = await Atlas.create(root);
    const res = await ingest(atlas, { modalities: [{ field: 'gene_expression', input: mk(4) }] });
    await optimize(atlas);
    const zg = res.modalities[0]!.zarrGroup;
    const zs = atlas.zarrDir;
    // an unknown layer with the wrong dtype and shape
    await mkdir(join(zs, zg, 'csr/layers/spliced'), { recursive: true });
    await writeFile(
      join(zs, zg, 'csr/layers/spliced/zarr.json'),
      arrayMetadataJson({ shape: [1], dtype: 'float64', shardShape: [8], chunkShape: [8], codec: { name: 'zstd', level: 0, checksum: false } }),
    );
    // an orphaned group (an ingest that never committed)
    await mkdir(join(zs, 'deadbeefdeadbeef'), { recursive: true });
    await writeFile(join(zs, 'deadbeefdeadbeef/zarr.json'), groupMetadataJson());
    // a dataset row of 5 cells whose group exists but that no cell points at (and one of 0 cells, which is fine)
    await mkdir(join(zs, 'emptygroup/csr/layers'), { recursive: true });
    await addDatasetRows(atlas, [
      { dataset_uid: 'd', zarr_group: 'emptygroup', feature_space: 'gene_expression', layout_uid: '', created_at: 'x', dataset_name: null, source: null, source_sha256: null, n_rows: 5 },
      { dataset_uid: 'z', zarr_group: zg, feature_space: 'gene_expression', layout_uid: '', created_at: 'x', dataset_name: null, source: null, source_sha256: null, n_rows: 0 },
    ]);
    const rep = await validateAtlas(atlas);
    atlas.close();
    expect(rep.errors).toContain(`zarr group '${zg}': Unknown layer 'spliced' in csr/layers/ subgroup. Allowed: ["counts","log_normalized","tpm"]`);
    expect(rep.errors.some((e) => e.includes(`'csr/layers' arrays have inconsistent shapes`))).toBe(true);
    expect(rep.errors.some((e) => e.includes("zarr group 'emptygroup': group does not exist"))).toBe(true);
    expect(rep.orphanedGroups).toEqual(['deadbeefdeadbeef']);
    expect(rep.warnings.some((w) => w.includes("dataset row for zarr group 'emptygroup'"))).toBe(true);
    expect(rep.warnings.filter((w) => w.includes('has no obs rows'))).toHaveLength(1); // not the 0-cell row
  });

  it('names a recorded shard that is missing or of another size, and zarr.json the reader would refuse', async () => {
    const root = join(dir, 'shards');
    const atlas = await Atlas.create(root);
    const res = await ingest(atlas, { modalities: [{ field: 'gene_expression', input: mk(6) }] });
    await optimize(atlas);
    const g = join(atlas.zarrDir, res.modalities[0]!.zarrGroup);
    expect((await validateAtlas(atlas)).errors).toEqual([]);
    const { rm: remove, truncate } = await import('node:fs/promises');
    await remove(join(g, 'csr/layers/counts/c/0'));
    await truncate(join(g, 'csr/indices/c/0'), 10);
    let errors = (await validateAtlas(atlas)).errors;
    expect(errors.some((e) => /'csr\/layers\/counts' shard c\/0 is missing \(zarr.json records \d+ bytes\)/.test(e))).toBe(true);
    expect(errors.some((e) => /'csr\/indices' shard c\/0 has 10 bytes, zarr.json records \d+/.test(e))).toBe(true);
    await writeFile(join(g, 'csr/indices/zarr.json'), '{"zarr_format": 3, "node_ty');
    errors = (await validateAtlas(atlas)).errors;
    expect(errors.some((e) => e.includes("'csr/indices': not valid JSON"))).toBe(true);
    await writeFile(join(g, 'zarr.json'), '');
    errors = (await validateAtlas(atlas)).errors;
    expect(errors.some((e) => e.includes('group zarr.json: not valid JSON'))).toBe(true);
    atlas.close();
  });
});

describe('orphaned zarr groups', () => {
  it('a group that only an older snapshot references is that snapshot\'s data, not an orphan', async () => {
    const root = join(dir, 'orph');
    const atlas = await Atlas.create(root);
    const first = await ingest(atlas, { modalities: [{ field: 'gene_expression', input: mk(4) }], name: 'first' });
    await ingest(atlas, { modalities: [{ field: 'gene_expression', input: mk(5) }], name: 'second' });
    await optimize(atlas);
    await snapshot(atlas);
    // The first dataset is removed at the tip; snapshot v0 still pins (and reads) its group.
    const uid = first.datasetUid;
    await atlas.obs.delete(`dataset_uid = '${uid}'`);
    await atlas.datasets.delete(`dataset_uid = '${uid}'`);
    expect((await validateAtlas(atlas)).orphanedGroups).toEqual([]);
    atlas.close();
  });
});

describe('atlases without ragged_atlas.json (written by homeobox itself)', () => {
  it('are opened by inferring the obs table and registries from the Lance schemas', async () => {
    const root = join(dir, 'c');
    const atlas = await Atlas.create(root, { obsTable: 'my_cells' });
    await ingest(atlas, { modalities: [{ field: 'gene_expression', input: mk(3) }] });
    await optimize(atlas);
    atlas.close();
    await rm(join(root, 'ragged_atlas.json'));
    const again = await Atlas.open(root);
    expect(again.config.obsTable).toBe('my_cells');
    expect(again.obsDef.pointers).toEqual([{ name: 'gene_expression', featureSpace: 'gene_expression', kind: 'sparse' }]);
    expect([...again.registries.keys()]).toEqual(['gene_expression']);
    expect(await again.registryKey('gene_expression')).toBe('gene_symbol');
    expect((await snapshot(again)).record.obs_table_versions).toMatch(/^\{"my_cells": \d+\}$/);
    again.close();
  });

  it('take custom table names from the latest atlas_versions record, and a snapshot keeps every obs table it lists', async () => {
    const root = join(dir, 'd');
    const atlas = await Atlas.create(root, { obsTable: 'my_cells', datasetTable: 'my_datasets' });
    await ingest(atlas, { modalities: [{ field: 'gene_expression', input: mk(3) }] });
    await optimize(atlas);
    const first = (await snapshot(atlas)).record;
    // homeobox atlases may hold several obs tables (create(obs_schemas={...})); its record lists them all.
    const other = await atlas.db.createTable('other_cells', await atlas.obs.query().limit(1).toArrow());
    const otherVersion = await other.version();
    other.close();
    const recordRow = (await atlas.versions.query().toArrow()).slice(0, 1);
    await atlas.versions.delete('true');
    const rows = recordRow.toArray().map((r: Record<string, unknown>) => ({ ...r, obs_table_versions: `{"my_cells": ${JSON.parse(first.obs_table_versions).my_cells}, "other_cells": ${otherVersion}}` }));
    await atlas.versions.add(rows as never);
    atlas.close();
    await rm(join(root, 'ragged_atlas.json'));
    const again = await Atlas.open(root);
    expect([again.config.obsTable, again.config.datasetTable, again.config.versionTable]).toEqual(['my_cells', 'my_datasets', 'atlas_versions']);
    const rec = (await snapshot(again)).record;
    again.close();
    expect(JSON.parse(rec.obs_table_versions)).toEqual({ my_cells: expect.any(Number), other_cells: otherVersion });
    expect(rec.obs_table_versions).toMatch(/^\{"my_cells": \d+, "other_cells": \d+\}$/);
  });
});
