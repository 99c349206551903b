// Random ragged-atlas-like data for reconstruction tests: groups with their own feature layouts
// (remaps into a global space), CSR matrices with unsorted rows, and queries that pick rows from
// several groups in an arbitrary order.
import { randInt } from '../zarr/helpers/rng.js';

export interface GroupData {
  nRows: number;
  remap: Int32Array;
  indptr: number[];
  indices: Uint32Array;
  counts: Int32Array;
  lognorm: Float32Array;
}

export interface QueryRow {
  group: number;
  zarrRow: number;
  outRow: number;
}

export function randomGroup(r: () => number, universe: number): GroupData {
  const nLocal = randInt(r, 1, Math.min(universe, 80) + 1);
  const globals = new Set<number>();
  while (globals.size < nLocal) globals.add(randInt(r, 0, universe));
  const remap = Int32Array.from(globals);
  const nRows = randInt(r, 1, 40);
  const indptr = [0];
  const idx: number[] = [];
  for (let i = 0; i < nRows; i++) {
    const k = r() < 0.15 ? 0 : randInt(r, 1, nLocal + 1);
    const cols = new Set<number>();
    while (cols.size < k) cols.add(randInt(r, 0, nLocal));
    const row = [...cols];
    if (r() < 0.5) row.sort((a, b) => a - b); // half the rows stored sorted, half not
    idx.push(...row);
    indptr.push(idx.length);
  }
  const counts = Int32Array.from(idx, () => 1 + Math.floor(-Math.log(r()) * 4));
  return { nRows, remap, indptr, indices: Uint32Array.from(idx), counts, lognorm: Float32Array.from(counts, (c) => Math.log1p(c)) };
}

/** Picks rows from the groups (a row may be queried twice) and shuffles them into query order. */
export function randomQuery(r: () => number, groups: GroupData[], emptyRows = 0): { nRows: number; rows: QueryRow[] } {
  const picks: { group: number; zarrRow: number }[] = [];
  groups.forEach((g, gi) => {
    for (let z = 0; z < g.nRows; z++) if (r() < 0.6) picks.push({ group: gi, zarrRow: z });
    if (g.nRows && r() < 0.3) picks.push({ group: gi, zarrRow: randInt(r, 0, g.nRows) });
  });
  const nRows = picks.length + emptyRows;
  const slots = Array.from({ length: nRows }, (_, i) => i);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = randInt(r, 0, i + 1);
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  return { nRows, rows: picks.map((p, i) => ({ ...p, outRow: slots[i]! })) };
}

/** What readRanges returns for a group's queried rows: concatenated slices + lengths. */
export function readGroupRows(g: GroupData, zarrRows: number[]) {
  const take = <T extends { slice(a: number, b: number): T; length: number }>(a: T, ctor: (n: number) => T & { set(x: T, o: number): void }): T => {
    const n = zarrRows.reduce((s, z) => s + g.indptr[z + 1]! - g.indptr[z]!, 0);
    const out = ctor(n);
    let p = 0;
    for (const z of zarrRows) {
      const part = a.slice(g.indptr[z]!, g.indptr[z + 1]!);
      out.set(part, p);
      p += part.length;
    }
    return out;
  };
  return {
    lengths: Int32Array.from(zarrRows, (z) => g.indptr[z + 1]! - g.indptr[z]!),
    indices: take(g.indices, (n) => new Uint32Array(n)),
    counts: take(g.counts, (n) => new Int32Array(n)),
    lognorm: take(g.lognorm, (n) => new Float32Array(n)),
  };
}

/** Dense nRows × nCols reference, built entry by entry. */
export function denseReference(groups: GroupData[], rows: QueryRow[], effs: Int32Array[], nRows: number, nCols: number, layer: 'counts' | 'lognorm'): Float64Array {
  const out = new Float64Array(nRows * nCols);
  for (const q of rows) {
    const g = groups[q.group]!;
    for (let k = g.indptr[q.zarrRow]!; k < g.indptr[q.zarrRow + 1]!; k++) {
      const col = effs[q.group]![g.indices[k]!]!;
      if (col >= 0) out[q.outRow * nCols + col] = g[layer][k]!;
    }
  }
  return out;
}

export function csrToDense(indptr: ArrayLike<number>, indices: ArrayLike<number>, data: ArrayLike<number | bigint>, nRows: number, nCols: number): Float64Array {
  const out = new Float64Array(nRows * nCols);
  for (let i = 0; i < nRows; i++) for (let p = indptr[i]!; p < indptr[i + 1]!; p++) out[i * nCols + indices[p]!] = Number(data[p]!);
  return out;
}
