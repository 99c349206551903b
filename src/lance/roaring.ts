// Portable 32-bit Roaring bitmaps (RoaringFormatSpec), as written by roaring-rs / CRoaring.
// Lance uses them for deletion files with ≥ 5000 deletions (`.bin`), index fragment bitmaps, and
// (inside RowIdTreeMap) bitmap-index posting lists.
//
//   cookie u32: 12346 = no run containers, then u32 container count
//               (cookie & 0xFFFF) == 12347 = has runs, count = (cookie >> 16) + 1, then a
//               ceil(count/8)-byte bitmap saying which containers are run containers
//   per container: u16 key (high 16 bits), u16 cardinality - 1
//   per container u32 byte offsets — present unless the cookie is 12347 and count < 4
//   containers: run      u16 n_runs, n × (u16 start, u16 length - 1)
//               array    cardinality × u16 (cardinality ≤ 4096)
//               bitset   1024 × u64 (LSB-first)
// Example: {1, 2, 70000} = 3a300000 02000000 | 0000 0100 0100 0000 | 18000000 1c000000 |
//          0100 0200 | 7011   (keys 0 and 1; values 1, 2 and 65536 + 0x1170).
import { CorruptDataError } from '../errors.js';
import { ByteCursor } from './cursor.js';

const SERIAL_COOKIE_NO_RUN = 12346;
const SERIAL_COOKIE = 12347;

/** The sorted values of a serialized bitmap; `c` is advanced past it. */
export function readRoaring(c: ByteCursor): Uint32Array {
  const cookie = c.u32();
  let count: number;
  let runFlags: Uint8Array | undefined;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    count = (cookie >>> 16) + 1;
    runFlags = c.take(Math.ceil(count / 8), 'run bitmap');
  } else if (cookie === SERIAL_COOKIE_NO_RUN) {
    count = c.u32();
  } else {
    throw new CorruptDataError(`not a roaring bitmap (cookie ${cookie})`, { where: c.where });
  }
  if (count > 65536) throw new CorruptDataError(`roaring bitmap with ${count} containers`, { where: c.where });
  const keys = new Uint16Array(count);
  const cards = new Uint32Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    keys[i] = c.u16();
    cards[i] = c.u16() + 1;
    total += cards[i]!;
  }
  if (!runFlags || count >= 4) c.skip(4 * count);
  const out = new Uint32Array(total);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const high = keys[i]! * 65536;
    const isRun = runFlags ? (runFlags[i >> 3]! >> (i & 7)) & 1 : 0;
    if (isRun) {
      const runs = c.u16();
      for (let r = 0; r < runs; r++) {
        const start = c.u16();
        const len = c.u16() + 1;
        if (at + len > total || start + len > 65536) throw new CorruptDataError('roaring run exceeds its container', { where: c.where });
        for (let k = 0; k < len; k++) out[at++] = high + start + k;
      }
    } else if (cards[i]! <= 4096) {
      for (let k = 0; k < cards[i]!; k++) out[at++] = high + c.u16();
    } else {
      const words = c.take(8192, 'bitset container');
      for (let b = 0; b < 8192; b++) {
        let w = words[b]!;
        while (w !== 0) {
          const low = 31 - Math.clz32(w & -w);
          if (at >= total) throw new CorruptDataError('roaring bitset has more bits than its cardinality', { where: c.where });
          out[at++] = high + b * 8 + low;
          w &= w - 1;
        }
      }
    }
  }
  if (at !== total) throw new CorruptDataError(`roaring bitmap decoded ${at} of ${total} values`, { where: c.where });
  return out;
}

export function decodeRoaring(bytes: Uint8Array, where: string): Uint32Array {
  return readRoaring(new ByteCursor(bytes, where));
}

/** Whether sorted `values` contains `x` (binary search). */
export function sortedHas(values: Uint32Array, x: number): boolean {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo < values.length && values[lo] === x;
}
