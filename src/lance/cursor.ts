// The one byte cursor every Lance decoder reads through.
//
// Everything Lance writes is little-endian. A cursor owns a window [start, end) of a byte array and
// a position; every read checks that the bytes exist and throws CorruptDataError naming `where`
// otherwise, so a truncated or lying file can never index past its buffer or produce a short value.
//
// Example: the 40-byte data-file footer
//   ba05000000000000 0e08000000000000 5e08000000000000 01000000 05000000 0200 0200 4c414e43
// reads as c.u64() c.u64() c.u64() c.u32() c.u32() c.u16() c.u16() c.bytes(4)
//   = 1466, 2062, 2142, 1, 5, 2, 2, "LANC".
import { CorruptDataError } from '../errors.js';

export class ByteCursor {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly where: string;
  readonly start: number;
  readonly end: number;
  pos: number;

  constructor(bytes: Uint8Array, where: string, start = 0, end = bytes.length) {
    if (start < 0 || end > bytes.length || start > end) {
      throw new CorruptDataError(`window ${start}..${end} is outside a ${bytes.length}-byte buffer`, { where });
    }
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.where = where;
    this.start = start;
    this.end = end;
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, what = 'value'): void {
    if (!(n >= 0) || this.pos + n > this.end) {
      throw new CorruptDataError(
        `truncated: ${what} needs ${n} bytes at offset ${this.pos - this.start}, only ${Math.max(0, this.end - this.pos)} left`,
        { where: this.where },
      );
    }
  }

  seek(pos: number): void {
    if (pos < this.start || pos > this.end) {
      throw new CorruptDataError(`seek to ${pos} outside ${this.start}..${this.end}`, { where: this.where });
    }
    this.pos = pos;
  }

  skip(n: number): void {
    this.need(n, 'skipped bytes');
    this.pos += n;
  }

  /** Advances to the next multiple of `n` relative to the window start (Lance pads mini-blocks to 8). */
  align(n: number): void {
    const rel = this.pos - this.start;
    const pad = (n - (rel % n)) % n;
    this.pos = Math.min(this.end, this.pos + pad);
  }

  u8(): number {
    this.need(1, 'u8');
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    this.need(2, 'u16');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4, 'u32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4, 'i32');
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A u64 that must fit a JS number (offsets, sizes, counts); larger values mean corrupt input. */
  u64(): number {
    const v = this.u64Big();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new CorruptDataError(`u64 ${v} is too large for an offset or size`, { where: this.where });
    }
    return Number(v);
  }

  u64Big(): bigint {
    this.need(8, 'u64');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  i64Big(): bigint {
    this.need(8, 'i64');
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A view (no copy) of the next `n` bytes. */
  take(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Bounds-checked subarray: `bytes[offset, offset+length)` or CorruptDataError naming `where`. */
export function slice(bytes: Uint8Array, offset: number, length: number, where: string): Uint8Array {
  if (!(offset >= 0 && length >= 0 && offset + length <= bytes.length)) {
    throw new CorruptDataError(`range ${offset}+${length} is outside a ${bytes.length}-byte buffer`, { where });
  }
  return bytes.subarray(offset, offset + length);
}
