// Flat: fixed-width values stored as-is, little-endian.
//
// `bits_per_value` is a multiple of 8 for numbers (32 = i32/f32, 64 = i64/f64/timestamps, 4096 =
// a 128-float vector flattened by FixedSizeList) or 1 for booleans. Bit-width-1 data is an
// LSB-first bitmap and every mini-block chunk restarts at bit 0. Example: 3 booleans
// true,false,true are the single byte 0b101 = 0x05.
import { CorruptDataError, UnsupportedError } from '../../errors.js';
import type { Block } from '../blocks.js';

export function decodeFlat(bytes: Uint8Array, bitsPerValue: number, numValues: number, where: string): Block {
  if (bitsPerValue === 1) return unpackBits(bytes, numValues, where);
  if (bitsPerValue % 8 !== 0 || bitsPerValue === 0) {
    throw new UnsupportedError(`flat values of ${bitsPerValue} bits`, { feature: `Flat(bits_per_value=${bitsPerValue})`, where });
  }
  const width = bitsPerValue / 8;
  const need = width * numValues;
  if (bytes.length < need) {
    throw new CorruptDataError(`flat buffer has ${bytes.length} bytes, ${numValues} values of ${width} bytes need ${need}`, { where });
  }
  return { kind: 'fixed', width, data: bytes.subarray(0, need), length: numValues };
}

/** LSB-first bitmap → one 0/1 byte per value. */
export function unpackBits(bytes: Uint8Array, numValues: number, where: string, bitOffset = 0): Extract<Block, { kind: 'bits' }> {
  if (bytes.length * 8 < bitOffset + numValues) {
    throw new CorruptDataError(`bitmap has ${bytes.length * 8} bits, ${numValues} needed`, { where });
  }
  const out = new Uint8Array(numValues);
  for (let i = 0; i < numValues; i++) {
    const b = bitOffset + i;
    out[i] = (bytes[b >>> 3]! >>> (b & 7)) & 1;
  }
  return { kind: 'bits', data: out, length: numValues };
}
