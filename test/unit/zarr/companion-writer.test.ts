// Reading what the companion's zarr writer (src/companion/zarr-writer) produces: sparse 1-D arrays
// (BP-128 delta / none, uint16 through element_size 4), dense (rows, F) layers (zstd) with a padded
// last chunk and all-zero chunks/shards left out — exactly the input, through FsStore.
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWriterCodecs } from '../../../src/companion/codecs.js';
import { ShardedArrayWriter, type AnyTypedArray } from '../../../src/companion/zarr-writer/array-writer.js';
import type { DType, InnerCodec } from '../../../src/companion/zarr-writer/metadata.js';
import { FsStore } from '../../../src/io/fs-store.js';
import { withStats } from '../../../src/io/stats.js';
import { HttpStore } from '../../../src/io/http.js';
import { serveDirectory } from '../../../src/companion/serve.js';
import { openArray, readAll, readRanges, readRows } from '../../../src/zarr/index.js';
import { randInt, rng } from './helpers/rng.js';
import { arr } from './helpers/util.js';

let root: string;
const r = rng(99);
const n = 50_000;
const indices = Uint32Array.from({ length: n }, (_, i) => (i % 300) * 3 + randInt(r, 0, 3));
const counts = Uint32Array.from({ length: n }, (_, i) => (i >= 16_384 && i < 41_000 ? 0 : randInt(r, 1, 9))); // shard 1 all zero (not written), shard 2 starts with empty chunks
const lengths16 = Uint16Array.from({ length: n }, () => randInt(r, 0, 65536));
const F = 23;
const rowsN = 1000;
const dense = Float32Array.from({ length: rowsN * F }, (_, i) => (Math.floor(i / F) % 10 === 3 ? 0 : r() * 100));

