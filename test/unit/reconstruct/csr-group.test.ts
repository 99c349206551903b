// The worker-side CSR path (assembleGroupCsr per group + placeGroupRows) against assembleCsr, the
// main-thread path that is itself checked against a dense reference (csr.test.ts): identical
// matrices on random queries over remaps from monotone to random (1…12 increasing runs), with
// short and long rows (insertion sort and radix passes), wide column spaces (3 radix passes),
// dropped features, unsorted and duplicate stored locals, casts and bigint layers.
import { describe, expect, it } from 'vitest';
import { assembleCsr, type CsrMatrix, type SparseGroupInput } from '../../../src/reconstruct/csr.js';
import { assembleGroupCsr, placeGroupRows } from '../../../src/reconstruct/csr-group.js';
import { CorruptDataError, QueryError } from '../../../src/errors.js';
import { OUT_OF_LAYOUT } from '../../../src/zarr/encoded-read.js';
import { rng } from '../zarr/helpers/rng.js';

/** A remap over nLocal features made of `runs` interleaved increasing runs into nCols columns, some dropped. */
function remapWithRuns(r: () => number, nLocal: number, nCols: number, runs: number, dropRate: number): Int32Array {
  const cols = Array.from({ length: nCols }, (_, i) => i);
  for (let i = cols.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [cols[i], cols[j]] = [cols[j]!, cols[i]!];
  }
  const picked = cols.slice(0, nLocal);
  // Deal the picked columns into `runs` sorted runs, then interleave them at random positions.
  const byRun: number[][] = Array.from({ length: runs }, () => []);
  picked.forEach((c, i) => byRun[i % runs]!.push(c));
  for (const run of byRun) run.sort((a, b) => a - b);
  const out = new Int32Array(nLocal);
  const heads = new Array<number>(runs).fill(0);
  for (let i = 0; i < nLocal; i++) {
    let k = Math.floor(r() * runs);
    while (heads[k]! >= byRun[k]!.length) k = (k + 1) % runs;
    out[i] = r() < dropRate ? -1 : byRun[k]![heads[k]!++]!;
  }
  return out;
}

function randomGroup(r: () => number, nRows: number, nLocal: number, eff: Int32Array, opts: { unsortedRows: boolean; maxRow: number }): SparseGroupInput {
  const lengths: number[] = [];
  const indices: number[] = [];
  for (let b = 0; b < nRows; b++) {
    const row = new Set<number>();
    const n = Math.floor(r() * Math.min(nLocal, opts.maxRow));
    for (let i = 0; i < n; i++) row.add(Math.floor(r() * nLocal));
    let locals = [...row].sort((a, b) => a - b);
    if (opts.unsortedRows && r() < 0.3) {
      locals = locals.reverse();
      if (locals.length && r() < 0.5) locals.push(locals[0]!); // a duplicate entry
    }
    lengths.push(locals.length);
    indices.push(...locals);
  }
  const counts = Uint32Array.from(indices, () => 1 + Math.floor(r() * 1000));
  return {
    outRows: [],
    lengths: Int32Array.from(lengths),
    indices: Uint32Array.from(indices),
    values: { counts, lognorm: Float32Array.from(counts, (c) => Math.log1p(c)), big: BigInt64Array.from(counts, (c) => BigInt(c) * 3n) },
    remap: eff,
  };
}

const LAYERS = { counts: 'float64', lognorm: 'float32', big: 'int64' } as const;

function same(a: CsrMatrix, b: CsrMatrix): void {
  expect(Array.from(a.indptr)).toEqual(Array.from(b.indptr));
  expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
  for (const l of Object.keys(LAYERS)) {
    expect(a.data[l]!.constructor).toBe(b.data[l]!.constructor);
    expect(Array.from(a.data[l]! as ArrayLike<number | bigint>)).toEqual(Array.from(b.data[l]! as ArrayLike<number | bigint>));
  }
  expect(a.shape).toEqual(b.shape);
}

