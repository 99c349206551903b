// A minimal Arrow IPC *file* reader for one fixed-width column, with buffer compression.
//
// Lance writes small deletion files as Arrow IPC files (one UInt32 column `row_id`) with ZSTD
// body compression, which apache-arrow 18 cannot read. The layout:
//   "ARROW1\0\0" | messages… | Footer flatbuffer | i32 footer length | "ARROW1"
//   Footer { version, schema, dictionaries: [Block], recordBatches: [Block] }
//   Block (struct, 24 bytes) { i64 offset, i32 metaDataLength, pad, i64 bodyLength }
//   at Block.offset: [0xFFFFFFFF] i32 length | Message flatbuffer (padded) | body
//   Message { version, header_type, header: RecordBatch, bodyLength }
//   RecordBatch { i64 length, nodes: [FieldNode{i64 length, i64 null_count}],
//                 buffers: [Buffer{i64 offset, i64 length}], compression: BodyCompression{codec} }
// With compression every non-empty buffer is `i64 LE uncompressed length` + codec frame, or
// length -1 + raw bytes. Codec 0 = LZ4 frame (unsupported here), 1 = ZSTD.
import { CorruptDataError, UnsupportedError } from '../errors.js';
import { concatArrays } from '../io/bytes.js';
import { ByteCursor } from './cursor.js';
import type { Decompressors } from './decompressors.js';

/** Flatbuffer table accessor over a byte array (little-endian, offsets relative to their field). */
class FbTable {
  constructor(readonly c: ByteCursor, readonly pos: number) {}

  static root(c: ByteCursor, at: number): FbTable {
    c.seek(at);
    return new FbTable(c, at + c.u32());
  }

  private fieldOffset(i: number): number {
    const { c } = this;
    c.seek(this.pos);
    const vtable = this.pos - c.i32();
    c.seek(vtable);
    const vtSize = c.u16();
    if (4 + 2 * i >= vtSize) return 0;
    c.seek(vtable + 4 + 2 * i);
    return c.u16();
  }

  has(i: number): boolean {
    return this.fieldOffset(i) !== 0;
  }

  u8(i: number, dflt = 0): number {
    const o = this.fieldOffset(i);
    if (!o) return dflt;
    this.c.seek(this.pos + o);
    return this.c.u8();
  }

  i64(i: number): number {
    const o = this.fieldOffset(i);
    if (!o) return 0;
    this.c.seek(this.pos + o);
    return Number(this.c.i64Big());
  }

  /** Target position of an offset field (table, vector, union value). */
  ref(i: number): number | undefined {
    const o = this.fieldOffset(i);
    if (!o) return undefined;
    this.c.seek(this.pos + o);
    return this.pos + o + this.c.u32();
  }

  table(i: number): FbTable | undefined {
    const at = this.ref(i);
    return at === undefined ? undefined : new FbTable(this.c, at);
  }

  /** A vector of structs: [start of first element, count]. */
  structVector(i: number): [number, number] {
    const at = this.ref(i);
    if (at === undefined) return [0, 0];
    this.c.seek(at);
    const n = this.c.u32();
    return [at + 4, n];
  }
}

const MESSAGE_RECORD_BATCH = 3;

/** Reads every record batch's first column as little-endian u32 values (deletion row offsets). */
export function readIpcUint32Column(bytes: Uint8Array, dec: Decompressors, where: string): Uint32Array {
  const c = new ByteCursor(bytes, where);
  const magic = new TextDecoder().decode(bytes.subarray(0, 6));
  if (bytes.length < 18 || magic !== 'ARROW1' || new TextDecoder().decode(bytes.subarray(bytes.length - 6)) !== 'ARROW1') {
    throw new CorruptDataError('not an Arrow IPC file (missing ARROW1 magic)', { where });
  }
  c.seek(bytes.length - 10);
  const footerLen = c.i32();
  const footerPos = bytes.length - 10 - footerLen;
  if (footerLen <= 0 || footerPos < 8) throw new CorruptDataError(`Arrow footer length ${footerLen}`, { where });
  const footer = FbTable.root(new ByteCursor(bytes, where, footerPos, bytes.length - 10), footerPos);
  const [blocks, nBlocks] = footer.structVector(3);
  const parts: Uint32Array[] = [];
  for (let b = 0; b < nBlocks; b++) {
    c.seek(blocks + b * 24);
    const offset = c.u64();
    const metaLen = c.i32();
    c.skip(4);
    const bodyLen = c.u64();
    parts.push(readBatch(bytes, offset, metaLen, bodyLen, dec, `${where} batch ${b}`));
  }
  return concatArrays(parts, Uint32Array);
}

function readBatch(bytes: Uint8Array, offset: number, metaLen: number, bodyLen: number, dec: Decompressors, where: string): Uint32Array {
  const c = new ByteCursor(bytes, where);
  c.seek(offset);
  let len = c.i32();
  let metaStart = offset + 4;
  if (len === -1) {
    len = c.i32();
    metaStart = offset + 8;
  }
  if (len <= 0 || metaStart + len > bytes.length) throw new CorruptDataError(`message metadata length ${len}`, { where });
  const msg = FbTable.root(new ByteCursor(bytes, where, metaStart, metaStart + len), metaStart);
  if (msg.u8(1) !== MESSAGE_RECORD_BATCH) throw new CorruptDataError('IPC block is not a record batch', { where });
  const rb = msg.table(2);
  if (!rb) throw new CorruptDataError('record batch message without a header', { where });
  const rows = rb.i64(0);
  const comp = rb.table(3);
  const codec = comp ? comp.u8(0) : -1;
  const [buffers, nBuffers] = rb.structVector(2);
  if (nBuffers < 2) throw new CorruptDataError(`record batch with ${nBuffers} buffers`, { where });
  const bodyStart = offset + metaLen;
  const bc = new ByteCursor(bytes, where);
  bc.seek(buffers + 16);
  const dataOff = bc.u64();
  const dataLen = bc.u64();
  if (dataOff + dataLen > bodyLen || bodyStart + dataOff + dataLen > bytes.length) {
    throw new CorruptDataError('record batch buffer lies outside the body', { where });
  }
  let data = bytes.subarray(bodyStart + dataOff, bodyStart + dataOff + dataLen);
  if (codec >= 0 && data.length > 0) {
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const raw = v.getBigInt64(0, true);
    if (raw === -1n) data = data.subarray(8);
    else if (codec === 1) data = dec.zstd(data.subarray(8), Number(raw));
    else throw new UnsupportedError('LZ4-frame compressed Arrow IPC', { feature: 'arrow ipc lz4_frame', where });
  }
  if (data.length < rows * 4) throw new CorruptDataError(`${rows} u32 values need ${rows * 4} bytes, have ${data.length}`, { where });
  const copy = data.slice(0, rows * 4);
  return new Uint32Array(copy.buffer, 0, rows);
}
