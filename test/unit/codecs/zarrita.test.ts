// Plain zarrita reads homeobox-style sharded arrays once registerZarritaCodecs() has run. zarrita
// cannot write shards, so they are written here by hand (spec §3.3): each shard = encoded inner
// chunks (stored in reverse order: readers must follow the index) + index of (offset, nbytes) u64 LE
// pairs in C order + CRC-32C LE of the index. Empty chunks are (2^64−1, 2^64−1); a missing shard is
// all fill.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FileSystemStore } from '@zarrita/storage';
import * as zarr from 'zarrita';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { crc32c, registerZarritaCodecs, type Codecs } from '../../../src/codecs/index.js';
import { Rng, codecsFor, sameBytes } from './helpers.js';

type Typed = Uint16Array | Uint32Array | BigUint64Array | Float32Array;

interface ShardedSpec {
  path: string;
  dtype: 'uint16' | 'uint32' | 'uint64' | 'float32';
  shape: number[];
  shardShape: number[];
  chunkShape: number[];
  codecs: object[];
  data: Typed;
  /** Encodes one inner chunk's raw LE bytes; null = leave it out (empty chunk). */
  encode: (raw: Uint8Array, chunk: number[]) => Uint8Array | null;
  skipShards?: string[];
}

let dir: string;
let codecs: Codecs;
const calls: Record<string, number> = {};
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-zarrita-'));
  codecs = await codecsFor('simd');
  // Count what zarrita calls, to prove the registered codecs (not numcodecs) did the decoding.
  const spy = new Proxy(codecs, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  registerZarritaCodecs(zarr, spy, { zstd: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(key: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(join(dir, key)), { recursive: true });
  writeFileSync(join(dir, key), bytes);
}

const grid = (shape: number[], by: number[]) => shape.map((s, d) => Math.ceil(s / by[d]!));
function* cOrder(dims: number[]): Generator<number[]> {
  const idx = dims.map(() => 0);
  const total = dims.reduce((a, b) => a * b, 1);
  for (let n = 0; n < total; n++) {
    yield idx.slice();
    for (let d = dims.length - 1; d >= 0 && ++idx[d]! === dims[d]!; d--) idx[d] = 0;
  }
}

function writeSharded(spec: ShardedSpec): void {
  const { shape, shardShape, chunkShape, data } = spec;
  put(`${spec.path}/zarr.json`, JSON.stringify({
    zarr_format: 3, node_type: 'array', shape, data_type: spec.dtype,
    chunk_grid: { name: 'regular', configuration: { chunk_shape: shardShape } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    fill_value: 0,
    codecs: [{ name: 'sharding_indexed', configuration: {
      chunk_shape: chunkShape, codecs: spec.codecs,
      index_codecs: [{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'crc32c' }], index_location: 'end' } }],
    attributes: {}, storage_transformers: [],
  }));
  const inner = shardShape.map((s, d) => s / chunkShape[d]!);
  const chunkElems = chunkShape.reduce((a, b) => a * b, 1);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const Ctor = data.constructor as new (n: number) => Typed;
  for (const shard of cOrder(grid(shape, shardShape))) {
    const key = shard.join('/');
    if (spec.skipShards?.includes(key)) continue;
    const index = new BigUint64Array(2 * inner.reduce((a, b) => a * b, 1)).fill(2n ** 64n - 1n);
    const parts: { at: number; bytes: Uint8Array }[] = [];
    let n = 0;
    for (const local of cOrder(inner)) {
      const chunk = local.map((c, d) => shard[d]! * inner[d]! + c);
      const values = new Ctor(chunkElems); // full chunk shape; beyond the array end stays fill (0)
      for (const [k, within] of [...cOrder(chunkShape)].entries()) {
        const g = within.map((w, d) => chunk[d]! * chunkShape[d]! + w);
        if (g.some((x, d) => x >= shape[d]!)) continue;
        (values as Uint32Array)[k] = (data as Uint32Array)[g.reduce((a, x, d) => a + x * strides[d]!, 0)]!;
      }
      const encoded = spec.encode(new Uint8Array(values.buffer), chunk);
      if (encoded) parts.push({ at: n, bytes: encoded });
      n++;
    }
    let offset = 0;
    const body: Uint8Array[] = [];
    for (const p of parts.reverse()) {
      index[2 * p.at] = BigInt(offset);
      index[2 * p.at + 1] = BigInt(p.bytes.length);
      body.push(p.bytes);
      offset += p.bytes.length;
    }
    const indexBytes = new Uint8Array(index.buffer);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32c(indexBytes), true);
    put(`${spec.path}/c/${key}`, Uint8Array.from([...body.flatMap((b) => [...b]), ...indexBytes, ...crc]));
  }
}

const bytesCodec = { name: 'bytes', configuration: { endian: 'little' } };
const bitpacking = (transform: string, elementSize: 4 | 8, name = 'homeobox.bitpacking') => ({ name, configuration: { transform, element_size: elementSize } });
const isZero = (raw: Uint8Array) => raw.every((b) => b === 0);

async function read(path: string) {
  const arr = await zarr.open.v3(zarr.root(new FileSystemStore(dir)).resolve(path), { kind: 'array' });
  return (await zarr.get(arr)).data;
}

test('crc32c check value', () => {
  expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
});

test('csr/indices (uint32, delta): tail chunk, empty chunks and a missing shard read as homeobox wrote them', async () => {
  const rng = new Rng(3);
  const n = 100_000;
  const data = new Uint32Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) data[i] = i % 1500 === 0 ? (acc = rng.below(30)) : (acc += 1 + rng.below(25)); // CSR rows
  data.fill(0, 32_768, 65_536); // shard 1 all fill → left out entirely
  data.fill(0, 65_536, 65_536 + 8192); // one inner chunk all fill → empty index entry
  writeSharded({
    path: 'g/csr/indices', dtype: 'uint32', shape: [n], shardShape: [32_768], chunkShape: [8192],
    codecs: [bytesCodec, bitpacking('delta', 4)], data,
    encode: (raw) => (isZero(raw) ? null : codecs.bitpackEncode(raw, { transform: 'delta', elementSize: 4 })),
    skipShards: ['1'],
  });
  const before = calls.bitpackDecode ?? 0;
  const got = await read('g/csr/indices');
  expect((calls.bitpackDecode ?? 0) - before).toBe(8); // 13 inner chunks − 4 in the missing shard − 1 empty
  expect(got).toBeInstanceOf(Uint32Array);
  expect(sameBytes(new Uint8Array((got as Uint32Array).buffer), new Uint8Array(data.buffer))).toBe(true);
});

test('lancell.bitpacking alias, uint64 (element_size 8) and uint16 packed as u32 words', async () => {
  const rng = new Rng(4);
  const counts = Uint32Array.from({ length: 20_000 }, () => rng.bits(rng.below(9)));
  writeSharded({
    path: 'g/csr/layers/counts', dtype: 'uint32', shape: [counts.length], shardShape: [16_384], chunkShape: [4096],
    codecs: [bytesCodec, bitpacking('none', 4, 'lancell.bitpacking')], data: counts,
    encode: (raw) => codecs.bitpackEncode(raw, { transform: 'none', elementSize: 4 }),
  });
  expect(Array.from((await read('g/csr/layers/counts')) as Uint32Array)).toEqual(Array.from(counts));

  let s = 2n ** 40n;
  const starts = BigUint64Array.from({ length: 10_000 }, () => (s += BigInt(rng.below(5000))));
  writeSharded({
    path: 'g/fragments/starts', dtype: 'uint64', shape: [starts.length], shardShape: [8192], chunkShape: [2048],
    codecs: [bytesCodec, bitpacking('delta', 8)], data: starts,
    encode: (raw) => codecs.bitpackEncode(raw, { transform: 'delta', elementSize: 8 }),
  });
  expect(Array.from((await read('g/fragments/starts')) as BigUint64Array)).toEqual(Array.from(starts));

  const small = Uint16Array.from({ length: 9000 }, () => rng.below(65_536));
  writeSharded({
    path: 'g/u16', dtype: 'uint16', shape: [small.length], shardShape: [8192], chunkShape: [4096],
    codecs: [bytesCodec, bitpacking('none', 4)], data: small,
    encode: (raw) => codecs.bitpackEncode(raw, { transform: 'none', elementSize: 4 }),
  });
  expect(Array.from((await read('g/u16')) as Uint16Array)).toEqual(Array.from(small));
});

test('a 2-D float32 layer with zstd inner chunks, decoded by the wasm zstd registered for "zstd"', async () => {
  const rng = new Rng(5);
  const [rows, cols] = [300, 70];
  const x = Float32Array.from({ length: rows * cols }, () => (rng.below(10) < 7 ? 0 : Math.log1p(rng.below(50))));
  writeSharded({
    path: 'g/X', dtype: 'float32', shape: [rows, cols], shardShape: [128, 70], chunkShape: [32, 35],
    codecs: [bytesCodec, { name: 'zstd', configuration: { level: 0, checksum: false } }], data: x,
    encode: (raw) => codecs.zstdCompress(raw, { level: 3 }),
  });
  const before = calls.zstdDecompress ?? 0;
  const got = (await read('g/X')) as Float32Array;
  expect(sameBytes(new Uint8Array(got.buffer), new Uint8Array(x.buffer))).toBe(true);
  expect((calls.zstdDecompress ?? 0) - before).toBe(8 + 8 + 4); // inner chunks that overlap rows 0..300
});

test('zarrita writes through the codec too (unsharded array), producing homeobox bytes', async () => {
  const store = new FileSystemStore(dir);
  const values = Uint32Array.from({ length: 5000 }, (_, i) => 1000 + i * 3);
  const arr = await zarr.create(zarr.root(store).resolve('w/indices'), {
    shape: [5000], chunkShape: [5000], dtype: 'uint32', codecs: [bytesCodec, bitpacking('delta', 4)], fillValue: 0,
  });
  await zarr.set(arr, null, { data: values, shape: [5000], stride: [1] });
  const chunk = new Uint8Array(readFileSync(join(dir, 'w/indices/c/0')));
  expect(sameBytes(chunk, codecs.bitpackEncodeU32(values, 'delta'))).toBe(true);
  expect(Array.from((await read('w/indices')) as Uint32Array)).toEqual(Array.from(values));
});

test('a corrupt chunk surfaces as zarrita pipeline error whose cause is our CodecError', async () => {
  const values = Uint32Array.from({ length: 4096 }, (_, i) => i);
  writeSharded({
    path: 'g/bad', dtype: 'uint32', shape: [4096], shardShape: [4096], chunkShape: [4096],
    codecs: [bytesCodec, bitpacking('none', 4)], data: values,
    encode: (raw) => {
      const e = codecs.bitpackEncode(raw, { transform: 'none', elementSize: 4 });
      e[5] = 40; // block 0 width > 32
      return e;
    },
  });
  const err = await read('g/bad').catch((e: unknown) => e);
  expect(String((err as { cause?: unknown }).cause)).toContain('homeobox.bitpacking: block 0 declares bit width 40 (> 32) at byte 5');
});

test('a chunk whose header declares fewer elements than the chunk holds is a CodecError, not zero-padded', async () => {
  // zarrita takes what a codec returns and pads the rest of the chunk; homeobox's readers refuse it.
  const values = Uint32Array.from({ length: 1024 }, (_, i) => i + 1);
  for (const zstd of [false, true]) {
    writeSharded({
      path: `g/short${zstd}`, dtype: 'uint32', shape: [1024], shardShape: [1024], chunkShape: [1024],
      codecs: [bytesCodec, bitpacking('none', 4), ...(zstd ? [{ name: 'zstd', configuration: { level: 0, checksum: false } }] : [])], data: values,
      encode: () => {
        const e = codecs.bitpackEncodeU32(values.subarray(0, 100), 'none');
        return zstd ? codecs.zstdCompress(e) : e;
      },
    });
    const err = await read(`g/short${zstd}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as { cause?: unknown }).cause)).toContain('homeobox.bitpacking: chunk decoded to 400 bytes, expected 4096');
  }
});
