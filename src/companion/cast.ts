// Value conversion from what an input reader delivers to the dtype a layer is stored in, with
// the checks homeobox's `astype` skips: counts go into uint32, so a negative, fractional, NaN or
// too-large value is malformed input (named by file and position), never silently wrapped or
// truncated. Float layers accept any number (NaN included), rounded to float32 as numpy does.
import { InvalidInputError } from '../errors.js';
import type { AnyTypedArray } from './zarr-writer/array-writer.js';
import type { DType } from './zarr-writer/metadata.js';

export type SourceValues = Uint32Array | Int32Array | Float32Array | Float64Array;

/** Describes element k of the batch for error messages (computed only when something is wrong). */
export type Locate = (k: number) => string;

export function castValues(values: SourceValues, dest: DType, locate: Locate): AnyTypedArray {
  switch (dest) {
    case 'uint32':
      return toUint32(values, locate);
    case 'int32':
      return toInt32(values, locate);
    case 'float32':
      return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
    case 'float64':
      return values instanceof Float64Array ? values : Float64Array.from(values as ArrayLike<number>);
    default:
      throw new InvalidInputError(`layers of dtype ${dest} cannot be ingested`);
  }
}

function toUint32(values: SourceValues, locate: Locate): Uint32Array {
  if (values instanceof Uint32Array) return values;
  if (values instanceof Int32Array) {
    for (let k = 0; k < values.length; k++) {
      if (values[k]! < 0) throw bad(`negative value ${values[k]} in an unsigned integer (uint32) layer`, locate(k));
    }
    // Non-negative int32 and uint32 share their bits: reinterpret, no copy.
    return new Uint32Array(values.buffer, values.byteOffset, values.length);
  }
  const out = new Uint32Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!(v >= 0 && v <= 4294967295 && Number.isInteger(v))) {
      const what = Number.isNaN(v) ? 'NaN' : v < 0 ? `negative value ${v}` : !Number.isFinite(v) ? `${v}` : Number.isInteger(v) ? `value ${v} above 2^32-1` : `non-integer value ${v}`;
      throw bad(`${what} in an integer count layer (uint32)`, locate(k));
    }
    out[k] = v;
  }
  return out;
}

function toInt32(values: SourceValues, locate: Locate): Int32Array {
  if (values instanceof Int32Array) return values;
  const out = new Int32Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!(Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) throw bad(`value ${v} does not fit an int32 layer`, locate(k));
    out[k] = v;
  }
  return out;
}

function bad(message: string, where: string): InvalidInputError {
  return new InvalidInputError(message, { where });
}
