// Minimal flatbuffers: a bounds-checked reader and a forward-writing builder, just enough for the
// Arrow IPC tables ipc-messages.ts and ipc-decompress.ts touch (Message, RecordBatch, DictionaryBatch,
// FieldNode, Buffer, BodyCompression, KeyValue, Footer/Block). A deliberate ~200 lines instead of a
// dependency on arrow-js internals (`apache-arrow/fb/*`) that change between the arrow versions we accept.

import { CorruptDataError } from '../errors.js';

/**
 * Bounds-checked little-endian reads over one flatbuffer (or the whole IPC input, for the framing
 * around the flatbuffers). Every failure is a CorruptDataError naming `where` and the byte.
 */
export class FlatbufferReader {
  readonly dv: DataView;
  constructor(readonly b: Uint8Array, readonly where: string) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  corrupt(msg: string, at: number): CorruptDataError {
    return new CorruptDataError(`${msg} (byte ${at})`, { where: this.where });
  }
  need(pos: number, n: number, what: string): void {
    if (!(pos >= 0 && n >= 0 && pos + n <= this.b.length)) throw this.corrupt(`${what} (${n} bytes) runs past the end of ${this.b.length} bytes`, pos);
  }
  i32(pos: number): number {
    this.need(pos, 4, 'int32');
    return this.dv.getInt32(pos, true);
  }
  u32(pos: number): number {
    this.need(pos, 4, 'uint32');
    return this.dv.getUint32(pos, true);
  }
  i64raw(pos: number): bigint {
    if (!pos) return 0n;
    this.need(pos, 8, 'int64');
    return this.dv.getBigInt64(pos, true);
  }
  i64(pos: number): number {
    const v = this.i64raw(pos);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw this.corrupt(`int64 ${v} out of range`, pos);
    return Number(v);
  }
  /** Absolute position of table field `id`, or 0 when absent. */
  field(table: number, id: number): number {
    const vt = table - this.i32(table);
    this.need(vt, 4, 'vtable');
    const vtLen = this.dv.getUint16(vt, true);
    if (4 + 2 * id + 2 > vtLen) return 0;
    this.need(vt, vtLen, 'vtable');
    const off = this.dv.getUint16(vt + 4 + 2 * id, true);
    return off ? table + off : 0;
  }
  scalar(table: number, id: number, kind: 'u8' | 'i8' | 'i16'): number {
    const p = this.field(table, id);
    if (!p) return 0;
    this.need(p, kind === 'i16' ? 2 : 1, kind);
    return kind === 'i16' ? this.dv.getInt16(p, true) : kind === 'i8' ? this.dv.getInt8(p) : this.dv.getUint8(p);
  }
  /** Target of the uoffset stored in field `id` (a table, vector or string), or 0. */
  ref(table: number, id: number): number {
    const p = this.field(table, id);
    return p ? p + this.u32(p) : 0;
  }
  root(): number {
    return this.u32(0);
  }
  vector(pos: number, elemSize: number): { start: number; length: number } {
    if (!pos) return { start: 0, length: 0 };
    const length = this.u32(pos);
    this.need(pos + 4, length * elemSize, 'vector');
    return { start: pos + 4, length };
  }
  vectorBytes(pos: number, elemSize: number): Uint8Array {
    const v = this.vector(pos, elemSize);
    return this.b.subarray(v.start, v.start + v.length * elemSize);
  }
  string(pos: number): Uint8Array {
    return this.vectorBytes(pos, 1);
  }
}

/** One table field for {@link FlatbufferWriter.table}: a scalar, a reference written by a callback, or absent. */
export type Slot = { i64: bigint } | { i16: number } | { u8: number } | { ref: (w: FlatbufferWriter) => number } | undefined;

/**
 * Writes a flatbuffer front to back: root offset, then each table right after its vtable, then the
 * table's children (uoffsets must point forward, and they do). Tables start at 4 mod 8 so their
 * 8-byte fields, laid out first after the 4-byte vtable offset, are 8-byte aligned.
 */
