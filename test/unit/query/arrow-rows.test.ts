// pickRows / pickVector: the buffer-gathering fast path (strings, fixed-width numbers) equals
// apache-arrow's own cell values, over nulls, several chunks, slices and repeated rows.
import * as arrow from 'apache-arrow';
import { describe, expect, it, test } from 'vitest';
import { concatTables, pickRows, pickVector } from '../../../src/query/arrow-rows.js';
import { rng } from '../../helpers/rng.js';

describe('pickRows', () => {
  it('gathers utf8, int64, int32, float32 and nested columns exactly, with nulls, chunks and slices', () => {
    const r = rng(11);
    const n = 300;
    const maybe = <T>(x: T) => (r() < 0.1 ? null : x);
    const cols = {
      s: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => maybe(`uid-${i}-${'é'.repeat(i % 3)}${i % 5 === 0 ? 'long'.repeat(20) : ''}`)), new arrow.Utf8()),
      big: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => maybe(BigInt(i) * 2n ** 40n)), new arrow.Int64()),
      i: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => maybe(i - 150)), new arrow.Int32()),
      f: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => maybe(i / 7)), new arrow.Float32()),
      b: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => maybe(i % 2 === 0)), new arrow.Bool()),
    };
    const whole: arrow.Table = new arrow.Table(cols);
    const chunked = whole.slice(0, 100).concat(whole.slice(100, 250), whole.slice(250));
    const sliced = whole.slice(17, 280);
    for (const t of [whole, chunked, sliced]) {
      const idx = Array.from({ length: 120 }, () => Math.floor(r() * t.numRows));
      const got = pickRows(t, idx);
      for (const f of t.schema.fields) {
        const want = idx.map((i) => t.getChild(f.name)!.get(i));
        expect(Array.from({ length: idx.length }, (_, k) => got.getChild(f.name)!.get(k)), f.name).toEqual(want);
        expect(got.getChild(f.name)!.type.toString()).toBe(f.type.toString());
      }
    }
    expect(pickVector(cols.s, cols.s.type, []).length).toBe(0);
  });
});

test('concatTables: the batches of every table in order, for a hundred thousand tables too (one call, no argument spread)', () => {
  const t = new arrow.Table({ a: arrow.vectorFromArray(Int32Array.from({ length: 10 }, (_, i) => i)), s: arrow.vectorFromArray(Array.from({ length: 10 }, (_, i) => `r${i}`)) });
  const parts = Array.from({ length: 100_000 }, (_, k) => t.slice(k % 10, (k % 10) + 1));
  const all = concatTables(parts);
  expect(all.numRows).toBe(100_000);
  expect(all.schema).toBe(t.schema);
  expect([all.get(0)!.toJSON(), all.get(99_999)!.toJSON()]).toEqual([{ a: 0, s: 'r0' }, { a: 9, s: 'r9' }]);
  expect(concatTables([t])).toBe(t);
});
