// Fill Value message (type 0x0005), version 3. Required in every dataset header.
//
//   byte 0   version = 3
//   byte 1   flags: bits 0-1 space allocation time (2 = late), bits 2-3 fill value write time
//            (2 = if set by the user), bit 4 = undefined fill value, bit 5 = fill value defined
//            (then a u32 size and the value follow).
//
// Neither bit 4 nor 5 means "the library default" (zeros). Our datasets are always fully written,
// so the fill value is never used; this is the 2-byte message h5py writes: 03 0a.
export const FILL_VALUE = 0x0005;

export function encodeFillValue(): Uint8Array {
  return new Uint8Array([3, 0x02 | (2 << 2)]);
}
