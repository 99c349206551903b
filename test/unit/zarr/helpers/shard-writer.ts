// Test-only writer of homeobox-layout sharded zarr v3 arrays (1-D and 2-D), byte-compatible with
// what zarr-python 3.1.5 + homeobox write (spec §3.2–3.3): each shard = encoded inner chunks
// (in a shuffled order, so readers must use the index) + index [(offset u64, nbytes u64) × n]
// + crc32c; empty (all-fill) chunks are left out as (2^64−1, 2^64−1) and all-empty shards are not
// written at all, like write_empty_chunks=False.
import { crc32c } from '../../../../src/zarr/codecs/crc32c.js';
import type { DataType, ZarrTypedArray } from '../../../../src/zarr/dtype.js';
import { encodeU32, encodeU64, type Transform } from './bp128.js';
import type { MapStore } from './memory-store.js';
import { rng } from './rng.js';
import { zstdCompress } from './test-decoder.js';

export type InnerCodecKind = { bitpack: Transform; elementSize?: 4 | 8 } | 'zstd' | 'raw' | 'zstd+crc';

export interface ShardedArraySpec {
  path: string;
  dtype: DataType;
  shape: number[];
  shardShape: number[];
  chunkShape: number[];
  inner: InnerCodecKind;
  fillValue?: number | boolean;
  indexLocation?: 'start' | 'end';
  endian?: 'little' | 'big';
  /** Write all-fill chunks anyway (write_empty_chunks=True). */
  writeEmpty?: boolean;
  bitpackName?: string;
}


export async function writeShardedArray(store: MapStore, values: ZarrTypedArray, spec: ShardedArraySpec): Promise<void> {
  const { shape, shardShape, chunkShape } = spec;
  const rank = shape.length;
  const isz = values.BYTES_PER_ELEMENT;
  const fill = typeof spec.fillValue === 'boolean' ? Number(spec.fillValue) : spec.fillValue ?? 0;
  const perShard = shardShape.map((s, i) => s / chunkShape[i]!);
  const nPer = perShard.reduce((a, b) => a * b, 1);
  const shardGrid = shape.map((s, i) => Math.ceil(s / shardShape[i]!));
  const chunkElems = chunkShape.reduce((a, b) => a * b, 1);
  const Ctor = values.constructor as new (n: number) => ZarrTypedArray;
  const r = rng(rank * 1000 + shape[0]!);
  for (const sc of grid(shardGrid)) {
    const encoded: { inner: number; bytes: Uint8Array }[] = [];
    let inner = 0;
    for (const ic of grid(perShard)) {
      const chunk = new Ctor(chunkElems);
      const slots = chunk as unknown as (number | bigint)[];
      slots.fill(typeof values[0] === 'bigint' ? BigInt(fill) : fill);
      let allFill = true;
      for (const lc of grid(chunkShape)) {
        const g = lc.map((l, i) => sc[i]! * shardShape[i]! + ic[i]! * chunkShape[i]! + l);
        if (g.some((x, i) => x >= shape[i]!)) continue;
        const v = values[ravel(g, shape)]!;
        slots[ravel(lc, chunkShape)] = v;
        if (Number(v) !== fill) allFill = false;
      }
      if (!allFill || spec.writeEmpty) encoded.push({ inner, bytes: await encodeChunk(new Uint8Array(chunk.buffer.slice(0)), isz, spec) });
      inner++;
    }
    if (!encoded.length) continue;
    // Shuffle storage order; the index is the only way to find a chunk.
    for (let i = encoded.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [encoded[i], encoded[j]] = [encoded[j]!, encoded[i]!];
    }
    const indexBytes = 16 * nPer + 4;
    const start = spec.indexLocation === 'start' ? indexBytes : 0;
    const index = new BigUint64Array(2 * nPer).fill(0xffffffffffffffffn);
    let off = start;
    for (const e of encoded) {
      index[2 * e.inner] = BigInt(off);
      index[2 * e.inner + 1] = BigInt(e.bytes.length);
      off += e.bytes.length;
    }
    const idx = new Uint8Array(indexBytes);
    idx.set(new Uint8Array(index.buffer));
    new DataView(idx.buffer).setUint32(16 * nPer, crc32c(idx.subarray(0, 16 * nPer)), true);
    const shard = new Uint8Array(off + (spec.indexLocation === 'start' ? 0 : indexBytes));
    let p = start;
    for (const e of encoded) {
      shard.set(e.bytes, p);
      p += e.bytes.length;
    }
    shard.set(idx, spec.indexLocation === 'start' ? 0 : off);
    store.files.set(`${spec.path}/c/${sc.join('/')}`, shard);
  }
  store.putJson(`${spec.path}/zarr.json`, arrayMetadata(spec));
}

