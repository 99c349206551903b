// Dataspace message (type 0x0001), version 2: the shape of a dataset or attribute.
//
//   byte 0   version = 2
//   byte 1   dimensionality (rank)
//   byte 2   flags: bit 0 = maximum dimensions present
//   byte 3   type: 0 = scalar, 1 = simple (N-D), 2 = null
//   then rank × u64 current sizes, then (if flag bit 0) rank × u64 maximum sizes.
//
// We write what h5py writes: maximum = current for simple dataspaces.
//   scalar        → 02 00 00 00
//   shape [3]     → 02 01 01 01 | 03 00 00 00 00 00 00 00 | 03 00 00 00 00 00 00 00
//   shape [0]     → a 1-D dataspace of size 0 (empty arrays, e.g. an empty `column-order`)
import { ByteWriter } from '../bytes.js';

export const DATASPACE = 0x0001;

/** `shape` [] is a scalar. */
export function encodeDataspace(shape: readonly number[]): Uint8Array {
  const w = new ByteWriter(4 + 16 * shape.length);
  if (shape.length === 0) return w.u8(2).u8(0).u8(0).u8(0).finish();
  w.u8(2).u8(shape.length).u8(1).u8(1);
  for (const d of shape) w.u64(d);
  for (const d of shape) w.u64(d);
  return w.finish();
}
