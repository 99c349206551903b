// Data Layout message (type 0x0008), version 3, contiguous class: where a dataset's raw data is.
//
//   byte 0     version = 3
//   byte 1     layout class: 1 = contiguous
//   bytes 2-9  address of the raw data (u64; UNDEF = not allocated, for empty datasets)
//   bytes 10-17 size of the raw data in bytes (u64) = number of elements × element size
//
// e.g. 3 × int32 at 0x800 → 03 01 | 00 08 00 00 00 00 00 00 | 0c 00 00 00 00 00 00 00
// Addresses and sizes are 8 bytes, so data beyond 4 GiB (and blocks larger than 4 GiB) are fine.
import { ByteWriter } from '../bytes.js';

export const LAYOUT = 0x0008;

export function encodeContiguousLayout(address: number, size: number): Uint8Array {
  return new ByteWriter(18).u8(3).u8(1).u64(address).u64(size).finish();
}
