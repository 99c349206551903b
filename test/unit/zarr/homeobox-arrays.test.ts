// Hand-built homeobox-layout arrays (spec §3.2–3.5): csr/indices (bitpacking delta), csr/layers/counts
// (bitpacking none), a float layer (zstd), dense 2-D layers, uint16 through element_size 4, uint64
// through element_size 8, index at the start, big-endian bytes, crc32c inside the chunk chain.
// readRanges/readRows must return exactly the written slices, and agree with zarrita.
import * as zarr from 'zarrita';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeEncodedRead, fetchRangesEncoded, openArray, openGroup, prefetchShardIndexes, readAll, readRanges, readRows, ShardIndexCache } from '../../../src/zarr/index.js';
import { loadCodecs } from '../../../src/codecs/index.js';
import { markOwned } from '../../../src/io/owned.js';
import { withInflightDedupe } from '../../../src/io/dedupe.js';
import { decodeEncodedIndices, encodedReadBuffers, OUT_OF_LAYOUT } from '../../../src/zarr/encoded-read.js';
import { decodeBp128 } from './helpers/bp128.js';
import { MapStore, zarritaStore } from './helpers/memory-store.js';
import { randInt, rng } from './helpers/rng.js';
import { bitpackingForZarrita, writeShardedArray } from './helpers/shard-writer.js';
import { testDecoder } from './helpers/test-decoder.js';
import { arr } from './helpers/util.js';

const decoder = testDecoder();
const store = new MapStore(new Map(), 'mem://atlas');

// A CSR-like group: 300 rows, 0–150 entries per row, sorted local indices < 2000.
const r = rng(42);
const rowLens = Array.from({ length: 300 }, () => (r() < 0.1 ? 0 : randInt(r, 1, 151)));
const indptr = [0];
for (const l of rowLens) indptr.push(indptr.at(-1)! + l);
const nnz = indptr.at(-1)!;
const indices = new Uint32Array(nnz);
const counts = new Uint32Array(nnz);
for (let row = 0; row < 300; row++) {
  const cols = new Set<number>();
  while (cols.size < rowLens[row]!) cols.add(randInt(r, 0, 2000));
  [...cols].sort((a, b) => a - b).forEach((c, k) => (indices[indptr[row]! + k] = c));
}
for (let i = 0; i < nnz; i++) counts[i] = r() < 0.01 ? 0xfffffff0 + randInt(r, 0, 15) : 1 + Math.floor(-Math.log(r()) * 3);
const lognorm = Float32Array.from(counts, (c) => Math.log1p(c));
// Local indices whose chunks 2 and 5 are all zero, so the writer leaves them out (read as fill).
const holey = Uint32Array.from(indices, (v, i) => (Math.floor(i / 1000) === 2 || Math.floor(i / 1000) === 5 ? 0 : v));
const lengths16 = Uint16Array.from({ length: nnz }, () => randInt(r, 0, 65536));
const big64 = BigUint64Array.from({ length: nnz }, (_, i) => (1n << 50n) + BigInt(i) * 977n + (i % 7 === 0 ? 0xffffffffn : 0n));
const [N, F] = [500, 37];
const dense = Uint32Array.from({ length: N * F }, () => (r() < 0.7 ? 0 : randInt(r, 1, 1000)));
const denseF = Float32Array.from(dense, (x) => x / 7);
const sparse1d = { shape: [nnz], shardShape: [8000], chunkShape: [1000] };
const denseGeom = { shape: [N, F], shardShape: [216, F], chunkShape: [27, F] };

