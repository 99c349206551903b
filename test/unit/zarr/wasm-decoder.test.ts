// The production decoders — the in-thread wasm decoder (src/codecs loadCodecs) and the lead's
// worker pool (src/workers createDecoder) — plugged into the reader: same results as the
// reference decoders, on real anndata arrays (zstd) and hand-built homeobox arrays (BP-128).
// Skipped until src/codecs/index.ts exists (the codec module is built by another engineer).
import { existsSync } from 'node:fs';
import * as zarr from 'zarrita';
import { afterAll, describe, expect, it } from 'vitest';
import { inThreadChunkDecoder, openArray, readAll, readRanges, type ChunkDecoder } from '../../../src/zarr/index.js';
import { MapStore, zarritaStore } from './helpers/memory-store.js';
import { writeShardedArray } from './helpers/shard-writer.js';
import { testDecoder } from './helpers/test-decoder.js';
import { arr } from './helpers/util.js';
import { MemoryZipStore } from './helpers/zip-store.js';

const hasCodecs = existsSync(new URL('../../../src/codecs/index.ts', import.meta.url));
const ZIP = '/work/shared/data/pbmc68k_reduced/10x_pbmc68k_reduced.zarr.zip';

describe.skipIf(!hasCodecs)('wasm codecs behind ChunkDecoder', () => {
  const pools: ChunkDecoder[] = [];
  afterAll(() => pools.forEach((p) => p.close?.()));

  async function fixture(): Promise<{ store: MapStore; values: Record<string, ArrayLike<number | bigint>> }> {
    const store = new MapStore(new Map(), 'mem://wasm');
    const n = 30000;
    const indices = Uint32Array.from({ length: n }, (_, i) => (i % 97) * 13 + (i % 5));
    const counts = Uint32Array.from({ length: n }, (_, i) => (i * 7919) % 50);
    const big = BigUint64Array.from({ length: n }, (_, i) => (1n << 40n) + BigInt(i) * 3n);
    const u16 = Uint16Array.from({ length: n }, (_, i) => (i * 31) & 0xffff);
    const geom = { shape: [n], shardShape: [8192], chunkShape: [1024] };
    await writeShardedArray(store, indices, { path: 'indices', dtype: 'uint32', ...geom, inner: { bitpack: 'delta' } });
    await writeShardedArray(store, counts, { path: 'counts', dtype: 'uint32', ...geom, inner: { bitpack: 'none' } });
    await writeShardedArray(store, big, { path: 'big', dtype: 'uint64', ...geom, inner: { bitpack: 'delta_zigzag', elementSize: 8 } });
    await writeShardedArray(store, u16, { path: 'u16', dtype: 'uint16', ...geom, inner: { bitpack: 'none', elementSize: 4 } });
    await writeShardedArray(store, counts, { path: 'zstd', dtype: 'uint32', ...geom, inner: 'zstd' });
    return { store, values: { indices, counts, big, u16, zstd: counts } };
  }

  const decoders: [string, () => Promise<ChunkDecoder | undefined>][] = [
    ['default (in-thread wasm)', async () => undefined],
    ['explicit in-thread wasm', async () => inThreadChunkDecoder()],
    ['in-thread wasm, scalar variant', async () => inThreadChunkDecoder((await import('../../../src/codecs/index.js')).loadCodecs({ variant: 'scalar' }))],
    [
      'worker pool (1 worker)',
      async () => {
        const { createDecoder } = await import('../../../src/workers/index.js');
        const d = createDecoder({ workers: 1 });
        pools.push(d);
        return d;
      },
    ],
  ];

  for (const [name, make] of decoders) {
    it(`${name}: homeobox BP-128 / zstd arrays decode exactly`, async () => {
      const decoder = await make();
      const { store, values } = await fixture();
      for (const [path, expected] of Object.entries(values)) {
        const a = await openArray(store, path);
        expect(arr(await readAll(a, { decoder })), path).toEqual(arr(expected));
        const { data } = await readRanges(a, [[5000, 9000], [0, 3], [29990, 30000]], { decoder });
        expect(arr(data), path).toEqual([...arr(expected).slice(5000, 9000), ...arr(expected).slice(0, 3), ...arr(expected).slice(29990)]);
      }
    });

    it(`${name}: pbmc68k zstd arrays equal the reference decoder`, async () => {
      const decoder = await make();
      const zip = await MemoryZipStore.fromFile(ZIP);
      for (const path of ['X', 'layers/counts/data', 'obsm/X_pca', 'obs/n_genes']) {
        const a = await openArray(zip, path);
        expect(arr(await readAll(a, { decoder })), path).toEqual(arr(await readAll(a, { decoder: testDecoder() })));
      }
    });
  }

  it('a corrupt BP-128 chunk is a CodecError naming the chunk', async () => {
    const { store } = await fixture();
    const shard = store.files.get('counts/c/1')!;
    const idx = new DataView(shard.buffer, shard.byteOffset + shard.length - (16 * 8 + 4));
    const off = Number(idx.getBigUint64(0, true));
    shard[off] = 9; // transform byte must be 0, 1 or 2
    const err = await readRanges(await openArray(store, 'counts'), [[8192, 8200]]).catch((e) => e);
    expect(err).toMatchObject({ _tag: 'Codec' });
    expect(err.where).toBe('mem://wasm/counts/c/1 (inner chunk 0)');
  });

  it('zarrita with registerZarritaCodecs reads our hand-built BP-128 arrays identically', async () => {
    const { registerZarritaCodecs } = await import('../../../src/codecs/index.js');
    registerZarritaCodecs(zarr);
    const { store, values } = await fixture();
    for (const path of ['indices', 'counts', 'big', 'u16']) {
      const a = await zarr.open.v3(zarr.root(zarritaStore(store)).resolve(path), { kind: 'array' });
      expect(arr((await zarr.get(a)).data as ArrayLike<unknown>), path).toEqual(arr(values[path]!));
    }
  });
});
