// Little-endian byte assembly for HDF5 metadata (superblock, object headers, heap collections).
// HDF5 stores every multi-byte field little-endian here; "offsets" (addresses) and "lengths" are
// 8 bytes each in the files we write (superblock "size of offsets" = "size of lengths" = 8), so any
// address up to 2^53 (JS numbers are exact there) fits — far beyond 4 GiB.

/** The undefined address: all bits set (the spec's "UNDEF" for fields like "no B-tree"). */
export const UNDEF_ADDRESS = -1;

/**
 * A growable little-endian writer. Metadata blocks are small (a few bytes to a few MB for a group
 * with very many links), so doubling growth is fine; bulk data never goes through here.
 *
 * Example: `new ByteWriter().u8(2).u16(0x0102).u64(4294967296).finish()`
 *   → 02 | 02 01 | 00 00 00 00 01 00 00 00
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }

  /** Unsigned 64-bit from a non-negative safe integer, or UNDEF_ADDRESS (-1) for all ones. */
  u64(v: number): this {
    this.ensure(8);
    writeU64(this.view, this.pos, v);
    this.pos += 8;
    return this;
  }

  /** Little-endian unsigned integer of `width` bytes (1, 2, 4 or 8). */
  uint(v: number, width: 1 | 2 | 4 | 8): this {
    switch (width) {
      case 1: return this.u8(v);
      case 2: return this.u16(v);
      case 4: return this.u32(v);
      default: return this.u64(v);
    }
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  /** The bytes written so far (a view: do not keep writing after taking it). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Writes `v` (a safe non-negative integer, or -1 for UNDEF) as u64 LE at `pos`. */
export function writeU64(view: DataView, pos: number, v: number): void {
  if (v === UNDEF_ADDRESS) {
    view.setUint32(pos, 0xffffffff, true);
    view.setUint32(pos + 4, 0xffffffff, true);
    return;
  }
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not a u64 HDF5 offset/length: ${v}`);
  view.setUint32(pos, v % 0x100000000, true);
  view.setUint32(pos + 4, Math.floor(v / 0x100000000), true);
}

const utf8 = new TextEncoder();

/** UTF-8 bytes of a name (link or attribute); true when it is not plain ASCII. */
export function encodeName(name: string): { bytes: Uint8Array; utf8: boolean } {
  const bytes = utf8.encode(name);
  return { bytes, utf8: bytes.length !== name.length };
}

/** Smallest field width (1, 2, 4 or 8 bytes) that holds `v`, with its 2-bit code (0..3). */
export function sizeCode(v: number): { width: 1 | 2 | 4 | 8; code: number } {
  if (v <= 0xff) return { width: 1, code: 0 };
  if (v <= 0xffff) return { width: 2, code: 1 };
  if (v <= 0xffffffff) return { width: 4, code: 2 };
  return { width: 8, code: 3 };
}

/** Rounds up to a multiple of 8 (global heap objects and raw data blocks are 8-byte aligned). */
export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
