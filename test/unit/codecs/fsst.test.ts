// The codec module's FSST decoder (wasm/src/fsst.rs) against the TypeScript one
// (src/lance/encodings/fsst.ts, the reference): seeded random symbol tables and code streams with
// escapes, outputs that expand past the first capacity guess, both builds, and every error. Real
// Lance pages are decoded by both against LanceDB in test/unit/lance (formats, large).
import { beforeAll, describe, expect, test } from 'vitest';
import type { Codecs, FsstStrings } from '../../../src/codecs/index.js';
import { CodecError, CorruptDataError } from '../../../src/errors.js';
import { fsstDecode, parseSymbolTable, type SymbolTable } from '../../../src/lance/encodings/fsst.js';
import { Rng, VARIANTS, codecsFor } from './helpers.js';

/** A Lance symbol table (header + body) of `lens.length` random symbols. */
function symbolTable(rng: Rng, lens: number[]): Uint8Array {
  const n = lens.length;
  const t = new Uint8Array(8 + 9 * n);
  t.set([n, 0, 0, 1, 0x54, 0x53, 0x53, 0x46]);
  for (let c = 0; c < n; c++) {
    for (let k = 0; k < lens[c]!; k++) t[8 + 8 * c + k] = rng.below(256);
    t[8 + 8 * n + c] = lens[c]!;
  }
  return t;
}

/** `strings` random strings of codes (escapes included) and their offsets, starting at `start`. */
function codeStream(rng: Rng, count: number, strings: number, start: number): { codes: Uint8Array; offsets: Uint32Array } {
  const bytes: number[] = Array.from({ length: start }, () => rng.below(256));
  const offsets = new Uint32Array(strings + 1);
  offsets[0] = start;
  for (let s = 0; s < strings; s++) {
    const len = rng.below(5) === 0 ? 0 : rng.below(40);
    for (let k = 0; k < len; k++) {
      if (count === 0 || rng.below(10) === 0) bytes.push(255, rng.below(256));
      else bytes.push(rng.below(count));
    }
    offsets[s + 1] = bytes.length;
  }
  return { codes: Uint8Array.from(bytes), offsets };
}

function reference(codes: Uint8Array, offsets: Uint32Array, length: number, st: SymbolTable): FsstStrings {
  const b = fsstDecode({ kind: 'var', offsets, data: codes, length }, st, 'ref');
  if (b.kind !== 'var') throw new Error('not var');
  return { data: b.data, offsets: b.offsets };
}

describe.each(VARIANTS)('FSST, %s build', (variant) => {
  let c: Codecs;
  beforeAll(async () => {
    c = await codecsFor(variant);
  });

  test('equals the TypeScript decoder on 300 random tables and streams', () => {
    const rng = new Rng(0xf5);
    for (let t = 0; t < 300; t++) {
      const count = [0, 1, 255][t % 10] ?? 1 + rng.below(255);
      const lens = Array.from({ length: count }, () => 1 + rng.below(8));
      const table = symbolTable(rng, lens);
      const st = parseSymbolTable(table, 'x');
      const strings = rng.below(3) === 0 ? 0 : rng.below(600);
      const { codes, offsets } = codeStream(rng, count, strings, t % 3 === 0 ? rng.below(9) : 0);
      const got = c.fsstDecode(codes, offsets, strings, st.body);
      const want = reference(codes, offsets, strings, st);
      expect(Array.from(got.offsets)).toEqual(Array.from(want.offsets));
      expect(Buffer.from(got.data).equals(Buffer.from(want.data))).toBe(true);
    }
  });

  test('grows its output past the first guess (every code an 8-byte symbol)', () => {
    const rng = new Rng(8);
    const table = symbolTable(rng, Array.from({ length: 200 }, () => 8));
    const st = parseSymbolTable(table, 'x');
    const codes = Uint8Array.from({ length: 100_000 }, () => rng.below(200));
    const offsets = Uint32Array.of(0, 50_000, 100_000);
    const got = c.fsstDecode(codes, offsets, 2, st.body);
    expect(got.data.length).toBe(800_000);
    expect(Buffer.from(got.data).equals(Buffer.from(reference(codes, offsets, 2, st).data))).toBe(true);
    // The next, smaller call reuses the grown scratch and still returns exactly its bytes.
    expect(c.fsstDecode(codes.subarray(0, 3), Uint32Array.of(0, 3), 1, st.body).data.length).toBe(24);
  });

  test('rejects corrupt input with a CodecError naming the problem', () => {
    const st = parseSymbolTable(symbolTable(new Rng(1), [1, 2]), 'x');
    const fail = (codes: number[], offsets: number[], body = st.body) => {
      try {
        c.fsstDecode(Uint8Array.from(codes), Uint32Array.from(offsets), offsets.length - 1, body, { where: 'page 3' });
      } catch (err) {
        expect(err).toBeInstanceOf(CodecError);
        expect((err as CodecError).message).toContain('page 3');
        return [(err as CodecError).fields.codeName, (err as CodecError).message];
      }
      throw new Error('no error');
    };
    expect(fail([0, 7], [0, 2])).toEqual(['FsstBadCode', expect.stringContaining('code 7 at byte 1')]);
    expect(fail([0, 255], [0, 2])[0]).toBe('FsstTruncatedEscape');
    expect(fail([255, 0], [0, 1, 2])).toEqual(['FsstTruncatedEscape', expect.stringContaining('string 0 ends with an escape')]);
    expect(fail([0, 0], [0, 2, 1])[0]).toBe('FsstBadOffsets');
    expect(fail([0, 0], [0, 3])[0]).toBe('FsstBadOffsets');
    const badLen = st.body.slice();
    badLen[16] = 9;
    expect(fail([0], [0, 1], badLen)[0]).toBe('FsstBadSymbol');
    expect(fail([0], [0, 1], st.body.subarray(0, 10))[0]).toBe('BadArgument');
    expect(() => c.fsstDecode(Uint8Array.of(0), Uint32Array.of(0), 1, st.body)).toThrow(/offsets for 1 strings/);
  });

  test('a corrupt Lance FSST block is a CorruptDataError through the Lance reader too', () => {
    const st = parseSymbolTable(symbolTable(new Rng(2), [2]), 'x');
    const input = { kind: 'var' as const, offsets: Uint32Array.of(0, 2), data: Uint8Array.of(0, 5), length: 1 };
    const dec = { zstd: () => new Uint8Array(0), lz4Block: () => new Uint8Array(0), fsst: c.fsstDecode.bind(c) };
    expect(() => fsstDecode(input, st, 'cells.lance page 0', dec)).toThrow(CorruptDataError);
    expect(() => fsstDecode(input, st, 'cells.lance page 0', dec)).toThrow(/^fsst: code 5 at byte 1 has no symbol in the table \(at cells\.lance page 0\)$/);
  });
});
