// What interrupted or concurrent writers leave behind, and how the companion recovers (from a
// crash-safety audit): indexed duplicate layout rows (two ingests adding one layout at once after a
// snapshot), a global_index two uids share (two optimize runs overlapping an ingest), dataset rows of
// an ingest killed between its two commits, and a CSC copy an interrupted add-csc left unfinished.
// Each state is made directly in the tables or files, as the race or the kill would leave it.
import * as lancedb from '@lancedb/lancedb';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Atlas } from '../../../src/companion/atlas.js';
import { addCsc, hasCscCopy } from '../../../src/companion/csc.js';
import { ingest } from '../../../src/companion/ingest.js';
import { optimize } from '../../../src/companion/optimize.js';
import { snapshot } from '../../../src/companion/snapshot.js';
import { validateAtlas } from '../../../src/companion/validate.js';
import { RaggedAtlas, type CsrMatrix } from '../../../src/index.js';
import { pythonJson } from '../../helpers/python.js';
import { openDb, tableRows } from './helpers/atlas-read.js';
import { small10x } from './helpers/small10x.js';

const BIN = fileURLToPath(new URL('../../../bin/ragged-atlas.js', import.meta.url));
let dir: string;
let small: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-repair-'));
  small = await small10x(join(dir, 'small10x'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh atlas with `small` ingested once, optimized and snapshotted (every feature indexed). */
async function base(name: string): Promise<string> {
  const root = join(dir, name);
  const atlas = await Atlas.create(root);
  await ingest(atlas, { modalities: [{ field: 'gene_expression', input: small }], name: 'small' });
  await optimize(atlas);
  await snapshot(atlas);
  atlas.close();
  return root;
}

/** Per feature uid: [sum, nnz] of the whole atlas's latest state, read by the library. */
async function perFeature(root: string): Promise<Map<string, [number, number]>> {
  const atlas = await Atlas.open(root);
  await snapshot(atlas);
  atlas.close();
  const a = await RaggedAtlas.checkoutLatest(root, { workers: 0, cache: 'none' });
  const ad = await a.query().toAnnData();
  a.close();
  const X = ad.X as CsrMatrix;
  const out = new Map<string, [number, number]>(ad.varNames.map((u) => [u, [0, 0]]));
  for (let k = 0; k < X.indices.length; k++) {
    const e = out.get(ad.varNames[X.indices[k]!]!)!;
    e[0] += Number(X.data[k]);
    e[1]++;
  }
  return out;
}

async function table(root: string, name: string): Promise<lancedb.Table> {
  return (await openDb(root)).openTable(name);
}

describe('optimize repairs what concurrent writers leave', () => {
  it('removes indexed duplicate layout rows (two ingests adding one layout at once), so snapshots work again', async () => {
    const root = await base('dup-layout');
    const layouts = await table(root, '_feature_layouts');
    const rows = await layouts.query().toArrow();
    expect(rows.numRows).toBe(230);
    await layouts.add(rows); // the second writer's copy, global_index already set
    const atlas = await Atlas.open(root);
    expect((await validateAtlas(atlas)).errors.join('\n')).toMatch(/feature_uid has duplicates: 460 rows but 230 unique/);
    const res = await optimize(atlas);
    expect(res.deduplicated._feature_layouts).toBe(230);
    expect((await validateAtlas(atlas)).errors).toEqual([]);
    const { record } = await snapshot(atlas);
    atlas.close();
    expect(record.version).toBe(1);
    expect((await tableRows(root, '_feature_layouts')).length).toBe(230);
  });

  it('removes duplicate registry rows with one commit per batch: no version between has fewer rows than features', async () => {
    const root = await base('dup-registry');
    const reg = await table(root, 'gene_expression_registry');
    const rows = await reg.query().toArrow();
    await reg.add(rows.slice(0, 100)); // indexed duplicates …
    await reg.add(rows.slice(100, 150)); // … in another fragment
    const before = await reg.version();
    const atlas = await Atlas.open(root);
    const res = await optimize(atlas);
    atlas.close();
    expect(res.deduplicated.gene_expression_registry).toBe(150);
    const db = await openDb(root);
    const t = await db.openTable('gene_expression_registry');
    const after = await t.version();
    expect(after).toBeGreaterThan(before);
    // homeobox deletes every duplicate and re-adds one of each: a kill between its two commits lost them.
    for (let v = before; v <= after; v++) {
      await t.checkout(v);
      const uids = new Set((await t.query().select(['uid']).toArray()).map((r: { uid: string }) => r.uid));
      expect(uids.size, `version ${v}`).toBe(230);
    }
    expect((await tableRows(root, 'gene_expression_registry')).length).toBe(230);
  });

  it('renumbers a global_index two uids share (two optimize runs racing): validate refuses it, optimize repairs it, queries keep every gene apart', async () => {
    const root = await base('shared-index');
    const want = await perFeature(root);
    const reg = await table(root, 'gene_expression_registry');
    const [a, b] = (await reg.query().select(['uid', 'global_index']).toArray()) as { uid: string; global_index: bigint }[];
    // b takes a's index in the registry and in the layouts, as the losing optimize would leave it.
    await reg.update({ where: `uid = '${b!.uid}'`, values: { global_index: Number(a!.global_index) } });
    const layouts = await table(root, '_feature_layouts');
    await layouts.update({ where: `feature_uid = '${b!.uid}'`, values: { global_index: Number(a!.global_index) } });
    const atlas = await Atlas.open(root);
    expect((await validateAtlas(atlas)).errors.join('\n')).toMatch(/1 global_index value\(s\) held by more than one uid/);
    await expect(snapshot(atlas)).rejects.toThrow(/held by more than one uid/);
    const res = await optimize(atlas);
    expect(res.renumbered.gene_expression).toBe(1);
    expect((await validateAtlas(atlas)).errors).toEqual([]);
    atlas.close();
    const got = await perFeature(root);
    expect(new Map([...got].sort())).toEqual(new Map([...want].sort()));
  });

  it('resyncs a layout row whose global_index is not its registry\u2019s', async () => {
    const root = await base('stale-layout');
    const want = await perFeature(root);
    const [a, b] = (await (await table(root, 'gene_expression_registry')).query().select(['uid', 'global_index']).toArray()) as { uid: string; global_index: bigint }[];
    await (await table(root, '_feature_layouts')).update({ where: `feature_uid = '${b!.uid}'`, values: { global_index: Number(a!.global_index) } });
    const atlas = await Atlas.open(root);
    expect((await validateAtlas(atlas)).errors.join('\n')).toMatch(/1 row\(s\) hold another global_index than the registry gives their uid/);
    await optimize(atlas);
    expect((await validateAtlas(atlas)).errors).toEqual([]);
    atlas.close();
    expect(new Map([...(await perFeature(root))].sort())).toEqual(new Map([...want].sort()));
  });
});

describe('an ingest killed between its dataset and obs commits', () => {
  it('is replaced by running it again (no longer refused as a repeat); a recent one is said to be still running', async () => {
    const root = await base('unfinished');
    // A second ingest whose obs commit never came: its dataset rows alone.
    const atlas = await Atlas.open(root);
    const r = await ingest(atlas, { modalities: [{ field: 'gene_expression', input: small }], name: 'again', allowDuplicate: true });
    atlas.close();
    await (await table(root, 'cells')).delete(`dataset_uid = '${r.datasetUid}'`);
    const again = () => ingest(root, { modalities: [{ field: 'gene_expression', input: small }], name: 'again' });
    await expect(again()).rejects.toThrow(/has no cells yet: it is still running, or was killed moments ago/);
    await (await table(root, 'datasets')).update({ where: `dataset_uid = '${r.datasetUid}'`, values: { created_at: '2020-01-01T00:00:00+00:00' } });
    const check = await Atlas.open(root);
    expect((await validateAtlas(check)).warnings.join('\n')).toMatch(/has no obs rows \(an interrupted ingest: running the same ingest again replaces it\)/);
    check.close();
    // add-csc --all copies the live group and skips the dead rows' group instead of failing.
    const dead = (await tableRows(root, 'datasets')).find((d) => d.dataset_uid === r.datasetUid)!.zarr_group as string;
    const cli = spawnSync(process.execPath, [BIN, 'add-csc', root, '--all', '--quiet'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`skipped (no cells point at them; see validate): ${dead}`);
    const done = await again();
    const ds = await tableRows(root, 'datasets');
    expect(ds.map((d) => d.dataset_name).sort()).toEqual(['again', 'small']);
    expect(ds.find((d) => d.dataset_name === 'again')!.dataset_uid).toBe(done.datasetUid);
    expect((await tableRows(root, 'cells')).length).toBe(160);
    // Re-running now is refused as before: that ingest finished.
    await expect(again()).rejects.toThrow(/already ingested from identical input/);
  });
});

describe('snapshots taken at once', () => {
  it('get distinct version numbers (racing inserts both landed: one number recorded three times)', async () => {
    const root = await base('snapshot-race');
    const once = () =>
      new Promise<number>((resolve) => {
        const p = spawn(process.execPath, [BIN, 'snapshot', root, '--no-optimize', '--quiet'], { stdio: 'ignore' });
        p.on('exit', (code) => resolve(code ?? -1));
      });
    for (let round = 0; round < 2; round++) expect(await Promise.all([once(), once(), once(), once()])).toEqual([0, 0, 0, 0]);
    const versions = (await tableRows(root, 'atlas_versions')).map((r) => Number(r.version)).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 9 }, (_, i) => i)); // the base's v0, then eight
  });

  it('validate warns of a number recorded twice and of snapshots whose pinned versions LanceDB cleaned up', async () => {
    const root = await base('snapshot-warnings');
    const atlas = await Atlas.open(root);
    await ingest(atlas, { modalities: [{ field: 'gene_expression', input: small }], name: 'two', allowDuplicate: true });
    await optimize(atlas);
    await snapshot(atlas);
    expect((await validateAtlas(atlas)).warnings).toEqual([]);
    // a checkout opened before all that follows, holding v1
    const held = await RaggedAtlas.checkout(root, 1, { workers: 0, cache: 'none' });
    // an older companion's race: v1 recorded again with other pins
    const versions = await table(root, 'atlas_versions');
    const v1 = await versions.query().where('version = 1').toArrow();
    const other = v1.getChild('dataset_table_version')!.get(0) as bigint;
    await versions.add([{ ...Object.fromEntries(v1.schema.fields.map((f) => [f.name, v1.getChild(f.name)!.get(0)])), dataset_table_version: Number(other) - 1 }]);
    // Lance's compaction and cleanup keep only the latest version of the cells table (its rows now
    // in one new file): v0 and v1 pin versions, and files, that are gone
    // another ingest adds a second fragment; LanceDB's compaction merges both into a new file
    await ingest(atlas, { modalities: [{ field: 'gene_expression', input: small }], name: 'three', allowDuplicate: true });
    await (await table(root, 'cells')).optimize({ cleanupOlderThan: new Date(Date.now() + 60_000), deleteUnverified: true });
    await expect(held.query().toArrow()).rejects.toThrow(/a file that this version of table 'cells\.lance' lists is gone; Lance deletes files only when its cleanup removes old versions/);
    held.close();
    atlas.close();
    const reopened = await Atlas.open(root); // the companion's own handles were at versions now gone
    const w = (await validateAtlas(reopened)).warnings;
    expect(w).toEqual(
      expect.arrayContaining([
        'snapshot v1 is recorded 2 times with different pins: readers refuse to check it out',
        expect.stringMatching(/^snapshot v0 cannot be checked out: it pins cells@\d+, which no longer exist/),
      ]),
    );
    reopened.close();
    await expect(RaggedAtlas.checkout(root, 0, { workers: 0, cache: 'none' })).rejects.toThrow(/missing/);
  });
});

