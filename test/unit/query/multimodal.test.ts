// toMuData on the ECCITE multimodal atlas: RNA, ADT and HTO per cell with correct presence masks and
// exact values (oracle: scipy.io.mmread of each modality's 10x files, Debian python).
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RaggedAtlas, type AnnData, type MuData } from '../../../src/index.js';
import { serveDirectory, type RunningServer } from '../../../src/companion/serve.js';
import { buildEcciteAtlas } from '../../fixtures/eccite.js';
import { ECCITE } from '../../fixtures/walkthrough.js';
import { pythonJson } from '../../helpers/python.js';

let dir: string;
let server: RunningServer;
let mdata: MuData;
let atlas: RaggedAtlas;
type Dense = { obs: string[]; var: string[]; X: number[][] };
let oracle: Record<'RNA' | 'ADT' | 'HTO', Dense>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-eccite-'));
  await buildEcciteAtlas(join(dir, 'atlas'));
  server = await serveDirectory(join(dir, 'atlas'));
  atlas = await RaggedAtlas.checkoutLatest(server.url, { workers: 1 });
  mdata = await atlas.query().select(['uid', 'barcode']).toMuData();
  oracle = pythonJson(
    `import sys, json, os, scipy.io, gzip
out = {}
for m in ["RNA", "ADT", "HTO"]:
    d = os.path.join(sys.argv[1], m)
    f = os.path.join(d, "matrix.mtx.gz") if os.path.exists(os.path.join(d, "matrix.mtx.gz")) else os.path.join(d, "matrix.mtx")
    X = scipy.io.mmread(f).T.tocsr()
    feats = [l.rstrip("\\n").split("\\t") for l in open(os.path.join(d, "features.tsv"))]
    names = [f[1] if len(f) > 1 else f[0] for f in feats]
    out[m] = {"obs": [l.strip() for l in open(os.path.join(d, "barcodes.tsv"))], "var": names,
              "X": X.toarray().tolist() if m != "RNA" else [[int(X.indptr[i+1]-X.indptr[i]), int(X[i].sum())] for i in range(X.shape[0])]}
print(json.dumps(out))`,
    [ECCITE],
  );
}, 600_000);

