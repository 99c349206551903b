// Arrow IPC with record-batch body compression → plain Arrow IPC stream.
//
// Why: apache-arrow 18 (the version @lancedb/lancedb 0.39 pins) throws "Record batch compression not
// implemented" as soon as a RecordBatch message carries a `compression` field, and Lance/LanceDB write
// exactly that: deletion files are ZSTD-compressed IPC files, the official client's create/insert
// bodies are LZ4_FRAME-compressed IPC streams, and a LanceDB server may answer queries the same way.
// Rather than fork arrow-js, we rewrite the bytes so any arrow-js reader accepts them.
//
// Layout (Arrow columnar spec, "IPC" + "Compression"; the stream and file framing is in ipc-messages.ts):
//   A compressed body buffer = int64 LE uncompressed length (−1: the rest is stored raw) + one codec
//   frame (a whole LZ4 frame, or a zstd frame); an empty buffer has no prefix at all.
//   Example: a 400-byte UInt32 buffer under ZSTD is `90 01 00 00 00 00 00 00 | 28 b5 2f fd …`.
//
// Output: an IPC stream (continuation markers, EOS) whose batches have no `compression` field,
// buffers decompressed and laid out 8-byte aligned, and fresh `bodyLength`s. For a file input the
// Schema message is rebuilt from the footer (see ipc-messages.ts).
// Input without any compressed batch is returned unchanged (same object).

import { CodecError, CorruptDataError, RaggedAtlasError } from '../errors.js';
import { concatBytes } from '../io/bytes.js';
import { FlatbufferReader, type FlatbufferWriter } from './flatbuffers.js';
import { codecName, encodeMessage, frame, Header, keyValues, parseIpc, type BatchMessage, type IpcCodecName } from './ipc-messages.js';

export type { IpcCodecName } from './ipc-messages.js';

/** Decoders for the two Arrow IPC body codecs. Each must return exactly `outLen` bytes. */
export interface IpcCodecs {
  zstd(data: Uint8Array, outLen: number): Uint8Array;
  lz4Frame(data: Uint8Array, outLen: number): Uint8Array;
}

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
  const ipc = parseIpc(new FlatbufferReader(bytes, where));
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
  const ipc = parseIpc(new FlatbufferReader(bytes, where));
  if (ipc.batches.every((m) => m.codec === null)) return bytes;
  const budget = { left: options.maxOutputBytes ?? 2 ** 30 };
  const out: Uint8Array[] = [ipc.schemaMessage];
  for (const m of ipc.batches) {
    const { meta, body } = rewriteBatch(m, codecs, budget, where);
    out.push(frame(meta), ...body);
  }
  out.push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  return concatBytes(out);
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
  const recordBatch = (w: FlatbufferWriter): number =>
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
      : (w: FlatbufferWriter): number =>
          w.table([{ i64: fb.i64raw(fb.field(m.header, 0)) }, { ref: recordBatch }, fb.scalar(m.header, 2, 'i8') ? { u8: 1 } : undefined]);
  const meta = encodeMessage(m.version, m.type, header, BigInt(offset), keyValues(fb, m.customMetadata));
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

