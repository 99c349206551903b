// The CSC path must produce exactly the CSR path's canonical output. CSC copies are built the way
// homeobox's add_csc does (scipy csr_matrix(...).tocsc(), rows ascending within each column),
// then read through cscColumnRanges + simulated readRanges, for many random seeds.
import { describe, expect, it } from 'vitest';
import { assembleCsrFromCsc, cscColumnRanges, cscRowMaps, shouldUseCsc, type CscGroupInput } from '../../../src/reconstruct/csc.js';
import { assembleCsr } from '../../../src/reconstruct/csr.js';
import { sortedUnique, wantedRemap } from '../../../src/reconstruct/join.js';
import { randInt, rng } from '../zarr/helpers/rng.js';
import { randomGroup, randomQuery, readGroupRows, type GroupData } from './fixtures.js';
import { numpy } from './numpy-oracle.js';
import { codecsFor } from '../codecs/helpers.js';
import type { CscKernels } from '../../../src/reconstruct/csc.js';
import type { Codecs } from '../../../src/codecs/index.js';

interface Csc {
  indptr: number[];
  indices: number[];
  counts: number[];
  lognorm: number[];
}

const SEEDS = 120;
const worlds = Array.from({ length: SEEDS }, (_, seed) => {
  const r = rng(5000 + seed);
  const universe = 10 + seed;
  const groups = Array.from({ length: 1 + (seed % 4) }, () => randomGroup(r, universe));
  const wanted = sortedUnique(Array.from({ length: randInt(r, 0, 25) }, () => randInt(r, 0, universe)));
  const query = randomQuery(r, groups, seed % 2);
  return { groups, wanted, query };
});

// homeobox add_csc, per group: scipy CSR (n_rows × n_local) → tocsc(); same structure for each layer.
const cscs = numpy<Csc[][]>(
  `
out = []
for groups in inp:
    res = []
    for g in groups:
        shape = (g['nRows'], g['nLocal'])
        a = sp.csr_matrix((np.array(g['counts'], dtype=np.int32), np.array(g['indices'], dtype=np.int64), np.array(g['indptr'])), shape=shape).tocsc()
        b = sp.csr_matrix((np.array(g['lognorm'], dtype=np.float32), np.array(g['indices'], dtype=np.int64), np.array(g['indptr'])), shape=shape).tocsc()
        assert (a.indices == b.indices).all() and (a.indptr == b.indptr).all()
        res.append(dict(indptr=a.indptr.tolist(), indices=a.indices.tolist(), counts=a.data.tolist(), lognorm=b.data.astype(float).tolist()))
    out.append(res)
`,
  worlds.map((w) => w.groups.map((g) => ({ nRows: g.nRows, nLocal: g.remap.length, indptr: g.indptr, indices: [...g.indices], counts: [...g.counts], lognorm: [...g.lognorm] }))),
);

function readCsc(csc: Csc, starts: Float64Array, ends: Float64Array) {
  const slice = (a: number[]) => Array.from(starts).flatMap((s, j) => a.slice(s, ends[j]));
  return {
    lengths: Int32Array.from(starts, (s, j) => ends[j]! - s),
    rows: Uint32Array.from(Array.from(slice(csc.indices))),
    counts: Int32Array.from(Array.from(slice(csc.counts))),
    lognorm: Float32Array.from(Array.from(slice(csc.lognorm))),
  };
}

/** The codec module's kernels, counting the jobs they took (so a test knows they ran). */
function counting(codecs: Codecs): CscKernels & { jobs: number } {
  const k = { jobs: 0, assembleCsc: (...a: Parameters<Codecs['assembleCsc']>) => (k.jobs++, codecs.assembleCsc(...a)) };
  return k;
}

const assemblers: [string, () => Promise<(CscKernels & { jobs: number }) | undefined>][] = [
  ['JS', async () => undefined],
  ['wasm SIMD kernels', async () => counting(await codecsFor('simd'))],
  ['wasm scalar kernels', async () => counting(await codecsFor('scalar'))],
];

