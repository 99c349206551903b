// Arrow IPC with record-batch body compression → plain Arrow IPC stream.
//
// Why: apache-arrow 18 (the version @lancedb/lancedb 0.39 pins) throws "Record batch compression not
// implemented" as soon as a RecordBatch message carries a `compression` field, and Lance/LanceDB write
// exactly that: deletion files are ZSTD-compressed IPC files, the official client's create/insert
// bodies are LZ4_FRAME-compressed IPC streams, and a LanceDB server may answer queries the same way.
// Rather than fork arrow-js, we rewrite the bytes so any arrow-js reader accepts them.
//
// Layout (Arrow columnar spec, "IPC" + "Compression"):
//   stream  = message* [EOS]      message = 0xFFFFFFFF, int32 metaLen, Message flatbuffer (padded), body
//   file    = "ARROW1\0\0", stream-formatted messages, Footer flatbuffer, int32 footerLen, "ARROW1"
//   A compressed body buffer = int64 LE uncompressed length (−1: the rest is stored raw) + one codec
//   frame (a whole LZ4 frame, or a zstd frame); an empty buffer has no prefix at all.
//   Example: a 400-byte UInt32 buffer under ZSTD is `90 01 00 00 00 00 00 00 | 28 b5 2f fd …`.
//
// Output: an IPC stream (continuation markers, EOS) whose batches have no `compression` field,
// buffers decompressed and laid out 8-byte aligned, and fresh `bodyLength`s. For a file input the
// Schema message is rebuilt from the footer (arrow-rs pads the file header to 64 bytes, so there is no
// reliable "schema message at offset 8"): the footer bytes are copied verbatim and the new Message's
// `header` points into them — flatbuffer offsets are relative, so the copied Schema stays valid.
// Input without any compressed batch is returned unchanged (same object).
//
// The flatbuffer reader/writer below handles only Message, RecordBatch, DictionaryBatch, FieldNode,
// Buffer, BodyCompression, KeyValue and Footer/Block — a deliberate ~150 lines instead of a dependency
// on arrow-js internals (`apache-arrow/fb/*`) that change between the arrow versions we accept.

import { CodecError, CorruptDataError, RaggedAtlasError, UnsupportedError } from '../errors.js';

/** Decoders for the two Arrow IPC body codecs. Each must return exactly `outLen` bytes. */
export interface IpcCodecs {
  zstd(data: Uint8Array, outLen: number): Uint8Array;
  lz4Frame(data: Uint8Array, outLen: number): Uint8Array;
}

export type IpcCodecName = 'lz4_frame' | 'zstd';

/** What `inspectArrowIpc` found: the framing and the body codecs in use (empty: uncompressed). */
export interface IpcLayout {
  format: 'stream' | 'file';
  codecs: IpcCodecName[];
}

export interface DecompressOptions {
  /** Cap on the total decompressed body bytes (guards against hostile length prefixes). Default 1 GiB. */
  maxOutputBytes?: number;
  /** Names the input in errors (a URL or file path). */
  where?: string;
}

/** Checks the framing of `bytes` end to end and reports which codecs its batches use. */
export function inspectArrowIpc(bytes: Uint8Array, where = 'Arrow IPC'): IpcLayout {
  const ipc = parseIpc(new Src(bytes, where));
  const codecs = new Set<IpcCodecName>();
  for (const m of ipc.batches) if (m.codec !== null) codecs.add(codecName(m.codec, where));
  return { format: ipc.format, codecs: [...codecs] };
}

/**
 * Rewrites a (possibly compressed) Arrow IPC stream or file into an uncompressed IPC stream.
 * Returns `bytes` itself when no batch is compressed. Throws CorruptDataError on bad framing or
 * lengths, UnsupportedError on an unknown codec or compression method, CodecError from a codec.
 */
export function decompressArrowIpc(bytes: Uint8Array, codecs: IpcCodecs, options: DecompressOptions = {}): Uint8Array {
  const where = options.where ?? 'Arrow IPC';
  const ipc = parseIpc(new Src(bytes, where));
  if (ipc.batches.every((m) => m.codec === null)) return bytes;
  const budget = { left: options.maxOutputBytes ?? 2 ** 30 };
  const out: Uint8Array[] = [ipc.schemaMessage];
  for (const m of ipc.batches) {
    const { meta, body } = rewriteBatch(m, codecs, budget, where);
    out.push(frame(meta), ...body);
  }
  out.push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  return concat(out);
}

