// FastLanes bit-unpacking (the layout of Lance's InlineBitpacking and OutOfLineBitpacking).
//
// Values are packed 1024 at a time. With T-bit words (T = 8, 16, 32, 64) there are LANES = 1024/T
// lanes; lane `l` owns the bit stream made of words packed[LANES*k + l] for k = 0, 1, …, and its
// row `r` (0 ≤ r < T) is the W-bit value at bits [r*W, (r+1)*W) of that stream (LSB first).
// The value lands at output index FL_ORDER[r/8]*16 + (r%8)*128 + l (the "transposed" order that
// lets SIMD unpack 8 rows at once).
//
// Worked example, T = 8, W = 3: LANES = 128, packed has 1024*3/8 = 384 bytes. Lane 0's stream is
// bytes 0, 128, 256. Row 0 = bits 0..2 of byte 0 → out[0]; row 2 = bits 6..7 of byte 0 plus bit 0
// of byte 128 → out[256]; row 7 = bits 5..7 of byte 256 → out[896].
//
// Two framings use this kernel:
//   inline:      per chunk, one T-bit word holding W, then 1024*W/T words (last chunk zero-padded)
//   out-of-line: W fixed for the buffer; chunks of ceil(1024*W/T) words back to back; a tail of
//                fewer than 1024 values is either one more padded chunk or stored raw (T bits each)
// For T = 64 the words are handled as (lo, hi) u32 pairs: no BigInt in the hot loop.
import { CorruptDataError } from '../../errors.js';
import type { Block } from '../blocks.js';

const FL_ORDER = [0, 4, 2, 6, 1, 5, 3, 7];
const indexTables = new Map<number, Uint16Array>();

/** out index for (row, lane), precomputed per T: table[row * LANES + lane]. */
function indexTable(T: number): Uint16Array {
  let t = indexTables.get(T);
  if (!t) {
    const lanes = 1024 / T;
    t = new Uint16Array(1024);
    for (let row = 0; row < T; row++) {
      for (let lane = 0; lane < lanes; lane++) t[row * lanes + lane] = FL_ORDER[row >> 3]! * 16 + (row & 7) * 128 + lane;
    }
    indexTables.set(T, t);
  }
  return t;
}

type Words = Uint8Array | Uint16Array | Uint32Array;

/**
 * Per-(T, W) extraction plan, shared by every lane and chunk: for row r, the word (relative to
 * the lane, in units of `lanes` words), the shift, and whether the value spills into the next
 * word. Precomputing it keeps divisions and branches on constants out of the hot loop.
 */
interface Plan {
  word: Int32Array;
  shift: Int32Array;
  spill: Uint8Array;
}
const plans = new Map<number, Plan>();

function planFor(T: number, W: number, lanes: number): Plan {
  const key = T * 1000 + W;
  let p = plans.get(key);
  if (!p) {
    p = { word: new Int32Array(T), shift: new Int32Array(T), spill: new Uint8Array(T) };
    for (let row = 0; row < T; row++) {
      const bit = row * W;
      const w = Math.floor(bit / T);
      p.word[row] = w * lanes;
      p.shift[row] = bit - w * T;
      p.spill[row] = p.shift[row]! + W > T ? 1 : 0;
    }
    plans.set(key, p);
  }
  return p;
}

/**
 * Unpacks one chunk of 1024 values with T ≤ 32 from `words[base …]` into `out[outBase …]`.
 * The caller guarantees 1024*W/T words are available.
 */
function unpackNarrow(T: number, W: number, words: Words, base: number, out: Words, outBase: number): void {
  const idx = indexTable(T);
  if (W === 0) {
    out.fill(0, outBase, outBase + 1024);
    return;
  }
  const lanes = 1024 / T;
  const mask = W === 32 ? -1 : (1 << W) - 1;
  const { word, shift, spill } = planFor(T, W, lanes);
  for (let lane = 0; lane < lanes; lane++) {
    const b = base + lane;
    for (let row = 0; row < T; row++) {
      const at = b + word[row]!;
      const sh = shift[row]!;
      let v = words[at]! >>> sh;
      if (spill[row]) v |= words[at + lanes]! << (T - sh);
      out[outBase + idx[row * lanes + lane]!] = v & mask;
    }
  }
}

/** T = 64 plan over the lane's stream of 32-bit half-words (lo, hi, lo, hi, …). */
interface WidePlan {
  /** Offset of the half-word holding bit r*W (lo part) and r*W+32 (hi part), per row. */
  lo: Int32Array;
  loShift: Int32Array;
  loSpill: Int32Array;
  hi: Int32Array;
  hiShift: Int32Array;
  hiSpill: Int32Array;
}
const widePlans = new Map<number, WidePlan>();

function widePlanFor(W: number): WidePlan {
  let p = widePlans.get(W);
  if (!p) {
    const lanes = 16;
    // Half-word j of a lane lives at 2*lanes*(j>>1) + (j&1) relative to the lane's first word pair.
    const off = (j: number) => 2 * lanes * (j >> 1) + (j & 1);
    p = { lo: new Int32Array(64), loShift: new Int32Array(64), loSpill: new Int32Array(64), hi: new Int32Array(64), hiShift: new Int32Array(64), hiSpill: new Int32Array(64) };
    for (let row = 0; row < 64; row++) {
      const bit = row * W;
      const nLo = Math.min(W, 32);
      p.lo[row] = off(bit >>> 5);
      p.loShift[row] = bit & 31;
      p.loSpill[row] = (bit & 31) + nLo > 32 ? off((bit >>> 5) + 1) : -1;
      const hb = bit + 32;
      p.hi[row] = off(hb >>> 5);
      p.hiShift[row] = hb & 31;
      p.hiSpill[row] = W > 32 && (hb & 31) + (W - 32) > 32 ? off((hb >>> 5) + 1) : -1;
    }
    widePlans.set(W, p);
  }
  return p;
}

