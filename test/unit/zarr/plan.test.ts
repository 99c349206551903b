// Read plans are pure: exact strips, chunk de-duplication and ordering, coalesced byte ranges.
import { describe, expect, it } from 'vitest';
import { isRaggedAtlasError } from '../../../src/errors.js';
import { layoutOf } from '../../../src/zarr/grid.js';
import { parseArrayMetadata, type ArrayMetadata } from '../../../src/zarr/metadata.js';
import { planRanges, planShardFetch, rowRanges } from '../../../src/zarr/plan.js';

function meta(shape: number[], shard: number[], inner: number[] | null): ArrayMetadata {
  const le = { name: 'bytes', configuration: { endian: 'little' } };
  return parseArrayMetadata(
    {
      zarr_format: 3,
      node_type: 'array',
      shape,
      data_type: 'uint32',
      chunk_grid: { name: 'regular', configuration: { chunk_shape: shard } },
      chunk_key_encoding: { name: 'default' },
      fill_value: 0,
      codecs: inner ? [{ name: 'sharding_indexed', configuration: { chunk_shape: inner, codecs: [le], index_codecs: [le, { name: 'crc32c' }] } }] : [le],
    },
    'test',
  );
}

describe('layout', () => {
  it('fuses fully covered trailing axes', () => {
    expect(layoutOf(meta([700, 2], [700, 2], [700, 2]))).toMatchObject({ shape: [1400], outer: [1400], inner: [1400], chunksPerShard: 1 });
    expect(layoutOf(meta([500, 37], [216, 37], [27, 37]))).toMatchObject({ shape: [18500], outer: [7992], inner: [999], chunksPerShard: 8, outerGrid: [3] });
    expect(layoutOf(meta([700, 765], [175, 383], [175, 383]))).toMatchObject({ shape: [700, 765], outerGrid: [4, 2] });
    expect(layoutOf(meta([4, 5, 6], [2, 5, 6], [1, 5, 6]))).toMatchObject({ shape: [120], outer: [60], inner: [30], chunksPerShard: 2 });
    expect(layoutOf(meta([4, 5, 6], [2, 5, 6], [1, 5, 3]))).toMatchObject({ shape: [4, 5, 6], chunksPerShard: 4 });
  });
});