describe('add-csc --all over a group whose obs rows were deleted', () => {
  it('skips that group with the reason and copies the others, instead of stopping at it', async () => {
    const root = await base('deleted-rows');
    const atlas = await Atlas.open(root);
    await ingest(atlas, { modalities: [{ field: 'gene_expression', input: small }], name: 'two', allowDuplicate: true });
    atlas.close();
    const ds = await tableRows(root, 'datasets');
    const [first, second] = [ds.find((d) => d.dataset_name === 'small')!, ds.find((d) => d.dataset_name === 'two')!];
    await (await table(root, 'cells')).delete(`gene_expression.zarr_group = '${first.zarr_group}' AND gene_expression.zarr_row < 5`);
    const cli = spawnSync(process.execPath, [BIN, 'add-csc', root, '--all', '--force', '--quiet'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`csc written for ${second.zarr_group}`);
    expect(cli.stdout).toContain(`skipped (obs rows deleted: a CSC copy covers a whole group; reads keep their current path): ${first.zarr_group}`);
    const one = spawnSync(process.execPath, [BIN, 'add-csc', root, first.zarr_group as string, '--force'], { encoding: 'utf8' });
    expect([one.status, one.stderr]).toEqual([1, expect.stringContaining(`obs rows of zarr group '${first.zarr_group}' were deleted`)]);
  });
});

describe('an ingest of a 0-cell input', () => {
  it('is a finished ingest, not an interrupted one: a repeat is refused, validate and snapshot pass', async () => {
    const root = join(dir, 'zero-cells');
    const file = join(dir, 'zero.h5ad');
    pythonJson(
      `import sys, json, anndata as ad, numpy as np, pandas as pd, scipy.sparse as sp
ad.AnnData(X=sp.csr_matrix((0, 5), dtype=np.float32), obs=pd.DataFrame(index=pd.Index([], dtype=str)), var=pd.DataFrame(index=[f"g{i}" for i in range(5)])).write_h5ad(sys.argv[1])
print(json.dumps(0))`,
      [file],
    );
    const run = () => ingest(root, { modalities: [{ field: 'gene_expression', input: file }], name: 'zero' });
    (await Atlas.create(root)).close();
    const first = await run();
    expect(first.nObs).toBe(0);
    // Old enough that a dataset row without cells would pass for a killed ingest.
    await (await table(root, 'datasets')).update({ where: `dataset_uid = '${first.datasetUid}'`, values: { created_at: '2020-01-01T00:00:00+00:00' } });
    await expect(run()).rejects.toThrow(/already ingested from identical input/);
    expect((await tableRows(root, 'datasets')).map((d) => d.dataset_uid)).toEqual([first.datasetUid]);
    const atlas = await Atlas.open(root);
    expect((await validateAtlas(atlas)).warnings).toEqual([]);
    await optimize(atlas);
    await snapshot(atlas);
    atlas.close();
    // …and the library reads the empty atlas as one.
    const a = await RaggedAtlas.checkoutLatest(root, { workers: 0, cache: 'none' });
    expect(await a.query().count()).toBe(0);
    const ad = await a.query().toAnnData();
    expect(ad.shape).toEqual([0, 0]);
    a.close();
  });
});

describe('an add-csc interrupted before csc/indptr', () => {
  it('is named by validate and finished by add-csc --all (and by add-csc without --force)', async () => {
    const root = await base('csc-partial');
    const atlas = await Atlas.open(root);
    const [d] = await tableRows(root, 'datasets');
    const zg = d!.zarr_group as string;
    await addCsc(atlas, { zarrGroup: zg });
    await rm(join(root, 'zarr_store', zg, 'csc', 'indptr'), { recursive: true });
    expect(await hasCscCopy(atlas.zarrDir, zg)).toBe(false);
    expect((await validateAtlas(atlas)).warnings.join('\n')).toContain(`zarr group '${zg}' has an unfinished csc/ copy`);
    atlas.close();
    const cli = spawnSync(process.execPath, [BIN, 'add-csc', root, '--all', '--quiet'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`csc written for ${zg}`);
    const check = await Atlas.open(root);
    expect(await hasCscCopy(check.zarrDir, zg)).toBe(true);
    expect((await validateAtlas(check)).warnings).toEqual([]);
    await rm(join(root, 'zarr_store', zg, 'csc', 'indptr', 'zarr.json'));
    await addCsc(check, { zarrGroup: zg }); // no --force needed for an unfinished copy
    expect(await hasCscCopy(check.zarrDir, zg)).toBe(true);
    await expect(addCsc(check, { zarrGroup: zg })).rejects.toThrow(/already has a csc\/ copy/);
    check.close();
  });
});
