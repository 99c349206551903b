// A read whose bytes are fetched but not decoded: the encoded inner chunks in a few buffers (the
// answers themselves when the reader owns them, io/owned.ts; else one copy, back to back), plus
// the strip plan that says where each decoded piece lands. It is plain data with a few big
// buffers, so it crosses to a decode worker in one transfer, and `decodeEncodedRead`
// turns it into the typed array readRanges would have returned — in the worker, next to whatever
// consumes the values (csr assembly), instead of on the main thread.
//
// Decode order per chunk is the one chunk-decoder.ts describes: leading crc32c checksums, the one
// compressor (or none), trailing checksums, big-endian swap, then strip copies.

import { CodecError, CorruptDataError } from '../errors.js';
import type { InnerCodec } from '../workers/protocol.js';
import type { ChunkDecodePlan } from './chunk-decoder.js';
import { byteSwapInPlace } from './codecs/bytes.js';
import { stripCrc32c } from './codecs/crc32c.js';
import { allocate, fillRange, isZeroFill, type DataType, type FillValue, type ZarrTypedArray } from './dtype.js';

/** Numbers per chunk record in `EncodedRead.chunks`: byte offset, byte length, first strip, strip end, inner index, key index, buffer index. */
export const CHUNK_FIELDS = 7;
/** Numbers per strip record in `EncodedRead.strips`: chunk offset, output offset, length (elements). */
export const STRIP_FIELDS = 3;

export interface EncodedRead {
  dataType: DataType;
  totalElements: number;
  /** Decoded bytes of one inner chunk (before trailing checksums are stripped: see `decode.crcAfter`). */
  chunkBytes: number;
  decode: ChunkDecodePlan;
  /** Buffers holding every needed encoded chunk (a chunk record names its buffer and offset). */
  buffers: Uint8Array[];
  /** CHUNK_FIELDS numbers per chunk. */
  chunks: Float64Array;
  /** STRIP_FIELDS numbers per strip; a chunk's strips are `[first, end)` of these records. */
  strips: Float64Array;
  /** (output offset, length) pairs of missing chunks, to set to the fill value. */
  fills: Float64Array;
  fillValue: FillValue;
  /** Array location and the shard keys chunk records point into, for error messages. */
  where: string;
  keys: string[];
}

/** What decoding needs from the codec module (src/codecs `Codecs`). */
export interface EncodedReadCodecs {
  decodeChunkInto(encoded: Uint8Array, codec: Exclude<InnerCodec, { name: 'bytes' }>, out: Uint8Array): number;
}

/** What decoding with a fused remap needs from the codec module (src/codecs `Codecs`). */
export interface EncodedIndicesCodecs<T> {
  remapTable(table: Int32Array): T;
  decodeIndicesInto(encoded: Uint8Array, codec: Exclude<InnerCodec, { name: 'bytes' }>, table: T, out: Uint8Array): { bytes: number; min: number };
}

/** Written for a local index outside the remap table (the module's `remap::OUT_OF_LAYOUT`). */
export const OUT_OF_LAYOUT = -0x80000000;

/** Output columns of a read of local feature indices, mapped while decoding. */
export interface MappedColumns {
  /** `remap[local]` per entry: −1 for a dropped feature, OUT_OF_LAYOUT for a local index outside the table. */
  columns: Int32Array;
  /**
   * A lower bound of `columns` (the chunks' minimum, read entries or not): ≥ 0 proves that no
   * read entry is dropped or outside the table, so nobody needs to look.
   */
  min: number;
}

type DecodeOneChunk = (encoded: Uint8Array, codec: Exclude<InnerCodec, { name: 'bytes' }>, out: Uint8Array) => number;

/** Decodes every chunk of `read` into one typed array of `read.totalElements` elements. Pure. */
export function decodeEncodedRead(read: EncodedRead, codecs: EncodedReadCodecs): ZarrTypedArray {
  return decodeWith(read, (b, codec, into) => codecs.decodeChunkInto(b, codec, into));
}

/**
 * A read of uint32/int32 local feature indices, decoded and mapped through `remap` in one pass
 * per chunk inside the codec module (the chunk is still in cache; JS never walks the raw
 * indices). Undefined when the read's chain cannot take that path (raw bytes, trailing
 * checksums, big-endian, not 4-byte integers): the caller decodes and maps it the plain way.
 */
