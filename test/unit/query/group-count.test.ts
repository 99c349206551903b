// count({groupBy}) keys and order, as homeobox's polars `group_by(cols).agg(pl.len()).sort(cols)`:
// nulls first, NaN after +inf, and NaN / ±inf / null as separate groups.
import * as arrow from 'apache-arrow';
import { expect, test } from 'vitest';
import { groupCount } from '../../../src/query/group-count.js';
import { balancedPick } from '../../../src/query/obs-select.js';

const rowsOf = (t: arrow.Table) => [...t].map((r) => Object.values(r.toJSON()).map((v) => (typeof v === 'bigint' ? Number(v) : v)));

test('NaN, +inf, −inf and null are four groups, ordered null, −inf … +inf, NaN; 0 and −0 are one', () => {
  const x = [NaN, 1.5, Infinity, null, -Infinity, NaN, 0, -0, null, 1.5, NaN];
  const t = new arrow.Table({ x: arrow.vectorFromArray(x, new arrow.Float64()) });
  expect(rowsOf(groupCount(t, ['x']))).toEqual([
    [null, 2],
    [-Infinity, 1],
    [0, 2],
    [1.5, 2],
    [Infinity, 1],
    [NaN, 3],
  ]);
});

test('several columns: strings, integers and booleans keep their types; nulls first in every column', () => {
  const t = new arrow.Table({
    s: arrow.vectorFromArray(['b', 'a', null, 'b', 'a', 'a'], new arrow.Utf8()),
    i: arrow.vectorFromArray([2n, 1n, 1n, 2n, null, 1n], new arrow.Int64()),
    b: arrow.vectorFromArray([true, false, true, true, null, false], new arrow.Bool()),
  });
  const got = groupCount(t, ['s', 'i', 'b']);
  expect(got.schema.fields.map((f) => String(f.type))).toEqual(['Utf8', 'Int64', 'Bool', 'Int64']);
  expect(rowsOf(got)).toEqual([
    [null, 1, true, 1],
    ['a', null, null, 1],
    ['a', 1, false, 2],
    ['b', 2, true, 2],
  ]);
});

test('a list column (an embedding) is refused, not grouped by its vectors', () => {
  const t = new arrow.Table({ X_umap: arrow.vectorFromArray([[1, 2], [3, 4]], new arrow.FixedSizeList(2, new arrow.Field('item', new arrow.Float32()))) });
  expect(() => groupCount(t, ['X_umap'])).toThrow(expect.objectContaining({ _tag: 'Query', message: expect.stringContaining('X_umap') }));
});

test('strings sort by code point (UTF-8 byte order, as polars and Python sort), not by UTF-16 units', () => {
  // UTF-16 puts 🧬 (a surrogate pair, U+1F9EC) before Ａ (U+FF21); code point order puts it after
  const t = new arrow.Table({ s: arrow.vectorFromArray(['🧬', 'Ａ', 'z', '\uFFFD', 'Ａ'], new arrow.Utf8()) });
  expect(rowsOf(groupCount(t, ['s']))).toEqual([['z', 1], ['Ａ', 2], ['\uFFFD', 1], ['🧬', 1]]);
  expect(['🧬', 'Ａ', 'z', '\uFFFD'].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(['z', 'Ａ', '\uFFFD', '🧬']);
});

test('balancedPick walks groups in the same order: numbers by value, strings by code point; NULL is no group', () => {
  const nums = [10, 9, null, 10, 9, 100];
  expect(balancedPick({ length: nums.length, get: (i) => nums[i] }, 6)).toEqual([1, 4, 0, 3, 5]); // 9s, 10s, 100 (it sorted "10" < "100" < "9")
  const strs = ['🧬', 'Ａ', '🧬', 'Ａ'];
  expect(balancedPick({ length: strs.length, get: (i) => strs[i] }, 2)).toEqual([1, 0]);
});
