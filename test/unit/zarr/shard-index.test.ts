// Shard index integrity and I/O: CRC32C mismatches, truncation, out-of-range entries, missing
// shards with either index location, corrupt chunks, and decode-size checks. Every failure is a
// CorruptDataError whose `where` names the shard object.
import { describe, expect, it } from 'vitest';
import { isRaggedAtlasError, throwIfAborted } from '../../../src/errors.js';
import { withStats } from '../../../src/io/stats.js';
import { crc32c } from '../../../src/zarr/codecs/crc32c.js';
import { decodeShardIndex, type ShardingCodec } from '../../../src/zarr/codecs/sharding.js';
import { openArray, readAll, readRanges } from '../../../src/zarr/index.js';
import { MapStore } from './helpers/memory-store.js';
import { writeShardedArray, type ShardedArraySpec } from './helpers/shard-writer.js';
import { testDecoder } from './helpers/test-decoder.js';
import { arr, flip } from './helpers/util.js';

const decoder = testDecoder();
const values = Uint32Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 20);
const spec: ShardedArraySpec = { path: 'a', dtype: 'uint32', shape: [5000], shardShape: [2000], chunkShape: [500], inner: 'zstd' };

async function fresh(over: Partial<ShardedArraySpec> = {}): Promise<MapStore> {
  const s = new MapStore(new Map(), 'mem://t');
  await writeShardedArray(s, values, { ...spec, ...over });
  return s;
}

async function corruptErr(store: MapStore): Promise<Error & { where?: string }> {
  const err = await readAll(await openArray(store, 'a'), { decoder }).catch((e) => e);
  expect(isRaggedAtlasError(err, 'CorruptData'), String(err)).toBe(true);
  return err;
}

