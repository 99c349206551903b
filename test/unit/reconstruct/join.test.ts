// Feature-space joins vs a straightforward Set-based reference and vs numpy (union1d,
// intersect1d, searchsorted) on random layouts.
import { describe, expect, it } from 'vitest';
import { effectiveRemap, intersectSorted, sortedUnique, unionSorted, wantedRemap } from '../../../src/reconstruct/join.js';
import { randInt, rng } from '../zarr/helpers/rng.js';
import { numpy } from './numpy-oracle.js';

function randomRemap(r: () => number, universe: number): Int32Array {
  const n = randInt(r, 0, Math.min(universe, 60));
  const s = new Set<number>();
  while (s.size < n) s.add(randInt(r, 0, universe));
  return Int32Array.from(s); // unsorted, like layout remaps ordered by local index
}

const refUnion = (rs: Int32Array[]) => [...new Set(rs.flatMap((x) => [...x]))].sort((a, b) => a - b);
const refInter = (rs: Int32Array[]) => (rs.length ? [...new Set(rs[0])].filter((v) => rs.every((x) => x.includes(v))).sort((a, b) => a - b) : []);
const refEff = (remap: Int32Array, joined: number[]) => [...remap].map((v) => joined.indexOf(v));

describe('joins', () => {
  const cases = Array.from({ length: 60 }, (_, seed) => {
    const r = rng(seed + 1);
    const universe = randInt(r, 1, 200);
    return Array.from({ length: randInt(r, 1, 5) }, () => randomRemap(r, universe));
  });

  it('union / intersection / effective remaps match the reference on 60 random cases', () => {
    for (const rs of cases) {
      const u = unionSorted(rs);
      const i = intersectSorted(rs);
      expect([...u]).toEqual(refUnion(rs));
      expect([...i]).toEqual(refInter(rs));
      for (const remap of rs) {
        expect([...effectiveRemap(remap, u, 'union')]).toEqual(refEff(remap, [...u]));
        expect([...effectiveRemap(remap, i, 'intersection')]).toEqual(refEff(remap, [...i]));
      }
    }
  });

  it('agree with numpy union1d / intersect1d / searchsorted', () => {
    const want = numpy<{ u: number[]; i: number[]; eu: number[][]; ei: number[][] }[]>(
      `
from functools import reduce
out = []
for rs in inp:
    rs = [np.array(r, dtype=np.int32) for r in rs]
    u = np.unique(reduce(np.union1d, rs))
    i = np.unique(reduce(np.intersect1d, rs))
    eu = [np.searchsorted(u, r).tolist() for r in rs]
    ei = []
    for r in rs:
        e = np.searchsorted(i, r)
        e[~np.isin(r, i)] = -1
        ei.append(e.tolist())
    out.append(dict(u=u.tolist(), i=i.tolist(), eu=eu, ei=ei))
`,
      cases.map((rs) => rs.map((x) => [...x])),
    );
    cases.forEach((rs, k) => {
      const u = unionSorted(rs);
      const i = intersectSorted(rs);
      expect([...u]).toEqual(want[k]!.u);
      expect([...i]).toEqual(want[k]!.i);
      rs.forEach((remap, j) => {
        expect([...effectiveRemap(remap, u, 'union')]).toEqual(want[k]!.eu[j]);
        expect([...effectiveRemap(remap, i)]).toEqual(want[k]!.ei[j]);
      });
    });
  });

  it('wantedRemap pins to the wanted globals; -1 elsewhere', () => {
    const remap = Int32Array.from([40, 3, 17, 99, 5]);
    expect([...wantedRemap(remap, Int32Array.from([3, 5, 7, 99]))]).toEqual([-1, 0, -1, 3, 1]);
    expect([...wantedRemap(remap, new Int32Array(0))]).toEqual([-1, -1, -1, -1, -1]);
  });

  it('edge cases and invariants', () => {
    expect([...unionSorted([])]).toEqual([]);
    expect([...intersectSorted([])]).toEqual([]);
    expect([...intersectSorted([Int32Array.from([1, 2]), new Int32Array(0)])]).toEqual([]);
    expect([...sortedUnique([5, -1, 5, 3, -1])]).toEqual([-1, 3, 5]);
    expect(() => effectiveRemap(Int32Array.from([1]), Int32Array.from([2, 1]))).toThrow(/strictly ascending/);
    expect(() => effectiveRemap(Int32Array.from([4]), Int32Array.from([1, 2]), 'union')).toThrow(/missing from the union/);
  });
});
