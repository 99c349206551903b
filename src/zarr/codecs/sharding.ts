// `sharding_indexed` (array → bytes): one stored object (a shard) holds a grid of inner chunks,
// each encoded with the inner `codecs`, plus an index locating them. Index layout (spec §3.3):
//
//   index = n × (offset: u64, nbytes: u64)   n = inner chunks per shard, C order of the inner grid
//           encoded with `index_codecs` — in practice bytes(little) + crc32c (4-byte LE checksum)
//   shard = [index][chunk bytes …]   (index_location "start")
//         | [chunk bytes …][index]   (index_location "end", the default and what zarr-python writes)
//
// (2^64−1, 2^64−1) marks an empty inner chunk (all fill_value); chunk order inside the shard is
// arbitrary (zarr-python uses Morton order), so readers go through the index only.
// This file is pure: parsing the configuration and decoding index bytes. Fetching is ../sharding.ts.

import { CorruptDataError, UnsupportedError } from '../../errors.js';
import { byteSwapInPlace } from './bytes.js';
import { parseChunkChain, type ChunkCodecChain, type ParseCodecsContext } from './chain.js';
import { stripCrc32c } from './crc32c.js';
import { checkKeys, oneOf, shapeField, type CodecSpec } from './spec.js';

export interface ShardingCodec {
  /** Inner chunk shape (same rank as the array). */
  chunkShape: number[];
  inner: ChunkCodecChain;
  /** Index chain: bytes (+ crc32c). Only fixed-size index codecs can be located without reading the shard. */
  index: ChunkCodecChain;
  indexLocation: 'start' | 'end';
}

/** Decoded shard index: byte offset and length per inner chunk; offset −1 = empty (fill) chunk. */
export interface ShardIndex {
  offsets: Float64Array;
  nbytes: Float64Array;
}

export function parseShardingCodec(spec: CodecSpec, ctx: ParseCodecsContext): ShardingCodec {
  const { where } = ctx;
  checkKeys(spec, ['chunk_shape', 'codecs', 'index_codecs', 'index_location'], where);
  const chunkShape = shapeField(spec, 'chunk_shape', where);
  if (chunkShape.length !== ctx.rank) {
    throw new CorruptDataError(`sharding chunk_shape has ${chunkShape.length} dimensions, the array has ${ctx.rank}`, { where });
  }
  const inner = parseChunkChain(spec.configuration.codecs, { ...ctx, where: `${where} (sharding codecs)` });
  const index = parseChunkChain(spec.configuration.index_codecs ?? defaultIndexCodecs, { rank: ctx.rank + 1, itemSize: 8, where: `${where} (index_codecs)` });
  const bad = index.bytesCodecs.find((c) => c.name !== 'crc32c');
  if (bad) {
    throw new UnsupportedError(`index_codecs with ${bad.name} are not supported (the index must have a fixed size)`, {
      feature: `index codec ${bad.name}`,
      where,
    });
  }
  return { chunkShape, inner, index, indexLocation: oneOf(spec, 'index_location', ['start', 'end'] as const, where, 'end') };
}

const defaultIndexCodecs = [{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'crc32c' }];

/** Encoded index size in bytes for `n` inner chunks per shard. */
export function shardIndexSize(sharding: ShardingCodec, n: number): number {
  return 16 * n + 4 * sharding.index.bytesCodecs.length;
}

/**
 * Decodes index bytes (exactly shardIndexSize bytes) into offsets/lengths, verifying checksums and
 * that every non-empty chunk lies inside the shard (when its size is known). `where` names the shard.
 */
export function decodeShardIndex(bytes: Uint8Array, sharding: ShardingCodec, n: number, shardSize: number | undefined, where: string): ShardIndex {
  if (bytes.length !== shardIndexSize(sharding, n)) {
    throw new CorruptDataError(`shard index has ${bytes.length} bytes, expected ${shardIndexSize(sharding, n)}`, { where });
  }
  let payload = bytes;
  for (let i = sharding.index.bytesCodecs.length - 1; i >= 0; i--) payload = stripCrc32c(payload, where);
  if (sharding.index.endian === 'big') {
    payload = payload.slice();
    byteSwapInPlace(payload, 8);
  }
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const offsets = new Float64Array(n);
  const nbytes = new Float64Array(n);
  const EMPTY = 0xffffffffffffffffn;
  for (let i = 0; i < n; i++) {
    const off = dv.getBigUint64(16 * i, true);
    const len = dv.getBigUint64(16 * i + 8, true);
    if (off === EMPTY && len === EMPTY) {
      offsets[i] = -1;
      nbytes[i] = 0;
      continue;
    }
    const o = Number(off);
    const l = Number(len);
    const limit = shardSize ?? Number.MAX_SAFE_INTEGER;
    // With the index at the start, chunk data begins after it: an entry inside it is corrupt (an
    // index at the end is bounded by `shardSize`, the size of the data before it).
    const dataStart = sharding.indexLocation === 'start' ? bytes.length : 0;
    if (off > BigInt(Number.MAX_SAFE_INTEGER) || len > BigInt(Number.MAX_SAFE_INTEGER) || o + l > limit || o < dataStart) {
      throw new CorruptDataError(`shard index entry ${i} (offset ${off}, nbytes ${len}) points outside the shard${shardSize === undefined ? '' : ` of ${shardSize} bytes`}`, { where });
    }
    offsets[i] = o;
    nbytes[i] = l;
  }
  return { offsets, nbytes };
}