describe.each(assemblers)('CSC path ≡ CSR path (%s)', (_name, kernelsOf) => {
  it(`identical canonical CSR on ${SEEDS} random seeds (features() pinned, query order, duplicate rows)`, async () => {
    const kernels = await kernelsOf();
    let nonTrivial = 0;
    worlds.forEach(({ groups, wanted, query }, w) => {
      const effs = groups.map((g) => wantedRemap(g.remap, wanted));
      const layers = { counts: 'uint32', lognorm: 'float32' } as const;
      const viaCsr = assembleCsr(
        groups.map((g, gi) => {
          const mine = query.rows.filter((q) => q.group === gi);
          const read = readGroupRows(g, mine.map((q) => q.zarrRow));
          return { outRows: mine.map((q) => q.outRow), lengths: read.lengths, indices: read.indices, values: { counts: read.counts, lognorm: read.lognorm }, remap: effs[gi]! };
        }),
        { nRows: query.nRows, nCols: wanted.length, layers },
      );
      const cscInputs = groups.map((_g: GroupData, gi): CscGroupInput => {
        const csc = cscs[w]![gi]!;
        const { columns, starts, ends } = cscColumnRanges(BigInt64Array.from(csc.indptr, BigInt), effs[gi]!);
        const read = readCsc(csc, starts, ends);
        const mine = query.rows.filter((q) => q.group === gi);
        return { columns, lengths: read.lengths, rows: read.rows, values: { counts: read.counts, lognorm: read.lognorm }, remap: effs[gi]!, zarrRows: mine.map((q) => q.zarrRow), outRows: mine.map((q) => q.outRow) };
      });
      // With kernels, the row maps are built first (from the rows alone), as the query builds them.
      const maps = kernels && cscRowMaps(cscInputs, query.nRows);
      const viaCsc = assembleCsrFromCsc(cscInputs, { nRows: query.nRows, nCols: wanted.length, layers }, kernels, maps);
      expect(viaCsc.shape).toEqual(viaCsr.shape);
      expect([...viaCsc.indptr], `seed ${w}`).toEqual([...viaCsr.indptr]);
      expect([...viaCsc.indices], `seed ${w}`).toEqual([...viaCsr.indices]);
      expect([...viaCsc.data.counts!]).toEqual([...viaCsr.data.counts!]);
      expect([...viaCsc.data.lognorm!]).toEqual([...viaCsr.data.lognorm!]);
      if (viaCsr.indices.length > 5) nonTrivial++;
    });
    expect(nonTrivial).toBeGreaterThan(SEEDS / 2);
    // The one-to-one worlds (no duplicate query rows) went through the kernels.
    if (kernels) expect(kernels.jobs).toBeGreaterThan(SEEDS / 3);
  });
});

