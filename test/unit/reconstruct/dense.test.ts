// Dense scatter vs an element-by-element reference; run merging; casts; validation.
import { describe, expect, it } from 'vitest';
import { scatterDense } from '../../../src/reconstruct/dense.js';
import { effectiveRemap, unionSorted } from '../../../src/reconstruct/join.js';
import { randInt, rng } from '../zarr/helpers/rng.js';

describe('scatterDense', () => {
  it('matches the reference on 50 random multi-group layouts', () => {
    for (let seed = 0; seed < 50; seed++) {
      const r = rng(77 + seed);
      const universe = 5 + seed;
      const remaps = Array.from({ length: 1 + (seed % 3) }, () => {
        const s = new Set<number>();
        const n = randInt(r, 1, universe + 1);
        while (s.size < n) s.add(randInt(r, 0, universe));
        const a = [...s];
        if (r() < 0.5) a.sort((x, y) => x - y); // contiguous runs become one copy per row
        return Int32Array.from(a);
      });
      const joined = unionSorted(remaps);
      const nRows = 30;
      const slots = Array.from({ length: nRows }, (_, i) => i).sort(() => r() - 0.5);
      let next = 0;
      const groups = remaps.map((remap) => {
        const B = randInt(r, 0, 8);
        const outRows = slots.slice(next, (next += B));
        return { outRows, fLocal: remap.length, data: Float32Array.from({ length: outRows.length * remap.length }, () => r()), remap: effectiveRemap(remap, joined, 'union') };
      });
      const got = scatterDense(groups, { nRows, nCols: joined.length, dtype: 'float32' });
      const ref = new Float32Array(nRows * joined.length);
      for (const g of groups) g.outRows.forEach((row, b) => g.remap.forEach((col, c) => col >= 0 && (ref[row * joined.length + col] = g.data[b * g.fLocal + c]!)));
      expect(got).toEqual(ref);
    }
  });

  it('drops -1 columns, casts bigint data, validates', () => {
    const got = scatterDense([{ outRows: [1], fLocal: 3, data: BigInt64Array.from([1n, 2n, 3n]), remap: Int32Array.from([1, -1, 0]) }], { nRows: 2, nCols: 2, dtype: 'uint32' });
    expect([...got]).toEqual([0, 0, 3, 1]);
    expect(() => scatterDense([{ outRows: [0], fLocal: 2, data: [1], remap: Int32Array.from([0, 1]) }], { nRows: 1, nCols: 2, dtype: 'float32' })).toThrow(/1 values for 1 × 2/);
    expect(() => scatterDense([{ outRows: [0, 0], fLocal: 1, data: [1, 2], remap: Int32Array.from([0]) }], { nRows: 1, nCols: 1, dtype: 'float32' })).toThrow(/twice/);
    expect(() => scatterDense([{ outRows: [0], fLocal: 1, data: [1], remap: Int32Array.from([3]) }], { nRows: 1, nCols: 1, dtype: 'float32' })).toThrow(/≥ 1/);
  });
});
