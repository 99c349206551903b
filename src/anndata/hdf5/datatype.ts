// Datatype message (type 0x0003): the element type of a dataset or attribute.
//
// Every datatype starts with 8 bytes:
//   byte 0      class (low 4 bits) | version (high 4 bits)
//   bytes 1-3   class bit fields (24 bits)
//   bytes 4-7   element size in bytes (u32)
// followed by class-specific properties. The classes we write, byte for byte as HDF5 1.10 (h5py,
// libver ≥ v108) writes them:
//
// Fixed-point (class 0, version 1) — int8..int64 / uint8..uint64, little-endian:
//   bit field bit 0 = byte order (0 = LE), bit 3 = signed; properties: bit offset u16 = 0,
//   bit precision u16 = 8·size.
//   int32 → 10 08 00 00 | 04 00 00 00 | 00 00 | 20 00
//
// Floating-point (class 1, version 1) — IEEE float32/float64 LE:
//   bit fields: byte 1 bits 4-5 = mantissa normalization 2 ("msb implied") → 0x20,
//   byte 2 = sign bit position; properties: bit offset u16, precision u16, exponent location u8,
//   exponent size u8, mantissa location u8, mantissa size u8, exponent bias u32.
//   float64 → 11 20 3f 00 | 08 00 00 00 | 00 00 40 00 34 0b 00 34 ff 03 00 00
//
// Enumeration (class 8, version 3) — h5py's bool: base int8, members FALSE = 0, TRUE = 1:
//   bit fields = number of members (2); properties: the base type (a full fixed-point datatype),
//   then the member names, NUL-terminated and (in version 3) unpadded, then the values, each
//   `size` bytes, in member order.
//   38 02 00 00 | 01 00 00 00 | 10 08 00 00 01 00 00 00 00 00 08 00 | "FALSE\0TRUE\0" | 00 01
//   h5py maps exactly this enum to numpy `bool`.
//
// Variable-length (class 9, version 1) — UTF-8 strings as h5py's `string_dtype('utf-8')`:
//   bit fields: bits 0-3 type = 1 (string), bits 4-7 padding = 0 (NUL-terminated),
//   bits 8-11 character set = 1 (UTF-8); size 16 = the on-disk element, a u32 byte length plus a
//   global heap ID (collection address u64 + object index u32); the base type is an unsigned
//   8-bit fixed-point (what H5Tset_size(H5T_VARIABLE) puts there).
//   19 01 01 00 | 10 00 00 00 | 10 00 00 00 01 00 00 00 00 00 08 00
import { ByteWriter } from './bytes.js';

export type IntDType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';
export type FloatDType = 'float32' | 'float64';
export type NumericDType = IntDType | FloatDType;
/** Every element type the writer supports: numbers, h5py booleans and vlen UTF-8 strings. */
export type DType = NumericDType | 'bool' | 'string';

const INT_SIZES: Record<IntDType, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8 };

/** Bytes one element occupies on disk (vlen strings: the 16-byte heap reference). */
export function elementSize(dtype: DType): number {
  if (dtype === 'bool') return 1;
  if (dtype === 'string') return VLEN_ELEMENT_SIZE;
  if (dtype === 'float32') return 4;
  if (dtype === 'float64') return 8;
  return INT_SIZES[dtype];
}

/** On-disk vlen element: u32 length + collection address (8) + object index (u32). */
export const VLEN_ELEMENT_SIZE = 16;

/** The datatype message body for `dtype`. */
export function encodeDatatype(dtype: DType): Uint8Array {
  const w = new ByteWriter(48);
  writeDatatype(w, dtype);
  return w.finish();
}

function writeDatatype(w: ByteWriter, dtype: DType): void {
  switch (dtype) {
    case 'float32':
      w.u8(0x11).u8(0x20).u8(31).u8(0).u32(4);
      w.u16(0).u16(32).u8(23).u8(8).u8(0).u8(23).u32(127);
      return;
    case 'float64':
      w.u8(0x11).u8(0x20).u8(63).u8(0).u32(8);
      w.u16(0).u16(64).u8(52).u8(11).u8(0).u8(52).u32(1023);
      return;
    case 'bool':
      w.u8(0x38).u16(2).u8(0).u32(1);
      writeFixed(w, 1, true);
      w.bytes(BOOL_NAMES).u8(0).u8(1);
      return;
    case 'string':
      w.u8(0x19).u8(0x01).u8(0x01).u8(0).u32(VLEN_ELEMENT_SIZE);
      writeFixed(w, 1, false);
      return;
    default:
      writeFixed(w, INT_SIZES[dtype], !dtype.startsWith('u'));
  }
}

/** "FALSE\0TRUE\0": the member names of h5py's bool enum, in value order. */
const BOOL_NAMES = new Uint8Array([0x46, 0x41, 0x4c, 0x53, 0x45, 0, 0x54, 0x52, 0x55, 0x45, 0]);

function writeFixed(w: ByteWriter, size: number, signed: boolean): void {
  w.u8(0x10).u8(signed ? 0x08 : 0).u8(0).u8(0).u32(size);
  w.u16(0).u16(size * 8);
}
