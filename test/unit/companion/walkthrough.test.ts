// The seed walkthrough on real data: pbmc3k (10x) → snapshot v0; pbmc68k_reduced (h5ad raw/X
// as log_normalized + the zarr.zip's layers/counts as counts) → snapshot v1. Every expected
// value is computed from the input files with the test's own readers (helpers/oracles.ts).
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Atlas } from '../../../src/companion/atlas.js';
import { addCsc } from '../../../src/companion/csc.js';
import { autoPartition } from '../../../src/companion/zarr-writer/chunking.js';
import { ingest, type IngestResult } from '../../../src/companion/ingest.js';
import { optimize } from '../../../src/companion/optimize.js';
import { listVersions, snapshot } from '../../../src/companion/snapshot.js';
import { makeStableUid } from '../../../src/companion/uids.js';
import { validateAtlas } from '../../../src/companion/validate.js';
import { openDb, tableRows } from './helpers/atlas-read.js';
import { DATA, h5, h5Values, makeIndexUnique, readLines, readMtxTransposed, sameArray, sortRows, zarrZipCsr, type Csr } from './helpers/oracles.js';
import { zarritaRead } from './helpers/zarrita.js';

const P3K = join(DATA, 'pbmc3k_10x_v2/hg19');
const H5AD = join(DATA, 'pbmc68k_reduced/10x_pbmc68k_reduced.h5ad');
const ZIP = join(DATA, 'pbmc68k_reduced/10x_pbmc68k_reduced.zarr.zip');

