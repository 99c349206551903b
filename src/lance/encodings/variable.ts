// Variable: variable-width values (strings, binary) as offsets + bytes.
//
// Mini-block form (one chunk buffer): (n+1) offsets of 32 or 64 bits, then the bytes. Offsets are
// relative to the start of the chunk buffer, so offsets[0] = (n+1)*4 for 32-bit offsets.
//   Example, ["ab", "", "c"]: 10000000 12000000 12000000 13000000 "abc" (+ 0x48 padding)
// Block form (dictionary values, written by VariableEncoder):
//   u32 bits (32) | u32 bytes_start | (n+1) u32 offsets | bytes      (offsets relative to bytes_start)
//   u64 bits (64) | u64 bytes_start | (n+1) u64 offsets | bytes
// An older block form starts with a u8 bit width followed by a u32/u64 count (bytes 1..3 non-zero).
import { CorruptDataError } from '../../errors.js';
import type { Block } from '../blocks.js';
import { ByteCursor } from '../cursor.js';

/** Reads n+1 offsets of `bits` width from `bytes` at `at` and rebases them to start at 0. */
function readOffsets(bytes: Uint8Array, at: number, n: number, bits: number, where: string): { offsets: Uint32Array; first: number; last: number } {
  const width = bits / 8;
  if (bits !== 32 && bits !== 64) throw new CorruptDataError(`offsets of ${bits} bits`, { where });
  if (at + (n + 1) * width > bytes.length) throw new CorruptDataError(`${n + 1} offsets run past a ${bytes.length}-byte buffer`, { where });
  const offsets = new Uint32Array(n + 1);
  if (bits === 32) {
    // Little-endian words through a typed view (copied when unaligned): this loop runs once per
    // string value of every scanned page, mostly cold, where a DataView getter per value was slow.
    const start = bytes.byteOffset + at;
    const raw = start % 4 === 0 ? new Uint32Array(bytes.buffer, start, n + 1) : new Uint32Array(bytes.slice(at, at + (n + 1) * 4).buffer);
    const first = raw[0]!;
    let prev = first;
    for (let i = 0; i <= n; i++) {
      const o = raw[i]!;
      if (o < prev) throw new CorruptDataError(`offset ${i} (${o}) is out of order`, { where });
      offsets[i] = o - first;
      prev = o;
    }
    return { offsets, first, last: prev };
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = Number(v.getBigUint64(at, true));
  let prev = first;
  for (let i = 0; i <= n; i++) {
    const o = Number(v.getBigUint64(at + i * 8, true));
    if (o < prev || o - first > 0xffffffff) throw new CorruptDataError(`offset ${i} (${o}) is out of order`, { where });
    offsets[i] = o - first;
    prev = o;
  }
  return { offsets, first, last: prev };
}

export function decodeVariableMiniBlock(buffer: Uint8Array, bitsPerOffset: number, n: number, where: string): Block {
  const { offsets, first, last } = readOffsets(buffer, 0, n, bitsPerOffset, where);
  if (last > buffer.length) throw new CorruptDataError(`value bytes end at ${last}, past the ${buffer.length}-byte chunk`, { where });
  return { kind: 'var', offsets, data: buffer.subarray(first, last), length: n };
}

/** Mini-block Variable whose offsets were compressed separately (two chunk buffers). */
export function decodeVariableSplit(offsets: Block, values: Uint8Array, n: number, where: string): Block {
  if (offsets.kind !== 'fixed' || (offsets.width !== 4 && offsets.width !== 8) || offsets.length !== n + 1) {
    throw new CorruptDataError('compressed offsets did not decode to n+1 integers', { where });
  }
  const { offsets: o, first, last } = readOffsets(offsets.data, 0, n, offsets.width * 8, where);
  if (last - first > values.length) throw new CorruptDataError('offsets point past the value bytes', { where });
  return { kind: 'var', offsets: o, data: values.subarray(0, last - first), length: n };
}

export function decodeVariableBlock(buffer: Uint8Array, n: number, where: string): Block {
  const c = new ByteCursor(buffer, where);
  if (buffer.length < 8) throw new CorruptDataError('variable block shorter than its header', { where });
  const oldScheme = buffer[1] !== 0 || buffer[2] !== 0 || buffer[3] !== 0;
  let bits: number;
  let bytesStart: number;
  let offsetsAt: number;
  if (oldScheme) {
    bits = c.u8();
    if (bits === 32) {
      c.u32();
      bytesStart = c.u32();
      offsetsAt = 9;
    } else {
      c.u64();
      bytesStart = c.u64();
      offsetsAt = 17;
    }
  } else {
    bits = c.u32();
    if (bits === 32) {
      bytesStart = c.u32();
      offsetsAt = 8;
    } else {
      c.u32();
      bytesStart = c.u64();
      offsetsAt = 16;
    }
  }
  if (bytesStart > buffer.length || bytesStart < offsetsAt) throw new CorruptDataError(`bytes start ${bytesStart} is outside the block`, { where });
  const { offsets, first, last } = readOffsets(buffer, offsetsAt, n, bits, where);
  const data = buffer.subarray(bytesStart);
  if (last > data.length) throw new CorruptDataError('offsets point past the value bytes', { where });
  return { kind: 'var', offsets, data: data.subarray(first, last), length: n };
}
