// LZ4 block and frame decoding in plain TypeScript, for Arrow IPC bodies compressed with LZ4_FRAME
// (and numcodecs-style raw blocks). Every read and write is bounds-checked; bad input throws
// CodecError (codec "lz4"), never reads outside `src` and never writes past the output limit.
//
// Block: a sequence of [token][literal length+][literals][offset u16 LE][match length+], the last one
// literals only. token = (literal length << 4) | (match length − 4); a nibble of 15 continues in
// bytes (each added, 255 = keep going). Example: `40 61 62 63 64` = 4 literals "abcd", end.
// `11 61 01 00` = literal "a", then match offset 1 length 5 → "aaaaaa"... (a block must end in
// literals, so the real thing is followed by a literal-only sequence).
//
// Frame (lz4 CLI, Arrow): magic 04 22 4d 18, FLG, BD, [content size u64], [dict id u32], HC, then
// blocks [u32 LE size | 0x80000000 if stored raw][data][xxh32 if block checksums], end mark 0,
// [xxh32 of the content if content checksum]. Frames may be concatenated; skippable frames
// (magic 0x184D2A5x) are skipped. Arrow IPC prefixes each compressed buffer with its int64 LE
// uncompressed length (−1: stored uncompressed): see decodeArrowLz4Buffer.

import type { CodecError } from '../errors.js';
import { ErrorCode, jsCodecError } from './error-codes.js';

const CODEC = 'lz4';
const FRAME_MAGIC = 0x184d2204;
const LEGACY_MAGIC = 0x184c2102;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX = [0, 0, 0, 0, 1 << 16, 1 << 18, 1 << 20, 1 << 22];

export interface Lz4Options {
  /** Output limit; larger output throws. Default 1 GiB. */
  maxOutputBytes?: number;
  where?: string;
}

function corrupt(message: string, where?: string): CodecError {
  return jsCodecError(CODEC, ErrorCode.Lz4Corrupt, message, where);
}

function tooLarge(limit: number, where?: string): CodecError {
  return jsCodecError(CODEC, ErrorCode.Lz4OutputTooLarge, `output exceeds the maximum of ${limit} bytes`, where);
}

