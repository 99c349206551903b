// The three messages of a "new-style" (HDF5 ≥ 1.8) group whose links are stored compactly, as
// messages in the group's own object header — no local heap, B-tree or symbol table nodes.
//
// Link Info (type 0x0002), version 0 — 18 bytes:
//   byte 0 version = 0 | byte 1 flags = 0 (creation order neither tracked nor indexed)
//   u64 fractal heap address = UNDEF | u64 name-index v2 B-tree address = UNDEF
//   (both UNDEF = "the links are the Link messages in this header").
//
// Group Info (type 0x000A), version 0 — 2 bytes: 00 00 (default compact/dense thresholds).
//
// Link (type 0x0006), version 1 — one per child:
//   byte 0 version = 1
//   byte 1 flags: bits 0-1 size of the name-length field (0 → 1 byte, 1 → 2, 2 → 4, 3 → 8),
//          bit 4 = a character-set byte follows (we set it, with 1 = UTF-8, only for non-ASCII
//          names, as HDF5 does); no link-type byte = a hard link, no creation order
//   [charset u8] | name length | name (no NUL) | u64 address of the child's object header
//   e.g. hard link "X" → object header at 0x1234:
//   01 00 01 58 34 12 00 00 00 00 00 00
import { ByteWriter, encodeName, sizeCode, UNDEF_ADDRESS } from '../bytes.js';

export const LINK_INFO = 0x0002;
export const GROUP_INFO = 0x000a;
export const LINK = 0x0006;

export function encodeLinkInfo(): Uint8Array {
  return new ByteWriter(18).u8(0).u8(0).u64(UNDEF_ADDRESS).u64(UNDEF_ADDRESS).finish();
}

export function encodeGroupInfo(): Uint8Array {
  return new Uint8Array([0, 0]);
}

export function encodeHardLink(name: string, address: number): Uint8Array {
  const n = encodeName(name);
  const len = sizeCode(n.bytes.length);
  const w = new ByteWriter(4 + len.width + n.bytes.length + 8);
  w.u8(1).u8(len.code | (n.utf8 ? 0x10 : 0));
  if (n.utf8) w.u8(1);
  return w.uint(n.bytes.length, len.width).bytes(n.bytes).u64(address).finish();
}