let dir: string;
let root: string;
let r3k: IngestResult;
let r68k: IngestResult;
let mtx: Csr;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-walk-'));
  root = join(dir, 'atlas');
  const atlas = await Atlas.create(root, {
    obs: {
      columns: [
        { name: 'barcode', type: 'string', nullable: false },
        { name: 'cell_type', type: 'string', nullable: true },
        { name: 'n_genes', type: 'int64', nullable: true },
      ],
      embeddings: [
        { name: 'X_umap', dim: 2 },
        { name: 'X_pca', dim: 50 },
      ],
    },
  });
  r3k = await ingest(atlas, { modalities: [{ field: 'gene_expression', input: P3K }], obsMap: { _index: 'barcode' }, name: 'pbmc3k' });
  await optimize(atlas);
  await snapshot(atlas);
  r68k = await ingest(atlas, {
    modalities: [{ field: 'gene_expression', input: H5AD, layers: { counts: `${ZIP}#layers/counts`, log_normalized: 'raw/X' } }],
    obsMap: { louvain: 'cell_type', _index: 'barcode' },
    name: 'pbmc68k_reduced',
  });
  await optimize(atlas);
  await snapshot(atlas);
  atlas.close();
  mtx = await readMtxTransposed(join(P3K, 'matrix.mtx.gz'));
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('seed walkthrough', () => {
  it('records snapshots v0 and v1', async () => {
    const atlas = await Atlas.open(root);
    const v = await listVersions(atlas);
    atlas.close();
    expect(v.map((x) => x.version)).toEqual([0, 1]);
    expect(v.map((x) => x.total_rows)).toEqual([2700, 3400]);
    expect(v[0]!.registry_table_names).toBe('{"gene_expression": "gene_expression_registry"}');
    expect(v[0]!.obs_table_versions).toMatch(/^\{"cells": \d+\}$/);
    expect(v[1]!.created_at).toMatch(/\+00:00$/);
  });

  it('has the right cells per dataset', async () => {
    const ds = await tableRows(root, 'datasets');
    expect(ds.map((d) => [d.dataset_name, d.n_rows]).sort()).toEqual([
      ['pbmc3k', 2700],
      ['pbmc68k_reduced', 700],
    ]);
    const db = await openDb(root);
    const cells = await db.openTable('cells');
    for (const d of ds) expect(await cells.countRows(`dataset_uid = '${d.dataset_uid}'`)).toBe(d.n_rows);
    cells.close();
    db.close();
  });

  it('registry = union of the two gene sets, layouts intersect as the inputs do', async () => {
    const genes3k = makeIndexUnique(await readLines(join(P3K, 'genes.tsv'), 1));
    const f = await h5(H5AD);
    const genes68k = h5Values(f, 'raw/var/index') as string[];
    f.close();
    const union = new Set([...genes3k, ...genes68k]);
    const inter = genes68k.filter((g) => new Set(genes3k).has(g));
    const reg = await tableRows(root, 'gene_expression_registry');
    expect(reg.length).toBe(union.size);
    expect(new Set(reg.map((r) => r.gene_symbol))).toEqual(union);
    // global_index: dense 0..N-1, assigned in uid order for the first batch
    const gi = reg.map((r) => r.global_index as number).sort((a, b) => a - b);
    expect(gi).toEqual(Array.from({ length: union.size }, (_, i) => i));
    const layouts = await tableRows(root, '_feature_layouts');
    const byLayout = new Map<string, Set<string>>();
    for (const l of layouts) {
      if (!byLayout.has(l.layout_uid as string)) byLayout.set(l.layout_uid as string, new Set());
      byLayout.get(l.layout_uid as string)!.add(l.feature_uid as string);
    }
    const l3k = byLayout.get(r3k.modalities[0]!.layoutUid)!;
    const l68k = byLayout.get(r68k.modalities[0]!.layoutUid)!;
    expect(l3k.size).toBe(genes3k.length);
    expect(l68k.size).toBe(genes68k.length);
    expect([...l68k].filter((u) => l3k.has(u)).length).toBe(inter.length);
    expect(l3k).toEqual(new Set(genes3k.map((g) => makeStableUid(g))));
    // _feature_layouts.global_index synced from the registry
    const regGi = new Map(reg.map((r) => [r.uid, r.global_index]));
    expect(layouts.every((l) => l.global_index === regGi.get(l.feature_uid))).toBe(true);
  });

  it('v0 pins describe only pbmc3k', async () => {
    const [v0] = await tableRows(root, 'atlas_versions', { where: 'version = 0' });
    const pin = (json: string, key: string) => (JSON.parse(json) as Record<string, number>)[key]!;
    const cells = await tableRows(root, 'cells', { version: pin(v0!.obs_table_versions as string, 'cells') });
    expect(cells.length).toBe(2700);
    const ds = await tableRows(root, 'datasets', { version: v0!.dataset_table_version as number });
    expect(ds.map((d) => d.dataset_name)).toEqual(['pbmc3k']);
    const reg = await tableRows(root, 'gene_expression_registry', { version: pin(v0!.registry_table_versions as string, 'gene_expression') });
    expect(reg.length).toBe(32738);
    expect(reg.every((r) => r.global_index !== null)).toBe(true);
    const fl = await tableRows(root, '_feature_layouts', { version: v0!.feature_layouts_table_version as number });
    expect(new Set(fl.map((r) => r.layout_uid))).toEqual(new Set([r3k.modalities[0]!.layoutUid]));
  });

  it('pbmc3k arrays read back with zarrita equal the 10x matrix', async () => {
    const zs = join(root, 'zarr_store');
    const zg = r3k.modalities[0]!.zarrGroup;
    const ind = await zarritaRead(zs, `${zg}/csr/indices`);
    const cnt = await zarritaRead(zs, `${zg}/csr/layers/counts`);
    expect(ind.shape).toEqual([2286884]);
    expect(sameArray(ind.data, mtx.indices, 'csr/indices')).toBeUndefined();
    expect(sameArray(cnt.data, mtx.data, 'csr/layers/counts')).toBeUndefined();
    const cells = (await tableRows(root, 'cells', { where: `dataset_uid = '${r3k.datasetUid}'` })).sort(
      (a, b) => (a.gene_expression as { zarr_row: number }).zarr_row - (b.gene_expression as { zarr_row: number }).zarr_row,
    );
    const barcodes = await readLines(join(P3K, 'barcodes.tsv'));
    cells.forEach((c, i) => {
      expect(c.barcode).toBe(barcodes[i]);
      expect(c.gene_expression).toEqual({ zarr_group: zg, start: mtx.indptr[i], end: mtx.indptr[i + 1], zarr_row: i });
      expect(c.X_umap).toBeNull();
    });
  });

  it('pbmc68k arrays equal the zarr.zip counts and the h5ad raw/X; obs and obsm carried over', async () => {
    const zs = join(root, 'zarr_store');
    const zg = r68k.modalities[0]!.zarrGroup;
    const counts = await zarrZipCsr(ZIP, 'layers/counts');
    const f = await h5(H5AD);
    const rawIndptr = Array.from(h5Values(f, 'raw/X/indptr') as Int32Array, Number);
    // raw/X rows are stored with descending column indices; the layers share the (sorted)
    // csr/indices of counts, so the log-normalised values are compared in sorted order.
    const raw = sortRows(rawIndptr, h5Values(f, 'raw/X/indices') as Int32Array, h5Values(f, 'raw/X/data') as Float32Array);
    const obsNames = h5Values(f, 'obs/index') as string[];
    const louvainCodes = Array.from(h5Values(f, 'obs/louvain/codes') as Int8Array);
    const louvainCats = h5Values(f, 'obs/louvain/categories') as string[];
    const nGenes = Array.from(h5Values(f, 'obs/n_genes') as BigInt64Array, Number);
    const umap = Array.from(h5Values(f, 'obsm/X_umap') as Float64Array, Math.fround);
    f.close();
    expect(sameArray((await zarritaRead(zs, `${zg}/csr/indices`)).data, counts.indices, 'csr/indices')).toBeUndefined();
    expect(sameArray((await zarritaRead(zs, `${zg}/csr/layers/counts`)).data, counts.data, 'counts')).toBeUndefined();
    expect(sameArray(raw.indices, counts.indices, 'raw/X sorted indices vs counts indices')).toBeUndefined();
    expect(sameArray((await zarritaRead(zs, `${zg}/csr/layers/log_normalized`)).data, raw.data, 'log_normalized')).toBeUndefined();
    expect(sameArray(rawIndptr, counts.indptr, 'indptr')).toBeUndefined();
    const cells = (await tableRows(root, 'cells', { where: `dataset_uid = '${r68k.datasetUid}'` })).sort(
      (a, b) => (a.gene_expression as { zarr_row: number }).zarr_row - (b.gene_expression as { zarr_row: number }).zarr_row,
    );
    cells.forEach((c, i) => {
      expect(c.barcode).toBe(obsNames[i]);
      expect(c.cell_type).toBe(louvainCats[louvainCodes[i]!]);
      expect(c.n_genes).toBe(nGenes[i]);
      expect(c.X_umap).toEqual([umap[2 * i], umap[2 * i + 1]]);
      expect((c.X_pca as number[]).length).toBe(50);
      expect(c.gene_expression).toEqual({ zarr_group: zg, start: counts.indptr[i], end: counts.indptr[i + 1], zarr_row: i });
    });
  });

  it('validates clean and has no orphans', async () => {
    const atlas = await Atlas.open(root);
    const rep = await validateAtlas(atlas);
    atlas.close();
    expect(rep.errors).toEqual([]);
    expect(rep.orphanedGroups).toEqual([]);
    expect(rep.warnings).toEqual([]);
  });

  it('indexes the tables as homeobox names them: one btree layout_uid_idx replaces create()\'s FTS one', async () => {
    const atlas = await Atlas.open(root);
    try {
      const kinds = async (t: { listIndices(): Promise<{ name: string; indexType: string; columns: string[] }[]> }) =>
        (await t.listIndices()).map((i) => [i.name, i.indexType, i.columns.join(',')]).sort();
      // homeobox: create_fts_index(feature_uid / layout_uid) at create, then optimize's
      // create_fts_index("feature_uid", replace=True) and create_scalar_index("layout_uid", replace=True),
      // both under pylance's default name <column>_idx, so the btree takes the FTS index's place.
      expect(await kinds(atlas.layouts)).toEqual([
        ['feature_uid_idx', 'FTS', 'feature_uid'],
        ['layout_uid_idx', 'BTree', 'layout_uid'],
      ]);
      for (const [, t] of atlas.registries) expect(await kinds(t)).toEqual([['uid_idx', 'BTree', 'uid']]);
    } finally {
      atlas.close();
    }
  });

  it('refuses to ingest identical input under the same name again, leaving the atlas unchanged', async () => {
    const before = (await readdir(join(root, 'zarr_store'))).sort();
    const atlas = await Atlas.open(root);
    const v = await atlas.datasets.version();
    await expect(ingest(atlas, { modalities: [{ field: 'gene_expression', input: P3K }], obsMap: { _index: 'barcode' }, name: 'pbmc3k' })).rejects.toThrow(
      /already ingested from identical input/,
    );
    expect(await atlas.datasets.version()).toBe(v);
    atlas.close();
    expect((await readdir(join(root, 'zarr_store'))).sort()).toEqual(before);
  });

  it('add-csc writes a scipy-ordered feature-oriented copy of pbmc3k', async () => {
    const atlas = await Atlas.open(root);
    const zg = r3k.modalities[0]!.zarrGroup;
    const res = await addCsc(atlas, { zarrGroup: zg, memoryBytes: 4 << 20 });
    atlas.close();
    expect(res.passes).toBeGreaterThan(2); // several column blocks under a 4 MiB budget
    // scipy tocsc(): columns ascending, rows ascending within a column
    const colPtr = new Array(mtx.nCols + 1).fill(0);
    for (const c of mtx.indices) colPtr[c + 1]++;
    for (let c = 0; c < mtx.nCols; c++) colPtr[c + 1] += colPtr[c];
    const fill = colPtr.slice();
    const rows = new Array(mtx.indices.length);
    const vals = new Array(mtx.indices.length);
    for (let r = 0; r < mtx.nRows; r++) {
      for (let k = mtx.indptr[r]!; k < mtx.indptr[r + 1]!; k++) {
        const p = fill[mtx.indices[k]!]++;
        rows[p] = r;
        vals[p] = mtx.data[k];
      }
    }
    const zs = join(root, 'zarr_store');
    expect(sameArray((await zarritaRead(zs, `${zg}/csc/indptr`)).data, colPtr, 'csc/indptr')).toBeUndefined();
    expect(sameArray((await zarritaRead(zs, `${zg}/csc/indices`)).data, rows, 'csc/indices')).toBeUndefined();
    expect(sameArray((await zarritaRead(zs, `${zg}/csc/layers/counts`)).data, vals, 'csc/layers/counts')).toBeUndefined();
    // Default codecs: homeobox's BP-128, delta_zigzag for csc/indices (a column's first row is a
    // small negative step, not a 32-bit wrap) and exactly csr/layers/counts' chain for the counts;
    // csc/indptr keeps the spec's zstd.
    const innerCodecs = async (path: string) => JSON.parse(await readFile(join(zs, zg, path, 'zarr.json'), 'utf8')).codecs[0].configuration.codecs;
    expect(await innerCodecs('csc/indices')).toEqual([{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'homeobox.bitpacking', configuration: { transform: 'delta_zigzag', element_size: 4 } }]);
    expect(await innerCodecs('csc/layers/counts')).toEqual(await innerCodecs('csr/layers/counts'));
    // Default csc/indptr layout: unsharded with zarr-python's default chunks (homeobox ≤ 0.2.3):
    // 32,739 int64 → two ~131 KB chunks, one GET each.
    const ipMeta = JSON.parse(await readFile(join(zs, zg, 'csc/indptr/zarr.json'), 'utf8'));
    expect(ipMeta.codecs.map((c: { name: string }) => c.name)).toEqual(['bytes', 'zstd']);
    expect(ipMeta.chunk_grid.configuration.chunk_shape).toEqual([16370]);
    expect((await readdir(join(zs, zg, 'csc/indptr/c'))).sort()).toEqual(['0', '1']);
    const check = await Atlas.open(root);
    expect((await validateAtlas(check)).errors).toEqual([]);
    // homeobox 0.2.4+ layout on request: zarr "auto" chunks and shards, same values.
    await addCsc(check, { zarrGroup: zg, force: true, indptrLayout: 'sharded' });
    const sharded = JSON.parse(await readFile(join(zs, zg, 'csc/indptr/zarr.json'), 'utf8'));
    const { chunks, shards } = autoPartition([mtx.nCols + 1], 8);
    expect(sharded.chunk_grid.configuration.chunk_shape).toEqual(shards);
    expect(sharded.codecs[0].configuration.chunk_shape).toEqual(chunks);
    expect(sharded.attributes).toEqual({}); // 0.2.4+'s document exactly: no size attribute
    expect((await readdir(join(zs, zg, 'csc/indptr/c'))).length).toBe(Math.ceil((mtx.nCols + 1) / shards[0]!));
    expect(sameArray((await zarritaRead(zs, `${zg}/csc/indptr`)).data, colPtr, 'sharded csc/indptr')).toBeUndefined();
    // homeobox add_csc's codecs on request (zstd, byte-identical arrays): same values, bigger files.
    const packedBytes = (await stat(join(zs, zg, 'csc/indices/c/0'))).size;
    await addCsc(check, { zarrGroup: zg, force: true, codec: 'zstd' });
    expect((await innerCodecs('csc/indices')).map((c: { name: string }) => c.name)).toEqual(['bytes', 'zstd']);
    expect((await innerCodecs('csc/layers/counts')).map((c: { name: string }) => c.name)).toEqual(['bytes', 'zstd']);
    expect(sameArray((await zarritaRead(zs, `${zg}/csc/indices`)).data, rows, 'zstd csc/indices')).toBeUndefined();
    expect(sameArray((await zarritaRead(zs, `${zg}/csc/layers/counts`)).data, vals, 'zstd csc/layers/counts')).toBeUndefined();
    expect((await stat(join(zs, zg, 'csc/indices/c/0'))).size).toBeGreaterThan(packedBytes);
    expect((await validateAtlas(check)).errors).toEqual([]);
    check.close();
  });
});