function u32le(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/**
 * Decodes the block `src[sp..send)` into `dst` from `dp`, never writing at or past `dend` and never
 * copying from before `floor` (the start of the data a match may reference). Returns the new `dp`.
 */
function decodeBlockAt(
  src: Uint8Array, sp: number, send: number,
  dst: Uint8Array, dp: number, dend: number, floor: number,
  limit: number, where?: string,
): number {
  for (;;) {
    if (sp >= send) throw corrupt(`block ends at byte ${sp} before its last sequence`, where);
    const token = src[sp++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (sp >= send) throw corrupt(`literal length runs past the block end at byte ${sp}`, where);
        b = src[sp++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > send - sp) throw corrupt(`${lit} literals at byte ${sp} run past the block end`, where);
    if (lit > dend - dp) throw tooLarge(limit, where);
    if (lit < 32) for (let i = 0; i < lit; i++) dst[dp + i] = src[sp + i]!;
    else dst.set(src.subarray(sp, sp + lit), dp);
    sp += lit;
    dp += lit;
    if (sp === send) return dp; // the last sequence has no match
    if (send - sp < 2) throw corrupt(`match offset truncated at byte ${sp}`, where);
    const offset = src[sp]! | (src[sp + 1]! << 8);
    if (offset === 0 || offset > dp - floor) throw corrupt(`match offset ${offset} at byte ${sp} points before the start of the output`, where);
    sp += 2;
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (sp >= send) throw corrupt(`match length runs past the block end at byte ${sp}`, where);
        b = src[sp++]!;
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (len > dend - dp) throw tooLarge(limit, where);
    let m = dp - offset;
    if (offset >= len) {
      if (len < 32) for (let i = 0; i < len; i++) dst[dp + i] = dst[m + i]!;
      else dst.copyWithin(dp, m, m + len);
      dp += len;
    } else {
      // Overlapping match (a run): byte by byte, each copy may read what it just wrote.
      const end = dp + len;
      while (dp < end) dst[dp++] = dst[m++]!;
    }
  }
}

/** Decodes one raw LZ4 block into `out`; returns the bytes written. Output beyond `out.length` throws. */
export function decodeLz4Block(src: Uint8Array, out: Uint8Array, opts: { where?: string } = {}): number {
  return decodeBlockAt(src, 0, src.length, out, 0, out.length, 0, out.length, opts.where);
}

/** Growable output, never beyond `limit`. */
class Output {
  buf: Uint8Array;
  constructor(initial: number, readonly limit: number) {
    this.buf = new Uint8Array(Math.min(initial, limit));
  }
  /** Makes room for `n` more bytes after `pos` (or as much as the limit allows). */
  reserve(pos: number, n: number): void {
    const need = Math.min(this.limit, pos + n);
    if (need <= this.buf.length) return;
    const grown = new Uint8Array(Math.min(this.limit, Math.max(need, this.buf.length * 2)));
    grown.set(this.buf.subarray(0, pos));
    this.buf = grown;
  }
}

/** Decodes all LZ4 frames in `src` (the lz4 CLI / Arrow LZ4_FRAME format). */
export function decodeLz4Frame(src: Uint8Array, opts: Lz4Options = {}): Uint8Array {
  const { where } = opts;
  const limit = opts.maxOutputBytes ?? 1 << 30;
  const out = new Output(Math.max(1024, src.length * 4), limit);
  let pos = 0;
  let dp = 0;
  let frames = 0;
  while (pos < src.length) {
    if (src.length - pos < 4) throw corrupt(`truncated frame magic at byte ${pos}`, where);
    const magic = u32le(src, pos);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (src.length - pos < 8) throw corrupt(`truncated skippable frame at byte ${pos}`, where);
      const size = u32le(src, pos + 4);
      if (size > src.length - pos - 8) throw corrupt(`skippable frame at byte ${pos} runs past the input`, where);
      pos += 8 + size;
      continue;
    }
    if (magic === LEGACY_MAGIC) throw corrupt('the legacy LZ4 frame format (lz4 -l) is not supported', where);
    if (magic !== FRAME_MAGIC) throw corrupt(`bad frame magic 0x${magic.toString(16)} at byte ${pos}`, where);
    ({ pos, dp } = decodeFrameAt(src, pos + 4, out, dp, where));
    frames++;
  }
  if (frames === 0) throw corrupt('input holds no LZ4 frame', where);
  return out.buf.length === dp ? out.buf : out.buf.slice(0, dp);
}

function decodeFrameAt(src: Uint8Array, pos: number, out: Output, dp: number, where?: string): { pos: number; dp: number } {
  const descStart = pos;
  if (src.length - pos < 3) throw corrupt(`truncated frame descriptor at byte ${pos}`, where);
  const flg = src[pos]!;
  const bd = src[pos + 1]!;
  if (flg >>> 6 !== 1) throw corrupt(`unsupported frame version ${flg >>> 6} at byte ${pos}`, where);
  if (flg & 0b10 || bd & 0b10001111) throw corrupt(`reserved descriptor bits set at byte ${pos}`, where);
  const independent = (flg >>> 5) & 1;
  const blockChecksum = (flg >>> 4) & 1;
  const hasSize = (flg >>> 3) & 1;
  const contentChecksum = (flg >>> 2) & 1;
  const hasDict = flg & 1;
  const blockMax = BLOCK_MAX[(bd >>> 4) & 7]!;
  if (!blockMax) throw corrupt(`reserved block maximum size ${(bd >>> 4) & 7} at byte ${pos + 1}`, where);
  pos += 2;
  const descLen = 2 + (hasSize ? 8 : 0) + (hasDict ? 4 : 0);
  if (src.length - descStart < descLen + 1) throw corrupt(`truncated frame descriptor at byte ${descStart}`, where);
  let contentSize = -1;
  if (hasSize) {
    const lo = u32le(src, pos);
    const hi = u32le(src, pos + 4);
    contentSize = hi * 2 ** 32 + lo;
    if (contentSize > out.limit - dp) throw tooLarge(out.limit, where);
    pos += 8;
  }
  if (hasDict) throw corrupt('frames that need a dictionary are not supported', where);
  const hc = src[pos++]!;
  if (((xxh32(src, descStart, descStart + descLen) >>> 8) & 0xff) !== hc) {
    throw corrupt(`frame descriptor checksum mismatch at byte ${pos - 1}`, where);
  }
  if (contentSize >= 0) out.reserve(dp, contentSize);
  const frameStart = dp;
  for (;;) {
    if (src.length - pos < 4) throw corrupt(`truncated block header at byte ${pos}`, where);
    const word = u32le(src, pos);
    pos += 4;
    if (word === 0) break; // end mark
    const stored = word >>> 31 === 1;
    const size = word & 0x7fffffff;
    if (size > blockMax) throw corrupt(`block of ${size} bytes at byte ${pos - 4} exceeds the frame's maximum ${blockMax}`, where);
    if (size > src.length - pos) throw corrupt(`block at byte ${pos - 4} runs past the input`, where);
    if (blockChecksum) {
      if (src.length - pos - size < 4) throw corrupt(`truncated block checksum at byte ${pos + size}`, where);
      if (xxh32(src, pos, pos + size) !== u32le(src, pos + size)) throw corrupt(`block checksum mismatch at byte ${pos - 4}`, where);
    }
    // With a declared content size the output is allocated exactly once, at that size.
    const declaredLeft = contentSize >= 0 ? frameStart + contentSize - dp : blockMax;
    out.reserve(dp, stored ? size : Math.min(blockMax, Math.max(0, declaredLeft)));
    const dend = out.buf.length;
    if (stored) {
      if (size > dend - dp) throw tooLarge(out.limit, where);
      out.buf.set(src.subarray(pos, pos + size), dp);
      dp += size;
    } else {
      // Linked blocks may reference up to 64 KiB of the previous blocks of the same frame.
      dp = decodeBlockAt(src, pos, pos + size, out.buf, dp, dend, independent ? dp : frameStart, out.limit, where);
    }
    pos += size + (blockChecksum ? 4 : 0);
  }
  if (contentSize >= 0 && dp - frameStart !== contentSize) {
    throw corrupt(`frame declares ${contentSize} bytes but decodes to ${dp - frameStart}`, where);
  }
  if (contentChecksum) {
    if (src.length - pos < 4) throw corrupt(`truncated content checksum at byte ${pos}`, where);
    if (xxh32(out.buf, frameStart, dp) !== u32le(src, pos)) throw corrupt(`content checksum mismatch at byte ${pos}`, where);
    pos += 4;
  }
  return { pos, dp };
}

/**
 * One Arrow IPC body buffer compressed with LZ4_FRAME: int64 LE uncompressed length, then the frame;
 * a length of −1 means the bytes follow uncompressed.
 */
export function decodeArrowLz4Buffer(buf: Uint8Array, opts: { where?: string } = {}): Uint8Array {
  const { where } = opts;
  if (buf.length === 0) return buf;
  if (buf.length < 8) throw corrupt('Arrow compressed buffer shorter than its 8-byte length prefix', where);
  const lo = u32le(buf, 0);
  const hi = u32le(buf, 4);
  if (lo === 0xffffffff && hi === 0xffffffff) return buf.subarray(8);
  const length = hi * 2 ** 32 + lo;
  if (length > Number.MAX_SAFE_INTEGER || hi >= 0x80000000) throw corrupt(`bad uncompressed length in Arrow buffer prefix`, where);
  if (length === 0) return new Uint8Array(0);
  const out = decodeLz4Frame(buf.subarray(8), { maxOutputBytes: length, where });
  if (out.length !== length) throw corrupt(`Arrow buffer declares ${length} bytes but decodes to ${out.length}`, where);
  return out;
}

const P1 = 2654435761;
const P2 = 2246822519;
const P3 = 3266489917;
const P4 = 668265263;
const P5 = 374761393;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function round(acc: number, input: number): number {
  return Math.imul(rotl((acc + Math.imul(input, P2)) | 0, 13), P1);
}

/** xxHash32 of `b[start..end)` with seed 0 (LZ4's frame checksums). */
export function xxh32(b: Uint8Array, start = 0, end = b.length): number {
  const len = end - start;
  let p = start;
  let h: number;
  if (len >= 16) {
    let v1 = (P1 + P2) | 0;
    let v2 = P2 | 0;
    let v3 = 0;
    let v4 = -P1 | 0;
    for (; p <= end - 16; p += 16) {
      v1 = round(v1, u32le(b, p));
      v2 = round(v2, u32le(b, p + 4));
      v3 = round(v3, u32le(b, p + 8));
      v4 = round(v4, u32le(b, p + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = P5 | 0;
  }
  h = (h + len) | 0;
  for (; p + 4 <= end; p += 4) h = Math.imul(rotl((h + Math.imul(u32le(b, p), P3)) | 0, 17), P4);
  for (; p < end; p++) h = Math.imul(rotl((h + Math.imul(b[p]!, P5)) | 0, 11), P1);
  h = Math.imul(h ^ (h >>> 15), P2);
  h = Math.imul(h ^ (h >>> 13), P3);
  return (h ^ (h >>> 16)) >>> 0;
}
