// CSR assembly vs an independently built dense reference, on many random multi-group queries;
// query row order, sorted/unsorted column order, dropping, casts and input validation.
import { describe, expect, it } from 'vitest';
import { assembleCsr, type SparseGroupInput } from '../../../src/reconstruct/csr.js';
import { effectiveRemap, intersectSorted, unionSorted } from '../../../src/reconstruct/join.js';
import { rng } from '../zarr/helpers/rng.js';
import { csrToDense, denseReference, randomGroup, randomQuery, readGroupRows, type GroupData, type QueryRow } from './fixtures.js';

function inputs(groups: GroupData[], rows: QueryRow[], effs: Int32Array[]): SparseGroupInput[] {
  return groups.map((g, gi) => {
    const mine = rows.filter((q) => q.group === gi);
    const read = readGroupRows(g, mine.map((q) => q.zarrRow));
    return { outRows: mine.map((q) => q.outRow), lengths: read.lengths, indices: read.indices, values: { counts: read.counts, lognorm: read.lognorm }, remap: effs[gi]! };
  });
}

describe('assembleCsr', () => {
  for (const join of ['union', 'intersection'] as const) {
    it(`${join}: equals the dense reference on 80 random queries, rows sorted, query order kept`, () => {
      for (let seed = 0; seed < 80; seed++) {
        const r = rng(1000 + seed);
        const groups = Array.from({ length: 1 + (seed % 4) }, () => randomGroup(r, 20 + seed * 3));
        const joined = join === 'union' ? unionSorted(groups.map((g) => g.remap)) : intersectSorted(groups.map((g) => g.remap));
        const effs = groups.map((g) => effectiveRemap(g.remap, joined, join));
        const { nRows, rows } = randomQuery(r, groups, seed % 3);
        // A zarr row queried twice is two output rows: fine. An output row filled twice is an error; randomQuery never does it.
        const m = assembleCsr(inputs(groups, rows, effs), { nRows, nCols: joined.length, layers: { counts: 'uint32', lognorm: 'float32' } });
        expect(m.indptr).toBeInstanceOf(Int32Array);
        expect(m.data.counts).toBeInstanceOf(Uint32Array);
        expect(m.data.lognorm).toBeInstanceOf(Float32Array);
        expect(m.sortedIndices).toBe(true);
        for (let i = 0; i < nRows; i++) for (let p = m.indptr[i]! + 1; p < m.indptr[i + 1]!; p++) expect(m.indices[p]!).toBeGreaterThan(m.indices[p - 1]!);
        for (const layer of ['counts', 'lognorm'] as const) {
          const got = csrToDense(m.indptr, m.indices, m.data[layer]!, nRows, joined.length);
          const ref = denseReference(groups, rows, effs, nRows, joined.length, layer);
          expect(Array.from(got).map((x) => Math.fround(x))).toEqual(Array.from(ref).map((x) => Math.fround(x)));
        }
        // nnz = kept entries only
        const kept = rows.reduce((s, q) => {
          const g = groups[q.group]!;
          let c = 0;
          for (let k = g.indptr[q.zarrRow]!; k < g.indptr[q.zarrRow + 1]!; k++) if (effs[q.group]![g.indices[k]!]! >= 0) c++;
          return s + c;
        }, 0);
        expect(m.indices.length).toBe(kept);
      }
    });
  }

  it('effectiveRemap: dense globals (position table) and sparse or negative ones (a Map) agree with a scan', () => {
    const r = rng(5);
    const cases: [Int32Array, Int32Array][] = [];
    for (const span of [50, 5000, 2 ** 30]) {
      const joined = Int32Array.from(new Set(Array.from({ length: 40 }, () => Math.floor(r() * span)))).sort();
      const remap = Int32Array.from({ length: 60 }, () => (r() < 0.7 ? joined[Math.floor(r() * joined.length)]! : Math.floor(r() * span) - 3));
      cases.push([remap, joined]);
    }
    cases.push([Int32Array.from([-5, 0, 7]), Int32Array.from([-5, 7])]);
    cases.push([Int32Array.from([0, 1]), new Int32Array(0)]);
    for (const [remap, joined] of cases) {
      expect(Array.from(effectiveRemap(remap, joined))).toEqual(Array.from(remap, (g) => joined.indexOf(g)));
    }
    expect(() => effectiveRemap(Int32Array.from([3, 4]), Int32Array.from([3]), 'union')).toThrow(/missing from the union/);
  });

  it('sortIndices: false keeps homeobox order (stored local order mapped through eff)', () => {
    const remap = Int32Array.from([30, 10, 20]); // eff over joined [10, 20, 30] = [2, 0, 1]
    const eff = effectiveRemap(remap, Int32Array.from([10, 20, 30]));
    const g: SparseGroupInput = { outRows: [1, 0], lengths: [3, 2], indices: Uint32Array.from([0, 1, 2, 2, 0]), values: { x: Float32Array.from([1, 2, 3, 4, 5]) }, remap: eff };
    const hb = assembleCsr([g], { nRows: 3, nCols: 3, layers: { x: 'float32' }, sortIndices: false });
    expect([...hb.indptr]).toEqual([0, 2, 5, 5]);
    expect([...hb.indices]).toEqual([1, 2, 2, 0, 1]);
    expect([...hb.data.x!]).toEqual([4, 5, 1, 2, 3]);
    expect(hb.sortedIndices).toBe(false);
    const canon = assembleCsr([g], { nRows: 3, nCols: 3, layers: { x: 'float32' } });
    expect([...canon.indices]).toEqual([1, 2, 0, 1, 2]);
    expect([...canon.data.x!]).toEqual([4, 5, 2, 3, 1]);
  });

  it('duplicate columns within a row sort stably', () => {
    const g: SparseGroupInput = { outRows: [0], lengths: [4], indices: Uint32Array.from([2, 0, 1, 0]), values: { x: Int32Array.from([1, 2, 3, 4]) }, remap: Int32Array.from([0, 0, 1]) };
    const m = assembleCsr([g], { nRows: 1, nCols: 2, layers: { x: 'int32' } });
    expect([...m.indices]).toEqual([0, 0, 0, 1]);
    expect([...m.data.x!]).toEqual([2, 3, 4, 1]);
  });

  it('casts layers to their output dtype (int32 → uint32, int64 → float32, float64 → float32, int32 → int64)', () => {
    const g: SparseGroupInput = {
      outRows: [0],
      lengths: [2],
      indices: Uint32Array.from([1, 0]),
      values: { counts: Int32Array.from([7, 9]), big: BigInt64Array.from([5n, 6n]), f: Float64Array.from([0.1, 0.2]), asInt64: Int32Array.from([7, 9]) },
      remap: Int32Array.from([0, 1]),
    };
    const m = assembleCsr([g], { nRows: 1, nCols: 2, layers: { counts: 'uint32', big: 'float32', f: 'float32', asInt64: 'int64' } });
    expect(m.data.counts).toEqual(Uint32Array.from([9, 7]));
    expect(m.data.big).toEqual(Float32Array.from([6, 5]));
    expect(m.data.f).toEqual(Float32Array.from([0.2, 0.1]));
    expect(m.data.asInt64).toEqual(BigInt64Array.from([9n, 7n]));
  });

  it('validates inputs', () => {
    const base = (): SparseGroupInput => ({ outRows: [0], lengths: [1], indices: Uint32Array.from([0]), values: { x: Float32Array.from([1]) }, remap: Int32Array.from([0]) });
    const run = (g: SparseGroupInput, nRows = 1) => () => assembleCsr([g], { nRows, nCols: 1, layers: { x: 'float32' } });
    expect(run({ ...base(), outRows: [1] })).toThrow(/output row 1/);
    expect(run({ ...base(), lengths: [2] })).toThrow(/lengths sum to 2/);
    expect(run({ ...base(), indices: Uint32Array.from([3]) })).toThrow(/local feature index 3/);
    expect(run({ ...base(), values: {} })).toThrow(/no values for layer "x"/);
    expect(run({ ...base(), remap: Int32Array.from([4]) })).toThrow(/column 4/);
    expect(() => assembleCsr([base(), base()], { nRows: 1, nCols: 1, layers: { x: 'float32' } })).toThrow(/supplied twice/);
    const empty = assembleCsr([], { nRows: 2, nCols: 3, layers: { x: 'float32' } });
    expect([...empty.indptr]).toEqual([0, 0, 0]);
    expect(empty.shape).toEqual([2, 3]);
  });
});
