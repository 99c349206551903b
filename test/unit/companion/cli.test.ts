import * as lancedb from '@lancedb/lancedb';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaggedAtlas } from '../../../src/index.js';
import { tableRows, tableSchema } from './helpers/atlas-read.js';
import { cli } from './helpers/cli.js';
import { small10x } from './helpers/small10x.js';

let dir: string;
let small: string;


beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-cli-'));
  small = await small10x(join(dir, 'small10x'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ragged-atlas CLI', () => {
  it('prints usage for every command', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const c of ['create', 'ingest', 'optimize', 'snapshot', 'versions', 'validate', 'add-csc', 'serve']) {
      expect(top.out).toContain(c);
      const h = await cli(c, '--help');
      expect(h.code, c).toBe(0);
      expect(h.out).toMatch(new RegExp(`^ragged-atlas ${c} `));
    }
    expect((await cli('ingest', '--help')).out).toMatch(/REFUSED/);
  });

  it('runs as a script too (`node --import tsx src/companion/cli.ts`), not only through bin/', () => {
    // it only exported main(): run directly it printed nothing and exited 0
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/companion/cli.ts', 'nope'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command');
  });

  it('rejects unknown commands and options with exit code 2', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    const bad = await cli('create', '--nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/Unknown option/);
    expect((await cli('create')).code).toBe(2);
    const port = await cli('serve', dir, '--port', 'abc');
    expect([port.code, port.err]).toEqual([2, expect.stringContaining("--port must be a port number (0–65535), got 'abc'")]);
    expect((await cli('serve', '--help')).out).toContain('-q, --quiet');
    // values checked before anything is opened; a repeated option is refused, not silently overridden
    const root = join(dir, 'usage-atlas');
    expect((await cli('create', root, '-q')).code).toBe(0);
    const format = await cli('ingest', root, small, '--format', 'csv');
    expect([format.code, format.err]).toEqual([2, expect.stringContaining("--format must be h5ad, 10x or zarr, got 'csv'")]);
    const layer = await cli('ingest', root, small, '--layer', 'counts=X', '--layer', 'counts=raw/X');
    expect([layer.code, layer.err]).toEqual([2, expect.stringContaining("layer 'counts' of field 'gene_expression' is already given")]);
    const map = await cli('ingest', root, small, '--obs-map', 'a=barcode', '--obs-map', 'a=cell_type');
    expect([map.code, map.err]).toEqual([2, expect.stringContaining("--obs-map maps obs column 'a' twice")]);
    // an unknown Lance file format is refused before anything is written (it failed inside LanceDB, leaving lance_db/)
    const sv = await cli('create', join(dir, 'sv-atlas'), '--storage-version', '9.9');
    expect([sv.code, sv.err]).toEqual([1, expect.stringContaining("unknown Lance file format '9.9': use '2.0', '2.1', '2.2', 'stable'")]);
    await expect(stat(join(dir, 'sv-atlas'))).rejects.toMatchObject({ code: 'ENOENT' });
    // a schema field the input lacks is said in text mode too, not only with --json
    const fields = join(dir, 'usage-fields');
    // A bool among them failed the whole ingest: apache-arrow writes an all-null Bool with an empty
    // values buffer, which LanceDB's reader refuses (withoutAllNullBools).
    expect((await cli('create', fields, '--obs', 'barcode:string!', '--obs', 'donor:string', '--obs', 'flag:bool', '--obs', 'n:int64', '-q')).code).toBe(0);
    const text = await cli('ingest', fields, small, '--obs-map', '_index=barcode', '--quiet');
    expect([text.code, text.out]).toEqual([0, expect.stringContaining('obs fields the input does not have, stored as NULL: donor, flag, n')]);
    const cells = await (await lancedb.connect(join(fields, 'lance_db'))).openTable('cells');
    const nCells = await cells.countRows();
    expect(nCells).toBeGreaterThan(0);
    expect([await cells.countRows('flag IS NULL'), await cells.countRows('n IS NULL'), await cells.countRows('donor IS NULL')]).toEqual([nCells, nCells, nCells]);
    // the append left `flag` out; this reader gives the fragment's missing column as nulls too
    expect((await cli('snapshot', fields, '-q')).code).toBe(0);
    const atlas = await RaggedAtlas.checkoutLatest(fields);
    try {
      const t = await atlas.query().select(['flag', 'n']).toArrow();
      expect([t.numRows, t.getChild('flag')!.nullCount, t.getChild('n')!.nullCount, await atlas.query().where('flag IS NULL').count()]).toEqual([nCells, nCells, nCells, nCells]);
    } finally {
      atlas.close();
    }
  });

  it('says what to do with names and keys it cannot take; says which obsm entries and feature keys it leaves out', async () => {
    // a Seurat-style obs name: the suggestion is a declaration and a mapping that work
    const dotted = await cli('create', join(dir, 'dotted'), '--obs', 'percent.mt:float64');
    expect([dotted.code, dotted.err]).toEqual([2, expect.stringContaining('declare --obs percent_mt:float64 and ingest with --obs-map percent.mt=percent_mt')]);
    const fixed = join(dir, 'dotted-ok');
    expect((await cli('create', fixed, '--obs', 'percent_mt:float64', '-q')).code).toBe(0);
    const h5 = join(dir, 'keys.h5ad');
    spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import sys, numpy as np, pandas as pd, scipy.sparse as sp, anndata
var = pd.DataFrame({'gene_ids': ['E1', None, 'E3'], 'num': [1.0, 2.0, 3.0]}, index=['A', 'B', 'C'])
obs = pd.DataFrame({'percent.mt': [0.5, 1.5]}, index=['c0', 'c1'])
a = anndata.AnnData(X=sp.csr_matrix(np.array([[1, 0, 2], [0, 3, 0]], np.float32)), obs=obs, var=var)
a.obsm['X_umap'] = np.zeros((2, 2), np.float32)
a.write_h5ad(sys.argv[1])`,
        h5,
      ],
      { encoding: 'utf8' },
    );
    const num = await cli('ingest', fixed, h5, '--var-key', 'num', '-q');
    expect([num.code, num.err]).toEqual([1, expect.stringContaining("var column 'num' holds float values, not strings")]);
    const none = await cli('ingest', fixed, h5, '--var-key', 'symbol', '-q');
    expect([none.code, none.err]).toEqual([1, expect.stringContaining("var column 'symbol' not found (var columns: gene_ids, num)")]);
    const ok = await cli('ingest', fixed, h5, '--var-key', 'gene_ids', '--obs-map', 'percent.mt=percent_mt', '--json');
    expect(ok.code, ok.err).toBe(0);
    const res = JSON.parse(ok.out) as { droppedObsm: string[]; warnings: string[] };
    expect(res.droppedObsm).toEqual(['X_umap']);
    expect(res.warnings).toEqual(expect.arrayContaining([expect.stringContaining("1 feature(s) have no 'gene_ids' value; their var names are their keys instead"), 'obsm entries no embedding field takes, dropped: X_umap']));
    expect((await tableRows(fixed, 'cells')).map((r) => r.percent_mt)).toEqual([0.5, 1.5]);
  });

  it('create --no-shard-sizes writes zarr.json without attributes, as zarr-python does', async () => {
    const root = join(dir, 'plain');
    expect((await cli('create', root, '--no-shard-sizes', '--quiet')).code).toBe(0);
    const i = await cli('ingest', root, small, '--json');
    expect(i.code, i.err).toBe(0);
    const zg = JSON.parse(i.out).modalities[0].zarrGroup as string;
    for (const a of ['csr/indices', 'csr/layers/counts']) expect(JSON.parse(await readFile(join(root, 'zarr_store', zg, a, 'zarr.json'), 'utf8')).attributes).toEqual({});
    expect((await cli('add-csc', root, '--all', '--quiet')).code).toBe(0);
    expect(JSON.parse(await readFile(join(root, 'zarr_store', zg, 'csc/indices/zarr.json'), 'utf8')).attributes).toEqual({});
  });

  it('create → ingest → snapshot → versions → validate → add-csc', async () => {
    const root = join(dir, 'atlas');
    const c = await cli('create', root, '--obs', 'barcode:string!', '--obs', 'cell_type:string', '--pointer', 'gene_expression', '--pointer', 'hashtags=hashtag_counts', '--feature-space', 'hashtag_counts:dense:counts=uint32', '--json');
    expect(c.code, c.err).toBe(0);
    expect(JSON.parse(c.out).registries).toEqual(['gene_expression', 'hashtag_counts']);
    const schema = await tableSchema(root, 'cells');
    expect(schema.map((f) => [f.name, f.nullable])).toEqual([
      ['uid', false],
      ['dataset_uid', false],
      ['barcode', false],
      ['cell_type', true],
      ['gene_expression', true],
      ['hashtags', true],
    ]);
    // a required obs field without a source column is refused
    const missing = await cli('ingest', root, small, '--quiet');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/missing required column\(s\) 'barcode'/);
    const i = await cli('ingest', root, small, '--obs-map', '_index=barcode', '--json');
    expect(i.code, i.err).toBe(0);
    const res = JSON.parse(i.out);
    expect(res.nObs).toBe(80);
    expect(res.modalities[0].nFeatures).toBe(230);
    const again = await cli('ingest', root, small, '--obs-map', '_index=barcode', '--quiet');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/InvalidInputError: dataset 'small10x' was already ingested/);
    const s = await cli('snapshot', root, '--json');
    expect(s.code, s.err).toBe(0);
    expect(JSON.parse(s.out).version).toBe(0);
    const v = await cli('versions', root);
    expect(v.out).toMatch(/^v0 .* 80 rows/);
    const val = await cli('validate', root);
    expect(val.code).toBe(0);
    expect(val.out).toMatch(/valid: no errors/);
    const csc = await cli('add-csc', root, '--all', '--json');
    expect(csc.code, csc.err).toBe(0);
    expect(JSON.parse(csc.out)[0].nnz).toBe(4456);
    const zg = JSON.parse(csc.out)[0].zarrGroup as string;
    const sizes = JSON.parse(await readFile(join(root, 'zarr_store', zg, 'csr/indices/zarr.json'), 'utf8')).attributes.ragged_atlas.shard_nbytes;
    expect(sizes['c/0']).toBe((await stat(join(root, 'zarr_store', zg, 'csr/indices/c/0'))).size);
    expect(JSON.parse(await readFile(join(root, 'zarr_store', zg, 'csc/indices/zarr.json'), 'utf8')).attributes.ragged_atlas.shard_nbytes['c/0']).toBeGreaterThan(0);
    expect((await cli('add-csc', root, zg, '--indptr-layout', 'csr')).err).toMatch(/--indptr-layout must be 'chunked' or 'sharded'/);
    // --all with every group copied already: nothing to do (not a usage error); --force rebuilds them.
    const nothing = await cli('add-csc', root, '--all');
    expect([nothing.code, nothing.out]).toEqual([0, expect.stringContaining('already has a CSC copy')]);
    const codecNames = async () => JSON.parse(await readFile(join(root, 'zarr_store', zg, 'csc/indices/zarr.json'), 'utf8')).codecs[0].configuration.codecs.map((c: { name: string }) => c.name);
    expect(await codecNames()).toEqual(['bytes', 'homeobox.bitpacking']);
    expect((await cli('add-csc', root, zg, '--force', '--codec', 'lz4')).err).toMatch(/--codec must be 'bitpacking' or 'zstd', got 'lz4'/);
    const rebuilt = await cli('add-csc', root, '--all', '--force', '--codec', 'zstd', '--json');
    expect(rebuilt.code, rebuilt.err).toBe(0);
    expect(JSON.parse(rebuilt.out).map((r: { zarrGroup: string }) => r.zarrGroup)).toEqual([zg]);
    expect(await codecNames()).toEqual(['bytes', 'zstd']);
    expect((await tableRows(root, 'cells')).every((r) => r.hashtags === null)).toBe(true);
  });
});
