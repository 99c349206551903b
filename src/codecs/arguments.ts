// The codec module's entry points are called from plain JavaScript too (notebooks, pages without a
// bundler), where nothing checks argument types. There a plain array was read as 0 bytes or encoded
// as an empty chunk (a wrong answer, silently), and a missing options object was a TypeError from
// inside. Each entry checks its arguments here: a CodecError (BadArgument) naming the argument.
import { describeArgument } from '../errors.js';
import { ErrorCode, jsCodecError } from './error-codes.js';

type TypedArrayConstructor = Uint8ArrayConstructor | Uint32ArrayConstructor | Int32ArrayConstructor | BigUint64ArrayConstructor;

/** `v` if it is a `type` (also one made in another realm: an iframe's, a vm context's), else a CodecError. */
export function typedArg<C extends TypedArrayConstructor>(v: unknown, type: C, codec: string, what: string, where?: string): InstanceType<C> {
  if (v instanceof type || Object.prototype.toString.call(v) === `[object ${type.name}]`) return v as InstanceType<C>;
  const hint = type === Uint8Array && (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) ? ' (a view of its bytes is: new Uint8Array(a.buffer, a.byteOffset, a.byteLength))' : '';
  throw jsCodecError(codec, ErrorCode.BadArgument, `${what} must be a${/^[AEIO]/.test(type.name) ? 'n' : ''} ${type.name}, got ${kindOf(v)}${hint}`, where);
}

/** `v` if it is an options object, else a CodecError. */
export function optionsArg<T extends object>(v: T | undefined, codec: string, what: string): T {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
  throw jsCodecError(codec, ErrorCode.BadArgument, `${what} takes an options object, got ${kindOf(v)}`);
}

/** A byte limit: undefined, or a number ≥ 0 (Infinity allowed). NaN and negatives are refused. */
export function limitArg(v: unknown, codec: string, what: string, where?: string): number | undefined {
  if (v === undefined || (typeof v === 'number' && v >= 0)) return v;
  throw jsCodecError(codec, ErrorCode.BadArgument, `${what} must be a non-negative number, got ${kindOf(v)}`, where);
}

/** A count: an integer ≥ 0. */
export function countArg(v: unknown, codec: string, what: string, where?: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw jsCodecError(codec, ErrorCode.BadArgument, `${what} must be a non-negative integer, got ${kindOf(v)}`, where);
}

/** describeArgument, with an object named by its class: wrong typed arrays and buffers are the usual mistake here. */
function kindOf(v: unknown): string {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v.constructor?.name ?? 'an object') : describeArgument(v);
}
