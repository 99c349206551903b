// Arrow IPC framing: finding the Schema and batch messages of a stream or file, and writing messages
// back out as a stream.
//
//   stream  = message* [EOS]      message = 0xFFFFFFFF, int32 metaLen, Message flatbuffer (padded), body
//   file    = "ARROW1\0\0", stream-formatted messages, Footer flatbuffer, int32 footerLen, "ARROW1"
//
// For a file the Schema message is rebuilt from the footer (arrow-rs pads the file header to 64 bytes,
// so there is no reliable "schema message at offset 8"): the footer bytes are copied verbatim and the
// new Message's `header` points into them — flatbuffer offsets are relative, so the copied Schema stays valid.

import { UnsupportedError } from '../errors.js';
import { FlatbufferReader, FlatbufferWriter } from './flatbuffers.js';

export type IpcCodecName = 'lz4_frame' | 'zstd';

/** Message.header_type values. */
export const enum Header {
  Schema = 1,
  DictionaryBatch = 2,
  RecordBatch = 3,
}
const MAGIC = 'ARROW1';

/** One batch message located in the input; flatbuffer positions are relative to `fb`. */
export interface BatchMessage {
  fb: FlatbufferReader;
  version: number;
  type: Header.RecordBatch | Header.DictionaryBatch;
  header: number;
  /** The RecordBatch table: the header itself, or DictionaryBatch.data. */
  batch: number;
  customMetadata: number;
  codec: number | null;
  body: Uint8Array;
}

export interface ParsedIpc {
  format: 'stream' | 'file';
  /** A ready-to-emit Schema message (prefix + metadata, no body). */
  schemaMessage: Uint8Array;
  batches: BatchMessage[];
}

/** Locates the Schema and every batch of a stream or file, checking the framing end to end. */
export function parseIpc(src: FlatbufferReader): ParsedIpc {
  return hasMagic(src.b, 0) ? parseFile(src) : parseStream(src);
}

function hasMagic(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 6; i++) if (b[at + i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// The Message table

function messageHeader(fb: FlatbufferReader): { version: number; headerType: number; header: number; customMetadata: number } {
  const root = fb.root();
  const header = fb.ref(root, 2);
  const headerType = fb.scalar(root, 1, 'u8');
  if (!header) throw fb.corrupt('message without a header', root);
  return { version: fb.scalar(root, 0, 'i16'), headerType, header, customMetadata: fb.ref(root, 4) };
}

function messageBodyLength(fb: FlatbufferReader): number {
  const len = fb.i64(fb.field(fb.root(), 3));
  if (len < 0) throw fb.corrupt(`negative bodyLength ${len}`, 0);
  return len;
}

/** The (key, value) pairs of a `[KeyValue]` vector such as Message.custom_metadata. */
export function keyValues(fb: FlatbufferReader, vec: number): [Uint8Array, Uint8Array][] {
  const v = fb.vector(vec, 4);
  const out: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < v.length; i++) {
    const kv = v.start + i * 4 + fb.u32(v.start + i * 4);
    out.push([fb.string(fb.ref(kv, 0)), fb.string(fb.ref(kv, 1))]);
  }
  return out;
}

export function encodeMessage(
  version: number,
  type: Header,
  header: (w: FlatbufferWriter) => number,
  bodyLength: bigint,
  customMetadata: [Uint8Array, Uint8Array][],
): Uint8Array {
  return FlatbufferWriter.finish((w) =>
    w.table([
      { i16: version },
      { u8: type },
      { ref: header },
      { i64: bodyLength },
      customMetadata.length
        ? {
            ref: (w2) =>
              w2.tableVector(customMetadata.map(([k, v]) => (w3: FlatbufferWriter) => w3.table([{ ref: (w4) => w4.string(k) }, { ref: (w4) => w4.string(v) }]))),
          }
        : undefined,
    ]),
  );
}

/** Continuation marker + length + metadata padded so the body that follows starts 8-byte aligned. */
export function frame(meta: Uint8Array): Uint8Array {
  const padded = (meta.length + 7) & ~7;
  const out = new Uint8Array(8 + padded);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xffffffff, true);
  dv.setInt32(4, padded, true);
  out.set(meta, 8);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Streams and files

interface RawMessage {
  end: number;
  meta: Uint8Array;
  body: Uint8Array;
}

/** Reads the message at `pos`; undefined at an end-of-stream marker or at the end of the data. */
function readMessage(src: FlatbufferReader, pos: number): RawMessage | undefined {
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
  const bodyLength = messageBodyLength(new FlatbufferReader(meta, src.where));
  const bodyStart = metaStart + metaLen;
  src.need(bodyStart, bodyLength, 'message body');
  return { end: bodyStart + bodyLength, meta, body: src.b.subarray(bodyStart, bodyStart + bodyLength) };
}

function parseStream(src: FlatbufferReader): ParsedIpc {
  const first = readMessage(src, 0);
  if (!first) throw src.corrupt('no schema message', 0);
  const schema = new FlatbufferReader(first.meta, src.where);
  if (messageHeader(schema).headerType !== Header.Schema) throw src.corrupt('first message is not a Schema', 0);
  const batches: BatchMessage[] = [];
  for (let m = readMessage(src, first.end); m; m = readMessage(src, m.end)) batches.push(batchMessage(m, src));
  return { format: 'stream', schemaMessage: frame(first.meta), batches };
}

function parseFile(src: FlatbufferReader): ParsedIpc {
  const n = src.b.length;
  if (n < 18 || !hasMagic(src.b, n - 6)) throw src.corrupt('Arrow file does not end with ARROW1 (truncated?)', n);
  const footerLen = src.i32(n - 10);
  const footerStart = n - 10 - footerLen;
  if (footerLen <= 0 || footerStart < 8) throw src.corrupt(`bad footer length ${footerLen}`, n - 10);
  const footerBytes = src.b.subarray(footerStart, n - 10);
  const fb = new FlatbufferReader(footerBytes, src.where);
  const footer = fb.root();
  const schema = fb.ref(footer, 1);
  if (!schema) throw src.corrupt('footer has no schema', footerStart);
  const batches: BatchMessage[] = [];
  const fileBody = new FlatbufferReader(src.b.subarray(0, footerStart), src.where);
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

function batchMessage(m: RawMessage, src: FlatbufferReader): BatchMessage {
  const fb = new FlatbufferReader(m.meta, src.where);
  const msg = messageHeader(fb);
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

/** BodyCompression.codec → its name; UnsupportedError for codecs the Arrow spec does not define. */
export function codecName(codec: number, where: string): IpcCodecName {
  if (codec === 0) return 'lz4_frame';
  if (codec === 1) return 'zstd';
  throw new UnsupportedError(`Arrow IPC compression codec ${codec}`, { feature: 'ipc-compression-codec', where });
}
