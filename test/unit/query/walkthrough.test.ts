// The seed walkthrough end to end, read by the library over a real HTTP server with Range:
// pbmc3k (10x) → snapshot v0; pbmc68k_reduced → snapshot v1. Every value is checked against an
// independent oracle: LanceDB itself (rows, counts), scipy/anndata (matrices), zarrita (zarr v3 input).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaggedAtlas, toH5ad, type AnnData, type CsrMatrix } from '../../../src/index.js';
import { serveDirectory, type RunningServer } from '../../../src/companion/serve.js';
import { AtlasCatalog } from '../../../src/atlas/catalog.js';
import { HttpStore } from '../../../src/io/http.js';
import { buildWalkthroughAtlas, H5AD_68K, P3K, ZIP_68K } from '../../fixtures/walkthrough.js';
import { Atlas } from '../../../src/companion/atlas.js';
import { addCsc } from '../../../src/companion/csc.js';
import { convertToLegacy } from '../../fixtures/legacy.js';
import { h5adRawX, pbmc3kCounts, zarrZipCsr, type OracleCsr } from '../../helpers/oracle-matrices.js';
import { pythonJson } from '../../helpers/python.js';
import { gateway } from '../../helpers/gateway.js';
import { createDecoder } from '../../../src/workers/decode-pool.js';
import type { ChunkDecoder } from '../../../src/workers/protocol.js';

let dir: string;
let server: RunningServer;
let url: string;
let v1: RaggedAtlas;
let p3k: OracleCsr;
let raw68k: OracleCsr;
let counts68k: Pick<OracleCsr, 'indptr' | 'indices' | 'data'>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-e2e-'));
  await buildWalkthroughAtlas(join(dir, 'atlas'));
  server = await serveDirectory(join(dir, 'atlas'));
  url = server.url;
  v1 = await RaggedAtlas.checkoutLatest(url, { workers: 1 });
  [p3k, raw68k, counts68k] = [pbmc3kCounts(P3K), h5adRawX(H5AD_68K), await zarrZipCsr(ZIP_68K, 'layers/counts')];
}, 600_000);

