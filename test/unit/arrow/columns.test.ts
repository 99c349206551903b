// Bulk column readers against apache-arrow's own Vector#get: strings (ASCII and not, nulls,
// dictionaries, several chunks, slices of slices, struct children) and numbers (int64, float, nulls).
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { numbersAt, rowsOfStrings, stringCodes, stringsAt } from '../../../src/arrow/columns.js';
import { rng } from '../../helpers/rng.js';

function randomStrings(r: () => number, n: number, opts: { ascii: boolean; nulls: boolean; distinct: number }): (string | null)[] {
  const pool = Array.from({ length: opts.distinct }, (_, i) => (opts.ascii || i % 3 ? `zg_${i}_${'x'.repeat(i % 5)}` : `grüppe_${i}_☃`));
  return Array.from({ length: n }, () => (opts.nulls && r() < 0.1 ? null : pool[Math.floor(r() * pool.length)]!));
}

function vectors(values: (string | null)[]): [string, arrow.Vector][] {
  const half = Math.floor(values.length / 2);
  const chunked = arrow.makeVector([arrow.vectorFromArray(values.slice(0, half), new arrow.Utf8()).data[0]!, arrow.vectorFromArray(values.slice(half), new arrow.Utf8()).data[0]!]);
  const dict = arrow.vectorFromArray(values, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
  const struct = arrow.makeVector(arrow.makeData({ type: new arrow.Struct([arrow.Field.new('s', new arrow.Utf8(), true)]), length: values.length, nullCount: 0, children: [arrow.vectorFromArray(values, new arrow.Utf8()).data[0]!] }));
  return [
    ['utf8', arrow.vectorFromArray(values, new arrow.Utf8())],
    ['two chunks', chunked],
    ['dictionary', dict],
    ['sliced twice', arrow.vectorFromArray(values, new arrow.Utf8()).slice(3).slice(2, values.length - 10)],
    ['struct child of a slice', struct.slice(7, values.length - 3).getChildAt(0)!],
  ];
}

describe('arrow column readers', () => {
  for (const ascii of [true, false]) {
    it(`stringsAt and stringCodes equal Vector#get (${ascii ? 'ASCII' : 'non-ASCII'}, nulls, chunks, slices)`, () => {
      const r = rng(ascii ? 3 : 4);
      const values = randomStrings(r, 500, { ascii, nulls: true, distinct: 6 });
      for (const [name, v] of vectors(values)) {
        const want = Array.from({ length: v.length }, (_, i) => v.get(i) as string | null);
        expect(stringsAt(v), name).toEqual(want);
        const rows = Array.from({ length: 50 }, () => Math.floor(r() * v.length));
        expect(stringsAt(v, rows), name).toEqual(rows.map((i) => want[i]));
        const { codes, values: dict } = stringCodes(v);
        expect(Array.from(codes, (c) => (c < 0 ? null : dict[c])), name).toEqual(want);
        expect(new Set(dict).size).toBe(dict.length);
        // 'zg_9_' and 'zg_0_y' share byte length and first byte with present values but are absent.
        const asked = [...new Set(want.filter((x): x is string => x !== null)), 'absent', '', 'zg_9_', 'zg_0_y'];
        expect(Array.from(rowsOfStrings(v, asked)), name).toEqual(asked.map((x) => want.indexOf(x)));
      }
    });
  }

  it('numbersAt reads int64 (exact), float and sliced columns; nulls and unsafe int64 go to onBad', () => {
    const big = arrow.vectorFromArray([1n, 2n ** 40n, -5n, 7n, 2n ** 60n], new arrow.Int64());
    const bad = (row: number): never => {
      throw new Error(`bad ${row}`);
    };
    expect(Array.from(numbersAt(big.slice(1, 4), [0, 1, 2], bad))).toEqual([2 ** 40, -5, 7]);
    expect(() => numbersAt(big, [4], bad)).toThrow('bad 4');
    const f = arrow.vectorFromArray([0.5, null, 2.25], new arrow.Float64());
    expect(Array.from(numbersAt(f, [2, 0], bad))).toEqual([2.25, 0.5]);
    expect(() => numbersAt(f, [1], bad)).toThrow('bad 1');
    // 64-bit cells are read as two 32-bit words: check both signs and both edges of 2^53.
    const edges = [2n ** 53n - 1n, -(2n ** 53n) + 1n, -(2n ** 40n) - 3n, -1n, 2n ** 53n, -(2n ** 53n), -(2n ** 63n)];
    const i64 = arrow.vectorFromArray(edges, new arrow.Int64());
    const ok: number[] = [];
    const got = numbersAt(i64, [0, 1, 2, 3, 4, 5, 6], (row) => void ok.push(row));
    expect(Array.from(got.subarray(0, 4))).toEqual([2 ** 53 - 1, -(2 ** 53) + 1, -(2 ** 40) - 3, -1]);
    expect(ok).toEqual([4, 5, 6]);
    const u64 = arrow.vectorFromArray([2n ** 53n - 1n, 2n ** 63n, 2n ** 64n - 1n, 4294967296n + 7n], new arrow.Uint64());
    const badU: number[] = [];
    expect(Array.from(numbersAt(u64, [3, 0, 1, 2], (row) => void badU.push(row)).subarray(0, 2))).toEqual([4294967303, 2 ** 53 - 1]);
    expect(badU).toEqual([1, 2]);
    const chunked = arrow.makeVector([arrow.vectorFromArray([1, 2], new arrow.Int32()).data[0]!, arrow.vectorFromArray([3, 4, 5], new arrow.Int32()).data[0]!]);
    expect(Array.from(numbersAt(chunked, [4, 0, 2], bad))).toEqual([5, 1, 3]);
  });

  it('numbersAt over whole columns and runs of rows matches per-cell get() on random chunked columns', () => {
    const r = rng(7);
    const types = [new arrow.Int8(), new arrow.Uint16(), new arrow.Int32(), new arrow.Uint32(), new arrow.Float32(), new arrow.Float64(), new arrow.Int64(), new arrow.Uint64()];
    for (const type of types) {
      const wide = type instanceof arrow.Int64 || type instanceof arrow.Uint64;
      const chunks = Array.from({ length: 1 + Math.floor(r() * 4) }, () => {
        const n = Math.floor(r() * 50);
        const cells = Array.from({ length: n }, () => (r() < 0.2 ? null : Math.floor(r() * 100)));
        const v = arrow.vectorFromArray(wide ? cells.map((c) => (c === null ? null : BigInt(c))) : cells, type as arrow.DataType);
        // Half the chunks are slices of a longer vector (offset data, absolute null bitmaps).
        return r() < 0.5 && n > 2 ? v.slice(1, n - 1).data[0]! : v.data[0]!;
      });
      const v = arrow.makeVector(chunks);
      const want = (row: number) => (v.get(row) === null ? NaN : Number(v.get(row)));
      const nulls: number[] = [];
      const all = numbersAt(v, undefined, (row) => void nulls.push(row));
      expect(Array.from(all), String(type)).toEqual(Array.from({ length: v.length }, (_, i) => want(i)));
      expect(nulls).toEqual(Array.from({ length: v.length }, (_, i) => i).filter((i) => v.get(i) === null));
      // Ascending runs, a jump back and repeats: each run within one chunk is one call.
      const rows = Array.from({ length: 60 }, (_, i) => (i < 40 ? Math.floor((i * v.length) / 40) : Math.floor(r() * v.length))).filter((x) => x < v.length);
      expect(Array.from(numbersAt(v, rows, () => undefined)), String(type)).toEqual(rows.map(want));
    }
    // Float16 values are raw half-float bits in Arrow: read through get(), not as integers.
    const half = arrow.makeVector({ type: new arrow.Float16(), data: Uint16Array.of(0x3c00, 0xc000) } as never);
    expect(Array.from(numbersAt(half, undefined, () => undefined))).toEqual([1, -2]);
  });
});