afterAll(async () => {
  atlas?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function denseRow(ad: AnnData, r: number): number[] {
  const X = ad.X!;
  if (X.format !== 'dense') throw new Error('expected dense');
  return Array.from(X.data.subarray(r * X.shape[1], (r + 1) * X.shape[1]) as ArrayLike<number>, Number);
}

test('toMuData gives RNA, ADT and HTO with presence masks over the shared obs', () => {
  expect(mdata.obsNames.length).toBe(1000);
  expect(Object.keys(mdata.mod).sort()).toEqual(['gene_expression', 'hashtags', 'protein_abundance']);
  const sum = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
  expect(sum(mdata.present.gene_expression!)).toBe(1000);
  expect(sum(mdata.present.protein_abundance!)).toBe(500);
  expect(sum(mdata.present.hashtags!)).toBe(500);
  expect(mdata.mod.gene_expression!.shape).toEqual([1000, 19521]);
  expect(mdata.mod.protein_abundance!.shape).toEqual([500, 49]);
  expect(mdata.mod.hashtags!.shape).toEqual([500, 4]);
  expect(mdata.mod.protein_abundance!.X!.format).toBe('dense');
});

test('ADT and HTO values are exact, feature names (spaces, parentheses) preserved', () => {
  for (const [field, m] of [['protein_abundance', 'ADT'], ['hashtags', 'HTO']] as const) {
    const ad = mdata.mod[field]!;
    const o = oracle[m];
    const col = ad.var.schema.fields.find((f) => f.name !== 'uid' && f.name !== 'global_index')!.name;
    const names = Array.from(ad.var.getChild(col)!.toArray() as string[]);
    expect(new Set(names)).toEqual(new Set(o.var));
    const oRow = new Map(o.obs.map((b, i) => [b, i]));
    const oCol = new Map(o.var.map((g, i) => [g, i]));
    const barcodes = ad.obs.getChild('barcode')!.toArray() as string[];
    for (let r = 0; r < ad.shape[0]; r++) {
      const want = o.X[oRow.get(barcodes[r]!)!]!;
      const got = denseRow(ad, r);
      names.forEach((g, c) => expect(got[c], `${barcodes[r]} ${g}`).toBe(want[oCol.get(g)!]));
    }
  }
});

test('RNA rows match per cell (nnz and total counts) for both datasets', () => {
  const ad = mdata.mod.gene_expression!;
  const X = ad.X!;
  if (X.format !== 'csr') throw new Error('expected csr');
  const o = oracle.RNA;
  const oRow = new Map(o.obs.map((b, i) => [b, i]));
  const barcodes = ad.obs.getChild('barcode')!.toArray() as string[];
  for (let r = 0; r < ad.shape[0]; r++) {
    let s = 0;
    for (let k = X.indptr[r]!; k < X.indptr[r + 1]!; k++) s += Number(X.data[k]);
    expect([X.indptr[r + 1]! - X.indptr[r]!, s]).toEqual(o.X[oRow.get(barcodes[r]!)!]);
  }
});

test('toMuData keeps the obs schema\'s field order, and leaves out a modality no queried row has (as homeobox)', async () => {
  expect(Object.keys(mdata.mod)).toEqual(['gene_expression', 'protein_abundance', 'hashtags']);
  const rnaOnlyCell = mdata.obsNames.find((_, i) => !mdata.present.protein_abundance![i]);
  const rnaOnly = await atlas.query().where(`uid = '${rnaOnlyCell}'`).toMuData();
  expect(Object.keys(rnaOnly.mod)).toEqual(['gene_expression']);
  expect(Object.keys(rnaOnly.present)).toEqual(['gene_expression']);
  expect(rnaOnly.obsNames.length).toBe(1);
});

test('features() chooses the fields it names (homeobox ≥ 0.2.5), one list per feature space', async () => {
  const gene = mdata.mod.gene_expression!.varNames.slice(100, 103);
  const prot = mdata.mod.protein_abundance!.varNames.slice(0, 2);
  // Without selectFields / featureSpaces, features() picks gene_expression for toAnnData.
  const ad = await atlas.query().features(gene, 'gene_expression').toAnnData();
  expect(ad.shape).toEqual([1000, 3]);
  expect([...ad.varNames].sort()).toEqual([...gene].sort());
  // Two spaces: both modalities, each pinned; the others are not reconstructed.
  const m = await atlas.query().features(gene, 'gene_expression').features(prot, 'protein_abundance').toMuData();
  expect(Object.keys(m.mod)).toEqual(['gene_expression', 'protein_abundance']);
  expect(m.mod.gene_expression!.shape).toEqual([1000, 3]);
  expect(m.mod.protein_abundance!.shape).toEqual([500, 2]);
  expect([...m.mod.protein_abundance!.varNames].sort()).toEqual([...prot].sort());
  // A space features() names that the selected fields lack is an error, as in homeobox.
  await expect(atlas.query().features(prot, 'protein_abundance').selectFields('gene_expression').toAnnData()).rejects.toMatchObject({ _tag: 'Query' });
});

test('toAnnData needs one active field; featureSpaces() picks it', async () => {
  await expect(atlas.query().toAnnData()).rejects.toMatchObject({ _tag: 'Query' });
  const adt = await atlas.query().featureSpaces('protein_abundance').toAnnData();
  expect(adt.shape).toEqual([500, 49]);
  const hto = await atlas.query().selectFields('hashtags').layers('hashtag_counts', ['counts']).toAnnData();
  expect(hto.shape).toEqual([500, 4]);
});

test('each predicate is parsed on its own: a -- comment or a stray ) cannot swallow or escape the presence filter or a later where()', async () => {
  const commented = atlas.query().where('barcode IS NOT NULL -- all cells');
  expect(await commented.count()).toBe(1000);
  expect((await commented.featureSpaces('protein_abundance').toAnnData()).shape).toEqual([500, 49]);
  const one = mdata.obsNames[3]!;
  expect(await commented.where(`uid = '${one}'`).count()).toBe(1);
  expect((await commented.where(`uid = '${one}'`).featureSpaces('gene_expression').toAnnData()).obsNames).toEqual([one]);
  // Text that closes the wrapping parenthesis itself is a syntax error in every terminal, not an escape.
  const escape = atlas.query().where('barcode IS NOT NULL) OR (barcode IS NOT NULL');
  await expect(escape.count()).rejects.toMatchObject({ _tag: 'PredicateSyntax' });
  await expect(escape.featureSpaces('protein_abundance').toAnnData()).rejects.toMatchObject({ _tag: 'PredicateSyntax' });
  await expect(escape.toMuData()).rejects.toMatchObject({ _tag: 'PredicateSyntax' });
});

test('an empty result keeps the layer dtypes: built-in (uint32 counts) and declared in the atlas config (hashtag_counts)', async () => {
  const none = atlas.query().where("uid = 'no such cell'");
  expect((await none.featureSpaces('protein_abundance').toAnnData()).X!.data).toBeInstanceOf(Uint32Array);
  expect((await none.featureSpaces('gene_expression').toAnnData()).X!.data).toBeInstanceOf(Uint32Array);
  // a user-defined space declares its layers' dtypes in ragged_atlas.json (it was float32 here)
  expect((await none.featureSpaces('hashtag_counts').toAnnData()).X!.data).toBeInstanceOf(Uint32Array);
  expect((await atlas.query().where("uid = 'no such cell'").selectFields('hashtags').toAnnData()).X!.data).toBeInstanceOf(Uint32Array);
});
