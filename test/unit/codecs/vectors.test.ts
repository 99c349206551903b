// The 144 vectors from homeobox's own Rust encoder: every one decodes to its values and re-encodes
// to identical bytes, in both builds of the module.
import { describe, expect, test } from 'vitest';
import { CodecError } from '../../../src/errors.js';
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

  test('decodeIndicesInto: every u32 vector decodes and maps through its table; tables stay correct when they alternate', async () => {
    const c = await codecsFor(variant);
    const u32 = vectors.filter((v) => v.kind === 'u32');
    // Tables over part of each vector's range (the rest is outside: −2^31), with some drops.
    const tables = u32.map((v, t) => {
      const max = v.values.reduce((m, x) => (x > m ? x : m), 0n);
      const n = Math.min(Number(max) + 1, 1 << 16);
      return Int32Array.from({ length: (t % 3 === 0 ? n : Math.ceil(n / 2)) }, (_, i) => (i % 5 === 4 ? -1 : (i * 7919 + t) % 100_000));
    });
    const handles = tables.map((t) => c.remapTable(t));
    for (const round of [0, 1]) {
      u32.forEach((_, t) => {
        const k = round === 0 ? t : u32.length - 1 - t; // second round: other order, so every table is uploaded again
        const vec = u32[k]!;
        const table = tables[k]!;
        const out = new Uint8Array(vec.values.length * 4);
        const r = c.decodeIndicesInto(vec.encoded, { name: 'homeobox.bitpacking', elementSize: 4 }, handles[k]!, out);
        const want = vec.values.map((x) => (x < BigInt(table.length) ? table[Number(x)]! : -0x80000000));
        expect(r.bytes).toBe(out.length);
        expect([...new Int32Array(out.buffer)], `${vec.name} ${vec.transform}`).toEqual(want);
        expect(r.min).toBe(want.length ? Math.min(...want) : 0x7fffffff);
      });
    }
    // The handle holds a copy: changing the caller's array afterwards changes nothing.
    const v = u32.find((x) => x.values.length > 10 && x.values.every((y) => y < 1000n))!;
    const table = Int32Array.from({ length: 1000 }, (_, i) => i + 1);
    const h = c.remapTable(table);
    table.fill(0);
    const out = new Uint8Array(v.values.length * 4);
    c.decodeIndicesInto(v.encoded, { name: 'homeobox.bitpacking', elementSize: 4 }, h, out);
    expect([...new Int32Array(out.buffer)]).toEqual(v.values.map((x) => Number(x) + 1));
  });

  test('decodeIndicesInto: zstd chunks; wrong element size, foreign tables and odd byte counts are CodecErrors', async () => {
    const c = await codecsFor(variant);
    const locals = Uint32Array.from({ length: 5000 }, (_, i) => (i * 31) % 700);
    const table = Int32Array.from({ length: 700 }, (_, i) => 699 - i);
    const frame = c.zstdCompress(new Uint8Array(locals.buffer));
    const out = new Uint8Array(locals.length * 4);
    const r = c.decodeIndicesInto(frame, { name: 'zstd' }, c.remapTable(table), out);
    expect(r).toEqual({ bytes: out.length, min: 0 });
    expect([...new Int32Array(out.buffer)]).toEqual([...locals].map((l) => 699 - l));
    expect(() => c.decodeIndicesInto(frame, { name: 'homeobox.bitpacking', elementSize: 8 }, c.remapTable(table), out)).toThrow(CodecError);
    expect(() => c.decodeIndicesInto(frame, { name: 'zstd' }, { length: 700 }, out)).toThrow(/remapTable/);
    const odd = c.zstdCompress(new Uint8Array(6));
    expect(() => c.decodeIndicesInto(odd, { name: 'zstd' }, c.remapTable(table), out)).toThrow(CodecError);
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
