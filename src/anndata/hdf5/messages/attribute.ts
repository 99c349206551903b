// Attribute message (type 0x000C), version 3: one attribute, stored in its object's header.
//
//   byte 0     version = 3
//   byte 1     flags (0: datatype and dataspace are inline, not shared)
//   bytes 2-3  name size, including the terminating NUL (u16)
//   bytes 4-5  datatype size (u16)
//   bytes 6-7  dataspace size (u16)
//   byte 8     name character set: 0 = ASCII, 1 = UTF-8
//   then the name + NUL, the datatype message, the dataspace message and the data
//   (elements × element size; vlen strings are 16-byte global heap references) — unpadded.
//
// e.g. attrs["b"] = True →
//   03 00 02 00 21 00 04 00 00 | 62 00 | <33-byte bool enum> | 02 00 00 00 | 01
// A message holds at most 65535 bytes, so an attribute is limited to about 64 KiB (h5py has the
// same limit for compact attributes); a string array attribute to ~4000 elements.
import { ByteWriter, encodeName } from '../bytes.js';
import { UnsupportedError } from '../../../errors.js';

export const ATTRIBUTE = 0x000c;

export function encodeAttribute(name: string, datatype: Uint8Array, dataspace: Uint8Array, data: Uint8Array, where: string): Uint8Array {
  const n = encodeName(name);
  const size = 9 + n.bytes.length + 1 + datatype.length + dataspace.length + data.length;
  if (size > 0xffff) {
    throw new UnsupportedError(`attribute "${name}" is ${data.length} bytes; HDF5 object header attributes hold at most 64 KiB`, {
      feature: 'hdf5 large attribute', where,
    });
  }
  return new ByteWriter(size)
    .u8(3).u8(0).u16(n.bytes.length + 1).u16(datatype.length).u16(dataspace.length).u8(n.utf8 ? 1 : 0)
    .bytes(n.bytes).u8(0).bytes(datatype).bytes(dataspace).bytes(data)
    .finish();
}
