// Real-data oracle: every numeric array of scanpy's pbmc68k_reduced, written by anndata as a
// sharded Zarr v3 store (inner bytes+zstd, index bytes+crc32c), read by our reader and by
// zarrita 0.7.5 — element for element equal, whole arrays and random ranges/rows; then the same
// over real HTTP (serveDirectory) with request counts checked.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as zarr from 'zarrita';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory, type RunningServer } from '../../../src/companion/serve.js';
import { HttpStore } from '../../../src/io/http.js';
import { withStats } from '../../../src/io/stats.js';
import { isRaggedAtlasError } from '../../../src/errors.js';
import { openArray, openGroup, readAll, readRanges, readRows } from '../../../src/zarr/index.js';
import { zarritaStore } from './helpers/memory-store.js';
import { randInt, rng } from './helpers/rng.js';
import { testDecoder } from './helpers/test-decoder.js';
import { arr } from './helpers/util.js';
import { MemoryZipStore } from './helpers/zip-store.js';

const ZIP = '/work/shared/data/pbmc68k_reduced/10x_pbmc68k_reduced.zarr.zip';
const decoder = testDecoder();

let zip: MemoryZipStore;
let arrays: { path: string; dtype: string }[];

beforeAll(async () => {
  zip = await MemoryZipStore.fromFile(ZIP);
  arrays = [];
  for (const name of zip.members.keys()) {
    if (!name.endsWith('zarr.json')) continue;
    const doc = JSON.parse(new TextDecoder().decode(await zip.get(name)));
    if (doc.node_type === 'array') arrays.push({ path: name.replace(/\/?zarr\.json$/, ''), dtype: typeof doc.data_type === 'string' ? doc.data_type : 'struct' });
  }
});

async function oracle(path: string): Promise<{ data: ArrayLike<unknown>; shape: number[] }> {
  const arr = await zarr.open.v3(zarr.root(zarritaStore(zip)).resolve(path), { kind: 'array' });
  const got = await zarr.get(arr);
  if (typeof got !== 'object' || got === null || !('data' in got)) return { data: [typeof got === 'boolean' ? Number(got) : got], shape: [] };
  const data = got.data as ArrayLike<unknown> & { get?: (i: number) => unknown };
  // zarrita's BoolArray is not index-accessible; read it element by element.
  const plain = data.get ? Array.from({ length: data.length }, (_, i) => (data.get!(i) ? 1 : 0)) : data;
  return { data: plain, shape: got.shape };
}

const NUMERIC = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64'];