beforeAll(async () => {
  store.putJson('zg/zarr.json', { zarr_format: 3, node_type: 'group', attributes: {} });
  await writeShardedArray(store, indices, { path: 'zg/csr/indices', dtype: 'uint32', ...sparse1d, inner: { bitpack: 'delta' } });
  await writeShardedArray(store, holey, { path: 'zg/holey', dtype: 'uint32', ...sparse1d, inner: { bitpack: 'delta' } });
  await writeShardedArray(store, counts, { path: 'zg/csr/layers/counts', dtype: 'uint32', ...sparse1d, inner: { bitpack: 'none' } });
  await writeShardedArray(store, lognorm, { path: 'zg/csr/layers/log_normalized', dtype: 'float32', ...sparse1d, inner: 'zstd' });
  await writeShardedArray(store, lengths16, { path: 'zg/lengths16', dtype: 'uint16', ...sparse1d, inner: { bitpack: 'none', elementSize: 4 } });
  await writeShardedArray(store, big64, { path: 'zg/big64', dtype: 'uint64', ...sparse1d, inner: { bitpack: 'delta_zigzag', elementSize: 8 } });
  await writeShardedArray(store, indices, { path: 'zg/lancell', dtype: 'uint32', ...sparse1d, inner: { bitpack: 'delta' }, bitpackName: 'lancell.bitpacking' });
  await writeShardedArray(store, counts, { path: 'zg/start_index', dtype: 'uint32', ...sparse1d, inner: 'zstd', indexLocation: 'start' });
  await writeShardedArray(store, lognorm, { path: 'zg/big_endian', dtype: 'float32', ...sparse1d, inner: 'zstd', endian: 'big' });
  await writeShardedArray(store, counts, { path: 'zg/zstd_crc', dtype: 'uint32', ...sparse1d, inner: 'zstd+crc' });
  await writeShardedArray(store, dense, { path: 'zg/layers/counts', dtype: 'uint32', ...denseGeom, inner: 'zstd' });
  await writeShardedArray(store, denseF, { path: 'zg/layers/scaled', dtype: 'float32', ...denseGeom, inner: 'raw' });
  const Bitpack = bitpackingForZarrita(decodeBp128);
  zarr.registry.set('homeobox.bitpacking', () => Bitpack as never);
  zarr.registry.set('lancell.bitpacking', () => Bitpack as never);
});

const rowRanges = (rows: number[]) => ({
  starts: BigInt64Array.from(rows, (i) => BigInt(indptr[i]!)), // int64 pointer columns arrive as bigint
  ends: BigInt64Array.from(rows, (i) => BigInt(indptr[i + 1]!)),
});

async function viaZarrita(path: string): Promise<unknown[]> {
  const a = await zarr.open.v3(zarr.root(zarritaStore(store)).resolve(path), { kind: 'array' });
  return arr((await zarr.get(a)).data as ArrayLike<unknown>);
}

