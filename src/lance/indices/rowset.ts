// Sets of row addresses grouped by fragment, and their conversion to sorted u64 addresses.
import { mergeSorted, type RowSet } from './row-id-tree-map.js';

/** Adds row addresses `(fragment << 32) | offset` to a RowSet. */
export function addAddresses(set: RowSet, addrs: Iterable<bigint>): void {
  const byFrag = new Map<number, number[]>();
  for (const a of addrs) {
    const f = Number(a >> 32n);
    let l = byFrag.get(f);
    if (!l) byFrag.set(f, (l = []));
    l.push(Number(a & 0xffffffffn));
  }
  for (const [f, l] of byFrag) {
    const rows = Uint32Array.from(l).sort();
    const prev = set.get(f);
    if (prev === 'all') continue;
    set.set(f, prev ? mergeSorted(prev, rows) : mergeSorted(rows, new Uint32Array(0)));
  }
}

export function unionInto(a: RowSet, b: RowSet): void {
  for (const [f, rows] of b) {
    const prev = a.get(f);
    if (prev === 'all') continue;
    a.set(f, rows === 'all' || !prev ? rows : mergeSorted(prev, rows));
  }
}
