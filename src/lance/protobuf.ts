// A tiny protobuf wire-format reader: enough to decode Lance's manifests, column metadata and
// encoding descriptions without a protobuf dependency or generated code.
//
// Wire format recap. A message is a sequence of fields; each field starts with a varint key
// `(field_number << 3) | wire_type`:
//   0 varint   (int32/64, uint32/64, bool, enum; zigzag for sint*)
//   1 fixed64  (8 bytes LE)      2 length-delimited (varint length + bytes: strings, bytes,
//   5 fixed32  (4 bytes LE)         sub-messages, packed repeated scalars)
// Example: `08 96 01` is field 1, wire type 0, varint 150 (0x96 & 0x7f | 0x01 << 7).
//          `12 02 69 64` is field 2, wire type 2, the two bytes "id".
//
// Decoders call `readFields(bytes, where, (f, r) => …)`; a field the callback does not consume is
// skipped, so unknown fields (newer writers) are harmless. Truncation, bad wire types and varints
// longer than 10 bytes are CorruptDataError; nothing here can loop forever or read out of bounds.
import { CorruptDataError } from '../errors.js';
import { ByteCursor } from './cursor.js';

export const Wire = { Varint: 0, Fixed64: 1, Len: 2, Fixed32: 5 } as const;
type Wire = (typeof Wire)[keyof typeof Wire];
const textDecoder = new TextDecoder('utf-8');

/**
 * Reader positioned on one field's value; the accessors check the wire type they expect. Bytes
 * are read through the shared ByteCursor (bounds checks and truncation errors live there).
 */
export class FieldReader {
  readonly c: ByteCursor;
  field = 0;
  wire: number = Wire.Varint;

  constructor(bytes: Uint8Array, where: string) {
    this.c = new ByteCursor(bytes, where);
  }

  get where(): string {
    return this.c.where;
  }

  get pos(): number {
    return this.c.pos;
  }

  get done(): boolean {
    return this.c.remaining === 0;
  }

  fail(message: string): never {
    throw new CorruptDataError(`protobuf: ${message} (field ${this.field})`, { where: this.c.where });
  }

  private expect(wire: Wire): void {
    if (this.wire !== wire) this.fail(`wire type ${this.wire}, expected ${wire}`);
  }

  /** Raw varint as a number; exact up to 2^53, throws above (use rawVarintBig for u64 ids). */
  rawVarint(): number {
    let result = 0;
    let mult = 1;
    for (let i = 0; i < 10; i++) {
      if (this.c.remaining === 0) this.fail('truncated varint');
      const b = this.c.u8();
      result += (b & 0x7f) * mult;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) this.fail(`varint ${result} exceeds 2^53; expected a BigInt field`);
        return result;
      }
      mult *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  rawVarintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.c.remaining === 0) this.fail('truncated varint');
      const b = this.c.u8();
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    return this.fail('varint longer than 10 bytes');
  }

  uint(): number {
    this.expect(Wire.Varint);
    return this.rawVarint();
  }

  /** uint64 that may exceed 2^53 (deletion-file ids, row ids). */
  uint64(): bigint {
    if (this.wire === Wire.Fixed64) return this.fixed64();
    this.expect(Wire.Varint);
    return this.rawVarintBig();
  }

  /** int32/int64 (two's complement varint; negative values take 10 bytes). */
  int(): number {
    this.expect(Wire.Varint);
    const v = BigInt.asIntN(64, this.rawVarintBig());
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) this.fail(`int ${v} out of range`);
    return Number(v);
  }

  /** sint32/sint64 (zigzag): 0 → 0, 1 → -1, 2 → 1, 3 → -2, … */
  sint(): number {
    this.expect(Wire.Varint);
    const v = this.rawVarint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  bool(): boolean {
    return this.uint() !== 0;
  }

  fixed32(): number {
    this.expect(Wire.Fixed32);
    return this.c.u32();
  }

  fixed64(): bigint {
    this.expect(Wire.Fixed64);
    return this.c.u64Big();
  }

  double(): number {
    this.expect(Wire.Fixed64);
    const bits = this.c.take(8, 'double');
    return new DataView(bits.buffer, bits.byteOffset, 8).getFloat64(0, true);
  }

  /** Length-delimited payload as a view (sub-message, bytes). */
  bytesView(): Uint8Array {
    this.expect(Wire.Len);
    const n = this.rawVarint();
    if (n > this.c.remaining) this.fail(`length ${n} runs past the end of the message`);
    return this.c.take(n, 'length-delimited field');
  }

  string(): string {
    return textDecoder.decode(this.bytesView());
  }

  /** Repeated varint scalars, packed (wire 2) or not (wire 0); appends to `into`. */
  repeatedUint(into: number[]): void {
    if (this.wire === Wire.Varint) {
      into.push(this.rawVarint());
      return;
    }
    const r = new FieldReader(this.bytesView(), this.where);
    while (!r.done) into.push(r.rawVarint());
  }

  /** Repeated int32 (negative values allowed, e.g. column_indices = -1). */
  repeatedInt(into: number[]): void {
    const push = (v: bigint) => into.push(Number(BigInt.asIntN(32, v)));
    if (this.wire === Wire.Varint) {
      push(this.rawVarintBig());
      return;
    }
    const r = new FieldReader(this.bytesView(), this.where);
    while (!r.done) push(r.rawVarintBig());
  }

  skip(): void {
    switch (this.wire) {
      case Wire.Varint:
        this.rawVarintBig();
        return;
      case Wire.Fixed64:
        this.c.skip(8);
        return;
      case Wire.Fixed32:
        this.c.skip(4);
        return;
      case Wire.Len:
        this.bytesView();
        return;
      default:
        this.fail(`unknown wire type ${this.wire}`);
    }
  }
}

/**
 * Walks the fields of one message. `onField` reads the value through `r` (or ignores it, and the
 * field is skipped). Returns the reader's `where` for chaining convenience.
 */
export function readFields(bytes: Uint8Array, where: string, onField: (field: number, r: FieldReader) => void): void {
  const r = new FieldReader(bytes, where);
  while (!r.done) {
    const key = r.rawVarint();
    r.field = Math.floor(key / 8);
    r.wire = key & 7;
    if (r.field === 0) r.fail('field number 0');
    const before = r.pos;
    onField(r.field, r);
    if (r.pos === before) r.skip();
  }
}

/** A `map<string, bytes|string>` entry (key = 1, value = 2). */
export function readMapEntry(bytes: Uint8Array, where: string): [string, Uint8Array] {
  let key = '';
  let value: Uint8Array = new Uint8Array(0);
  readFields(bytes, where, (f, r) => {
    if (f === 1) key = r.string();
    else if (f === 2) value = r.bytesView();
  });
  return [key, value];
}

/** google.protobuf.Any: `type_url` (1) and the packed message `value` (2). */
export interface Any {
  typeUrl: string;
  value: Uint8Array;
}

export function decodeAny(bytes: Uint8Array, where: string): Any {
  const out: Any = { typeUrl: '', value: new Uint8Array(0) };
  readFields(bytes, where, (f, r) => {
    if (f === 1) out.typeUrl = r.string();
    else if (f === 2) out.value = r.bytesView();
  });
  return out;
}
