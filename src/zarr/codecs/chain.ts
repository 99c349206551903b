// Turns a zarr v3 `codecs` list into a typed, validated description of how chunks are encoded.
//
// Stages, in encode order (decode runs them backwards):
//   array → array   transpose (identity order only)
//   array → bytes   exactly one: `bytes`, or `sharding_indexed` (array level only; nested refused)
//   bytes → bytes   homeobox.bitpacking | zstd | crc32c, any number
//
// The result is plain data (structured-cloneable) so a worker can receive it. Unknown codecs are
// UnsupportedError naming the codec; codecs we know exist but deliberately do not read (gzip, blosc,
// …) too. Malformed entries are CorruptDataError naming the metadata file.

import { CorruptDataError, UnsupportedError } from '../../errors.js';
import { BITPACKING_NAMES, parseBitpackingCodec, type BitpackingCodec } from './bitpacking.js';
import { parseBytesCodec, type Endian } from './bytes.js';
import { parseShardingCodec, type ShardingCodec } from './sharding.js';
import { parseCodecSpec, type CodecSpec } from './spec.js';
import { checkTransposeCodec } from './transpose.js';
import { parseZstdCodec, type ZstdCodec } from './zstd.js';

export type BytesToBytesCodec = BitpackingCodec | ZstdCodec | { name: 'crc32c' };

/** How one chunk (or one inner chunk of a shard) is encoded: a `bytes` serializer, then bytes→bytes codecs. */
export interface ChunkCodecChain {
  endian: Endian;
  /** Bytes per array element (for the endian swap and size checks). */
  itemSize: number;
  /** In encode order; decoding applies them last to first. */
  bytesCodecs: BytesToBytesCodec[];
}

/** An array's codecs: either plain chunks or shards of inner chunks. */
export type ArrayCodecs = { kind: 'chunked'; chain: ChunkCodecChain } | { kind: 'sharded'; sharding: ShardingCodec };

const KNOWN_UNSUPPORTED = ['gzip', 'blosc', 'lz4', 'zlib', 'bz2', 'lzma', 'vlen-utf8', 'vlen-bytes', 'bitround', 'packbits', 'numcodecs.gzip', 'numcodecs.blosc', 'numcodecs.zstd', 'numcodecs.lz4', 'numcodecs.zlib', 'numcodecs.shuffle', 'numcodecs.delta', 'cast_value', 'scale_offset'];

export interface ParseCodecsContext {
  rank: number;
  itemSize: number;
  where: string;
  /** False inside a sharding codec: nested sharding is refused. */
  allowSharding: boolean;
}

/** Parses an array-level `codecs` list (sharding allowed) or, with allowSharding false, an inner list. */
export function parseCodecs(raw: unknown, ctx: ParseCodecsContext): ArrayCodecs {
  const { where } = ctx;
  if (!Array.isArray(raw) || raw.length === 0) throw new CorruptDataError(`"codecs" must be a non-empty list`, { where });
  const specs = raw.map((r) => parseCodecSpec(r, where));
  let i = 0;
  for (; i < specs.length && specs[i]!.name === 'transpose'; i++) checkTransposeCodec(specs[i]!, ctx.rank, where);
  const a2b = specs[i];
  if (!a2b) throw new CorruptDataError(`"codecs" has no array → bytes codec (bytes or sharding_indexed)`, { where });
  const rest = specs.slice(i + 1);
  if (a2b.name === 'sharding_indexed') {
    if (!ctx.allowSharding) {
      throw new UnsupportedError('nested sharding (sharding_indexed inside sharding_indexed) is not supported', { feature: 'nested sharding', where });
    }
    if (rest.length) {
      throw new UnsupportedError(`bytes → bytes codecs after sharding_indexed (${rest.map((s) => s.name).join(', ')}) are not supported`, {
        feature: 'codecs after sharding_indexed',
        where,
      });
    }
    return { kind: 'sharded', sharding: parseShardingCodec(a2b, ctx) };
  }
  if (a2b.name !== 'bytes') throw misplaced(a2b, 'array → bytes', where);
  return {
    kind: 'chunked',
    chain: { endian: parseBytesCodec(a2b, ctx.itemSize, where), itemSize: ctx.itemSize, bytesCodecs: rest.map((s) => parseBytesToBytes(s, where)) },
  };
}

/** Parses an inner (per-chunk) codec list that must not shard: returns its chain. */
export function parseChunkChain(raw: unknown, ctx: Omit<ParseCodecsContext, 'allowSharding'>): ChunkCodecChain {
  const parsed = parseCodecs(raw, { ...ctx, allowSharding: false });
  if (parsed.kind !== 'chunked') throw new CorruptDataError('inner codecs must serialise with bytes', { where: ctx.where });
  return parsed.chain;
}

function parseBytesToBytes(spec: CodecSpec, where: string): BytesToBytesCodec {
  if ((BITPACKING_NAMES as readonly string[]).includes(spec.name)) return parseBitpackingCodec(spec, where);
  if (spec.name === 'zstd') return parseZstdCodec(spec, where);
  if (spec.name === 'crc32c') {
    if (Object.keys(spec.configuration).length) throw new CorruptDataError('codec crc32c takes no configuration', { where });
    return { name: 'crc32c' };
  }
  throw misplaced(spec, 'bytes → bytes', where);
}

function misplaced(spec: CodecSpec, stage: string, where: string): Error {
  const known = ['bytes', 'transpose', 'sharding_indexed', 'zstd', 'crc32c', ...BITPACKING_NAMES];
  if (known.includes(spec.name)) return new CorruptDataError(`codec ${spec.name} cannot be the ${stage} step here`, { where });
  const why = KNOWN_UNSUPPORTED.includes(spec.name) ? 'is not supported by ragged-atlas' : 'is unknown';
  return new UnsupportedError(`codec "${spec.name}" ${why}`, { feature: `codec ${spec.name}`, where });
}