afterAll(async () => {
  v1?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function lanceRows(version: number, columns: string[], where?: string): Promise<Record<string, unknown>[]> {
  const db = await lancedb.connect(join(dir, 'atlas', 'lance_db'));
  const t = await db.openTable('cells');
  await t.checkout(version);
  let q = t.query().select(columns);
  if (where) q = q.where(where);
  return (await q.toArray()) as Record<string, unknown>[];
}

/** Every stored entry of every cell equals the oracle's, matching cells by barcode and genes by symbol. */
function expectSameCells(ad: AnnData, X: CsrMatrix, oracle: Pick<OracleCsr, 'indptr' | 'indices' | 'data'>, oracleObs: string[], oracleVar: string[], barcodes: string[], symbols: string[]) {
  const rowOf = new Map(oracleObs.map((b, i) => [b, i]));
  const colOf = new Map(oracleVar.map((g, i) => [g, i]));
  let checked = 0;
  for (let r = 0; r < ad.shape[0]; r++) {
    const o = rowOf.get(barcodes[r]!);
    if (o === undefined) continue;
    const want = new Map<number, number>();
    for (let k = oracle.indptr[o]!; k < oracle.indptr[o + 1]!; k++) want.set(oracle.indices[k]!, oracle.data[k]!);
    const got = new Map<number, number>();
    for (let k = X.indptr[r]!; k < X.indptr[r + 1]!; k++) {
      const col = colOf.get(symbols[X.indices[k]!]!);
      if (col === undefined) throw new Error(`gene ${symbols[X.indices[k]!]} is not in the oracle`);
      got.set(col, Number(X.data[k]));
    }
    expect(got.size, `cell ${barcodes[r]}`).toBe(want.size);
    for (const [c, v] of want) {
      const g = got.get(c);
      if (g === undefined || Math.fround(g) !== Math.fround(v)) throw new Error(`cell ${barcodes[r]} gene ${oracleVar[c]}: got ${g}, want ${v}`);
    }
    checked++;
  }
  return checked;
}

describe('walkthrough over HTTP', () => {
  it('lists both snapshots and pins v0 to the first dataset only', async () => {
    const versions = await RaggedAtlas.listVersions(url);
    expect(versions.map((v) => [v.version, v.totalRows])).toEqual([[0, 2700], [1, 3400]]);
    const v0 = await RaggedAtlas.checkout(url, 0, { workers: 0 });
    expect(await v0.query().count()).toBe(2700);
    expect((await v0.listDatasets()).numRows).toBe(1);
    expect((await v0.query().toAnnData()).shape).toEqual([2700, 32738]);
    v0.close();
    expect(await v1.query().count()).toBe(3400);
    expect((await v1.listDatasets()).numRows).toBe(2);
    await expect(RaggedAtlas.checkout(url, 7)).rejects.toMatchObject({ _tag: 'NotFound' });
  });

  it('count({groupBy}) and where() agree with LanceDB at the pinned version', async () => {
    const pinned = v1.record.obsTableVersions.cells!;
    const rows = await lanceRows(pinned, ['cell_type']);
    const want = new Map<string | null, number>();
    for (const r of rows) want.set((r.cell_type as string | null) ?? null, (want.get((r.cell_type as string | null) ?? null) ?? 0) + 1);
    const got = await v1.query().count({ groupBy: 'cell_type' });
    const gotMap = new Map([...got].map((r) => [(r as { cell_type: string | null }).cell_type, Number((r as { count: bigint }).count)]));
    expect(gotMap).toEqual(want);
    const where = "cell_type = '3' AND n_genes > 800";
    const lanceUids = (await lanceRows(pinned, ['uid'], where)).map((r) => r.uid).sort();
    const ours = await v1.query().where(where).select(['uid']).toArrow();
    expect(Array.from(ours.getChild('uid')!.toArray() as string[]).sort()).toEqual(lanceUids);
    expect(await v1.query().where(where).count()).toBe(lanceUids.length);
    // toArrow is homeobox's to_polars: exactly the selected columns, in select() order
    expect((await v1.query().where(where).select(['barcode']).toArrow()).schema.fields.map((f) => f.name)).toEqual(['barcode']);
    expect((await v1.query().where(where).select(['n_genes', 'uid', 'gene_expression']).toArrow()).schema.fields.map((f) => f.name)).toEqual(['n_genes', 'uid']);
  });

  it('union and intersection shapes follow the gene sets of the inputs', async () => {
    const g3k = new Set(p3k.varNames);
    const g68k = new Set(raw68k.varNames);
    const union = new Set([...g3k, ...g68k]).size;
    const inter = [...g68k].filter((g) => g3k.has(g)).length;
    expect((await v1.query().select(['uid']).toAnnData()).shape).toEqual([3400, union]);
    expect((await v1.query().select(['uid']).featureJoin('intersection').toAnnData()).shape).toEqual([3400, inter]);
  });

  it('Lance pages go to the decode workers as lanceOffloadBytes and the worker count say, with equal results', async () => {
    const want = await v1.query().select(['uid', 'barcode']).toAnnData();
    for (const [opts, offloads] of [
      [{ workers: 1, lanceOffloadBytes: 0 }, true], // explicit: every page in the worker
      [{ workers: 1 }, false], // one decode worker: the calling thread is the other lane
      [{ workers: 2, lanceOffloadBytes: 1 << 30 }, false], // nothing is that big
    ] as const) {
      const inner = createDecoder({ workers: opts.workers });
      let pages = 0;
      const decoder: ChunkDecoder = { ...inner, decode: inner.decode, csrGroup: inner.csrGroup, lancePages: (jobs, o) => ((pages += jobs.length), inner.lancePages!(jobs, o)) };
      const a = await RaggedAtlas.checkoutLatest(url, { ...opts, decoder, cache: 'none' });
      try {
        const got = await a.query().select(['uid', 'barcode']).toAnnData();
        expect(got.obsNames).toEqual(want.obsNames);
        expect([...got.obs.getChild('barcode')!.toArray()]).toEqual([...want.obs.getChild('barcode')!.toArray()]);
        expect([...(got.X as CsrMatrix).indices]).toEqual([...(want.X as CsrMatrix).indices]);
        expect(pages > 0, JSON.stringify(opts)).toBe(offloads);
      } finally {
        a.close();
        inner.close?.();
      }
    }
  });

  it('every cell of pbmc3k and pbmc68k_reduced reconstructs exactly (counts and log_normalized)', async () => {
    const ad = await v1.query().select(['uid', 'barcode']).featureJoin('union').toAnnData();
    const barcodes = Array.from(ad.obs.getChild('barcode')!.toArray() as string[]);
    const symbols = Array.from(ad.var.getChild('gene_symbol')!.toArray() as string[]);
    const X = ad.X as CsrMatrix;
    expect(X.format).toBe('csr');
    expect(X.data).toBeInstanceOf(Uint32Array);
    // pbmc3k: the 10x counts. pbmc68k: the zarr.zip counts layer (same cells and genes as raw/X).
    expect(expectSameCells(ad, X, p3k, p3k.obsNames, p3k.varNames, barcodes, symbols)).toBe(2700);
    expect(expectSameCells(ad, X, counts68k, raw68k.obsNames, raw68k.varNames, barcodes, symbols)).toBe(700);
    // log_normalized exists only in pbmc68k's group: asking for it over pbmc3k's cells is an error naming the layer and group.
    await expect(v1.query().layers('gene_expression', ['log_normalized']).toAnnData()).rejects.toMatchObject({
      _tag: 'NotFound',
      message: expect.stringMatching(/^zarr group \w+ has no layer 'log_normalized': datasets may store different layers/),
      fields: expect.objectContaining({ layer: 'log_normalized', where: expect.stringMatching(/\/csr\/layers\/log_normalized$/) }),
    });
    const ds68k = [...(await v1.listDatasets())].find((d) => (d as { dataset_name: string }).dataset_name === 'pbmc68k_reduced') as { dataset_uid: string };
    const ad68 = await v1.query().where(`dataset_uid = '${ds68k.dataset_uid}'`).select(['uid', 'barcode']).layers('gene_expression', ['log_normalized', 'counts']).toAnnData();
    const logn = ad68.X as CsrMatrix;
    expect(logn.data).toBeInstanceOf(Float32Array);
    expect(Object.keys(ad68.layers)).toEqual(['counts']);
    const b68 = Array.from(ad68.obs.getChild('barcode')!.toArray() as string[]);
    const s68 = Array.from(ad68.var.getChild('gene_symbol')!.toArray() as string[]);
    expect(expectSameCells(ad68, logn, raw68k, raw68k.obsNames, raw68k.varNames, b68, s68)).toBe(700);
    expect(expectSameCells(ad68, ad68.layers.counts as CsrMatrix, counts68k, raw68k.obsNames, raw68k.varNames, b68, s68)).toBe(700);
  });

  it('features() pins columns to the requested genes, sorted by global_index, equal to the full matrix', async () => {
    const reg = await v1.featureRegistry('gene_expression');
    const sym = reg.getChild('gene_symbol')!;
    const wanted = ['CD3E', 'MS4A1', 'LYZ', 'NKG7', 'GNLY', 'CD14', 'FCGR3A', 'PPBP', 'CD8A', 'IL7R'];
    const uids = wanted.map((g) => {
      for (let i = 0; i < reg.numRows; i++) if (sym.get(i) === g) return String(reg.getChild('uid')!.get(i));
      throw new Error(g);
    });
    const sub = await v1.query().select(['uid']).features(uids, 'gene_expression').toAnnData();
    expect(sub.shape).toEqual([3400, 10]);
    const gi = Array.from(sub.var.getChild('global_index')!.toArray() as BigInt64Array, Number);
    expect(gi).toEqual([...gi].sort((a, b) => a - b));
    const full = await v1.query().select(['uid']).toAnnData();
    const fullX = full.X as CsrMatrix;
    const subX = sub.X as CsrMatrix;
    const fullCol = new Map(full.varNames.map((u, i) => [u, i]));
    for (let r = 0; r < 3400; r++) {
      const want = new Map<number, number>();
      for (let k = fullX.indptr[r]!; k < fullX.indptr[r + 1]!; k++) want.set(fullX.indices[k]!, Number(fullX.data[k]));
      for (let c = 0; c < 10; c++) {
        let got = 0;
        for (let k = subX.indptr[r]!; k < subX.indptr[r + 1]!; k++) if (subX.indices[k] === c) got = Number(subX.data[k]);
        expect(got).toBe(want.get(fullCol.get(sub.varNames[c]!)!) ?? 0);
      }
    }
    await expect(v1.query().features(['no-such-gene'], 'gene_expression').toAnnData()).rejects.toMatchObject({ _tag: 'NotFound' });
  });

  it('toH5ad output is read back by python anndata with equal values', async () => {
    const ad = await v1.query().where("cell_type = '3'").select(['uid', 'barcode', 'cell_type', 'n_genes']).toAnnData();
    const file = join(dir, 'q.h5ad');
    writeFileSync(file, await toH5ad(ad));
    const py = pythonJson<{ shape: number[]; obs: string[]; var: string[]; sum: number; nnz: number; ct: string[] }>(
      `import sys, json, anndata
a = anndata.read_h5ad(sys.argv[1])
print(json.dumps({"shape": list(a.shape), "obs": list(a.obs_names), "var": list(a.var_names), "sum": int(a.X.sum()), "nnz": int(a.X.nnz), "ct": [str(x) for x in a.obs["cell_type"]]}))`,
      [file],
    );
    const X = ad.X as CsrMatrix;
    expect(py.shape).toEqual(ad.shape);
    expect(py.obs).toEqual(ad.obsNames);
    expect(py.var).toEqual(ad.varNames);
    expect(py.nnz).toBe(X.indices.length);
    expect(py.sum).toBe(Array.from(X.data as Uint32Array).reduce((a, b) => a + b, 0));
    expect(new Set(py.ct)).toEqual(new Set(['3']));
  });

  it('features() through the CSC copy equals features() through CSR, for far fewer bytes', async () => {
    const reg = await v1.featureRegistry('gene_expression');
    const sym = reg.getChild('gene_symbol')!;
    const uidCol = reg.getChild('uid')!;
    const wanted = new Set(['CD3E', 'MS4A1', 'LYZ', 'NKG7', 'GNLY', 'S100A8', 'HLA-DRA', 'PPBP']);
    const uids: string[] = [];
    for (let i = 0; i < reg.numRows; i++) if (wanted.has(String(sym.get(i)))) uids.push(String(uidCol.get(i)));
    const viaCsr = await RaggedAtlas.checkoutLatest(url, { workers: 0, cache: 'none', coalesceGapBytes: 0 });
    const csr = await viaCsr.query().select(['uid']).features(uids, 'gene_expression').toAnnData();
    const csrBytes = viaCsr.stats.bytes;
    // More features than cells: CSR even where a CSC copy exists (homeobox's rule).
    const manyUids = Array.from({ length: 4000 }, (_, i) => String(uidCol.get(i)));
    const manyCsr = await viaCsr.query().features(manyUids, 'gene_expression').toAnnData();
    viaCsr.close();
    // Add the feature-oriented copy to both groups (zarr data is not versioned: the snapshot stays v1).
    const atlas = await Atlas.open(join(dir, 'atlas'));
    // One group gets homeobox HEAD's sharded csc/indptr, the other the default unsharded one: both are read.
    const groups = [...(await v1.listDatasets())].map((d) => String((d as { zarr_group: string }).zarr_group));
    for (const [i, zg] of groups.entries()) {
      await addCsc(atlas, { zarrGroup: zg, indptrLayout: i === 0 ? 'sharded' : 'chunked' });
      if (i > 0) continue;
      // One group with a CSC copy, one without: the query bets on CSC (obs read without start/end)
      // and loses; the CSR path completes the pointers and returns the same matrix.
      const mixed = await RaggedAtlas.checkoutLatest(url, { workers: 0, cache: 'none' });
      const m = await mixed.query().select(['uid']).features(uids, 'gene_expression').toAnnData();
      mixed.close();
      expect([m.shape, m.obsNames, m.varNames]).toEqual([csr.shape, csr.obsNames, csr.varNames]);
      for (const k of ['indptr', 'indices', 'data'] as const) expect(Array.from((m.X as CsrMatrix)[k] as ArrayLike<number>)).toEqual(Array.from((csr.X as CsrMatrix)[k] as ArrayLike<number>));
    }
    atlas.close();
    // Every request's fetch priority: matrix chunks go low, everything that gates them keeps the default.
    const prio = new Map<string, Set<string>>();
    const logged: typeof fetch = (u, i) => {
      const range = /bytes=(\d+)-(\d+)/.exec(new Headers(i?.headers).get('range') ?? '');
      const indexRange = range !== null && Number(range[2]) - Number(range[1]) + 1 === 16 * 1024 + 4; // 1,024 chunks per shard
      const p = String(u);
      const kind = /\/csc\/indptr\//.test(p) ? 'csc/indptr' : /\/csc\/.+\/c\/\d+$/.test(p) ? (indexRange ? 'csc shard index' : 'csc chunks') : /\.lance$/.test(p) ? 'lance' : 'other';
      (prio.get(kind) ?? prio.set(kind, new Set()).get(kind)!).add(i?.priority ?? 'unset');
      return fetch(u, i);
    };
    const viaCsc = await RaggedAtlas.checkoutLatest(url, { workers: 0, cache: 'none', coalesceGapBytes: 0, fetch: logged });
    const csc = await viaCsc.query().select(['uid']).features(uids, 'gene_expression').toAnnData();
    const cscBytes = viaCsc.stats.bytes;
    expect(prio.get('csc/indptr')).toEqual(new Set(['unset']));
    expect(prio.get('lance')).toEqual(new Set(['unset']));
    expect(prio.get('csc shard index')).toEqual(new Set(['unset']));
    expect(prio.get('csc chunks')).toEqual(new Set(['low']));
    // Obs was read with only the CSC path's pointer children; the CSR path takes the rest by row address.
    const manyAfter = await viaCsc.query().features(manyUids, 'gene_expression').toAnnData();
    expect(manyAfter.shape).toEqual(manyCsr.shape);
    expect(manyAfter.shape[0]).toBeLessThan(manyUids.length);
    for (const k of ['indptr', 'indices', 'data'] as const) expect(Array.from((manyAfter.X as CsrMatrix)[k] as ArrayLike<number>)).toEqual(Array.from((manyCsr.X as CsrMatrix)[k] as ArrayLike<number>));
    viaCsc.close();
    expect(csc.shape).toEqual(csr.shape);
    expect(csc.obsNames).toEqual(csr.obsNames);
    expect(csc.varNames).toEqual(csr.varNames);
    const a = csr.X as CsrMatrix;
    const b = csc.X as CsrMatrix;
    expect(Array.from(b.indptr)).toEqual(Array.from(a.indptr));
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
    expect(Array.from(b.data as Uint32Array)).toEqual(Array.from(a.data as Uint32Array));
    // Both paths also read the same Lance metadata (~2 MB: the 32,738-gene registry, layouts, obs).
    expect(cscBytes).toBeLessThan(csrBytes / 2);
  });

  it('reads a homeobox 0.2.0–0.2.3 atlas (cell table, feature_space child, zarr_store_uri) like the modern one', async () => {
    const legacyRoot = join(dir, 'legacy');
    await convertToLegacy(join(dir, 'atlas'), legacyRoot, 's3://old-bucket/atlas/zarr_store');
    const legacyServer = await serveDirectory(legacyRoot);
    try {
      const versions = await RaggedAtlas.listVersions(legacyServer.url);
      expect(versions.map((v) => [v.version, v.layout, v.totalRows, v.zarrStoreUri])).toEqual([[0, 'v0.2.0-0.2.3', 3400, 's3://old-bucket/atlas/zarr_store']]);
      const old = await RaggedAtlas.checkout(legacyServer.url, 0, { workers: 0 });
      expect(old.pointerFields()).toEqual([{ name: 'gene_expression', kind: 'sparse', featureSpace: 'gene_expression', legacyFeatureSpaceChild: true }]);
      const where = "cell_type = '3' OR n_genes > 2500";
      const a = await old.query().where(where).select(['uid', 'barcode']).toAnnData();
      const b = await v1.query().where(where).select(['uid', 'barcode']).toAnnData();
      old.close();
      expect(a.shape).toEqual(b.shape);
      expect(a.obsNames).toEqual(b.obsNames);
      expect(a.varNames).toEqual(b.varNames);
      const [xa, xb] = [a.X as CsrMatrix, b.X as CsrMatrix];
      expect(Array.from(xa.indptr)).toEqual(Array.from(xb.indptr));
      expect(Array.from(xa.indices)).toEqual(Array.from(xb.indices));
      expect(Array.from(xa.data as Uint32Array)).toEqual(Array.from(xb.data as Uint32Array));
    } finally {
      await legacyServer.close();
    }
  });

  it('a snapshot version recorded twice with different pins is a CorruptDataError, never one of them picked', async () => {
    const root = join(dir, 'dup-versions');
    const { cp } = await import('node:fs/promises');
    await cp(join(dir, 'atlas'), root, { recursive: true });
    const db = await lancedb.connect(join(root, 'lance_db'));
    const av = await db.openTable('atlas_versions');
    const v0 = (await av.query().where('version = 0').toArray())[0] as Record<string, unknown>;
    await av.add([{ ...v0, version: 1n }]); // a second "v1" pinning v0's tables (two writers took max + 1)
    av.close();
    expect((await RaggedAtlas.listVersions(root)).map((v) => v.version)).toEqual([0, 1, 1]);
    await expect(RaggedAtlas.checkout(root, 1, { workers: 0 })).rejects.toMatchObject({ _tag: 'CorruptData', message: expect.stringContaining('snapshot v1 is recorded 2 times') });
    await expect(RaggedAtlas.checkoutLatest(root, { workers: 0 })).rejects.toMatchObject({ _tag: 'CorruptData' });
    const ok = await RaggedAtlas.checkout(root, 0, { workers: 0 });
    expect(await ok.query().count()).toBe(2700);
    ok.close();
  });

  it('a homeobox 0.2.0–0.2.3 pointer with zarr_group "" (a modality the dataset lacks) is absent, as homeobox read it', async () => {
    const legacyRoot = join(dir, 'legacy-absent');
    const cells = await v1.query().select(['uid', 'dataset_uid']).toArrow();
    const lacking = String(cells.getChild('dataset_uid')!.get(0));
    const keptUids = new Set<string>();
    for (let i = 0; i < cells.numRows; i++) if (cells.getChild('dataset_uid')!.get(i) !== lacking) keptUids.add(String(cells.getChild('uid')!.get(i)));
    await convertToLegacy(join(dir, 'atlas'), legacyRoot, '', { absentDataset: lacking });
    const old = await RaggedAtlas.checkout(legacyRoot, 0, { workers: 0 });
    try {
      expect(await old.query().count()).toBe(3400);
      const a = await old.query().select(['uid']).toAnnData();
      expect(a.shape[0]).toBe(keptUids.size);
      expect(a.obsNames.every((u) => keptUids.has(u))).toBe(true);
      const b = await v1.query().where(`dataset_uid <> '${lacking}'`).select(['uid']).toAnnData();
      expect(a.obsNames).toEqual(b.obsNames);
      expect(Array.from((a.X as CsrMatrix).indptr)).toEqual(Array.from((b.X as CsrMatrix).indptr));
      const m = await old.query().select(['uid']).toMuData();
      expect(m.obsNames.length).toBe(3400);
      expect(m.present.gene_expression!.reduce((s, v) => s + v, 0)).toBe(keptUids.size);
      let streamed = 0;
      for await (const batch of old.query().select(['uid']).toBatches({ batchSize: 1000 })) streamed += batch.shape[0];
      expect(streamed).toBe(keptUids.size);
    } finally {
      old.close();
    }
  });

  it('toBatches streams the same rows and values as one toAnnData, each batch with its own join', async () => {
    const where = "cell_type IN ('1', '3') OR n_genes > 3000";
    const full = await v1.query().where(where).select(['uid']).toAnnData();
    const fullX = full.X as CsrMatrix;
    expect(fullX.hasSortedIndices).toBe(true);
    const col = new Map(full.varNames.map((u, i) => [u, i]));
    // Default: homeobox's stored order within a row (the flag says whether it happens to ascend);
    // sortIndices: true gives exactly toAnnData's canonical rows.
    for (const sortIndices of [undefined, true]) {
      let rows = 0;
      let batches = 0;
      let unsortedRows = 0;
      for await (const b of v1.query().where(where).select(['uid']).toBatches({ batchSize: 97, sortIndices })) {
        const X = b.X as CsrMatrix;
        expect(b.shape[0]).toBeLessThanOrEqual(97);
        expect(b.obsNames).toEqual(full.obsNames.slice(rows, rows + b.shape[0]));
        for (let r = 0; r < b.shape[0]; r++) {
          const R = rows + r;
          expect(X.indptr[r + 1]! - X.indptr[r]!).toBe(fullX.indptr[R + 1]! - fullX.indptr[R]!);
          const got = new Map<number, number>();
          let ascending = true;
          for (let k = X.indptr[r]!; k < X.indptr[r + 1]!; k++) {
            const c = col.get(b.varNames[X.indices[k]!]!)!;
            if (k > X.indptr[r]! && c < col.get(b.varNames[X.indices[k - 1]!]!)!) ascending = false;
            got.set(c, Number(X.data[k]));
          }
          if (!ascending) unsortedRows++;
          if (sortIndices) expect(ascending).toBe(true);
          for (let f = fullX.indptr[R]!; f < fullX.indptr[R + 1]!; f++) expect(got.get(fullX.indices[f]!)).toBe(Number(fullX.data[f]));
        }
        if (X.hasSortedIndices) expect(unsortedRows).toBe(0);
        rows += b.shape[0];
        batches++;
      }
      expect(rows).toBe(full.shape[0]);
      expect(batches).toBe(Math.ceil(full.shape[0] / 97));
      // homeobox numbers features by uid hash, so stored (var) order is not global order: rows do need sorting.
      if (!sortIndices) expect(unsortedRows).toBeGreaterThan(0);
    }
  });

  it('a query that matches no row gives an empty AnnData, not an error', async () => {
    const none = await v1.query().where("cell_type = 'no such type'").toAnnData();
    expect(none.shape[0]).toBe(0);
    expect(none.obsNames).toEqual([]);
    expect((none.X as CsrMatrix).indptr.length).toBe(1);
    let batches = 0;
    for await (const _ of v1.query().where("cell_type = 'no such type'").toBatches()) batches++;
    expect(batches).toBe(0);
  });

  it('features() or layers() in a feature space no pointer field holds is a QueryError, not an unpinned result', async () => {
    const genes = ((await v1.featureRegistry('gene_expression')).getChild('uid')!.toArray() as string[]).slice(0, 2);
    for (const q of [
      v1.query().features(genes, 'gene_expresion'),
      v1.query().features(genes, 'protein_abundance'),
      v1.query().layers('gene_expresion', ['log_normalized']),
    ]) {
      await expect(q.limit(5).toAnnData()).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('(have: gene_expression)') });
      await expect(q.limit(5).toMuData()).rejects.toMatchObject({ _tag: 'Query' });
      await expect((async () => { for await (const _ of q.limit(5).toBatches()) break; })()).rejects.toMatchObject({ _tag: 'Query' });
    }
  });

  it('arguments of the wrong kind are a QueryError naming them, before anything is read', async () => {
    const query = { _tag: 'Query' };
    expect(() => v1.query().layers('gene_expression', 'counts' as unknown as string[])).toThrow(expect.objectContaining({ ...query, message: expect.stringContaining('a list of at least one layer name') }));
    expect(() => v1.query().layers('gene_expression', ['counts', 3 as unknown as string])).toThrow(expect.objectContaining({ ...query, message: expect.stringContaining('item 1 is number 3') }));
    expect(() => v1.query().features([1, 2] as unknown as string[], 'gene_expression')).toThrow(expect.objectContaining({ ...query, message: expect.stringContaining('item 0 is number 1') }));
    expect(() => v1.query().featureSpaces(['gene_expression'] as unknown as string)).toThrow(expect.objectContaining(query));
    expect(() => v1.query().selectFields(null as unknown as string)).toThrow(expect.objectContaining({ ...query, message: expect.stringContaining('item 0 is null') }));
    for (const bad of ['1', 1.5, -1, Number.NaN]) {
      await expect(RaggedAtlas.checkout(url, bad as number)).rejects.toMatchObject({ ...query, message: expect.stringContaining('a snapshot version is a non-negative integer') });
    }
    await expect(RaggedAtlas.listVersions('')).rejects.toMatchObject({ _tag: 'InvalidInput', message: expect.stringContaining('empty string') });
    await expect(RaggedAtlas.listVersions('ftp://example.org/atlas')).rejects.toMatchObject({ _tag: 'InvalidInput', message: expect.stringContaining('"ftp://" locations are not read directly') });
    // A URL object is a location (plain JS and notebooks pass them); other values name themselves
    // (they were TypeErrors from inside the store: "reading 'replace'", "t.size is not a function")
    expect((await RaggedAtlas.listVersions(new URL(url))).map((v) => v.version)).toEqual((await RaggedAtlas.listVersions(url)).map((v) => v.version));
    for (const [bad, named] of [[undefined, 'undefined'], [3, 'number 3'], [{ url }, 'object']] as const) {
      await expect(RaggedAtlas.checkoutLatest(bad as never)).rejects.toMatchObject({ _tag: 'InvalidInput', message: expect.stringContaining(`an atlas location is a URL (string or URL object), a local path in Node, a ByteStore or {cloud}; got ${named}`) });
    }
    expect(() => v1.query().limit('10' as unknown as number)).toThrow(expect.objectContaining({ ...query, message: 'limit must be a non-negative integer, got string "10"' }));
    // Misspelt options were ignored: count({groupby}) returned a number, {worker: 0} started workers,
    // {cache: 'disk'} cached in memory. Now each is a QueryError naming the option (src/options.ts).
    expect(() => v1.query().count({ groupby: 'cell_type' } as never)).toThrow(expect.objectContaining({ ...query, message: expect.stringContaining("count() has no option 'groupby' (did you mean 'groupBy'?)") }));
    expect(() => v1.query().toAnnData({ sortindices: false } as never)).toThrow(expect.objectContaining({ ...query, message: expect.stringContaining("(did you mean 'sortIndices'?)") }));
    expect(() => v1.query().toArrow({ singal: undefined } as never)).toThrow(expect.objectContaining({ ...query, message: expect.stringContaining("toArrow() has no option 'singal' (did you mean 'signal'?)") }));
    expect(() => v1.query().toBatches({ batch_size: 10 } as never)).toThrow(expect.objectContaining({ ...query, message: expect.stringContaining("toBatches() has no option 'batch_size' (did you mean 'batchSize'?)") }));
    expect(() => v1.query().toMuData('all' as never)).toThrow(expect.objectContaining({ ...query, message: 'toMuData() takes an options object, got string "all"' }));
    // readAhead 0 and -3 said different things
    for (const bad of [0, -3, 1.5]) {
      expect(() => v1.query().toBatches({ readAhead: bad })).toThrow(expect.objectContaining({ ...query, message: `option 'readAhead' must be an integer ≥ 1, got number ${bad}` }));
    }
    await expect(RaggedAtlas.checkoutLatest(url, { worker: 0 } as never)).rejects.toMatchObject({ ...query, message: expect.stringContaining("RaggedAtlas.checkoutLatest() has no option 'worker' (did you mean 'workers'?)") });
    await expect(RaggedAtlas.checkout(url, 0, { workers: '2' } as never)).rejects.toMatchObject({ ...query, message: "option 'workers' must be an integer ≥ 0, got string \"2\"" });
    await expect(RaggedAtlas.listVersions(url, { cache: 'disk' } as never)).rejects.toMatchObject({ ...query, message: "option 'cache' must be 'auto', 'memory', 'indexeddb', 'none' or a ByteCache, got string \"disk\"" });
  });

  it('many queries at once on one checkout hang no more listeners on a shared signal than Node allows', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      await Promise.all(Array.from({ length: 16 }, (_, i) => v1.query().offset(i * 100).limit(20).toAnnData()));
      await new Promise((r) => setTimeout(r, 50)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('obsNames is built on first read, then behaves as a plain property (the uids of obs, in order)', async () => {
    const ad = await v1.query().offset(2690).limit(50).toAnnData(); // both datasets' cells
    const md = await v1.query().limit(20).toMuData();
    const [batch] = await (async () => {
      for await (const b of v1.query().limit(30).toBatches({ batchSize: 10 })) return [b];
      return [];
    })();
    for (const x of [ad, md, batch!]) {
      // a getter until read: the query itself does not build the names
      expect(typeof Object.getOwnPropertyDescriptor(x, 'obsNames')?.get).toBe('function');
      const uids = Array.from({ length: x.obs.numRows }, (_, i) => String(x.obs.getChild('uid')!.get(i)));
      expect(uids.length).toBeGreaterThan(0);
      expect(x.obsNames).toEqual(uids);
      expect(x.obsNames).toBe(x.obsNames); // kept, not rebuilt
      expect(Object.keys(x)).toContain('obsNames');
      expect({ ...x }.obsNames).toEqual(uids); // spreads and clones carry the value
      expect(structuredClone({ names: x.obsNames, shape: (x as AnnData).shape }).names).toEqual(uids);
    }
    ad.obsNames = ad.obsNames.map((n) => `cell-${n}`);
    expect(ad.obsNames[0]).toMatch(/^cell-/);
    expect(md.mod.gene_expression!.obsNames).toEqual(md.obsNames.filter((_, i) => md.present.gene_expression![i]));
  });

  it('layout remaps from the whole-table read equal the per-layout index lookups, and LanceDB', async () => {
    const store = new HttpStore(`${url}/lance_db`);
    const [whole, perLayout] = await Promise.all([AtlasCatalog.open(store, v1.record), AtlasCatalog.open(store, v1.record, { layoutScanRows: 0 })]);
    expect(whole.prefetchLayouts()).toBeDefined();
    expect(perLayout.prefetchLayouts()).toBeUndefined();
    const datasets = await whole.datasetRows();
    const uids = [...new Set([...datasets.getChild('layout_uid')!].map(String))];
    expect(uids.length).toBe(2);
    const db = await lancedb.connect(join(dir, 'atlas', 'lance_db'));
    const layouts = await db.openTable('_feature_layouts');
    for (const uid of uids) {
      const [a, b] = await Promise.all([whole.remap(uid), perLayout.remap(uid)]);
      expect(a).toEqual(b);
      const rows = await layouts.query().where(`layout_uid = '${uid}'`).select(['local_index', 'global_index']).toArray();
      const want = new Int32Array(rows.length).fill(-1);
      for (const r of rows) want[Number(r.local_index)] = Number(r.global_index);
      expect(a).toEqual(want);
    }
    await expect(whole.remap('no-such-layout')).rejects.toMatchObject({ _tag: 'NotFound' });
    await expect(perLayout.remap('no-such-layout')).rejects.toMatchObject({ _tag: 'NotFound' });
  });

  it('toBatches over the whole table streams obs and keeps each batch its own join (= offset/limit queries)', async () => {
    let at = 0;
    const sizes: number[] = [];
    for await (const b of v1.query().select(['uid', 'cell_type']).toBatches({ batchSize: 500, sortIndices: true })) {
      const want = await v1.query().select(['uid', 'cell_type']).offset(at).limit(500).toAnnData();
      expect(b.obsNames).toEqual(want.obsNames);
      expect(b.varNames).toEqual(want.varNames); // the batch's own union, not its read unit's
      expect(b.obs.getChild('cell_type')!.toArray()).toEqual(want.obs.getChild('cell_type')!.toArray());
      const X = b.X as CsrMatrix;
      const W = want.X as CsrMatrix;
      expect(Array.from(X.indptr)).toEqual(Array.from(W.indptr));
      expect(Array.from(X.indices)).toEqual(Array.from(W.indices));
      expect(Array.from(X.data as ArrayLike<number>)).toEqual(Array.from(W.data as ArrayLike<number>));
      sizes.push(b.shape[0]);
      at += b.shape[0];
    }
    expect(at).toBe(3400);
    expect(sizes).toEqual([500, 500, 500, 500, 500, 500, 400]); // batch 6 spans pbmc3k's last 200 cells and pbmc68k
    // readAhead changes how much is in flight, never what comes out.
    const digest = async (readAhead?: number) => {
      const out: string[] = [];
      for await (const b of v1.query().select(['uid']).toBatches({ batchSize: 700, readAhead })) {
        const X = b.X as CsrMatrix;
        out.push(`${b.obsNames[0]}:${b.shape}:${X.indices.length}:${(X.data as Uint32Array).reduce((s, v) => s + v, 0)}`);
      }
      return out;
    };
    expect(await digest(1)).toEqual(await digest());
    expect(() => v1.query().toBatches({ readAhead: 0 })).toThrow(/readAhead/);
  });

  it('findDatasetsWithFeatures names the datasets that measured each feature, as a join of LanceDB\'s own tables does', async () => {
    const db = await lancedb.connect(join(dir, 'atlas', 'lance_db'));
    const reg = (await (await db.openTable('gene_expression_registry')).query().toArray()) as { uid: string; gene_symbol?: string }[];
    const layouts = await db.openTable('_feature_layouts');
    const datasets = (await (await db.openTable('datasets')).query().toArray()) as { zarr_group: string; layout_uid: string; feature_space: string }[];
    const symbolKey = Object.keys(reg[0]!).find((k) => k !== 'uid' && reg.some((r) => (r as Record<string, unknown>)[k] === 'MALAT1'))!;
    const uidOf = (sym: string) => reg.find((r) => (r as Record<string, unknown>)[symbolKey] === sym)!.uid;
    const uids = [uidOf('MALAT1'), uidOf('CST3'), 'not-a-feature'];
    const got = await v1.findDatasetsWithFeatures(uids, 'gene_expression');
    const pairs = (await layouts.query().where(`feature_uid IN (${uids.map((u) => `'${u}'`).join(', ')})`).select(['feature_uid', 'layout_uid']).toArray()) as { feature_uid: string; layout_uid: string }[];
    const want = pairs.flatMap((p) => datasets.filter((d) => d.layout_uid === p.layout_uid && d.feature_space === 'gene_expression').map((d) => `${d.zarr_group} ${p.feature_uid}`)).sort();
    const rows = Array.from({ length: got.numRows }, (_, i) => `${got.getChild('zarr_group')!.get(i)} ${got.getChild('global_feature_uid')!.get(i)}`).sort();
    expect(rows).toEqual(want);
    expect(new Set(rows.filter((r) => r.endsWith(uids[0]!))).size).toBe(1); // MALAT1: pbmc3k only (pbmc68k_reduced's panel lacks it)
    expect(rows.filter((r) => r.endsWith(uids[1]!)).length).toBe(2); // CST3: both
    expect(got.schema.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['global_feature_uid', 'zarr_group', 'dataset_uid', 'layout_uid']));
    expect((await v1.findDatasetsWithFeatures('not-a-feature', 'gene_expression')).numRows).toBe(0);
    await expect(v1.findDatasetsWithFeatures([3 as unknown as string], 'gene_expression')).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('item 0 is number 3') });
    // a feature space the atlas lacks is an error, as in features() and layers(); it answered 0 rows
    await expect(v1.findDatasetsWithFeatures(uids, 'genes')).rejects.toMatchObject({ _tag: 'Query', message: 'no registry for feature space "genes" (have: gene_expression)' });
  });

  it('search() ranks like LanceDB exact search (prefilter), balancedLimit spreads over groups', async () => {
    const db = await lancedb.connect(join(dir, 'atlas', 'lance_db'));
    const t = await db.openTable('cells');
    await t.checkout(v1.record.obsTableVersions.cells!);
    const q = [1.5, -2.0];
    for (const metric of ['l2', 'cosine', 'dot'] as const) {
      const want = (await t.vectorSearch(q).column('X_umap').distanceType(metric).bypassVectorIndex().where("cell_type != '0'").limit(25).select(['uid']).toArray()) as { uid: string; _distance: number }[];
      const got = await v1.query().where("cell_type != '0'").search(q, { column: 'X_umap', metric }).limit(25).select(['uid']).toArrow();
      expect(Array.from(got.getChild('uid')!.toArray() as string[])).toEqual(want.map((w) => w.uid));
      const d = Array.from(got.getChild('_distance')!.toArray() as Float32Array);
      want.forEach((w, i) => expect(d[i]).toBeCloseTo(w._distance, 4));
    }
    // k is the search's row count and counts after the offset, as LanceDB's search().limit(k).offset(o)
    // (it once took the k nearest and then dropped the offset from them: 2 rows here, not 5)
    const ranks = (await t.vectorSearch(q).column('X_umap').bypassVectorIndex().limit(5).offset(3).select(['uid']).toArray()) as { uid: string }[];
    for (const query of [v1.query().search(q, { column: 'X_umap', k: 5 }).offset(3), v1.query().search(q, { column: 'X_umap' }).limit(5).offset(3), v1.query().search(q, { column: 'X_umap', k: 9 }).limit(5).offset(3)]) {
      expect(Array.from((await query.select(['uid']).toArrow()).getChild('uid')!.toArray() as string[])).toEqual(ranks.map((r) => r.uid));
    }
    expect(ranks).toHaveLength(5);
    expect(() => v1.query().search(q, { column: 'X_umap', k: 0 })).toThrow(/search k must be a positive integer, got number 0/); // LanceDB: "k must be positive"
    // a vector column is no grouping: refused as count({groupBy}) refuses it (it picked nothing, silently)
    await expect(v1.query().balancedLimit(10, 'X_umap').toArrow()).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('balancedLimit() cannot group by "X_umap"') });
    const bal = await v1.query().where('cell_type IS NOT NULL').balancedLimit(44, 'cell_type').select(['cell_type']).toArrow();
    const per = new Map<string, number>();
    for (const c of bal.getChild('cell_type')!.toArray() as string[]) per.set(c, (per.get(c) ?? 0) + 1);
    expect(per.size).toBe(11);
    expect([...per.values()].every((n) => n === 4)).toBe(true);
    // search + balancedLimit: homeobox runs the search once per group (limit ⌊n / groups⌋), so it
    // gives each group's nearest rows; LanceDB per group is the oracle. X_umap is null for pbmc3k.
    const sb = await v1.query().search(q, { column: 'X_umap', metric: 'l2' }).balancedLimit(22, 'cell_type').select(['uid', 'cell_type']).toArrow();
    const groups = [...new Set((await t.vectorSearch(q).column('X_umap').bypassVectorIndex().limit(1_000_000).select(['cell_type']).toArray()).map((r: { cell_type: string }) => r.cell_type))].filter((g) => g !== null);
    const wantSb = new Set<string>();
    for (const g of groups) {
      const near = await t.vectorSearch(q).column('X_umap').bypassVectorIndex().where(`cell_type = '${g}'`).limit(Math.floor(22 / groups.length)).select(['uid']).toArray();
      for (const r of near as { uid: string }[]) wantSb.add(r.uid);
    }
    expect(sb.numRows).toBe(wantSb.size);
    expect(new Set(sb.getChild('uid')!.toArray() as string[])).toEqual(wantSb);
    expect(await v1.query().search(q, { column: 'X_umap', metric: 'l2' }).balancedLimit(22, 'cell_type').count()).toBe(wantSb.size);
    // Degenerate vectors, as LanceDB: cosine against a zero vector is NaN (no result); an infinite
    // component gives infinite l2 distances, which still rank.
    for (const [v, metric] of [[[0, 0], 'cosine'], [[Infinity, 1], 'l2']] as const) {
      const lance = (await t.vectorSearch([...v]).column('X_umap').distanceType(metric).bypassVectorIndex().limit(5).select(['uid']).toArray()) as { _distance: number }[];
      const ours = await v1.query().search([...v], { column: 'X_umap', metric }).limit(5).toArrow();
      expect(ours.numRows).toBe(lance.length);
      expect(Array.from(ours.getChild('_distance')!.toArray() as Float32Array)).toEqual(lance.map((r) => r._distance));
    }
  });

  it('progress events report rows, requests, bytes and chunks; a local path opens without HTTP', async () => {
    const events: { phase: string; rows: number; requests: number; bytes: number; chunks: number }[] = [];
    const local = await RaggedAtlas.checkout(join(dir, 'atlas'), 1, { workers: 0, cache: 'none' });
    const ad = await local.query().select(['uid']).toAnnData({ onProgress: (p) => events.push(p) });
    expect(ad.shape).toEqual([3400, 32738]);
    const last = events[events.length - 1]!;
    expect(events.some((e) => e.phase === 'obs' && e.rows === 3400)).toBe(true);
    expect(last.requests).toBeGreaterThan(0);
    expect(last.bytes).toBeGreaterThan(1_000_000);
    expect(last.chunks).toBeGreaterThan(0);
    expect(local.stats.requests).toBeGreaterThan(0);
    local.close();
    // With a decode worker (v1), and from every terminal: an 'obs' event with the rows, and chunks
    // counted on the worker path too (they were read after the worker took the buffers: 0).
    const seen = async (run: (onProgress: (p: { phase: string; rows: number; chunks: number }) => void) => Promise<unknown>) => {
      const ev: { phase: string; rows: number; chunks: number }[] = [];
      await run((p) => ev.push({ ...p }));
      return { phases: [...new Set(ev.map((e) => e.phase))], rows: Math.max(...ev.filter((e) => e.phase === 'obs').map((e) => e.rows)), chunks: ev.at(-1)!.chunks };
    };
    expect(await seen((onProgress) => v1.query().count({ onProgress }))).toEqual({ phases: ['obs'], rows: 3400, chunks: 0 });
    expect(await seen((onProgress) => v1.query().count({ groupBy: 'cell_type', onProgress }))).toEqual({ phases: ['obs'], rows: 3400, chunks: 0 });
    expect(await seen((onProgress) => v1.query().where("cell_type = '3'").toArrow({ onProgress }))).toMatchObject({ phases: ['obs'] });
    const ann = await seen((onProgress) => v1.query().where('n_genes > 500').toAnnData({ onProgress }));
    expect(ann.phases).toEqual(['obs', 'read', 'assemble']);
    expect(ann.chunks).toBeGreaterThan(0);
    const streamed = await seen(async (onProgress) => {
      for await (const _ of v1.query().toBatches({ batchSize: 1000, onProgress }));
    });
    expect(streamed.phases).toEqual(expect.arrayContaining(['obs', 'read', 'assemble']));
    expect(streamed.chunks).toBeGreaterThan(0);
    const mu = await seen((onProgress) => v1.query().toMuData({ onProgress }));
    expect(mu).toMatchObject({ phases: ['obs', 'read', 'assemble'], rows: 3400 });
    // An already-aborted signal stops count() too, though it can answer from metadata alone.
    const gone = new AbortController();
    gone.abort();
    await expect(v1.query().count({ signal: gone.signal })).rejects.toMatchObject({ _tag: 'Aborted' });
  });

  it('zarr data given by the zarrStore option is counted in atlas.stats and cached like the atlas\'s own', async () => {
    let fetched = 0;
    let zarrFetched = 0;
    const counting: typeof fetch = (input, init) => {
      fetched++;
      if (String(input instanceof Request ? input.url : input).includes('/zarr_store/')) zarrFetched++;
      return fetch(input, init);
    };
    const a = await RaggedAtlas.checkoutLatest(url, { fetch: counting, workers: 0, zarrStore: `${url}/zarr_store` });
    try {
      const q = () => a.query().where('n_genes > 500').limit(200).toAnnData();
      const first = await q();
      expect(zarrFetched).toBeGreaterThan(0);
      expect(a.stats.requests).toBe(fetched);
      const zarrBefore = zarrFetched;
      const again = await q();
      expect(zarrFetched).toBe(zarrBefore); // served by the checkout's cache
      expect(Array.from((again.X as CsrMatrix).data as Uint32Array)).toEqual(Array.from((first.X as CsrMatrix).data as Uint32Array));
    } finally {
      a.close();
    }
  });

  it('an aborted call does not poison later queries on the same atlas', async () => {
    const a = await RaggedAtlas.checkoutLatest(url, { workers: 0, cache: 'none' });
    const ac = new AbortController();
    ac.abort();
    await expect(a.listDatasets({ signal: ac.signal })).rejects.toMatchObject({ _tag: 'Aborted' });
    expect((await a.listDatasets()).numRows).toBe(2);
    expect((await a.query().limit(5).toAnnData()).shape[0]).toBe(5);
    a.close();
  });

  it('a failing host: a missing matrix shard is a NotFoundError, never zeros, and the checkout recovers; 403 for missing keys reads as absence; without a cache a rewrite is an error', async () => {
    let mode = '';
    const gate = await gateway(url, (req, res, pass) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (mode === 'lost shard' && path.includes('/csr/indices/c/')) return void res.writeHead(404).end();
      // S3 without list rights: every missing key is a 403 AccessDenied.
      if (mode === '403' && !existsSync(join(dir, 'atlas', path))) return void res.writeHead(403).end('<Error><Code>AccessDenied</Code></Error>');
      // The counts shards have been rewritten.
      if (mode === 'rewrite' && path.includes('/csr/layers/counts/c/')) return void pass((h) => void (h.etag = '"rewritten"'));
      void pass();
    });
    const same = async (a: RaggedAtlas) => {
      const q = (x: RaggedAtlas) => x.query().offset(2600).limit(200).toAnnData();
      const [got, want] = await Promise.all([q(a), q(v1)]);
      expect([got.shape, got.obsNames, Array.from((got.X as CsrMatrix).data, Number)]).toEqual([want.shape, want.obsNames, Array.from((want.X as CsrMatrix).data, Number)]);
    };
    try {
      for (const cache of ['memory', 'none'] as const) {
        const a = await RaggedAtlas.checkoutLatest(gate.url, { workers: 0, cache, retries: 0 });
        mode = 'lost shard';
        await expect(a.query().offset(2600).limit(200).toAnnData()).rejects.toMatchObject({ _tag: 'NotFound', message: expect.stringContaining('csr/indices/c/') });
        await new Promise((r) => setTimeout(r, 300)); // the other group's shard answers (404) settle
        mode = '';
        await same(a); // the host is back: the same checkout reads the shard
        a.close();
      }
      mode = '403';
      const denied = await RaggedAtlas.checkoutLatest(gate.url, { workers: 0, cache: 'none', retries: 0 });
      expect(denied.version).toBe(1);
      await same(denied);
      const genes = ((await v1.featureRegistry('gene_expression')).getChild('uid')!.toArray() as string[]).slice(0, 3);
      const got = await denied.query().features(genes, 'gene_expression').toAnnData();
      expect(Array.from((got.X as CsrMatrix).data, Number)).toEqual(Array.from(((await v1.query().features(genes, 'gene_expression').toAnnData()).X as CsrMatrix).data, Number));
      denied.close();
      mode = '';
      const a = await RaggedAtlas.checkoutLatest(gate.url, { workers: 0, cache: 'none', retries: 0 });
      await a.query().offset(2600).limit(200).toAnnData(); // the first answers pin the version
      mode = 'rewrite';
      await expect(a.query().offset(2400).limit(400).toAnnData()).rejects.toMatchObject({ _tag: 'Http', message: expect.stringContaining('changed while this session was reading it') });
      a.close();
    } finally {
      gate.close();
    }
  });

  it('an atlas URL with a query string (an access token) sends it with every request, after each path', async () => {
    // A host that wants ?token= on every file (an Azure container SAS, a CDN token), in front of the atlas.
    const seen: string[] = [];
    const gate = await gateway(url, (req, res, pass) => {
      const u = new URL(req.url ?? '/', 'http://x');
      seen.push(u.search);
      if (u.searchParams.get('token') !== 's3cr=t') return void res.writeHead(403).end('no token');
      void pass();
    });
    try {
      const tokenUrl = `${gate.url}/?token=s3cr%3Dt#ignored`;
      expect((await RaggedAtlas.listVersions(tokenUrl)).map((v) => v.version)).toEqual([0, 1]);
      const a = await RaggedAtlas.checkoutLatest(tokenUrl, { workers: 0, cache: 'memory' });
      const genes = ((await v1.featureRegistry('gene_expression')).getChild('uid')!.toArray() as string[]).slice(0, 3);
      const got = await a.query().where("cell_type = '3'").features(genes, 'gene_expression').toAnnData();
      const want = await v1.query().where("cell_type = '3'").features(genes, 'gene_expression').toAnnData();
      expect([got.shape, got.obsNames, Array.from((got.X as CsrMatrix).data, Number)]).toEqual([want.shape, want.obsNames, Array.from((want.X as CsrMatrix).data, Number)]);
      a.close();
      expect(seen.length).toBeGreaterThan(10);
      expect(new Set(seen)).toEqual(new Set(['?token=s3cr%3Dt']));
    } finally {
      gate.close();
    }
  });
});