describe('CSC path', () => {
  it('cscColumnRanges validates indptr', () => {
    expect(() => cscColumnRanges([0, 1], Int32Array.from([0, 1]))).toThrow(/expected 3/);
    expect(() => cscColumnRanges([0, 3, 2], Int32Array.from([0, 1]))).toThrow(/decreases/);
    const r = cscColumnRanges([0, 3, 3, 7], Int32Array.from([-1, 0, 1]));
    expect([...r.columns]).toEqual([1, 2]);
    expect([...r.starts]).toEqual([3, 3]);
    expect([...r.ends]).toEqual([3, 7]);
  });

  it('a zarr_row far past the stored rows (2^32, 5e9) matches nothing, without a table sized by it', () => {
    // Two columns over zarr rows 0..3; output rows 0..3 ask for zarr rows 1, 2^32, 3 and 5e9.
    const group = (zarrRows: number[]): CscGroupInput => ({
      columns: [0, 1],
      lengths: [2, 2],
      rows: [1, 3, 0, 3],
      values: { counts: Uint32Array.from([10, 30, 1, 3]) },
      remap: Int32Array.from([0, 1]),
      zarrRows,
      outRows: [0, 1, 2, 3],
    });
    const opts = { nRows: 4, nCols: 2, layers: { counts: 'uint32' as const } };
    // Such a map is sized by the entries read, so it cannot be built before them.
    expect(cscRowMaps([group([1, 2 ** 32, 3, 5e9])], 4)).toBeUndefined();
    expect(cscRowMaps([group([1, 2, 3, 0])], 4)).toHaveLength(1);
    const m = assembleCsrFromCsc([group([1, 2 ** 32, 3, 5e9])], opts);
    expect([...m.indptr]).toEqual([0, 1, 1, 3, 3]);
    expect([...m.indices]).toEqual([0, 0, 1]);
    expect([...(m.data.counts as Uint32Array)]).toEqual([10, 30, 3]);
    // The same with a zarr_row queried twice (the many-to-one map).
    const dup = assembleCsrFromCsc([{ ...group([3, 2 ** 32, 3, 5e9]) }], opts);
    expect([...dup.indptr]).toEqual([0, 2, 2, 4, 4]);
    expect([...(dup.data.counts as Uint32Array)]).toEqual([30, 3, 30, 3]);
  });

  it('the codec kernels place every layer dtype as JS does, free what they allocate, and refuse bad indices', async () => {
    const codecs = await codecsFor('simd');
    // Three columns over zarr rows 0..5; output rows are zarr rows reversed, row 2 not queried.
    const group = (values: ArrayLike<number | bigint>): CscGroupInput => ({
      columns: [0, 1, 2],
      lengths: [3, 2, 3],
      rows: Uint32Array.from([0, 2, 5, 1, 4, 0, 3, 5]),
      values: { v: values },
      remap: Int32Array.from([2, 0, 1]),
      zarrRows: [0, 1, 3, 4, 5],
      outRows: [4, 3, 2, 1, 0],
    });
    const cases = [
      ['uint8', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])],
      ['int16', Int16Array.from([-1, 2, -3, 4, -5, 6, -7, 8])],
      ['float64', Float64Array.from([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5])],
      ['int64', BigInt64Array.from([-1n, 2n, -(2n ** 60n), 4n, 5n, 6n, 7n, 8n])],
      ['float32', Uint32Array.from([1, 2, 3, 4, 5, 6, 7, 8])], // cast before the kernels move bytes
    ] as const;
    const before = codecs.memoryBytes();
    for (const [dtype, values] of cases) {
      const opts = { nRows: 5, nCols: 3, layers: { v: dtype } };
      const k = counting(codecs);
      const viaKernels = assembleCsrFromCsc([group(values)], opts, k);
      const viaJs = assembleCsrFromCsc([group(values)], opts);
      expect(k.jobs, dtype).toBe(1);
      expect([...viaKernels.indptr], dtype).toEqual([...viaJs.indptr]);
      expect([...viaKernels.indices], dtype).toEqual([...viaJs.indices]);
      expect(viaKernels.data.v!.constructor, dtype).toBe(viaJs.data.v!.constructor);
      expect([...(viaKernels.data.v as ArrayLike<unknown> & Iterable<unknown>)], dtype).toEqual([...(viaJs.data.v as ArrayLike<unknown> & Iterable<unknown>)]);
    }
    expect([...assembleCsrFromCsc([group(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))], { nRows: 5, nCols: 3, layers: { v: 'uint8' } }, codecs).indptr]).toEqual([0, 2, 3, 4, 5, 7]);
    for (let i = 0; i < 20; i++) assembleCsrFromCsc([group(Float64Array.from({ length: 8 }, (_, j) => j))], { nRows: 5, nCols: 3, layers: { v: 'float64' } }, codecs);
    expect(codecs.memoryBytes()).toBe(before);
    // Straight calls with indices no caller of assembleCsrFromCsc passes: typed errors, not a placement.
    const one = Int32Array.from([0, 7]);
    expect(() => codecs.assembleCsc([{ rows: Uint32Array.from([1]), one, plan: Uint32Array.from([0, 1, 0]) }], 2, [])).toThrow(/invalid argument \(\d+, at element 0\)/);
    expect(() => codecs.assembleCsc([{ rows: Uint32Array.from([0]), one, plan: Uint32Array.from([0, 2, 0]) }], 2, [])).toThrow(/invalid argument \(\d+, at element 0\)/);
    expect(() => codecs.assembleCsc([{ rows: Uint32Array.from([0]), one, plan: Uint32Array.from([0, 1, 0]) }], 2, [[Uint8Array.from([1, 2])]])).toThrow(/not 1 Uint8Array values/);
    expect(() => codecs.assembleCsc([{ rows: Uint32Array.from([0]), one, plan: Uint32Array.from([0, 1, 0]) }], 2, [[]])).toThrow(/values for 0 of 1 groups/);
    expect(codecs.memoryBytes()).toBe(before);
  });

  it('shouldUseCsc follows homeobox _should_use_csc', () => {
    expect(shouldUseCsc(1000, 10, true)).toBe(true);
    expect(shouldUseCsc(1000, 10, false)).toBe(false);
    expect(shouldUseCsc(10, 10, true)).toBe(false);
    expect(shouldUseCsc(9, 10, true)).toBe(false);
    expect(shouldUseCsc(1000, undefined, true)).toBe(false);
  });
});
