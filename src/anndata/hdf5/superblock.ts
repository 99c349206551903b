// Superblock version 2 (HDF5 ≥ 1.8): 48 bytes at the start of the HDF5 data.
//
//   0   signature            89 48 44 46 0d 0a 1a 0a  ("\x89HDF\r\n\x1a\n")
//   8   version = 2
//   9   size of offsets = 8   (every address in the file is a u64)
//   10  size of lengths = 8
//   11  file consistency flags = 0
//   12  base address (u64)    = where the superblock is: 0, or the user block size
//   20  superblock extension address = UNDEF (none)
//   28  end-of-file address (u64), absolute (it includes the user block), = the file size
//   36  root group object header address (u64), relative to the base address
//   44  checksum (u32, lookup3 of bytes 0..43)
//
// With a user block (e.g. MuData's 512-byte "MuData (format-version=…)" preamble) the superblock
// sits at the user block's size and every other address is relative to it — the layout
// `h5py.File(..., userblock_size=512)` produces.
import { ByteWriter, UNDEF_ADDRESS } from './bytes.js';
import { lookup3 } from './checksum.js';

export const SUPERBLOCK_SIZE = 48;

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function encodeSuperblock(opts: { baseAddress: number; eofAddress: number; rootAddress: number }): Uint8Array {
  const w = new ByteWriter(SUPERBLOCK_SIZE);
  for (const b of SIGNATURE) w.u8(b);
  w.u8(2).u8(8).u8(8).u8(0);
  w.u64(opts.baseAddress).u64(UNDEF_ADDRESS).u64(opts.eofAddress).u64(opts.rootAddress);
  const checksum = lookup3(w.finish());
  return w.u32(checksum).finish();
}
