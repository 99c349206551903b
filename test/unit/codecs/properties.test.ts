// Seeded property tests: for random lengths (0..100,000, never a multiple of 128), every bit width
// 0..32, every transform, u32 and u64: decode(encode(x)) == x; the SIMD and scalar builds emit the
// same bytes; and both match the independent TypeScript reference encoder.
import { beforeAll, describe, expect, test } from 'vitest';
import { tsDecodeU32, tsEncodeU32, tsEncodeU64 } from '../../../bench/codec/ts-reference.js';
import type { BitpackTransform, Codecs } from '../../../src/codecs/index.js';
import { Rng, codecsFor, sameBytes } from './helpers.js';

const TRANSFORMS: BitpackTransform[] = ['none', 'delta', 'delta_zigzag'];
let simd: Codecs;
let scalar: Codecs;
beforeAll(async () => {
  [simd, scalar] = await Promise.all([codecsFor('simd'), codecsFor('scalar')]);
});

/** A length in 0..100,000 that is not a multiple of 128 (every case has a short last block). */
function length(rng: Rng): number {
  for (;;) {
    const n = rng.below(100_001);
    if (n % 128 !== 0) return n;
  }
}

/**
 * Values whose *transformed* form has at most `bits` bits, with the top bit used, so each width
 * is really exercised: raw values for none, a running sum of small deltas for delta, a running sum
 * of small signed steps for delta_zigzag.
 */
function u32Values(rng: Rng, n: number, bits: number, transform: BitpackTransform): Uint32Array {
  const v = new Uint32Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    let step = rng.bits(bits);
    if (i % 97 === 0 && bits > 0) step = (1 << (bits - 1)) >>> 0 | step; // force the top bit now and then
    if (transform === 'none') v[i] = step;
    else if (transform === 'delta') v[i] = acc = (acc + step) >>> 0;
    else v[i] = acc = (acc + ((step >>> 1) ^ -(step & 1))) >>> 0; // step is a zigzag code
  }
  return v;
}

function bytesOf(a: Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

describe('u32', () => {
  test.each(Array.from({ length: 33 }, (_, b) => b))('width %i: round trip, simd == scalar == TS reference', (bits) => {
    const rng = new Rng(1000 + bits);
    for (const transform of TRANSFORMS) {
      const n = length(rng);
      const v = u32Values(rng, n, bits, transform);
      const raw = bytesOf(v);
      const a = simd.bitpackEncode(raw, { transform, elementSize: 4 });
      const b = scalar.bitpackEncode(raw, { transform, elementSize: 4 });
      const label = `n=${n} bits=${bits} ${transform}`;
      expect(sameBytes(a, b), `simd == scalar, ${label}`).toBe(true);
      expect(sameBytes(a, tsEncodeU32(v, transform)), `== TS reference, ${label}`).toBe(true);
      expect(sameBytes(simd.bitpackDecode(a, { elementSize: 4 }), raw), `simd decode, ${label}`).toBe(true);
      expect(sameBytes(scalar.bitpackDecode(a, { elementSize: 4 }), raw), `scalar decode, ${label}`).toBe(true);
      expect(sameBytes(bytesOf(tsDecodeU32(a)), raw), `TS decode, ${label}`).toBe(true);
      if (n > 0 && transform === 'none') {
        // The first block's width byte is the bit length of the OR of its values.
        const or = v.subarray(0, 128).reduce((x, y) => x | y, 0);
        expect(a[5]).toBe(or === 0 ? 0 : 32 - Math.clz32(or));
        if (n >= 128) expect(a[5]).toBe(bits);
      }
    }
  });
});

describe('u64', () => {
  test.each([0, 1, 7, 31, 32, 33, 45, 63, 64])('width %i: round trip, simd == scalar == TS reference', (bits) => {
    const rng = new Rng(5000 + bits);
    for (const transform of TRANSFORMS) {
      const n = length(rng) >> 2; // u64 cases are rarer in homeobox; keep the run short
      const pairs = new Uint32Array(2 * n);
      const mask = bits === 0 ? 0n : (1n << BigInt(bits)) - 1n;
      let acc = 0n;
      for (let i = 0; i < n; i++) {
        const step = rng.big() & mask;
        const value = transform === 'none' ? step : (acc = (acc + (transform === 'delta' ? step : (step >> 1n) ^ -(step & 1n))) & 0xffffffffffffffffn);
        pairs[2 * i] = Number(value & 0xffffffffn);
        pairs[2 * i + 1] = Number(value >> 32n);
      }
      const raw = bytesOf(pairs);
      const a = simd.bitpackEncode(raw, { transform, elementSize: 8 });
      const label = `n=${n} bits=${bits} ${transform}`;
      expect(sameBytes(a, scalar.bitpackEncode(raw, { transform, elementSize: 8 })), `simd == scalar, ${label}`).toBe(true);
      expect(sameBytes(a, tsEncodeU64(pairs, transform)), `== TS reference, ${label}`).toBe(true);
      expect(sameBytes(simd.bitpackDecode(a, { elementSize: 8 }), raw), `simd decode, ${label}`).toBe(true);
      expect(sameBytes(scalar.bitpackDecode(a, { elementSize: 8 }), raw), `scalar decode, ${label}`).toBe(true);
    }
  });
});

test('the header transform byte decides decoding, whatever the caller believes', () => {
  const v = Uint32Array.from({ length: 1000 }, (_, i) => i * 5);
  for (const t of TRANSFORMS) {
    const enc = simd.bitpackEncodeU32(v, t);
    expect(enc[0]).toBe(TRANSFORMS.indexOf(t));
    expect(Array.from(simd.bitpackDecodeU32(enc))).toEqual(Array.from(v));
  }
});

test('trailing bytes after the last block are ignored', () => {
  const v = Uint32Array.from({ length: 300 }, (_, i) => i);
  const enc = simd.bitpackEncodeU32(v, 'delta');
  const padded = new Uint8Array(enc.length + 17).fill(0xee);
  padded.set(enc);
  expect(Array.from(simd.bitpackDecodeU32(padded))).toEqual(Array.from(v));
  expect(Array.from(scalar.bitpackDecodeU32(padded))).toEqual(Array.from(v));
});