export function arrayMetadata(spec: ShardedArraySpec): unknown {
  const isz = { bool: 1, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, int64: 8, uint64: 8, float64: 8 }[spec.dtype];
  const bytes = isz === 1 ? { name: 'bytes' } : { name: 'bytes', configuration: { endian: spec.endian ?? 'little' } };
  const inner =
    spec.inner === 'raw'
      ? [bytes]
      : spec.inner === 'zstd'
        ? [bytes, { name: 'zstd', configuration: { level: 0, checksum: false } }]
        : spec.inner === 'zstd+crc'
          ? [bytes, { name: 'zstd', configuration: { level: 0, checksum: false } }, { name: 'crc32c' }]
          : [bytes, { name: spec.bitpackName ?? 'homeobox.bitpacking', configuration: { transform: spec.inner.bitpack, element_size: spec.inner.elementSize ?? 4 } }];
  return {
    shape: spec.shape,
    data_type: spec.dtype,
    chunk_grid: { name: 'regular', configuration: { chunk_shape: spec.shardShape } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    fill_value: spec.fillValue ?? (spec.dtype === 'bool' ? false : 0),
    codecs: [
      {
        name: 'sharding_indexed',
        configuration: {
          chunk_shape: spec.chunkShape,
          codecs: inner,
          index_codecs: [{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'crc32c' }],
          index_location: spec.indexLocation ?? 'end',
        },
      },
    ],
    attributes: {},
    zarr_format: 3,
    node_type: 'array',
    storage_transformers: [],
  };
}

async function encodeChunk(le: Uint8Array, isz: number, spec: ShardedArraySpec): Promise<Uint8Array> {
  let b = le;
  if (spec.endian === 'big') {
    b = le.slice();
    for (let i = 0; i < b.length; i += isz) b.subarray(i, i + isz).reverse();
  }
  const c = spec.inner;
  if (c === 'raw') return b;
  if (c === 'zstd') return zstdCompress(b);
  if (c === 'zstd+crc') {
    const z = await zstdCompress(b);
    const out = new Uint8Array(z.length + 4);
    out.set(z);
    new DataView(out.buffer).setUint32(z.length, crc32c(z), true);
    return out;
  }
  const es = c.elementSize ?? 4;
  if (es === 4) return encodeU32(new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4), c.bitpack);
  return encodeU64(new BigUint64Array(b.buffer, b.byteOffset, b.byteLength / 8), c.bitpack);
}

function* grid(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    const c = new Array<number>(shape.length);
    let r = i;
    for (let a = shape.length - 1; a >= 0; a--) {
      c[a] = r % shape[a]!;
      r = Math.floor(r / shape[a]!);
    }
    yield c;
  }
}

function ravel(c: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let a = 0; a < shape.length; a++) i = i * shape[a]! + c[a]!;
  return i;
}

/** Registers the reference BP-128 decoder with zarrita (until src/codecs' registerZarritaCodecs lands). */
export function bitpackingForZarrita(decode: (b: Uint8Array, es: 4 | 8) => Uint8Array) {
  return class {
    kind = 'bytes_to_bytes' as const;
    constructor(readonly es: 4 | 8) {}
    static fromConfig(config: { element_size?: 4 | 8 }) {
      return new this(config.element_size ?? 4);
    }
    encode(): never {
      throw new Error('encode not implemented');
    }
    decode(bytes: Uint8Array): Uint8Array {
      return decode(bytes, this.es);
    }
  };
}