describe('pbmc68k_reduced.zarr.zip: our reader vs zarrita', () => {
  it('finds the expected arrays (last zarr.json wins)', () => {
    const paths = arrays.map((a) => a.path);
    for (const p of ['X', 'layers/counts/data', 'layers/counts/indices', 'layers/counts/indptr', 'obsm/X_pca', 'obsm/X_umap', 'varm/PCs', 'raw']) {
      expect(paths).toContain(p);
    }
    expect(arrays.filter((a) => NUMERIC.includes(a.dtype)).length).toBeGreaterThanOrEqual(30);
  });

  it('reads every numeric array whole, equal to zarrita', async () => {
    let compared = 0;
    for (const { path, dtype } of arrays) {
      if (!NUMERIC.includes(dtype)) continue;
      const a = await openArray(zip, path);
      const ours = await readAll(a, { decoder });
      const ref = await oracle(path);
      expect(a.shape, path).toEqual(ref.shape);
      expect(ours.length, path).toBe(ref.data.length);
      expect(arr(ours), path).toEqual(arr(ref.data));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(30);
  });

  it('returns the typed array of the data type', async () => {
    const kinds: Record<string, string> = { X: 'Float32Array', 'layers/counts/data': 'Int32Array', 'obs/n_genes': 'BigInt64Array', 'obsm/X_umap': 'Float64Array', 'obs/phase/codes': 'Int8Array', 'var/highly_variable': 'Uint8Array' };
    for (const [p, k] of Object.entries(kinds)) expect((await readAll(await openArray(zip, p), { decoder })).constructor.name, p).toBe(k);
  });

  it('refuses string and struct arrays with UnsupportedError naming the type', async () => {
    for (const p of ['obs/index', 'uns/rank_genes_groups/names']) {
      const err = await openArray(zip, p).catch((e) => e);
      expect(isRaggedAtlasError(err, 'Unsupported'), String(err)).toBe(true);
      expect(String(err.message)).toMatch(/data type "(string|struct)"/);
    }
  });

  it('missing shard objects read as fill (raw is a 0-d bool, random_state has no chunk)', async () => {
    const raw = await openArray(zip, 'raw');
    expect(arr(await readAll(raw, { decoder }))).toEqual([0]);
    const rs = await openArray(zip, 'uns/louvain/params/random_state');
    expect(arr(await readAll(rs, { decoder }))).toEqual([0n]);
  });

  it('random ranges over the 1-D CSR arrays equal zarrita slices, concatenated in input order', async () => {
    const r = rng(7);
    for (const path of ['layers/counts/data', 'layers/counts/indices', 'obsp/distances/data', 'obs/n_genes']) {
      const a = await openArray(zip, path);
      const ref = arr((await oracle(path)).data);
      const n = a.shape[0]!;
      const ranges: [number, number][] = [];
      for (let i = 0; i < 60; i++) {
        const s = randInt(r, 0, n);
        const len = r() < 0.1 ? 0 : randInt(r, 1, Math.min(n - s, r() < 0.2 ? 60000 : 500) + 1);
        ranges.push([s, s + len]);
      }
      ranges.push([0, n], [n, n]);
      if (n > 43601) ranges.push([43599, 43601]); // straddles an inner-chunk boundary
      const { data, lengths } = await readRanges(a, ranges, { decoder });
      expect(arr(lengths)).toEqual(ranges.map(([s, e]) => e - s));
      expect(arr(data), path).toEqual(ranges.flatMap(([s, e]) => ref.slice(s, e)));
    }
  });

  it('the CSR read of counts matches the h5ad facts (nnz 174400, sum 486651)', async () => {
    const g = await openGroup(zip, 'layers/counts');
    const indptr = (await readAll(await openArray(g, 'indptr'), { decoder })) as Int32Array;
    const data = await openArray(g, 'data');
    const rows = [0, 699, 350, 5, 5];
    const { data: vals, lengths } = await readRanges(data, { starts: rows.map((i) => indptr[i]!), ends: rows.map((i) => indptr[i + 1]!) }, { decoder });
    expect(arr(lengths)).toEqual(rows.map((i) => indptr[i + 1]! - indptr[i]!));
    const all = await readAll(data, { decoder });
    expect(all.length).toBe(174400);
    expect((all as Int32Array).reduce((a, b) => a + b, 0)).toBe(486651);
    expect(vals.length).toBe((lengths as Int32Array).reduce((a, b) => a + b, 0));
  });

  it('random rows of 2-D arrays (X split across shards, obsm fused) equal zarrita rows', async () => {
    const r = rng(11);
    for (const path of ['X', 'obsm/X_pca', 'obsm/X_umap', 'varm/PCs']) {
      const a = await openArray(zip, path);
      const ref = arr((await oracle(path)).data);
      const [n, f] = a.shape as [number, number];
      const rows = Array.from({ length: 40 }, () => randInt(r, 0, n));
      rows.push(rows[0]!, n - 1, 0);
      const got = await readRows(a, rows, { decoder });
      expect(arr(got), path).toEqual(rows.flatMap((i) => ref.slice(i * f, (i + 1) * f)));
    }
  });

  it('2-D ranges inside rows and across row ends', async () => {
    const a = await openArray(zip, 'X');
    const ref = arr((await oracle('X')).data);
    const ranges: [number, number][] = [[0, 10], [380, 390], [765 * 3 + 100, 765 * 5 + 7], [765 * 699, 765 * 700]];
    const { data } = await readRanges(a, ranges, { decoder });
    expect(arr(data)).toEqual(ranges.flatMap(([s, e]) => ref.slice(s, e)));
  });
});

describe('pbmc68k_reduced over HTTP (serveDirectory): same data, minimal requests', () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pbmc-zarr-'));
    for (const name of zip.members.keys()) {
      const file = join(dir, name);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, (await zip.get(name))!);
    }
    server = await serveDirectory(dir);
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads arrays equal to the zip reader', async () => {
    const http = new HttpStore(server.url);
    for (const path of ['X', 'layers/counts/indices', 'obsm/X_pca', 'uns/louvain/params/random_state', 'var/highly_variable']) {
      const viaHttp = await readAll(await openArray(http, path), { decoder });
      const viaZip = await readAll(await openArray(zip, path), { decoder });
      expect(arr(viaHttp), path).toEqual(arr(viaZip));
    }
  });

  it('one index read per shard (a suffix range, or size + range), chunk ranges coalesced, indexes cached', async () => {
    // Outside a browser no CORS applies, so the default takes the index as the shard's last bytes
    // in one request; with suffix ranges off it is a HEAD and an explicit range.
    const kinds = (e: { range?: unknown; bytes: number }) => (e.range ? 'range' : e.bytes ? 'tail' : 'size');
    for (const suffixRanges of ['auto', 'never'] as const) {
      const requests: string[] = [];
      const counted = withStats(new HttpStore(server.url, { suffixRanges, fetch: (u, i) => (requests.push(`${i?.method} ${new Headers(i?.headers).get('range') ?? ''}`), fetch(u, i)) }));
      const a = await openArray(counted, 'layers/counts/data');
      let progress = { requests: 0, bytes: 0, indexReads: 0, chunksDecoded: 0, chunksFilled: 0, chunksTotal: 0 };
      requests.length = 0;
      await readAll(a, { decoder, onProgress: (p) => (progress = { ...p }) });
      const size = (await new HttpStore(server.url).size('layers/counts/data/c/0'))!;
      const index = suffixRanges === 'auto' ? ['GET bytes=-68'] : ['HEAD ', `GET bytes=${size - 68}-${size - 1}`];
      // The index (16 × 4 + 4 bytes) + ONE coalesced range for all 4 chunks.
      expect(requests.slice(0, -1), suffixRanges).toEqual(index);
      expect(requests.at(-1)).toMatch(/^GET bytes=\d+-\d+$/);
      // Progress counts store calls: one tail read (however the store makes it) and one range.
      expect(progress).toMatchObject({ requests: 2, indexReads: 1, chunksDecoded: 4, chunksTotal: 4 });
    }
    const store = withStats(new HttpStore(server.url));
    const seen: { key: string; range?: { offset: number; length: number }; bytes: number }[] = [];
    const counted = withStats(store, (e) => seen.push(e));
    const a = await openArray(counted, 'layers/counts/data'); // 1 shard, 4 inner chunks of 43600
    expect(counted.stats.requests).toBe(1);
    await readAll(a, { decoder });
    expect(seen.slice(1).map(kinds)).toEqual(['tail', 'range']);
    expect(seen[1]!.bytes).toBe(16 * 4 + 4);
    // Second read: the index comes from the cache; only chunk bytes move.
    seen.length = 0;
    await readRanges(a, [[0, 10], [100000, 100010]], { decoder, maxGap: 0 });
    expect(seen.map((e) => (e.range ? 'range' : 'size'))).toEqual(['range', 'range']); // chunks 0 and 2, not adjacent
    seen.length = 0;
    await readRanges(a, [[0, 10], [100000, 100010]], { decoder });
    expect(seen.length).toBe(1); // merged across the 1-chunk gap
  });

  it('X: 8 shards → 8 index reads + 8 chunk ranges; re-reading rows only fetches chunks', async () => {
    const counted = withStats(new HttpStore(server.url));
    const g = await openGroup(counted, '');
    const a = await openArray(g, 'X');
    const before = counted.stats.requests;
    await readAll(a, { decoder });
    expect(counted.stats.requests - before).toBe(16);
    const again = await openArray(g, 'X'); // same group → same index cache
    const mid = counted.stats.requests;
    await readRows(again, [0, 1, 699], { decoder });
    // rows 0,1 → shards (0,0),(0,1); row 699 → (3,0),(3,1): 4 chunk ranges, no index reads.
    expect(counted.stats.requests - mid).toBe(4);
  });

  it('honours AbortSignal', async () => {
    const a = await openArray(new HttpStore(server.url), 'X');
    const ac = new AbortController();
    ac.abort();
    await expect(readAll(a, { decoder, signal: ac.signal })).rejects.toMatchObject({ _tag: 'Aborted' });
    const ac2 = new AbortController();
    const p = readAll(a, { decoder, signal: ac2.signal, concurrency: 1 });
    ac2.abort();
    await expect(p).rejects.toMatchObject({ _tag: 'Aborted' });
  });
});
