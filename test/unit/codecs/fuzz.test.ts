// Random corruption of valid encodings: bit flips, byte overwrites, truncations, insertions and
// deletions, forged header counts and block widths. Every call must either decode or throw a
// CodecError — never trap (the wrapper would report code Trap), crash or hang — and the instance
// must still decode correctly afterwards. 10,000 mutations per decoder per build. The CSC → CSR
// kernels get the same treatment with random row maps, plans and values.
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { CodecError } from '../../../src/errors.js';
import { ErrorCode, type Codecs } from '../../../src/codecs/index.js';
import { Rng, VARIANTS, codecsFor, sameBytes } from './helpers.js';
import { inlineChunk, miniBlockPage, rleChunk, stringChunk } from '../../helpers/lance-pages.js';

const MUTATIONS = 10_000;

/** Offsets of the block width bytes of a valid u32 (1 stream) or u64 (2 streams) encoding. */
function widthOffsets(enc: Uint8Array, streams: number): number[] {
  const n = new DataView(enc.buffer, enc.byteOffset).getUint32(1, true);
  const out: number[] = [];
  let pos = 5;
  for (let s = 0; s < streams; s++) {
    for (let k = 0; k < Math.ceil(n / 128); k++) {
      out.push(pos);
      pos += 1 + 16 * enc[pos]!;
    }
  }
  return out;
}

function mutate(rng: Rng, src: Uint8Array, widths: number[]): Uint8Array {
  const m = src.slice();
  switch (rng.below(8)) {
    case 0: // flip a few bits
      for (let i = rng.below(4); i >= 0; i--) m[rng.below(m.length)]! ^= 1 << rng.below(8);
      return m;
    case 1: // overwrite a few bytes
      for (let i = rng.below(4); i >= 0; i--) m[rng.below(m.length)] = rng.below(256);
      return m;
    case 2: // truncate
      return m.subarray(0, rng.below(m.length));
    case 3: // a block width byte set to anything, often > 32
      if (widths.length) m[widths[rng.below(widths.length)]!] = rng.below(256);
      return m;
    case 4: // forged element count (small change or arbitrary)
      if (m.length >= 5) new DataView(m.buffer).setUint32(1, rng.below(2) ? rng.u32() : Math.max(0, m[1]! + rng.below(300) - 150), true);
      return m;
    case 5: { // insert random bytes
      const at = rng.below(m.length + 1);
      const extra = 1 + rng.below(40);
      const r = new Uint8Array(m.length + extra);
      r.set(m.subarray(0, at));
      for (let i = 0; i < extra; i++) r[at + i] = rng.below(256);
      r.set(m.subarray(at), at + extra);
      return r;
    }
    case 6: { // delete a range
      const at = rng.below(m.length);
      const r = new Uint8Array(m.length);
      r.set(m.subarray(0, at));
      const rest = m.subarray(at + 1 + rng.below(64));
      r.set(rest, at);
      return r.subarray(0, at + rest.length);
    }
    default: // header transform byte
      m[0] = rng.below(256);
      return m;
  }
}

function expectDecodesOrCodecError(fn: () => unknown): 'ok' | 'error' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    // Checked by hand (not expect()) to keep 10,000 iterations cheap.
    if (!(err instanceof CodecError) || err.code === ErrorCode.Trap) throw err;
    return 'error';
  }
}

function sampleU32(rng: Rng, n: number): Uint32Array {
  // CSR-like: sorted runs that reset (delta gives huge wrapped deltas at resets) mixed with counts.
  let acc = 0;
  return Uint32Array.from({ length: n }, (_, i) => (i % 700 === 0 ? (acc = rng.below(50)) : (acc += 1 + rng.below(40))));
}