/** T = 64: `words` is a Uint32Array of (lo, hi) pairs, `base` counts 64-bit words; out likewise. */
function unpackWide(W: number, words: Uint32Array, base: number, out: Uint32Array, outBase: number): void {
  const idx = indexTable(64);
  if (W === 0) {
    out.fill(0, outBase * 2, (outBase + 1024) * 2);
    return;
  }
  const lanes = 16;
  const { lo: pLo, loShift, loSpill, hi: pHi, hiShift, hiSpill } = widePlanFor(W);
  const loMask = W >= 32 ? -1 : (1 << W) - 1;
  const hiBits = W - 32;
  const hiMask = hiBits >= 32 ? -1 : (1 << hiBits) - 1;
  const ob = 2 * outBase;
  for (let lane = 0; lane < lanes; lane++) {
    const b = 2 * (base + lane);
    for (let row = 0; row < 64; row++) {
      const o = ob + 2 * idx[row * lanes + lane]!;
      const sh = loShift[row]!;
      let lo = words[b + pLo[row]!]! >>> sh;
      const ls = loSpill[row]!;
      if (ls >= 0) lo |= words[b + ls]! << (32 - sh);
      out[o] = lo & loMask;
      if (hiBits > 0) {
        const hs = hiShift[row]!;
        let hi = words[b + pHi[row]!]! >>> hs;
        const hsp = hiSpill[row]!;
        if (hsp >= 0) hi |= words[b + hsp]! << (32 - hs);
        out[o + 1] = hi & hiMask;
      } else {
        out[o + 1] = 0;
      }
    }
  }
}

function wordsView(bytes: Uint8Array, T: number): Words {
  const src = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const bpw = T === 8 ? 1 : T === 16 ? 2 : 4;
  const n = Math.floor(src.length / bpw);
  if (bpw === 1) return src;
  return bpw === 2 ? new Uint16Array(src.buffer, src.byteOffset, n) : new Uint32Array(src.buffer, src.byteOffset, n);
}

function outArray(T: number, n: number): Words {
  return T === 8 ? new Uint8Array(n) : T === 16 ? new Uint16Array(n) : new Uint32Array(T === 64 ? 2 * n : n);
}

/** Words (of T bits) one 1024-value chunk of width W occupies. */
export function wordsPerChunk(T: number, W: number): number {
  return Math.ceil((1024 * W) / T);
}

function unpackInto(T: number, W: number, words: Words, base: number, out: Words, outBase: number, count: number, where: string): void {
  if (W > T) throw new CorruptDataError(`bit width ${W} exceeds ${T}-bit values`, { where });
  if ((base + wordsPerChunk(T, W)) * (T === 64 ? 2 : 1) > words.length) {
    throw new CorruptDataError(`bit-packed chunk of width ${W} runs past the end of its buffer`, { where });
  }
  const full = count === 1024;
  const dst = full ? out : outArray(T, 1024);
  const dstBase = full ? outBase : 0;
  if (T === 64) unpackWide(W, words as Uint32Array, base, dst as Uint32Array, dstBase);
  else unpackNarrow(T, W, words, base, dst, dstBase);
  if (!full) {
    const k = T === 64 ? 2 : 1;
    out.set(dst.subarray(0, count * k), outBase * k);
  }
}

function asBlock(T: number, out: Words, n: number): Block {
  return { kind: 'fixed', width: T / 8, data: new Uint8Array(out.buffer, out.byteOffset, n * (T / 8)), length: n };
}

function checkT(T: number, where: string): void {
  if (T !== 8 && T !== 16 && T !== 32 && T !== 64) throw new CorruptDataError(`bit-packing word size ${T}`, { where });
}

/** InlineBitpacking: chunks of [W as one T-bit word][1024*W/T words]. */
export function unpackInline(bytes: Uint8Array, T: number, numValues: number, where: string): Block {
  checkT(T, where);
  const words = wordsView(bytes, T);
  const k = T === 64 ? 2 : 1;
  const out = outArray(T, numValues);
  let w = 0;
  for (let done = 0; done < numValues; done += 1024) {
    if ((w + 1) * k > words.length) throw new CorruptDataError(`bit-packed data ends after ${done} of ${numValues} values`, { where });
    const W = words[w * k]!;
    if (T === 64 && words[w * k + 1] !== 0) throw new CorruptDataError('bit width does not fit 32 bits', { where });
    w += 1;
    unpackInto(T, W, words, w, out, done, Math.min(1024, numValues - done), where);
    w += wordsPerChunk(T, W);
  }
  return asBlock(T, out, numValues);
}

/** OutOfLineBitpacking with width W: whole chunks, then a padded chunk or raw tail. */
export function unpackOutOfLine(bytes: Uint8Array, T: number, W: number, numValues: number, where: string): Block {
  checkT(T, where);
  const words = wordsView(bytes, T);
  const k = T === 64 ? 2 : 1;
  const out = outArray(T, numValues);
  const per = wordsPerChunk(T, W);
  const whole = Math.floor(numValues / 1024);
  const tail = numValues - whole * 1024;
  for (let c = 0; c < whole; c++) unpackInto(T, W, words, c * per, out, c * 1024, 1024, where);
  if (tail > 0) {
    const base = whole * per;
    if (words.length / k === base + tail) {
      out.set(words.subarray(base * k, (base + tail) * k), whole * 1024 * k);
    } else {
      unpackInto(T, W, words, base, out, whole * 1024, tail, where);
    }
  }
  return asBlock(T, out, numValues);
}