describe('homeobox-layout arrays', () => {
  const cases: [string, ArrayLike<number | bigint>][] = [
    ['zg/csr/indices', indices],
    ['zg/csr/layers/counts', counts],
    ['zg/csr/layers/log_normalized', lognorm],
    ['zg/lengths16', lengths16],
    ['zg/big64', big64],
    ['zg/lancell', indices],
    ['zg/start_index', counts],
    ['zg/big_endian', lognorm],
    ['zg/zstd_crc', counts],
  ];

  for (const [path, expected] of cases) {
    it(`${path}: random row ranges give exactly the written slices`, async () => {
      const a = await openArray(store, path);
      const rr = rng(path.length);
      const rows = Array.from({ length: 120 }, () => randInt(rr, 0, 300));
      rows.push(0, 299, 299);
      const { data, lengths } = await readRanges(a, rowRanges(rows), { decoder });
      expect(arr(lengths)).toEqual(rows.map((i) => rowLens[i]));
      expect(data.constructor).toBe((expected as unknown as { constructor: unknown }).constructor);
      expect(arr(data)).toEqual(rows.flatMap((i) => arr(expected).slice(indptr[i], indptr[i + 1])));
    });
  }

  it('fetchRangesEncoded + decodeEncodedRead (the worker path) give what readRanges gives, whole and partial chunks', async () => {
    const codecs = await loadCodecs();
    for (const [path, expected] of cases) {
      const a = await openArray(store, path);
      const rr = rng(path.length + 7);
      const rows = Array.from({ length: 60 }, () => randInt(rr, 0, 300));
      // Runs of consecutive rows cover whole inner chunks (decoded in place), single rows partial ones.
      const start = randInt(rr, 0, 100);
      rows.push(...Array.from({ length: 120 }, (_, i) => start + i));
      const { read, lengths } = await fetchRangesEncoded(a, rowRanges(rows));
      expect(arr(lengths)).toEqual(rows.map((i) => rowLens[i]));
      expect(arr(decodeEncodedRead(read, codecs))).toEqual(rows.flatMap((i) => arr(expected).slice(indptr[i], indptr[i + 1])));
    }
  });

  it('decodeEncodedIndices maps while decoding: equal to decoding then mapping, with a lower bound; other chains decline', async () => {
    const codecs = await loadCodecs();
    const rr = rng(99);
    const perm = Int32Array.from({ length: 2000 }, (_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = randInt(rr, 0, i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const tables: [string, Int32Array][] = [
      ['permutation', perm],
      ['drops', Int32Array.from(perm, (c, i) => (i % 3 === 0 ? -1 : c))],
      ['short table (locals ≥ 1500 outside it)', perm.slice(0, 1500)],
    ];
    const expectedOf: Record<string, Uint32Array> = { 'zg/csr/indices': indices, 'zg/lancell': indices, 'zg/start_index': counts, 'zg/zstd_crc': counts, 'zg/holey': holey };
    for (const [path, expected] of Object.entries(expectedOf)) {
      const a = await openArray(store, path);
      const start = randInt(rr, 0, 100);
      const rows = [...Array.from({ length: 40 }, () => randInt(rr, 0, 300)), ...Array.from({ length: 150 }, (_, i) => start + i)];
      const { read } = await fetchRangesEncoded(a, rowRanges(rows));
      if (path === 'zg/holey') expect(read.fills.length).toBeGreaterThan(0);
      for (const [name, table] of tables) {
        const got = decodeEncodedIndices(read, codecs, table)!;
        const locals = rows.flatMap((i) => arr(expected).slice(indptr[i], indptr[i + 1])) as number[];
        const want = locals.map((l) => (l < table.length ? table[l]! : OUT_OF_LAYOUT));
        expect(got.columns, `${path}, ${name}`).toBeInstanceOf(Int32Array);
        expect(arr(got.columns), `${path}, ${name}`).toEqual(want);
        expect(got.min).toBeLessThanOrEqual(Math.min(0x7fffffff, ...want));
        if (name === 'permutation' && expected !== counts) expect(got.min, path).toBeGreaterThanOrEqual(0);
      }
    }
    for (const path of ['zg/csr/layers/log_normalized', 'zg/big_endian', 'zg/big64', 'zg/lengths16']) {
      const { read } = await fetchRangesEncoded(await openArray(store, path), rowRanges([1, 2, 3]));
      expect(decodeEncodedIndices(read, codecs, perm), path).toBeUndefined();
    }
  });

  it("owned answers go to the worker as they are; others are copied; a shared answer survives another read's transfer", async () => {
    const codecs = await loadCodecs();
    // A store over the same files whose answers are fresh buffers (owned, like HttpStore's) or shared ones.
    const answers: Uint8Array[] = [];
    const fresh = (own: boolean) => ({
      url: store.url,
      get: async (k: string) => {
        const b = await store.get(k);
        return b && (own ? markOwned(b.slice()) : b);
      },
      getRange: async (k: string, r: { offset: number; length: number }) => {
        const b = (await store.getRange(k, r)).slice();
        answers.push(b);
        return own ? markOwned(b) : b;
      },
      size: (k: string) => store.size(k),
    });
    const rows = Array.from({ length: 40 }, (_, i) => 100 + i);
    const want = rows.flatMap((i) => arr(indices).slice(indptr[i], indptr[i + 1]));
    const big = { wholeShardBytes: 0 };
    const owned = await fetchRangesEncoded(await openArray(fresh(true), 'zg/csr/indices'), rowRanges(rows), big);
    expect(owned.read.buffers.every((b) => answers.some((a) => a.buffer === b.buffer))).toBe(true); // no copy
    expect(arr(decodeEncodedRead(owned.read, codecs))).toEqual(want);
    answers.length = 0;
    const copied = await fetchRangesEncoded(await openArray(fresh(false), 'zg/csr/indices'), rowRanges(rows), big);
    expect(copied.read.buffers).toHaveLength(1);
    expect(answers.some((a) => a.buffer === copied.read.buffers[0]!.buffer)).toBe(false);
    // Two concurrent reads of the same ranges through the dedupe layer share answers: those are
    // disowned, so transferring one read's buffers leaves the other's intact.
    const shared = withInflightDedupe(fresh(true));
    const a = await openArray(shared, 'zg/csr/indices', { indexCache: new ShardIndexCache() });
    const [r1, r2] = await Promise.all([fetchRangesEncoded(a, rowRanges(rows), big), fetchRangesEncoded(a, rowRanges(rows), big)]);
    structuredClone(r1.read, { transfer: encodedReadBuffers(r1.read) });
    expect(arr(decodeEncodedRead(r2.read, codecs))).toEqual(want);
  });

  for (const path of ['zg/csr/indices', 'zg/csr/layers/counts', 'zg/csr/layers/log_normalized', 'zg/lengths16', 'zg/big64', 'zg/start_index', 'zg/zstd_crc']) {
    it(`${path}: whole array equals zarrita's read`, async () => {
      if (path === 'zg/start_index') return; // zarrita always reads the index from the end (its known gap)
      const ours = arr((await readAll(await openArray(store, path), { decoder })) as ArrayLike<unknown>);
      expect(ours).toEqual(await viaZarrita(path));
    });
  }

  it('dense 2-D layers: rows fuse to a 1-D layout, readRows returns rows × F in query order', async () => {
    for (const [path, src] of [['zg/layers/counts', dense], ['zg/layers/scaled', denseF]] as const) {
      const a = await openArray(store, path);
      expect(a.layout.shape).toEqual([N * F]);
      const rows = [499, 0, 215, 216, 17, 17, 300];
      const got = await readRows(a, rows, { decoder });
      expect(arr(got)).toEqual(rows.flatMap((i) => arr(src.slice(i * F, (i + 1) * F))));
      expect(arr(await readAll(a, { decoder }))).toEqual(await viaZarrita(path));
    }
  });

  it('adjacent rows become one strip per chunk', async () => {
    const a = await openArray(store, 'zg/layers/counts');
    const { planRanges, rowRanges: rr } = await import('../../../src/zarr/plan.js');
    const plan = planRanges(a.layout, rr(a.shape, [0, 1, 2, 3], 'x'), 'x');
    expect(plan.chunkCount).toBe(1);
  });
});

describe('fill values, missing shards, cache', () => {
  it('empty chunks and missing shards read as fill_value (non-zero fill too)', async () => {
    const vals = new Int32Array(24000).fill(7);
    for (let i = 100; i < 900; i++) vals[i] = i; // chunk 0 only; shards 1 and 2 are all fill → not written
    vals[20500] = -3; // shard 2, chunk 4
    await writeShardedArray(store, vals, { path: 'fill/a', dtype: 'int32', shape: [24000], shardShape: [8000], chunkShape: [1000], inner: 'zstd', fillValue: 7 });
    expect(store.files.has('fill/a/c/1')).toBe(false);
    const a = await openArray(store, 'fill/a');
    const ranges: [number, number][] = [[0, 24000], [7990, 8010], [20400, 20600], [12000, 12001]];
    const { data } = await readRanges(a, ranges, { decoder });
    expect(arr(data)).toEqual(ranges.flatMap(([s, e]) => arr(vals.slice(s, e))));
    expect(arr(await readAll(a, { decoder }))).toEqual(await viaZarrita('fill/a'));
  });

  it('prefetchShardIndexes loads every index of an array with few shards; the read then needs none', async () => {
    const few = new ShardIndexCache();
    const a = await openArray(store, 'zg/csr/indices', { indexCache: few });
    prefetchShardIndexes(a, 3); // ~33 KB shards are fetched whole by the read (their bytes serve its chunks)
    expect(few.size).toBe(0);
    const asBig = { wholeShardBytes: 0 };
    prefetchShardIndexes(a, 2, asBig); // 3 shards > 2: left to the read
    expect(few.size).toBe(0);
    prefetchShardIndexes(a, 3, asBig);
    expect(few.size).toBe(3);
    let indexReads = -1;
    const { data } = await readRanges(a, rowRanges([0, 150, 299]), { decoder, ...asBig, onProgress: (p) => (indexReads = p.indexReads) });
    expect(indexReads).toBe(0);
    expect(arr(data)).toEqual([0, 150, 299].flatMap((i) => arr(indices.slice(indptr[i]!, indptr[i + 1]!))));
  });

  it('bounded LRU: capacity 1 across 3 shards refetches; a group shares one cache', async () => {
    const cache = new ShardIndexCache(1);
    const a = await openArray(store, 'zg/csr/indices', { indexCache: cache });
    let indexReads = 0;
    const onProgress = (p: { indexReads: number }) => (indexReads = p.indexReads);
    await readAll(a, { decoder, onProgress });
    expect(indexReads).toBe(3);
    expect(cache.size).toBe(1);
    await readAll(a, { decoder, onProgress });
    expect(indexReads).toBe(3); // shard 0's miss evicts shard 2, which is then missed again: thrash, but bounded

    const g = await openGroup(store, 'zg');
    const b1 = await openArray(g, 'csr/indices');
    const b2 = await openArray(g, 'csr/layers/counts');
    expect(b1.indexCache).toBe(b2.indexCache);
    await readAll(b1, { decoder });
    await readAll(b2, { decoder });
    expect(g.indexCache.size).toBe(6);
    let misses = -1;
    let requests = -1;
    await readAll(b1, { decoder, onProgress: (p) => ((misses = p.indexReads), (requests = p.requests)) });
    expect(misses).toBe(0); // all hits
    expect(requests).toBe(3); // one coalesced chunk range per shard
  });

  it('decoder batches are bounded by decodeBatchBytes', async () => {
    const d = testDecoder();
    const a = await openArray(store, 'zg/csr/layers/counts');
    await readAll(a, { decoder: d, decodeBatchBytes: 8000 }); // 2 chunks of 4000 bytes per call
    expect(d.jobs).toBe(Math.ceil(nnz / 1000));
    expect(d.calls).toBeGreaterThanOrEqual(Math.ceil(nnz / 2000));
  });
});