describe('planRanges', () => {
  const L = layoutOf(meta([100], [40], [10]));
  it('1-D: strips in input order, chunks de-duplicated and sorted per shard', () => {
    const p = planRanges(L, { starts: [25, 95, 0, 38, 21], ends: [5 + 30, 100, 0, 42, 23] }, 'x');
    expect(p.lengths).toEqual([10, 5, 0, 4, 2]);
    expect(p.totalElements).toBe(21);
    expect(p.chunkCount).toBe(4);
    expect(p.shards).toEqual([
      {
        coords: [0],
        chunks: [
          { inner: 2, strips: [{ chunkOffset: 5, outOffset: 0, length: 5 }, { chunkOffset: 1, outOffset: 19, length: 2 }] },
          { inner: 3, strips: [{ chunkOffset: 0, outOffset: 5, length: 5 }, { chunkOffset: 8, outOffset: 15, length: 2 }] },
        ],
      },
      {
        coords: [1],
        chunks: [{ inner: 0, strips: [{ chunkOffset: 0, outOffset: 17, length: 2 }] }],
      },
      { coords: [2], chunks: [{ inner: 1, strips: [{ chunkOffset: 5, outOffset: 10, length: 5 }] }] },
    ]);
  });

  it('ranges that continue one another are planned as one run (one strip per chunk), lengths kept per range', () => {
    // CSR rows 0..4 of a dataset: [3,7) [7,7) [7,15) [15,26) then a jump back to [0,2) and on to [2,3).
    const p = planRanges(L, { starts: [3, 7, 7, 15, 0, 2], ends: [7, 7, 15, 26, 2, 3] }, 'x');
    expect(p.lengths).toEqual([4, 0, 8, 11, 2, 1]);
    expect(p.totalElements).toBe(26);
    expect(p.shards).toEqual([
      {
        coords: [0],
        chunks: [
          { inner: 0, strips: [{ chunkOffset: 3, outOffset: 0, length: 7 }, { chunkOffset: 0, outOffset: 23, length: 3 }] },
          { inner: 1, strips: [{ chunkOffset: 0, outOffset: 7, length: 10 }] },
          { inner: 2, strips: [{ chunkOffset: 0, outOffset: 17, length: 6 }] },
        ],
      },
    ]);
  });

  it('2-D unfused: a range across row ends splits per row and per inner chunk', () => {
    const L2 = layoutOf(meta([4, 10], [2, 6], [1, 3]));
    const p = planRanges(L2, { starts: [12], ends: [22] }, 'x'); // row 1 cols 2..9, row 2 cols 0..1
    const strips = p.shards.flatMap((s) => s.chunks.flatMap((c) => c.strips.map((st) => ({ shard: s.coords, inner: c.inner, ...st }))));
    strips.sort((a, b) => a.outOffset - b.outOffset);
    expect(strips).toEqual([
      { shard: [0, 0], inner: 2 * 1 + 0, chunkOffset: 2, outOffset: 0, length: 1 }, // (1, 2)
      { shard: [0, 0], inner: 2 * 1 + 1, chunkOffset: 0, outOffset: 1, length: 3 }, // (1, 3..5)
      { shard: [0, 1], inner: 2 * 1 + 0, chunkOffset: 0, outOffset: 4, length: 3 }, // (1, 6..8)
      { shard: [0, 1], inner: 2 * 1 + 1, chunkOffset: 0, outOffset: 7, length: 1 }, // (1, 9)  (inner chunk overruns col 10, 11)
      { shard: [1, 0], inner: 0, chunkOffset: 0, outOffset: 8, length: 2 }, // (2, 0..1)
    ]);
  });

  it('0-d arrays are one element in one chunk', () => {
    const m = meta([1], [1], null);
    const scalar = { ...m, shape: [], chunkShape: [] };
    const p = planRanges(layoutOf(scalar), { starts: [0], ends: [1] }, 'x');
    expect(p.shards).toEqual([{ coords: [0], chunks: [{ inner: 0, strips: [{ chunkOffset: 0, outOffset: 0, length: 1 }] }] }]);
  });

  it('rejects ranges outside the array, non-integers and mismatched inputs', () => {
    for (const [s, e] of [[-1, 3], [5, 4], [0, 101], [0.5, 2], [0, NaN]]) {
      let err: unknown;
      try {
        planRanges(L, { starts: [s!], ends: [e!] }, 'arr');
      } catch (x) {
        err = x;
      }
      expect(isRaggedAtlasError(err, 'Query'), `${s},${e}`).toBe(true);
    }
    expect(() => planRanges(L, { starts: [1, 2], ends: [3] }, 'arr')).toThrow(/2 range starts but 1 ends/);
    expect(planRanges(L, { starts: [0n, 100n], ends: [2n, 100n] }, 'arr').lengths).toEqual([2, 0]);
  });

  it('rowRanges', () => {
    expect(rowRanges([4, 3, 2], [2, 0, 2], 'x')).toEqual({ starts: Float64Array.from([12, 0, 12]), ends: Float64Array.from([18, 6, 18]) });
    expect(() => rowRanges([4, 3], [4], 'x')).toThrow(/row 4/);
    expect(() => rowRanges([], [0], 'x')).toThrow(/0-d/);
  });
});

describe('planShardFetch', () => {
  const shard = {
    coords: [0],
    chunks: [0, 1, 2, 4, 6, 7].map((inner) => ({ inner, strips: [] })),
  };
  // chunk i at offset 100·i (Morton order = linear in 1-D), 90 bytes each; chunk 6 empty.
  const index = {
    offsets: Float64Array.from([0, 100, 200, 300, 400, 500, -1, 700]),
    nbytes: Float64Array.from([90, 90, 90, 90, 90, 90, 0, 90]),
  };
  it('merges across gaps up to maxGap; empty entries are fill', () => {
    const p = planShardFetch(shard, index, { maxGap: 10, maxRequest: Infinity });
    expect(p.fill.map((c) => c.inner)).toEqual([6]);
    expect(p.requests.map((r) => [r.range, r.parts.map((x) => [x.chunk.inner, x.offset, x.length])])).toEqual([
      [{ offset: 0, length: 290 }, [[0, 0, 90], [1, 100, 90], [2, 200, 90]]],
      [{ offset: 400, length: 90 }, [[4, 0, 90]]],
      [{ offset: 700, length: 90 }, [[7, 0, 90]]],
    ]);
    expect(planShardFetch(shard, index, { maxGap: 1 << 20, maxRequest: Infinity }).requests).toHaveLength(1);
    expect(planShardFetch(shard, index, { maxGap: 1 << 20, maxRequest: 300 }).requests.map((r) => r.range)).toEqual([
      { offset: 0, length: 290 },
      { offset: 400, length: 90 },
      { offset: 700, length: 90 },
    ]);
  });
  it('missing shard: everything is fill', () => {
    expect(planShardFetch(shard, null, { maxGap: 0, maxRequest: 1 })).toEqual({ fill: shard.chunks, requests: [] });
  });
});