export class FlatbufferWriter {
  #buf = new Uint8Array(512);
  #dv = new DataView(this.#buf.buffer);
  pos = 0;

  static finish(root: (w: FlatbufferWriter) => number): Uint8Array {
    const w = new FlatbufferWriter();
    w.#grow(4);
    w.pos = 4;
    const at = root(w);
    w.#dv.setUint32(0, at, true);
    return w.#buf.slice(0, w.pos);
  }

  #grow(n: number): void {
    if (this.pos + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.pos + n));
    next.set(this.#buf);
    this.#buf = next;
    this.#dv = new DataView(next.buffer);
  }
  #align(mod: number, rem = 0): void {
    const pad = (rem - (this.pos % mod) + mod) % mod;
    this.#grow(pad);
    this.pos += pad; // buffer is zero-filled
  }

  table(slots: Slot[]): number {
    const size = (s: NonNullable<Slot>): number => ('i64' in s ? 8 : 'ref' in s ? 4 : 'i16' in s ? 2 : 1);
    const order = slots.flatMap((s, id) => (s ? [{ s, id }] : [])).sort((a, b) => size(b.s) - size(a.s));
    const offsets = new Array<number>(slots.length).fill(0);
    let inline = 4;
    for (const { s, id } of order) {
      offsets[id] = inline;
      inline += size(s);
    }
    const vtSize = 4 + 2 * slots.length;
    this.#align(2);
    const vt = this.pos;
    this.#grow(vtSize);
    this.#dv.setUint16(vt, vtSize, true);
    this.#dv.setUint16(vt + 2, inline, true);
    offsets.forEach((o, id) => this.#dv.setUint16(vt + 4 + 2 * id, o, true));
    this.pos += vtSize;
    this.#align(8, 4);
    const table = this.pos;
    this.#grow(inline);
    this.#dv.setInt32(table, table - vt, true);
    this.pos += inline;
    for (const { s, id } of order) {
      const at = table + offsets[id]!;
      if ('i64' in s) this.#dv.setBigInt64(at, s.i64, true);
      else if ('i16' in s) this.#dv.setInt16(at, s.i16, true);
      else if ('u8' in s) this.#dv.setUint8(at, s.u8);
    }
    for (const { s, id } of order) {
      if (!('ref' in s)) continue;
      const at = table + offsets[id]!;
      const target = s.ref(this); // may grow #buf: read #dv only afterwards
      this.#dv.setUint32(at, target - at, true);
    }
    return table;
  }

  /** A vector of fixed-size structs (or scalars) whose elements need 8-byte alignment. */
  structVector(raw: Uint8Array, elemSize: number): number {
    this.#align(8, 4);
    const at = this.pos;
    this.#grow(4 + raw.length);
    this.#dv.setUint32(at, raw.length / elemSize, true);
    this.#buf.set(raw, at + 4);
    this.pos += 4 + raw.length;
    return at;
  }

  tableVector(items: ((w: FlatbufferWriter) => number)[]): number {
    this.#align(4);
    const at = this.pos;
    this.#grow(4 + 4 * items.length);
    this.#dv.setUint32(at, items.length, true);
    this.pos += 4 + 4 * items.length;
    items.forEach((item, i) => {
      const slot = at + 4 + 4 * i;
      const target = item(this); // may grow #buf: read #dv only afterwards
      this.#dv.setUint32(slot, target - slot, true);
    });
    return at;
  }

  string(bytes: Uint8Array): number {
    this.#align(4);
    const at = this.pos;
    this.#grow(5 + bytes.length);
    this.#dv.setUint32(at, bytes.length, true);
    this.#buf.set(bytes, at + 4);
    this.pos += 5 + bytes.length; // trailing NUL
    return at;
  }

  /** Copies a whole foreign flatbuffer 8-byte aligned; returns the position of `inner` inside it. */
  blob(bytes: Uint8Array, inner: number): number {
    this.#align(8);
    const at = this.pos;
    this.#grow(bytes.length);
    this.#buf.set(bytes, at);
    this.pos += bytes.length;
    return at + inner;
  }
}
