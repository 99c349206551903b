// Joining the feature spaces of several zarr groups (homeobox spec §5 step 4), pure and exact.
//
// A *remap* belongs to one feature layout: remap[local] = global_index of local feature `local`
// (int32, one per column of that layout's csr/indices values). Remaps need not be sorted.
//
//   union         joined = sorted unique ∪ remaps                     (np.union1d reduced)
//   intersection  joined = sorted unique ∩ remaps                     (np.intersect1d reduced)
//   features()    joined = the wanted global indices, sorted (caller's order is NOT kept: homeobox
//                 outputs wanted features sorted by global_index)
//
// The *effective remap* of a layout maps local → output column: eff[local] = position of
// remap[local] in joined (np.searchsorted), or −1 when it is not there (dropped on assembly).

import { QueryError } from '../errors.js';

/** Sorted, de-duplicated copy of `values` as Int32Array. */
export function sortedUnique(values: ArrayLike<number>): Int32Array {
  const a = Int32Array.from(values).sort();
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[n - 1]) a[n++] = a[i]!;
  return a.slice(0, n);
}

/** Sorted unique union of all remaps (empty list → empty). */
export function unionSorted(remaps: readonly ArrayLike<number>[]): Int32Array {
  let total = 0;
  for (const r of remaps) total += r.length;
  const all = new Int32Array(total);
  let p = 0;
  for (const r of remaps) {
    all.set(r instanceof Int32Array ? r : Int32Array.from(r), p);
    p += r.length;
  }
  return sortedUnique(all);
}

/** Sorted unique intersection of all remaps (empty list → empty). */
export function intersectSorted(remaps: readonly ArrayLike<number>[]): Int32Array {
  if (remaps.length === 0) return new Int32Array(0);
  let acc = sortedUnique(remaps[0]!);
  for (let k = 1; k < remaps.length && acc.length; k++) {
    const b = sortedUnique(remaps[k]!);
    const out = new Int32Array(Math.min(acc.length, b.length));
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < acc.length && j < b.length) {
      const x = acc[i]!;
      const y = b[j]!;
      if (x === y) {
        out[n++] = x;
        i++;
        j++;
      } else if (x < y) i++;
      else j++;
    }
    acc = out.slice(0, n);
  }
  return acc;
}

/**
 * eff[local] = index of remap[local] in `joined` (strictly ascending), −1 when absent.
 * In 'union' mode every value must be present (the joined space was built from this remap);
 * an absent one means mismatched inputs and throws instead of silently dropping data.
 */
export function effectiveRemap(remap: ArrayLike<number>, joined: Int32Array, mode: 'union' | 'intersection' = 'intersection'): Int32Array {
  checkAscending(joined, 'joined feature space');
  const eff = new Int32Array(remap.length);
  const positionOf = positionLookup(joined);
  for (let i = 0; i < remap.length; i++) {
    const pos = positionOf(remap[i]!);
    if (pos < 0 && mode === 'union') {
      throw new QueryError(`global feature ${remap[i]} (local ${i}) is missing from the union feature space`);
    }
    eff[i] = pos;
  }
  return eff;
}

/** features(): pins a layout to the wanted globals (sorted ascending); −1 where a local feature is not wanted. */
export function wantedRemap(remap: ArrayLike<number>, wantedSortedGlobals: Int32Array): Int32Array {
  return effectiveRemap(remap, wantedSortedGlobals, 'intersection');
}

/** Values below this always get a lookup table (an Int32Array of up to 4 MiB). */
const DENSE_TABLE_MAX = 1 << 20;

/**
 * Where each of `values` sits (the last position when one repeats; NaN entries skipped), as a
 * lookup answering −1 for values not there. Global indices are registry positions, dense from 0,
 * so a table answers in one step (toBatches joins per read unit; binary searches were ~60 ms of a
 * 200k-cell stream). A few wanted features out of a big registry still get a table (up to 4 MiB):
 * 64,000 lookups through a Map cost a fresh page ~9 ms. Sparse, negative or fractional values go
 * through a Map.
 */
export function positionLookup(values: ArrayLike<number>): (x: number) => number {
  let max = -1;
  let dense = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (!(Number.isInteger(v) && v >= 0)) dense = false;
    else if (v > max) max = v;
  }
  if (dense && max < Math.max(4 * values.length + 1024, DENSE_TABLE_MAX)) {
    const table = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) table[values[i]!] = i;
    return (x) => (x >= 0 && x <= max ? (table[x] ?? -1) : -1);
  }
  const at = new Map<number, number>();
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) at.set(values[i]!, i);
  return (x) => at.get(x) ?? -1;
}

function checkAscending(a: Int32Array, what: string): void {
  for (let i = 1; i < a.length; i++) {
    if (a[i]! <= a[i - 1]!) throw new QueryError(`${what} must be strictly ascending (position ${i}: ${a[i - 1]} then ${a[i]})`);
  }
}
