// The wasm module's error codes (mirror of wasm/src/error.rs; the numbers are its ABI) and the
// messages they become. A failing export returns -(code) and leaves a 5 × u32 record
// [code, block, byte offset, value, stream] in wasm memory; describeError turns that into the
// text of a CodecError, e.g. "block 17 declares bit width 40 (> 32) at byte 8731".

import { CodecError } from '../errors.js';

export const ErrorCode = {
  TruncatedHeader: 1,
  UnknownTransform: 2,
  BitWidthTooLarge: 3,
  TruncatedBlock: 4,
  BadElementSize: 5,
  OutputTooSmall: 6,
  InputNotMultiple: 7,
  TooManyElements: 8,
  ZstdCorrupt: 20,
  ZstdOutputTooLarge: 21,
  ZstdTruncated: 22,
  ZstdSizeUnknown: 23,
  ZstdCompress: 24,
  OutOfMemory: 30,
  BadArgument: 31,
  Unsupported: 32,
  FsstBadCode: 50,
  FsstTruncatedEscape: 51,
  FsstBadOffsets: 52,
  FsstBadSymbol: 53,
  LanceBadChunk: 60,
  LanceItemCount: 61,
  LanceBitWidth: 62,
  LanceBadOffsets: 63,
  LanceRleRuns: 64,
  /** JS side only: the instance trapped (and was replaced). */
  Trap: 100,
  /** JS side only: a malformed LZ4 block or frame. */
  Lz4Corrupt: 40,
  /** JS side only: LZ4 output larger than the caller allows. */
  Lz4OutputTooLarge: 41,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

const NONE = 0xffffffff;

/** The detail record the module leaves after a failed call. */
export interface ErrorDetail {
  code: number;
  block: number;
  offset: number;
  value: number;
  stream: number;
}

/** What the caller knew about the call, for the message: output capacity, u64 or not, zstd's texts. */
export interface ErrorContext {
  codec: string;
  where?: string;
  capacity?: number;
  elementSize?: number;
  zstdErrorString?: (zstdCode: number) => string;
}

export function codeName(code: number): ErrorCodeName | 'Unknown' {
  for (const [name, value] of Object.entries(ErrorCode)) if (value === code) return name as ErrorCodeName;
  return 'Unknown';
}

function blockName(d: ErrorDetail, elementSize?: number): string {
  if (d.block === NONE) return 'the input';
  const half = elementSize === 8 ? (d.stream === 1 ? ' (high-half stream)' : ' (low-half stream)') : '';
  return `block ${d.block}${half}`;
}

function describe(d: ErrorDetail, ctx: ErrorContext): string {
  const at = d.offset === NONE ? '' : ` at byte ${d.offset}`;
  const zstdText = () => (ctx.zstdErrorString && d.value ? ` (libzstd: ${ctx.zstdErrorString(d.value)})` : '');
  switch (d.code) {
    case ErrorCode.TruncatedHeader:
      return `input is ${d.value} bytes, shorter than the 5-byte header`;
    case ErrorCode.UnknownTransform:
      return `unknown transform byte ${d.value} at byte 0 (expected 0 none, 1 delta, 2 delta_zigzag)`;
    case ErrorCode.BitWidthTooLarge:
      return `${blockName(d, ctx.elementSize)} declares bit width ${d.value} (> 32)${at}`;
    case ErrorCode.TruncatedBlock:
      return `${blockName(d, ctx.elementSize)}${at} is truncated: ${d.value} more byte(s) needed`;
    case ErrorCode.BadElementSize:
      return `element size ${d.value} is not 4 or 8`;
    case ErrorCode.OutputTooSmall:
      return `decoded size ${d.value === NONE ? '≥ 4 GiB' : `${d.value} bytes`} exceeds the output capacity${ctx.capacity === undefined ? '' : ` of ${ctx.capacity} bytes`}`;
    case ErrorCode.InputNotMultiple:
      return `input length ${d.value} is not a multiple of the element size${ctx.elementSize ? ` (${ctx.elementSize})` : ''}`;
    case ErrorCode.TooManyElements:
      return `too many elements (${d.value === NONE ? '≥ 2^32' : d.value})`;
    case ErrorCode.ZstdCorrupt:
      return `invalid or corrupt frame${at}${zstdText()}`;
    case ErrorCode.ZstdOutputTooLarge:
      return d.value
        ? `frame declares ${d.value === NONE ? '≥ 4 GiB' : `${d.value} bytes`} of output, more than the maximum${ctx.capacity === undefined ? '' : ` of ${ctx.capacity} bytes`}`
        : `output exceeds the maximum${ctx.capacity === undefined ? '' : ` of ${ctx.capacity} bytes`}`;
    case ErrorCode.ZstdTruncated:
      return d.value ? `input ends inside a frame${at}${zstdText()}` : 'input is empty (no zstd frame)';
    case ErrorCode.ZstdSizeUnknown:
      return 'frame does not declare its decompressed size';
    case ErrorCode.ZstdCompress:
      return `compression failed${zstdText()}`;
    case ErrorCode.OutOfMemory:
      return 'out of memory: the wasm memory cannot grow any further';
    case ErrorCode.BadArgument:
      return `invalid argument (${d.value}${d.block !== NONE ? `, at element ${d.block}` : ''})`;
    case ErrorCode.Unsupported:
      return 'this codec module was built without zstd';
    case ErrorCode.FsstBadCode:
      return `code ${d.value}${at} has no symbol in the table`;
    case ErrorCode.FsstTruncatedEscape:
      return d.block === NONE ? 'an escape crosses a string boundary' : `string ${d.block} ends with an escape${at}`;
    case ErrorCode.FsstBadOffsets:
      return `string offset ${d.block} is ${d.offset}, outside the codes (previous offset or codes length ${d.value})`;
    case ErrorCode.FsstBadSymbol:
      return `symbol ${d.block} has length ${d.value} (expected 1–8)`;
    case ErrorCode.LanceBadChunk:
      return `chunk ${d.block}${at} runs past its page or chunk (${d.value} bytes wanted)`;
    case ErrorCode.LanceItemCount:
      return `chunks hold a different number of items than the page (${d.value} counted by chunk ${d.block})`;
    case ErrorCode.LanceBitWidth:
      return `chunk ${d.block} declares bit width ${d.value}${at}, wider than its values`;
    case ErrorCode.LanceRleRuns:
      return `RLE runs of chunk ${d.block} do not match its items (${d.value} covered, or run lengths present)`;
    case ErrorCode.LanceBadOffsets:
      return `string offset ${d.offset} of chunk ${d.block} is ${d.value}: out of order or past the chunk`;
    default:
      return `error code ${d.code}`;
  }
}

export function codecError(d: ErrorDetail, ctx: ErrorContext, cause?: unknown): CodecError {
  const fields: ConstructorParameters<typeof CodecError>[1] = { codec: ctx.codec, code: d.code, codeName: codeName(d.code) };
  if (ctx.where !== undefined) fields.where = ctx.where;
  if (d.block !== NONE) fields.block = d.block;
  if (d.offset !== NONE) fields.byte = d.offset;
  return new CodecError(describe(d, ctx), fields, cause === undefined ? undefined : { cause });
}

/** A CodecError raised in JS (no wasm record), with the same fields. */
export function jsCodecError(codec: string, code: number, message: string, where?: string, cause?: unknown): CodecError {
  const fields: ConstructorParameters<typeof CodecError>[1] = { codec, code, codeName: codeName(code) };
  if (where !== undefined) fields.where = where;
  return new CodecError(message, fields, cause === undefined ? undefined : { cause });
}
