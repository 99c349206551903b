// RowIdTreeMap serialization (lance-core `utils/mask.rs`): the posting lists of a BITMAP index.
//
//   u32 LE n
//   n × { u32 fragment_id | u32 size | size bytes of portable Roaring32 (row offsets) }
// size 0 means "every row of the fragment". Row addresses are (fragment_id << 32) | offset.
// Example: 01000000 | 00000000 e0070000 | <2016-byte bitmap> = rows of fragment 0 only.
import { CorruptDataError } from '../../errors.js';
import { ByteCursor } from '../cursor.js';
import { readRoaring } from '../roaring.js';

/** Per fragment: sorted row offsets, or 'all'. */
export type RowSet = Map<number, Uint32Array | 'all'>;

export function parseRowIdTreeMap(bytes: Uint8Array, where: string, into: RowSet = new Map()): RowSet {
  const c = new ByteCursor(bytes, where);
  const n = c.u32();
  for (let i = 0; i < n; i++) {
    const frag = c.u32();
    const size = c.u32();
    if (size === 0) {
      into.set(frag, 'all');
      continue;
    }
    const end = c.pos + size;
    c.need(size, 'roaring bitmap');
    const rows = readRoaring(new ByteCursor(bytes, where, c.pos, end));
    c.pos = end;
    const prev = into.get(frag);
    if (prev === 'all') continue;
    into.set(frag, prev ? mergeSorted(prev, rows) : rows);
  }
  if (c.remaining !== 0) throw new CorruptDataError(`${c.remaining} trailing bytes after a row-id map`, { where });
  return into;
}

export function mergeSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (k === 0 || out[k - 1] !== x) out[k++] = x;
  }
  return out.subarray(0, k);
}
