// Unsharded (plain chunked) arrays — e.g. csc/indptr written by homeobox ≤ 0.2.3 — with zstd,
// big-endian bytes, v2 / "." chunk keys, a missing chunk (fill) and an overrunning last chunk.
import * as zarr from 'zarrita';
import { describe, expect, it } from 'vitest';
import { openArray, readAll, readRanges, readRows } from '../../../src/zarr/index.js';
import { MapStore, zarritaStore } from './helpers/memory-store.js';
import { testDecoder, zstdCompress } from './helpers/test-decoder.js';
import { arr } from './helpers/util.js';

const decoder = testDecoder();

async function writeChunked(
  store: MapStore,
  path: string,
  values: BigInt64Array | Float64Array,
  o: { shape: number[]; chunks: number[]; endian: 'little' | 'big'; zstd: boolean; keys: { name: string; configuration?: { separator: string } }; skip?: string[]; fill?: number },
) {
  const [R, C] = o.shape.length === 2 ? (o.shape as [number, number]) : [o.shape[0]!, 1];
  const [cr, cc] = o.chunks.length === 2 ? (o.chunks as [number, number]) : [o.chunks[0]!, 1];
  const sep = o.keys.configuration?.separator ?? (o.keys.name === 'v2' ? '.' : '/');
  for (let gi = 0; gi < Math.ceil(R / cr); gi++) {
    for (let gj = 0; gj < Math.ceil(C / cc); gj++) {
      const coords = o.shape.length === 2 ? [gi, gj] : [gi];
      const key = `${path}/${o.keys.name === 'v2' ? coords.join(sep) : ['c', ...coords].join(sep)}`;
      if (o.skip?.includes(key)) continue;
      const chunk = new (values.constructor as { new (n: number): BigInt64Array | Float64Array })(cr * cc);
      for (let i = 0; i < cr; i++) {
        for (let j = 0; j < cc; j++) {
          const [gr, gc] = [gi * cr + i, gj * cc + j];
          if (gr < R && gc < C) (chunk as unknown as (number | bigint)[])[i * cc + j] = values[gr * C + gc]!;
        }
      }
      let bytes = new Uint8Array(chunk.buffer);
      if (o.endian === 'big') for (let k = 0; k < bytes.length; k += 8) bytes.subarray(k, k + 8).reverse();
      if (o.zstd) bytes = await zstdCompress(bytes);
      store.files.set(key, bytes);
    }
  }
  store.putJson(`${path}/zarr.json`, {
    zarr_format: 3,
    node_type: 'array',
    shape: o.shape,
    data_type: values instanceof BigInt64Array ? 'int64' : 'float64',
    chunk_grid: { name: 'regular', configuration: { chunk_shape: o.chunks } },
    chunk_key_encoding: o.keys,
    fill_value: o.fill ?? 0,
    codecs: [{ name: 'bytes', configuration: { endian: o.endian } }, ...(o.zstd ? [{ name: 'zstd', configuration: { level: 0, checksum: false } }] : [])],
    attributes: {},
  });
}

describe('unsharded arrays', () => {
  it('1-D int64 indptr (zstd, default keys, little-endian)', async () => {
    const store = new MapStore();
    const indptr = BigInt64Array.from({ length: 1001 }, (_, i) => BigInt(i * i));
    await writeChunked(store, 'csc/indptr', indptr, { shape: [1001], chunks: [128], endian: 'little', zstd: true, keys: { name: 'default' } });
    const a = await openArray(store, 'csc/indptr');
    expect(arr(await readAll(a, { decoder }))).toEqual(arr(indptr));
    const { data } = await readRanges(a, [[127, 130], [1000, 1001]], { decoder });
    expect(arr(data)).toEqual([127n * 127n, 128n * 128n, 129n * 129n, 1000n * 1000n]);
    const z = await zarr.open.v3(zarr.root(zarritaStore(store)).resolve('csc/indptr'), { kind: 'array' });
    expect(arr((await zarr.get(z)).data as ArrayLike<unknown>)).toEqual(arr(indptr));
  });

  it('2-D float64, big-endian raw bytes, v2 "." keys, a missing chunk reads as fill', async () => {
    const store = new MapStore();
    const [R, C] = [50, 9];
    const vals = Float64Array.from({ length: R * C }, (_, i) => i / 3);
    await writeChunked(store, 'm', vals, { shape: [R, C], chunks: [16, 4], endian: 'big', zstd: false, keys: { name: 'v2', configuration: { separator: '.' } }, skip: ['m/1.2'], fill: -1 });
    const want = Float64Array.from(vals, (v, i) => (Math.floor(i / C) >= 16 && Math.floor(i / C) < 32 && i % C >= 8 ? -1 : v));
    const a = await openArray(store, 'm');
    expect(arr(await readAll(a, { decoder }))).toEqual(arr(want));
    expect(arr(await readRows(a, [49, 17, 0], { decoder }))).toEqual([49, 17, 0].flatMap((r) => arr(want.subarray(r * C, (r + 1) * C))));
  });
});