// ---------------------------------------------------------------------------------------------
// Framing

const enum Header {
  Schema = 1,
  DictionaryBatch = 2,
  RecordBatch = 3,
}
const MAGIC = 'ARROW1';

/** One batch message located in the input; flatbuffer positions are relative to `fb`. */
interface BatchMessage {
  fb: Src;
  version: number;
  type: Header.RecordBatch | Header.DictionaryBatch;
  header: number;
  /** The RecordBatch table: the header itself, or DictionaryBatch.data. */
  batch: number;
  customMetadata: number;
  codec: number | null;
  body: Uint8Array;
}

interface ParsedIpc {
  format: 'stream' | 'file';
  /** A ready-to-emit Schema message (prefix + metadata, no body). */
  schemaMessage: Uint8Array;
  batches: BatchMessage[];
}

function parseIpc(src: Src): ParsedIpc {
  return hasMagic(src.b, 0) ? parseFile(src) : parseStream(src);
}

function hasMagic(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 6; i++) if (b[at + i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

interface RawMessage {
  end: number;
  meta: Uint8Array;
  body: Uint8Array;
}

/** Reads the message at `pos`; undefined at an end-of-stream marker or at the end of the data. */
function readMessage(src: Src, pos: number): RawMessage | undefined {
  if (pos === src.b.length) return undefined;
  let metaLen = src.i32(pos);
  let metaStart = pos + 4;
  if (metaLen === -1) {
    metaLen = src.i32(pos + 4); // 0xFFFFFFFF continuation, then the length (arrow ≥ 0.15)
    metaStart = pos + 8;
  }
  if (metaLen === 0) return undefined;
  if (metaLen < 0) throw src.corrupt(`negative message length ${metaLen}`, pos);
  src.need(metaStart, metaLen, 'message metadata');
  const meta = src.b.subarray(metaStart, metaStart + metaLen);
  const bodyLength = new Src(meta, src.where).messageBodyLength();
  const bodyStart = metaStart + metaLen;
  src.need(bodyStart, bodyLength, 'message body');
  return { end: bodyStart + bodyLength, meta, body: src.b.subarray(bodyStart, bodyStart + bodyLength) };
}

function parseStream(src: Src): ParsedIpc {
  const first = readMessage(src, 0);
  if (!first) throw src.corrupt('no schema message', 0);
  const schema = new Src(first.meta, src.where);
  if (schema.message().headerType !== Header.Schema) throw src.corrupt('first message is not a Schema', 0);
  const batches: BatchMessage[] = [];
  for (let m = readMessage(src, first.end); m; m = readMessage(src, m.end)) batches.push(batchMessage(m, src));
  return { format: 'stream', schemaMessage: frame(first.meta), batches };
}

function parseFile(src: Src): ParsedIpc {
  const n = src.b.length;
  if (n < 18 || !hasMagic(src.b, n - 6)) throw src.corrupt('Arrow file does not end with ARROW1 (truncated?)', n);
  const footerLen = src.i32(n - 10);
  const footerStart = n - 10 - footerLen;
  if (footerLen <= 0 || footerStart < 8) throw src.corrupt(`bad footer length ${footerLen}`, n - 10);
  const footerBytes = src.b.subarray(footerStart, n - 10);
  const fb = new Src(footerBytes, src.where);
  const footer = fb.root();
  const schema = fb.ref(footer, 1);
  if (!schema) throw src.corrupt('footer has no schema', footerStart);
  const batches: BatchMessage[] = [];
  const fileBody = new Src(src.b.subarray(0, footerStart), src.where);
  for (const [field, type] of [[2, Header.DictionaryBatch], [3, Header.RecordBatch]] as const) {
    const blocks = fb.vector(fb.ref(footer, field), 24);
    for (let i = 0; i < blocks.length; i++) {
      const offset = fb.i64(blocks.start + i * 24);
      if (offset < 8 || offset >= footerStart) throw src.corrupt(`block ${i} offset ${offset} outside the file body`, footerStart);
      const m = readMessage(fileBody, offset);
      if (!m) throw src.corrupt(`block ${i} points at an end-of-stream marker`, offset);
      const batch = batchMessage(m, src);
      if (batch.type !== type) throw src.corrupt(`block ${i} holds message type ${batch.type}, expected ${type}`, offset);
      batches.push(batch);
    }
  }
  const version = fb.scalar(footer, 0, 'i16') || batches[0]?.version || 4;
  const schemaMessage = frame(
    encodeMessage(version, Header.Schema, (w) => w.blob(footerBytes, schema), 0n, []),
  );
  return { format: 'file', schemaMessage, batches };
}

function batchMessage(m: RawMessage, src: Src): BatchMessage {
  const fb = new Src(m.meta, src.where);
  const msg = fb.message();
  if (msg.headerType !== Header.RecordBatch && msg.headerType !== Header.DictionaryBatch) {
    throw src.corrupt(`unexpected message type ${msg.headerType} after the schema`, 0);
  }
  const batch = msg.headerType === Header.RecordBatch ? msg.header : fb.ref(msg.header, 1);
  if (!batch) throw src.corrupt('dictionary batch without data', 0);
  const compression = fb.ref(batch, 3);
  let codec: number | null = null;
  if (compression) {
    codec = fb.scalar(compression, 0, 'i8');
    const method = fb.scalar(compression, 1, 'i8');
    if (method !== 0) throw new UnsupportedError(`body compression method ${method}`, { feature: 'ipc-compression-method', where: src.where });
    codecName(codec, src.where);
  }
  return { fb, version: msg.version, type: msg.headerType, header: msg.header, batch, customMetadata: msg.customMetadata, codec, body: m.body };
}

function codecName(codec: number, where: string): IpcCodecName {
  if (codec === 0) return 'lz4_frame';
  if (codec === 1) return 'zstd';
  throw new UnsupportedError(`Arrow IPC compression codec ${codec}`, { feature: 'ipc-compression-codec', where });
}

// ---------------------------------------------------------------------------------------------
// Rewriting one batch

function rewriteBatch(m: BatchMessage, codecs: IpcCodecs, budget: { left: number }, where: string): { meta: Uint8Array; body: Uint8Array[] } {
  const { fb, batch } = m;
  const buffers = fb.vector(fb.ref(batch, 2), 16);
  const body: Uint8Array[] = [];
  const layout = new Uint8Array(buffers.length * 16);
  const layoutView = new DataView(layout.buffer);
  let offset = 0;
  for (let i = 0; i < buffers.length; i++) {
    const start = fb.i64(buffers.start + i * 16);
    const length = fb.i64(buffers.start + i * 16 + 8);
    if (start < 0 || length < 0 || start + length > m.body.length) {
      throw new CorruptDataError(`buffer ${i} (${start}+${length}) outside a ${m.body.length}-byte body`, { where });
    }
    const raw = m.body.subarray(start, start + length);
    const data = m.codec === null ? raw : decodeBuffer(raw, m.codec, codecs, budget, `${where}, buffer ${i}`);
    layoutView.setBigInt64(i * 16, BigInt(offset), true);
    layoutView.setBigInt64(i * 16 + 8, BigInt(data.length), true);
    body.push(data);
    offset += data.length;
    const pad = (8 - (offset % 8)) % 8;
    if (pad) body.push(new Uint8Array(pad));
    offset += pad;
  }
  const nodes = fb.ref(batch, 1);
  const variadic = fb.ref(batch, 4);
  const recordBatch = (w: Writer): number =>
    w.table([
      { i64: fb.i64raw(fb.field(batch, 0)) },
      nodes ? { ref: (w2) => w2.structVector(fb.vectorBytes(nodes, 16), 16) } : undefined,
      { ref: (w2) => w2.structVector(layout, 16) },
      undefined, // compression: dropped
      variadic ? { ref: (w2) => w2.structVector(fb.vectorBytes(variadic, 8), 8) } : undefined,
    ]);
  const header =
    m.type === Header.RecordBatch
      ? recordBatch
      : (w: Writer): number =>
          w.table([{ i64: fb.i64raw(fb.field(m.header, 0)) }, { ref: recordBatch }, fb.scalar(m.header, 2, 'i8') ? { u8: 1 } : undefined]);
  const meta = encodeMessage(m.version, m.type, header, BigInt(offset), fb.keyValues(m.customMetadata));
  return { meta, body };
}

function decodeBuffer(raw: Uint8Array, codec: number, codecs: IpcCodecs, budget: { left: number }, where: string): Uint8Array {
  if (raw.length === 0) return raw;
  if (raw.length < 8) throw new CorruptDataError(`compressed buffer of ${raw.length} bytes has no length prefix`, { where });
  const declared = new DataView(raw.buffer, raw.byteOffset, 8).getBigInt64(0, true);
  const frameBytes = raw.subarray(8);
  if (declared === -1n) return frameBytes;
  if (declared < 0n || declared > BigInt(budget.left)) {
    throw new CorruptDataError(`compressed buffer declares ${declared} bytes; ${budget.left} left under maxOutputBytes`, { where });
  }
  const outLen = Number(declared);
  budget.left -= outLen;
  const name = codecName(codec, where);
  let out: Uint8Array;
  try {
    out = name === 'zstd' ? codecs.zstd(frameBytes, outLen) : codecs.lz4Frame(frameBytes, outLen);
  } catch (err) {
    if (err instanceof RaggedAtlasError) throw err;
    throw new CodecError(String((err as Error)?.message ?? err), { codec: name, where }, { cause: err });
  }
  if (out.length !== outLen) throw new CorruptDataError(`${name} frame decoded to ${out.length} bytes, prefix said ${outLen}`, { where });
  return out;
}

function encodeMessage(version: number, type: Header, header: (w: Writer) => number, bodyLength: bigint, customMetadata: [Uint8Array, Uint8Array][]): Uint8Array {
  return Writer.finish((w) =>
    w.table([
      { i16: version },
      { u8: type },
      { ref: header },
      { i64: bodyLength },
      customMetadata.length
        ? { ref: (w2) => w2.tableVector(customMetadata.map(([k, v]) => (w3: Writer) => w3.table([{ ref: (w4) => w4.string(k) }, { ref: (w4) => w4.string(v) }]))) }
        : undefined,
    ]),
  );
}

/** Continuation marker + length + metadata padded so the body that follows starts 8-byte aligned. */
function frame(meta: Uint8Array): Uint8Array {
  const padded = (meta.length + 7) & ~7;
  const out = new Uint8Array(8 + padded);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xffffffff, true);
  dv.setInt32(4, padded, true);
  out.set(meta, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Minimal flatbuffers: a bounds-checked reader and a forward-writing builder.

/** Bounds-checked little-endian reads over one flatbuffer (or the whole IPC input). */
class Src {
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
  keyValues(vec: number): [Uint8Array, Uint8Array][] {
    const v = this.vector(vec, 4);
    const out: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < v.length; i++) {
      const kv = v.start + i * 4 + this.u32(v.start + i * 4);
      out.push([this.string(this.ref(kv, 0)), this.string(this.ref(kv, 1))]);
    }
    return out;
  }
  message(): { version: number; headerType: number; header: number; customMetadata: number } {
    const root = this.root();
    const header = this.ref(root, 2);
    const headerType = this.scalar(root, 1, 'u8');
    if (!header) throw this.corrupt('message without a header', root);
    return { version: this.scalar(root, 0, 'i16'), headerType, header, customMetadata: this.ref(root, 4) };
  }
  messageBodyLength(): number {
    const len = this.i64(this.field(this.root(), 3));
    if (len < 0) throw this.corrupt(`negative bodyLength ${len}`, 0);
    return len;
  }
}

type Slot = { i64: bigint } | { i16: number } | { u8: number } | { ref: (w: Writer) => number } | undefined;

/**
 * Writes a flatbuffer front to back: root offset, then each table right after its vtable, then the
 * table's children (uoffsets must point forward, and they do). Tables start at 4 mod 8 so their
 * 8-byte fields, laid out first after the 4-byte vtable offset, are 8-byte aligned.
 */
class Writer {
  #buf = new Uint8Array(512);
  #dv = new DataView(this.#buf.buffer);
  pos = 0;

  static finish(root: (w: Writer) => number): Uint8Array {
    const w = new Writer();
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

  tableVector(items: ((w: Writer) => number)[]): number {
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