describe.each(VARIANTS)('%s build', (variant) => {
  test(`bitpack u32: ${MUTATIONS} mutations`, async () => {
    const c: Codecs = await codecsFor(variant);
    const rng = new Rng(42);
    const values = sampleU32(rng, 3000);
    const valid = ['none', 'delta', 'delta_zigzag'].map((t) => c.bitpackEncodeU32(values, t as 'none'));
    const widths = valid.map((v) => widthOffsets(v, 1));
    const counts = { ok: 0, error: 0 };
    const out = new Uint8Array(16_384);
    for (let i = 0; i < MUTATIONS; i++) {
      const k = i % 3;
      const m = mutate(rng, valid[k]!, widths[k]!);
      counts[expectDecodesOrCodecError(() => c.bitpackDecode(m, { elementSize: 4 }))]++;
      if (i % 4 === 0) expectDecodesOrCodecError(() => c.decodeChunkInto(m, { name: 'homeobox.bitpacking', elementSize: 4 }, out));
      if (i % 4 === 1) expectDecodesOrCodecError(() => c.bitpackDecode(m, { elementSize: 8 })); // u32 data read as u64
    }
    expect(counts.error).toBeGreaterThan(MUTATIONS / 4);
    expect(Array.from(c.bitpackDecodeU32(valid[1]!))).toEqual(Array.from(values));
  });

  test(`bitpack u64: ${MUTATIONS} mutations`, async () => {
    const c = await codecsFor(variant);
    const rng = new Rng(43);
    const values = BigUint64Array.from(sampleU32(rng, 1500), (v, i) => (BigInt(v) << BigInt(i % 40)) + 2n ** 50n);
    const valid = ['none', 'delta', 'delta_zigzag'].map((t) => c.bitpackEncodeU64(values, t as 'none'));
    const widths = valid.map((v) => widthOffsets(v, 2));
    const counts = { ok: 0, error: 0 };
    for (let i = 0; i < MUTATIONS; i++) {
      const k = i % 3;
      const m = mutate(rng, valid[k]!, widths[k]!);
      counts[expectDecodesOrCodecError(() => c.bitpackDecode(m, { elementSize: 8, maxOutputBytes: 1 << 20 }))]++;
    }
    expect(counts.error).toBeGreaterThan(MUTATIONS / 4);
    expect(Array.from(c.bitpackDecodeU64(valid[2]!))).toEqual(Array.from(values));
  });

  test(`zstd: ${MUTATIONS} mutations`, async () => {
    const c = await codecsFor(variant);
    const rng = new Rng(44);
    const raw = new Uint8Array(sampleU32(rng, 4000).buffer);
    // Our frames (content size, no checksum) and a CLI frame (checksum on, from stdin: no size).
    const valid = [
      c.zstdCompress(raw, { level: 1 }),
      c.zstdCompress(raw, { level: 19 }),
      new Uint8Array(execFileSync('zstd', ['-q', '-3', '-c', '-'], { input: raw })),
    ];
    const counts = { ok: 0, error: 0 };
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < MUTATIONS; i++) {
      const m = mutate(rng, valid[i % 3]!, []);
      counts[expectDecodesOrCodecError(() => c.zstdDecompress(m, { maxOutputBytes: 1 << 20 }))]++;
      if (i % 4 === 0) expectDecodesOrCodecError(() => c.decodeChunkInto(m, { name: 'zstd' }, out));
    }
    expect(counts.error).toBeGreaterThan(MUTATIONS / 4);
    for (const frame of valid) expect(sameBytes(c.zstdDecompress(frame, { maxOutputBytes: raw.length }), raw)).toBe(true);
  });

  test('csc assembly kernels: 2,000 random jobs, each a CSR or a CodecError, memory returned', async () => {
    const c = await codecsFor(variant);
    const rng = new Rng(45);
    const before = c.memoryBytes();
    const counts = { ok: 0, error: 0 };
    const small = (n: number) => (rng.below(8) === 0 ? rng.u32() : rng.below(n));
    for (let i = 0; i < 2000; i++) {
      const nRows = rng.below(50);
      const groups = Array.from({ length: 1 + rng.below(3) }, () => {
        const n = rng.below(40);
        const rows = Uint32Array.from({ length: n }, () => small(30));
        // output rows, mostly valid, sometimes past nRows or negative
        const one = Int32Array.from({ length: rng.below(30) }, () => (rng.below(6) === 0 ? small(nRows + 5) | 0 : rng.below(Math.max(nRows, 1)) - (rng.below(4) === 0 ? 1 : 0)));
        const plan = Uint32Array.from({ length: 3 * rng.below(5) + (rng.below(10) === 0 ? 1 : 0) }, () => small(n + 3));
        return { rows, one, plan };
      });
      const layers = [groups.map((g) => Float64Array.from({ length: g.rows.length + (rng.below(10) === 0 ? 1 : 0) }, () => rng.below(100)))];
      const r = expectDecodesOrCodecError(() => {
        const out = c.assembleCsc(groups, nRows, layers);
        if (!out) return;
        // What came back is a well-formed CSR: rows ascend, and every entry has an index and a value.
        expect(out.indptr.length).toBe(nRows + 1);
        for (let r = 0; r < nRows; r++) if (out.indptr[r + 1]! < out.indptr[r]!) throw new Error(`indptr decreases at ${r}`);
        expect(out.indices.length).toBe(out.indptr[nRows]);
        expect(out.data[0]!.length).toBe(out.indices.length);
      });
      counts[r]++;
    }
    expect(counts.ok).toBeGreaterThan(20);
    expect(counts.error).toBeGreaterThan(500);
    expect(c.memoryBytes()).toBe(before);
  });
  test('lance mini-block pages: 3,000 mutations, each decoded or a CodecError', async () => {
    const c = await codecsFor(variant);
    const rng = new Rng(46);
    // 19 symbols of 1–8 bytes, for the codes stringChunk writes
    const symbols = new Uint8Array(19 * 9);
    for (let k = 0; k < 19; k++) symbols[19 * 8 + k] = 1 + (k % 8);
    const kinds = [
      () => ({ values: { kind: 'strings' as const }, chunks: [64, 64, 32].map((n) => ({ buf: stringChunk(rng, n), items: n })) }),
      () => ({ values: { kind: 'strings' as const, symbols }, chunks: [128, 16].map((n) => ({ buf: stringChunk(rng, n), items: n })) }),
      ...[8, 16, 32, 64].map((bits) => () => ({ values: { kind: 'inline' as const, bits }, chunks: [2048, 1024, 300].map((n) => ({ buf: inlineChunk(rng, bits, n), items: n })) })),
      () => ({ values: { kind: 'flat' as const, bits: 32 }, chunks: [{ buf: Uint8Array.from({ length: 512 }, () => rng.below(256)), items: 128 }] }),
      ...[8, 16, 32].map((lengthBits) => () => ({ values: { kind: 'rle' as const, bits: 32, lengthBits }, chunks: [4096, 1024, 999].map((n) => ({ buf: rleChunk(rng, 32, lengthBits, n), items: n })) })),
    ];
    const valid = [false, true].flatMap((largeChunk) =>
      kinds.map((k) => {
        const { values, chunks } = k();
        return { ...miniBlockPage(chunks, largeChunk), values, items: chunks.reduce((s, ch) => s + ch.items, 0), largeChunk };
      }),
    );
    for (const page of valid) expect(expectDecodesOrCodecError(() => c.lanceMiniBlock(page))).toBe('ok');
    const counts = { ok: 0, error: 0 };
    for (let i = 0; i < 3000; i++) {
      const page = valid[i % valid.length]!;
      const bad = rng.below(3) === 0 ? { ...page, meta: mutate(rng, page.meta, []) } : rng.below(10) === 0 ? { ...page, items: rng.below(5000) } : { ...page, data: mutate(rng, page.data, []) };
      counts[expectDecodesOrCodecError(() => c.lanceMiniBlock(bad))]++;
    }
    expect(counts.error).toBeGreaterThan(500);
    expect(counts.ok).toBeGreaterThan(200);
  });
});