describe('assembleGroupCsr + placeGroupRows', () => {
  it('equal assembleCsr on 300 random multi-group queries (1–12 runs, drops, unsorted rows, casts)', () => {
    for (let seed = 0; seed < 300; seed++) {
      const r = rng(5000 + seed);
      // Mostly small spaces (1 radix pass); every 7th is wide enough for 3 passes.
      const nCols = seed % 7 === 0 ? 70_000 + Math.floor(r() * 1000) : 30 + Math.floor(r() * 400);
      const nGroups = 1 + (seed % 4);
      const groups = Array.from({ length: nGroups }, (_, gi) => {
        const nLocal = 5 + Math.floor(r() * (Math.min(nCols, 2000) - 5));
        const runs = 1 + ((seed + gi) % 12);
        const eff = remapWithRuns(r, nLocal, nCols, Math.min(runs, nLocal), seed % 3 === 0 ? 0.3 : 0);
        // Rows of up to 40 entries (insertion sort) or up to 400 (radix passes).
        return randomGroup(r, 1 + Math.floor(r() * 30), nLocal, eff, { unsortedRows: seed % 5 === 0, maxRow: seed % 2 ? 40 : 400 });
      });
      // Output rows: a random interleaving of every group's rows, plus a few rows nobody supplies.
      const total = groups.reduce((s, g) => s + g.lengths.length, 0);
      const nRows = total + (seed % 4);
      const slots = Array.from({ length: nRows }, (_, i) => i);
      for (let i = slots.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [slots[i], slots[j]] = [slots[j]!, slots[i]!];
      }
      let at = 0;
      for (const g of groups) g.outRows = slots.slice(at, (at += g.lengths.length));
      for (const sortIndices of [true, false]) {
        const want = assembleCsr(groups, { nRows, nCols, layers: LAYERS, sortIndices });
        const blocks = groups.map((g) => ({ outRows: g.outRows, csr: assembleGroupCsr(g, { nCols, layers: LAYERS, sortIndices }) }));
        const got = placeGroupRows(blocks, { nRows, nCols, layers: LAYERS });
        same(got, want);
        // reuseIndices (the decode worker's mode): the same matrix, written over a copy of the indices.
        const reused = groups.map((g) => ({ outRows: g.outRows, csr: assembleGroupCsr({ ...g, indices: Uint32Array.from(g.indices) }, { nCols, layers: LAYERS, sortIndices, reuseIndices: true }) }));
        same(placeGroupRows(reused, { nRows, nCols, layers: LAYERS }), want);
        // Columns mapped while decoding (the codec module's mode), with an exact or a loose lower bound.
        for (const loose of [false, true]) {
          const premapped = groups.map((g) => {
            const columns = Int32Array.from(g.indices, (l) => g.remap[l]!);
            const min = loose ? -1 : columns.reduce((m, c) => Math.min(m, c), 0x7fffffff);
            return { outRows: g.outRows, csr: assembleGroupCsr({ lengths: g.lengths, values: g.values, remap: g.remap, mapped: { columns, min } }, { nCols, layers: LAYERS, sortIndices }) };
          });
          same(placeGroupRows(premapped, { nRows, nCols, layers: LAYERS }), want);
        }
        if (sortIndices) expect(got.sortedIndices).toBe(true);
      }
    }
  });

  it('a single in-order block is returned without copying; same-dtype values pass through', () => {
    const eff = Int32Array.from([0, 1, 2, 3]);
    const g: SparseGroupInput = { outRows: [0, 1], lengths: Int32Array.from([2, 1]), indices: Uint32Array.from([0, 3, 2]), values: { x: Uint32Array.from([5, 6, 7]) }, remap: eff };
    const block = assembleGroupCsr(g, { nCols: 4, layers: { x: 'uint32' } });
    expect(block.data.x).toBe(g.values.x); // zero copy
    const placed = placeGroupRows([{ outRows: [0, 1], csr: block }], { nRows: 2, nCols: 4, layers: { x: 'uint32' } });
    expect(placed.indices).toBe(block.indices);
    expect([...placed.indptr]).toEqual([0, 2, 3]);
  });

  it('bad input: out-of-layout locals are CorruptDataError, mismatched shapes and rows QueryError', () => {
    const eff = Int32Array.from([0, 1]);
    const g = { lengths: Int32Array.from([2]), indices: Uint32Array.from([0, 2]), values: { x: Uint32Array.from([1, 2]) }, remap: eff };
    expect(() => assembleGroupCsr(g, { nCols: 2, layers: { x: 'uint32' } })).toThrow(CorruptDataError);
    expect(() => assembleGroupCsr({ ...g, indices: Uint32Array.from([0]) }, { nCols: 2, layers: { x: 'uint32' } })).toThrow(QueryError);
    const ok = assembleGroupCsr({ ...g, indices: Uint32Array.from([0, 1]) }, { nCols: 2, layers: { x: 'uint32' } });
    expect(() => placeGroupRows([{ outRows: [3], csr: ok }], { nRows: 2, nCols: 2, layers: { x: 'uint32' } })).toThrow(QueryError);
    expect(() => placeGroupRows([{ outRows: [0], csr: ok }, { outRows: [0], csr: ok }], { nRows: 2, nCols: 2, layers: { x: 'uint32' } })).toThrow(/twice/);
    expect(() => placeGroupRows([{ outRows: [0], csr: ok }], { nRows: 2, nCols: 2, layers: { x: 'float32' } })).toThrow(/lacks layer/);
  });

  it('premapped columns: an entry outside the layout is CorruptDataError naming it; a loose bound alone is not an error', () => {
    const base = { lengths: Int32Array.from([2, 1]), values: { x: Uint32Array.from([1, 2, 3]) }, remap: Int32Array.from([1, 0]) };
    const bad = { ...base, mapped: { columns: Int32Array.from([1, OUT_OF_LAYOUT, 0]), min: OUT_OF_LAYOUT }, localAt: (k: number) => [0, 7, 1][k]! };
    expect(() => assembleGroupCsr(bad, { nCols: 2, layers: { x: 'uint32' } })).toThrow(/local feature index 7 is outside the layout's 2 features/);
    try {
      assembleGroupCsr(bad, { nCols: 2, layers: { x: 'uint32' } });
    } catch (e) {
      expect(e).toBeInstanceOf(CorruptDataError);
      expect((e as CorruptDataError).where).toBe('entry 1');
    }
    // The chunk's minimum may come from entries this read does not include.
    const loose = assembleGroupCsr({ ...base, mapped: { columns: Int32Array.from([0, 1, 1]), min: OUT_OF_LAYOUT } }, { nCols: 2, layers: { x: 'uint32' } });
    expect([...loose.indices]).toEqual([0, 1, 1]);
    const dropped = assembleGroupCsr({ ...base, mapped: { columns: Int32Array.from([1, -1, 0]), min: -1 } }, { nCols: 2, layers: { x: 'uint32' } });
    expect([...dropped.indptr]).toEqual([0, 1, 2]);
    expect([...dropped.data.x!]).toEqual([1, 3]);
    expect(() => assembleGroupCsr({ ...base, mapped: { columns: Int32Array.from([0, 1]), min: 0 } }, { nCols: 2, layers: { x: 'uint32' } })).toThrow(QueryError);
  });
});