async function write(path: string, dtype: DType, codec: InnerCodec, values: AnyTypedArray, rowShape: number[], chunkRows: number, shardRows: number) {
  const w = new ShardedArrayWriter({ root, path, dtype, rowShape, chunkRows, shardRows, codec, codecs: await loadWriterCodecs() });
  const step = 7777 - (7777 % Math.max(1, rowShape[0] ?? 1)); // uneven appends, whole rows
  for (let p = 0; p < values.length; p += step) await w.append(values.subarray(p, p + step) as AnyTypedArray);
  await w.finish();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'zarr-writer-'));
  await write('g/csr/indices', 'uint32', { name: 'homeobox.bitpacking', transform: 'delta', elementSize: 4 }, indices, [], 4096, 4096 * 4);
  await write('g/csr/layers/counts', 'uint32', { name: 'homeobox.bitpacking', transform: 'none', elementSize: 4 }, counts, [], 4096, 4096 * 4);
  await write('g/lengths', 'uint16', { name: 'homeobox.bitpacking', transform: 'none', elementSize: 4 }, lengths16, [], 4096, 4096 * 4);
  await write('g/layers/x', 'float32', { name: 'zstd', level: 0, checksum: false }, dense, [F], 40, 160);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('companion zarr writer output', () => {
  it('sparse arrays read back exactly, whole and by ranges', async () => {
    const store = new FsStore(root);
    for (const [path, values] of [['g/csr/indices', indices], ['g/csr/layers/counts', counts], ['g/lengths', lengths16]] as const) {
      const a = await openArray(store, path);
      expect(a.shape).toEqual([n]);
      expect(arr(await readAll(a)), path).toEqual(arr(values));
      const ranges: [number, number][] = [[0, 5], [16380, 16390], [49_990, 50_000], [25_000, 26_000]];
      const { data } = await readRanges(a, ranges);
      expect(arr(data), path).toEqual(ranges.flatMap(([s, e]) => arr(values.subarray(s, e))));
    }
  });

  it('the all-zero shard is absent and reads as zeros without a chunk request', async () => {
    const store = withStats(new FsStore(root));
    const a = await openArray(store, 'g/csr/layers/counts');
    const before = store.stats.requests;
    const { data } = await readRanges(a, [[4096 * 5 + 10, 4096 * 5 + 20], [4096 * 8 + 1, 4096 * 8 + 3]]); // shard 1 (absent), shard 2 chunk 0 (empty)
    expect(arr(data)).toEqual(new Array(12).fill(0));
    // Shard 1 (absent, so no size hint): one size request. Shard 2: its index at the hinted size,
    // one range (chunk 0 empty). No chunk reads.
    expect(store.stats.requests - before).toBe(2);
  });

  it('a shard whose size zarr.json records but the store lacks is a NotFoundError (not zeros), asked again next read', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'zarr-lost-'));
    try {
      await cp(join(root, 'g/csr/layers/counts'), join(copy, 'counts'), { recursive: true });
      const shard = join(copy, 'counts/c/0');
      const saved = await readFile(shard);
      await rm(shard);
      const a = await openArray(new FsStore(copy), 'counts');
      await expect(readRanges(a, [[10, 20]])).rejects.toMatchObject({ _tag: 'NotFound', message: expect.stringMatching(/c\/0 is missing, but zarr.json records \d+ bytes/) });
      await writeFile(shard, saved); // the upload completed: the same opened array reads it
      expect(arr((await readRanges(a, [[10, 20]])).data)).toEqual(arr(counts.subarray(10, 20)));
      // Shard 1 was never written (all zeros, no recorded size): zarr's fill_value, as before.
      expect(arr((await readRanges(a, [[4096 * 5, 4096 * 5 + 4]])).data)).toEqual([0, 0, 0, 0]);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('records the size of every written shard in zarr.json and reads each index with one range request', async () => {
    const meta = JSON.parse(await readFile(join(root, 'g/csr/indices/zarr.json'), 'utf8'));
    const sizes = meta.attributes.ragged_atlas.shard_nbytes as Record<string, number>;
    expect(Object.keys(sizes).sort()).toEqual(['c/0', 'c/1', 'c/2', 'c/3']);
    for (const [k, v] of Object.entries(sizes)) expect((await stat(join(root, 'g/csr/indices', k))).size).toBe(v);
    const counted = JSON.parse(await readFile(join(root, 'g/csr/layers/counts/zarr.json'), 'utf8')).attributes.ragged_atlas.shard_nbytes;
    expect(Object.keys(counted).sort()).toEqual(['c/0', 'c/2', 'c/3']); // shard 1 not written
    const store = withStats(new FsStore(root));
    const a = await openArray(store, 'g/csr/indices');
    await readRanges(a, [[5, 9], [16_384 * 2 + 5, 16_384 * 2 + 9]]);
    expect(store.stats.requests).toBe(1 + 2 + 2); // zarr.json, two hinted index ranges, two chunks
  });

  it('a stale size hint falls back to asking for the size, with the same values', async () => {
    const copy = join(root, 'stale');
    await cp(join(root, 'g/csr/indices'), copy, { recursive: true });
    const meta = JSON.parse(await readFile(join(copy, 'zarr.json'), 'utf8'));
    const sizes = meta.attributes.ragged_atlas.shard_nbytes as Record<string, number>;
    sizes['c/0'] = sizes['c/0']! - 100; // the index read at this size is 100 bytes early: checksum fails
    sizes['c/1'] = sizes['c/1']! + 100; // past the end: a short range
    sizes['c/2'] = 3; // smaller than the index: not used
    sizes['c/3'] = 1e9; // far past the end
    await writeFile(join(copy, 'zarr.json'), JSON.stringify(meta));
    const a = await openArray(new FsStore(root), 'stale');
    expect(arr(await readAll(a))).toEqual(arr(indices));
    // A missing shard with a recorded size is not fill_value but a NotFoundError (a stale hint for a
    // shard another tool deleted reads the same way: the price of never returning a lost shard as zeros).
    const gone = join(root, 'gone');
    await cp(join(root, 'g/csr/indices'), gone, { recursive: true });
    await rm(join(gone, 'c/1'));
    const b = await openArray(new FsStore(root), 'gone');
    await expect(readRanges(b, [[16_384 + 1, 16_384 + 4]])).rejects.toMatchObject({ _tag: 'NotFound' });
    // Over HTTP (the companion's server, HEAD + range as cross-origin): a hint 100 bytes short
    // fails the checksum, but its answer's Content-Range taught the size (one extra request); a
    // hint past the end is answered 416 and one below the index size is not used (HEAD first).
    const server = await serveDirectory(root, { port: 0 });
    try {
      const count = (log: string[]): typeof fetch => (u, i) => (log.push(`${i?.method ?? 'GET'} ${u}`), fetch(u, i));
      const staleLog: string[] = [];
      const freshLog: string[] = [];
      expect(arr(await readAll(await openArray(new HttpStore(server.url, { suffixRanges: 'never', fetch: count(staleLog) }), 'stale')))).toEqual(arr(indices));
      await readAll(await openArray(new HttpStore(server.url, { suffixRanges: 'never', fetch: count(freshLog) }), 'g/csr/indices'));
      expect(freshLog.filter((q) => q.startsWith('HEAD'))).toEqual([]); // the true hints: one range per index
      expect(staleLog.length - freshLog.length).toBe(1 + 2 + 1 + 2); // c/0 (size learned), c/1 (416, HEAD), c/2 (HEAD), c/3 (416, HEAD)
    } finally {
      await server.close();
    }
  });

  it('dense (rows, F) layer: fused layout, rows in query order', async () => {
    const a = await openArray(new FsStore(root), 'g/layers/x');
    expect(a.shape).toEqual([rowsN, F]);
    expect(a.layout.shape).toEqual([rowsN * F]);
    const rows = [999, 0, 3, 500, 159, 160, 160];
    expect(arr(await readRows(a, rows))).toEqual(rows.flatMap((i) => arr(dense.subarray(i * F, (i + 1) * F))));
    expect(arr(await readAll(a))).toEqual(arr(dense));
  });
});
