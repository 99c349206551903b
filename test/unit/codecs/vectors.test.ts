// The 144 vectors from homeobox's own Rust encoder: every one decodes to its values and re-encodes
// to identical bytes, in both builds of the module.
import { describe, expect, test } from 'vitest';
import { VARIANTS, codecsFor, rawBytes, readVectors, sameBytes } from './helpers.js';

const vectors = readVectors();

test('the vector file has 144 cases, some u64 above 2^53', () => {
  expect(vectors).toHaveLength(144);
  expect(vectors.some((v) => v.kind === 'u64' && v.values.some((x) => x > 2n ** 53n))).toBe(true);
  expect(vectors.some((v) => v.values.includes(2n ** 64n - 1n))).toBe(true);
});

describe.each(VARIANTS)('%s build', (variant) => {
  test('loads the requested variant', async () => {
    expect((await codecsFor(variant)).variant).toBe(variant);
  });

  test('all 144 vectors decode to their values and re-encode byte for byte', async () => {
    const c = await codecsFor(variant);
    let ok = 0;
    for (const v of vectors) {
      const elementSize = v.kind === 'u64' ? 8 : 4;
      const raw = rawBytes(v.values, elementSize);
      const label = `${v.kind} ${v.name} ${v.transform}`;
      expect(sameBytes(c.bitpackDecode(v.encoded, { elementSize }), raw), `decode ${label}`).toBe(true);
      expect(sameBytes(c.bitpackEncode(raw, { transform: v.transform, elementSize }), v.encoded), `encode ${label}`).toBe(true);
      const out = new Uint8Array(raw.length);
      expect(c.decodeChunkInto(v.encoded, { name: 'homeobox.bitpacking', elementSize }, out), label).toBe(raw.length);
      expect(sameBytes(out, raw), `decodeChunkInto ${label}`).toBe(true);
      ok++;
    }
    expect(ok).toBe(144);
  });

  test('typed helpers', async () => {
    const c = await codecsFor(variant);
    const big = vectors.find((v) => v.kind === 'u64' && v.name === 'mixed' && v.transform === 'delta')!;
    expect(Array.from(c.bitpackDecodeU64(big.encoded))).toEqual(big.values);
    expect(c.bitpackEncodeU64(BigUint64Array.from(big.values), 'delta')).toEqual(big.encoded);
    const small = vectors.find((v) => v.kind === 'u32' && v.name === 'csr_like' && v.transform === 'delta')!;
    expect(Array.from(c.bitpackDecodeU32(small.encoded))).toEqual(small.values.map(Number));
    expect(c.bitpackEncodeU32(Uint32Array.from(small.values.map(Number)), 'delta')).toEqual(small.encoded);
  });
});