describe('crc32c', () => {
  it('matches the Castagnoli check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  });
});

describe('shard index', () => {
  it('reads correctly when intact', async () => {
    expect(arr(await readAll(await openArray(await fresh(), 'a'), { decoder }))).toEqual(arr(values));
  });

  it('index byte flipped → CorruptDataError naming the shard', async () => {
    const s = await fresh();
    const shard = s.files.get('a/c/1')!;
    flip(shard, shard.length - 4 - 16 * 4 + 3, 0x01);
    const err = await corruptErr(s);
    expect(err.message).toMatch(/crc32c mismatch/);
    expect(err.where).toBe('mem://t/a/c/1');
  });

  it('stored checksum flipped → CorruptDataError', async () => {
    const s = await fresh();
    const shard = s.files.get('a/c/0')!;
    flip(shard, shard.length - 1, 0x80);
    expect((await corruptErr(s)).message).toMatch(/crc32c mismatch/);
  });

  it('index at the start: verified too; missing shard = fill', async () => {
    const s = await fresh({ indexLocation: 'start' });
    expect(arr(await readAll(await openArray(s, 'a'), { decoder }))).toEqual(arr(values));
    flip(s.files.get('a/c/2')!, 5);
    expect((await corruptErr(s)).where).toBe('mem://t/a/c/2');
    s.files.delete('a/c/2');
    const got = await readAll(await openArray(s, 'a'), { decoder });
    expect(arr(got.subarray(4000))).toEqual(new Array(1000).fill(0));
    expect(arr(got.subarray(0, 4000))).toEqual(arr(values.subarray(0, 4000)));
  });

  it('missing shard at the end location costs one size probe and reads as fill', async () => {
    const s = await fresh();
    s.files.delete('a/c/1');
    const counted = withStats(s);
    const a = await openArray(counted, 'a');
    const before = counted.stats.requests;
    const { data } = await readRanges(a, [[2100, 2200]], { decoder });
    expect(arr(data)).toEqual(new Array(100).fill(0));
    expect(counted.stats.requests - before).toBe(1);
  });

  it('shard smaller than its index → CorruptDataError', async () => {
    const s = await fresh();
    s.files.set('a/c/0', new Uint8Array(10));
    expect((await corruptErr(s)).message).toMatch(/smaller than its 68-byte index/);
  });

  it('entry pointing past the chunk area (checksum still valid) → CorruptDataError', async () => {
    const s = await fresh();
    const shard = s.files.get('a/c/0')!;
    const idx = shard.subarray(shard.length - 68);
    const dv = new DataView(idx.buffer, idx.byteOffset, 68);
    dv.setBigUint64(8, BigInt(shard.length), true); // nbytes of chunk 0
    dv.setUint32(64, crc32c(idx.subarray(0, 64)), true);
    expect((await corruptErr(s)).message).toMatch(/points outside the shard/);
  });

  it('half-empty sentinel is corrupt, full sentinel is fill', () => {
    const sharding: ShardingCodec = { chunkShape: [1], inner: { endian: 'little', itemSize: 4, bytesCodecs: [] }, index: { endian: 'little', itemSize: 8, bytesCodecs: [{ name: 'crc32c' }] }, indexLocation: 'end' };
    const mk = (pairs: bigint[]) => {
      const b = new Uint8Array(pairs.length * 8 + 4);
      const dv = new DataView(b.buffer);
      pairs.forEach((v, i) => dv.setBigUint64(8 * i, v, true));
      dv.setUint32(pairs.length * 8, crc32c(b.subarray(0, pairs.length * 8)), true);
      return b;
    };
    const M = 0xffffffffffffffffn;
    expect(decodeShardIndex(mk([M, M, 0n, 4n]), sharding, 2, 100, 'x')).toEqual({ offsets: Float64Array.from([-1, 0]), nbytes: Float64Array.from([0, 4]) });
    expect(() => decodeShardIndex(mk([M, 4n]), sharding, 1, 100, 'x')).toThrow(/points outside/);
    expect(() => decodeShardIndex(mk([0n, 4n]).subarray(1), sharding, 1, 100, 'x')).toThrow(/has 19 bytes, expected 20/);
    // big-endian index
    const be = { ...sharding, index: { ...sharding.index, endian: 'big' as const } };
    const b = new Uint8Array(20);
    new DataView(b.buffer).setBigUint64(0, 8n);
    new DataView(b.buffer).setBigUint64(8, 12n);
    new DataView(b.buffer).setUint32(16, crc32c(b.subarray(0, 16)), true);
    expect(decodeShardIndex(b, be, 1, 100, 'x')).toEqual({ offsets: Float64Array.from([8]), nbytes: Float64Array.from([12]) });
  });

  it('inner-chunk crc32c mismatch and wrong decoded sizes → CorruptDataError naming the chunk', async () => {
    const s = await fresh({ inner: 'zstd+crc' });
    expect(arr(await readAll(await openArray(s, 'a'), { decoder }))).toEqual(arr(values));
    flip(s.files.get('a/c/0')!, 10, 1);
    const err = await corruptErr(s);
    expect(err.where).toMatch(/^mem:\/\/t\/a\/c\/0 \(inner chunk \d\)$/);

    const raw = await fresh({ inner: 'raw' });
    const shard = raw.files.get('a/c/0')!;
    const idx = shard.subarray(shard.length - 68);
    const dv = new DataView(idx.buffer, idx.byteOffset, 68);
    dv.setBigUint64(8, 1996n, true); // chunk 0 claims 1996 bytes; 500 uint32 need 2000
    dv.setUint32(64, crc32c(idx.subarray(0, 64)), true);
    const e2 = await corruptErr(raw);
    expect(e2.message).toMatch(/decoded to 1996 bytes, expected 2000/);
    expect(e2.where).toBe('mem://t/a/c/0 (inner chunk 0)');
  });

  it('a decoder failure rejects the read and stops further requests', async () => {
    const s = await fresh();
    const counted = withStats(s);
    const a = await openArray(counted, 'a');
    const failing = { decode: async () => { throw new Error('boom'); } };
    await expect(readAll(a, { decoder: failing, concurrency: 1, wholeShardBytes: 0 })).rejects.toThrow('boom');
    // indexes (3 × (size + range)) + the first chunk request, then nothing more.
    expect(counted.stats.requests).toBe(1 + 6 + 1);
  });

  it('small shards are fetched whole: one GET per shard serves its index and chunks', async () => {
    const s = await fresh();
    const counted = withStats(s);
    const a = await openArray(counted, 'a');
    expect(arr(await readAll(a, { decoder }))).toEqual(arr(values));
    expect(counted.stats.requests).toBe(1 + 3); // zarr.json + one GET per shard
    const again = withStats(s);
    const b = await openArray(again, 'a');
    expect(arr(await readAll(b, { decoder, wholeShardBytes: 0 }))).toEqual(arr(values));
    expect(again.stats.requests).toBeGreaterThan(1 + 3); // size + index + chunk ranges
  });
});

describe('shared index loads and aborts', () => {
  it("one reader's abort does not fail another reader waiting on the same index", async () => {
    const s = await fresh();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = { ...s, url: s.url, get: s.get.bind(s), size: s.size.bind(s), getRange: async (k: string, r: { offset: number; length: number }, o?: { signal?: AbortSignal }) => {
        await gate;
        throwIfAborted(o?.signal); // a store that honours signals, like HttpStore
        return s.getRange(k, r);
      },
    };
    const a = await openArray(slow, 'a');
    const ac = new AbortController();
    const p1 = readAll(a, { decoder, signal: ac.signal });
    const p2 = readAll(a, { decoder });
    ac.abort();
    release();
    await expect(p1).rejects.toMatchObject({ _tag: 'Aborted' });
    expect(arr(await p2)).toEqual(arr(values));
  });
});