export function decodeEncodedIndices<T>(read: EncodedRead, codecs: EncodedIndicesCodecs<T>, remap: Int32Array): MappedColumns | undefined {
  const { decode } = read;
  if (decode.codec.name === 'bytes' || decode.crcAfter > 0 || decode.swap || (read.dataType !== 'uint32' && read.dataType !== 'int32')) return undefined;
  if (decode.codec.name === 'homeobox.bitpacking' && decode.codec.elementSize !== 4) return undefined;
  const table = codecs.remapTable(remap);
  let min = 0x7fffffff;
  const out = decodeWith(read, (b, codec, into) => {
    const r = codecs.decodeIndicesInto(b, codec, table, into);
    if (r.min < min) min = r.min;
    return r.bytes;
  });
  const columns = new Int32Array(out.buffer, out.byteOffset, out.length);
  if (read.fills.length) {
    // Missing chunks hold the fill value as a local index: map it too.
    const local = Number(read.fillValue);
    const col = Number.isInteger(local) && local >= 0 && local < remap.length ? remap[local]! : OUT_OF_LAYOUT;
    for (let f = 0; f < read.fills.length; f += 2) columns.fill(col, read.fills[f]!, read.fills[f]! + read.fills[f + 1]!);
    if (col < min) min = col;
  }
  return { columns, min };
}

function decodeWith(read: EncodedRead, decodeChunk: DecodeOneChunk): ZarrTypedArray {
  const out = allocate(read.dataType, read.totalElements);
  const out8 = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const { decode, chunks, strips } = read;
  const item = decode.itemSize;
  const jobBytes = read.chunkBytes + 4 * decode.crcAfter;
  const scratch = decode.codec.name === 'bytes' ? undefined : new Uint8Array(jobBytes);
  for (let c = 0; c < chunks.length; c += CHUNK_FIELDS) {
    const at = chunks[c]!;
    const name = `${read.where}/${read.keys[chunks[c + 5]!]} (inner chunk ${chunks[c + 4]})`;
    let b = read.buffers[chunks[c + 6]!]!.subarray(at, at + chunks[c + 1]!);
    for (let k = 0; k < decode.crcBefore; k++) b = stripCrc32c(b, name);
    const s0 = chunks[c + 2]! * STRIP_FIELDS;
    // A chunk that lands whole in the output (one strip, the whole chunk; nothing to strip or swap
    // after decoding) is decoded straight into place: one copy of the decoded bytes fewer.
    const direct = scratch !== undefined && decode.crcAfter === 0 && !decode.swap && chunks[c + 3]! - chunks[c + 2]! === 1 && strips[s0] === 0 && strips[s0 + 2]! * item === jobBytes;
    if (scratch) {
      let n: number;
      const into = direct ? out8.subarray(strips[s0 + 1]! * item, strips[s0 + 1]! * item + jobBytes) : scratch;
      try {
        n = decodeChunk(b, decode.codec as Exclude<InnerCodec, { name: 'bytes' }>, into);
      } catch (err) {
        if (err instanceof CodecError && !err.where) throw new CodecError(err.message.replace(`${err.codec}: `, ''), { ...err.fields, codec: err.codec, where: name }, { cause: err });
        throw err;
      }
      if (n !== jobBytes) throw new CorruptDataError(`chunk decoded to ${n} bytes, expected ${jobBytes}`, { where: name });
      if (direct) continue;
      b = scratch;
    } else if (b.length !== jobBytes) {
      throw new CorruptDataError(`raw chunk has ${b.length} bytes, expected ${jobBytes}`, { where: name });
    }
    for (let k = 0; k < decode.crcAfter; k++) b = stripCrc32c(b, name);
    if (decode.swap) {
      if (!scratch) b = b.slice(); // never swap the request bytes in place
      byteSwapInPlace(b, item);
    }
    for (let s = chunks[c + 2]! * STRIP_FIELDS, end = chunks[c + 3]! * STRIP_FIELDS; s < end; s += STRIP_FIELDS) {
      const from = strips[s]! * item;
      out8.set(b.subarray(from, from + strips[s + 2]! * item), strips[s + 1]! * item);
    }
  }
  if (!isZeroFill(read.fillValue)) {
    for (let f = 0; f < read.fills.length; f += 2) fillRange(out, read.fillValue, read.fills[f]!, read.fills[f]! + read.fills[f + 1]!);
  }
  return out;
}

/** Buffers an EncodedRead owns (to list in a transfer), each once. */
export function encodedReadBuffers(read: EncodedRead): ArrayBuffer[] {
  return [...new Set([...read.buffers.map((b) => b.buffer as ArrayBuffer), read.chunks.buffer as ArrayBuffer, read.strips.buffer as ArrayBuffer, read.fills.buffer as ArrayBuffer])];
}

/** Encoded bytes an EncodedRead carries. */
export function encodedReadBytes(read: EncodedRead): number {
  return read.buffers.reduce((n, b) => n + b.byteLength, 0);
}
