// Global heap collections ("GCOL"): where variable-length strings live. A vlen string element in a
// dataset or attribute is a 16-byte reference — u32 byte length, u64 collection address, u32
// object index — to one object of a collection.
//
// Collection layout:
//   "GCOL" | version = 1 | 3 reserved bytes | collection size u64 (whole collection, header included)
//   objects, each: index u16 (1..65535) | reference count u16 (0, as HDF5 writes) |
//                  4 reserved bytes | object size u64 | data, zero-padded to a multiple of 8
//   free space: an object with index 0 whose size counts the rest of the collection including
//                  its own 16-byte header (or nothing, when fewer than 16 bytes are left over)
//
// Worked example — "ab" then "é" in one collection at 0x800 (sizes as HDF5 writes them):
//   0x800  47 43 4f 4c 01 00 00 00 | 00 10 00 00 00 00 00 00       GCOL v1, size 4096
//   0x810  01 00 00 00 00 00 00 00 | 02 00 00 00 00 00 00 00       object 1, 2 bytes
//   0x820  61 62 00 00 00 00 00 00                                 "ab" + padding
//   0x828  02 00 00 00 00 00 00 00 | 02 00 00 00 00 00 00 00       object 2, 2 bytes
//   0x838  c3 a9 00 00 00 00 00 00                                 "é" (UTF-8) + padding
//   0x840  00 00 00 00 00 00 00 00 | c0 0f 00 00 00 00 00 00       free space: 4096 − 0x40
//   references: "ab" → 02 00 00 00 | 00 08 00 00 00 00 00 00 | 01 00 00 00
//
// HDF5 reads a collection whole into its metadata cache (and reads at least 4096 bytes), so we
// make collections at least 4096 bytes and otherwise cut them at ~64 KiB (or one object, for a
// longer string); object indices are u16, so at most 65535 objects per collection.
import { align8, writeU64 } from './bytes.js';

const HEADER = 16;
const OBJECT_HEADER = 16;
const MIN_COLLECTION = 4096;
const TARGET_COLLECTION = 64 * 1024;
const MAX_OBJECTS = 0xffff;
const GCOL = [0x47, 0x43, 0x4f, 0x4c];

export class GlobalHeapWriter {
  /** Finished collections, in file order, starting at the start address. */
  readonly collections: Uint8Array[] = [];
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private used = 0;
  private nextIndex = 1;
  /** Absolute address of the collection being filled. */
  private address: number;

  constructor(startAddress: number) {
    this.address = startAddress;
  }

  /** Total bytes of all collections once finish() has run. */
  get byteLength(): number {
    let n = 0;
    for (const c of this.collections) n += c.length;
    return n;
  }

  /** Stores `s` as a new heap object and writes its 16-byte vlen reference into `out` at `pos`. */
  add(s: string, out: DataView, pos: number): void {
    let need = OBJECT_HEADER + align8(3 * s.length);
    if (this.used + need > this.buf.length || this.nextIndex > MAX_OBJECTS) {
      need = OBJECT_HEADER + align8(utf8Length(s));
      if (this.used + need > this.buf.length || this.nextIndex > MAX_OBJECTS) this.open(need);
    }
    const start = this.used + OBJECT_HEADER;
    const len = encodeUtf8(s, this.buf, start);
    const idx = this.nextIndex++;
    this.view.setUint16(this.used, idx, true);
    this.view.setUint16(this.used + 2, 0, true);
    this.view.setUint32(this.used + 4, 0, true);
    writeU64(this.view, this.used + 8, len);
    this.used = start + align8(len);
    out.setUint32(pos, len, true);
    writeU64(out, pos + 4, this.address);
    out.setUint32(pos + 12, idx, true);
  }

  /** Closes the last collection; `collections` is then complete. */
  finish(): void {
    this.close();
  }

  private open(need: number): void {
    this.close();
    this.buf = new Uint8Array(Math.max(TARGET_COLLECTION, HEADER + need + OBJECT_HEADER));
    this.view = new DataView(this.buf.buffer);
    for (let i = 0; i < 4; i++) this.buf[i] = GCOL[i]!;
    this.buf[4] = 1;
    this.used = HEADER;
    this.nextIndex = 1;
  }

  private close(): void {
    if (this.used === 0) return;
    const size = Math.max(MIN_COLLECTION, this.used); // ≤ buf.length: buffers are ≥ 64 KiB
    writeU64(this.view, 8, size);
    const free = size - this.used;
    if (free >= OBJECT_HEADER) writeU64(this.view, this.used + 8, free); // index 0 = free space
    this.collections.push(this.buf.subarray(0, size));
    this.address += size;
    this.used = 0;
  }
}

/** Bytes of `s` in UTF-8 (lone surrogates count as U+FFFD, as TextEncoder encodes them). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const textEncoder = new TextEncoder();

/** Encodes `s` into `buf` at `pos` (room for 3 bytes per UTF-16 unit assumed); returns the length. */
function encodeUtf8(s: string, buf: Uint8Array, pos: number): number {
  if (s.length > 32) return textEncoder.encodeInto(s, buf.subarray(pos)).written;
  let p = pos;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[p++] = c;
    } else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      buf[p++] = 0xf0 | (cp >> 18);
      buf[p++] = 0x80 | ((cp >> 12) & 0x3f);
      buf[p++] = 0x80 | ((cp >> 6) & 0x3f);
      buf[p++] = 0x80 | (cp & 0x3f);
    } else {
      if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - pos;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c < 0xe000;
}
