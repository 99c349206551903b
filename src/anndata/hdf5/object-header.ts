// Version-2 object header ("OHDR"): the metadata of one group or dataset, as a single chunk.
//
//   "OHDR"                         4 bytes signature
//   version = 2                    1 byte
//   flags                          1 byte: bits 0-1 = width of the chunk-0 size field
//                                  (0 → 1 byte, 1 → 2, 2 → 4, 3 → 8); we store no times,
//                                  no attribute creation order and no phase-change values
//   size of chunk 0                1/2/4/8 bytes: the total size of the messages below
//   messages, each:
//     type u8 | body size u16 | flags u8 | body (unpadded in version 2)
//   checksum                       u32, Jenkins lookup3 of everything above
//
// Worked example — an empty group (link info + group info):
//   4f 48 44 52 02 00 1a                           "OHDR", v2, flags 0, chunk 0 = 26 bytes
//   02 12 00 00 | 00 00 ff×8 ff×8                  Link Info (18 bytes)
//   0a 02 00 01 | 00 00                            Group Info (2 bytes, flag "constant")
//   xx xx xx xx                                    lookup3 checksum
//
// A whole header is one chunk, however many messages (no continuation chunks): the size field
// grows to 2/4/8 bytes as needed. Each message body is at most 65535 bytes (its size field is u16).
import { ByteWriter, sizeCode } from './bytes.js';
import { lookup3 } from './checksum.js';
import { UnsupportedError } from '../../errors.js';

export interface HeaderMessage {
  type: number;
  /** Message flags; 1 = "constant" (datatype, fill value, group info, as HDF5 marks them). */
  flags?: number;
  body: Uint8Array;
}

const OHDR = [0x4f, 0x48, 0x44, 0x52];

export function encodeObjectHeader(messages: readonly HeaderMessage[], where: string): Uint8Array {
  let chunk = 0;
  for (const m of messages) {
    if (m.body.length > 0xffff) {
      throw new UnsupportedError(`HDF5 header message of ${m.body.length} bytes (max 65535)`, { feature: 'hdf5 large header message', where });
    }
    chunk += 4 + m.body.length;
  }
  const size = sizeCode(chunk);
  const w = new ByteWriter(6 + size.width + chunk + 4);
  for (const b of OHDR) w.u8(b);
  w.u8(2).u8(size.code).uint(chunk, size.width);
  for (const m of messages) w.u8(m.type).u16(m.body.length).u8(m.flags ?? 0).bytes(m.body);
  const checksum = lookup3(w.finish());
  return w.u32(checksum).finish();
}
