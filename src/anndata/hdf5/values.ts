// What a dataset or attribute holds: a dtype, a shape and the elements. Numeric data is kept by
// reference (never copied until the file is assembled, and not even then when streaming to a sink).
import type { NumericArray } from '../types.js';
import type { DType, NumericDType } from './datatype.js';
import { elementSize } from './datatype.js';
import { InvalidInputError } from '../../errors.js';

/** Raw little-endian element bytes supplied piecewise: for data too large to hold as one array. */
export interface ByteSource {
  byteLength: number;
  /** The bytes, in order; called once per serialization. Must yield exactly byteLength bytes. */
  chunks(): Iterable<Uint8Array>;
}

export interface NumericValue {
  /** `bool` elements are bytes 0/1 (Uint8Array or Int8Array, or a ByteSource). */
  dtype: NumericDType | 'bool';
  /** [] = scalar; row-major (C order), as numpy. */
  shape: readonly number[];
  data: NumericArray | ByteSource;
}

export interface StringValue {
  dtype: 'string';
  shape: readonly number[];
  data: readonly string[];
}

export type H5Value = NumericValue | StringValue;

/**
 * Anything `setAttr` / `createDataset` accept. Plain JS values map as h5py maps Python ones, except
 * numbers: a `number` is float64 (JS cannot tell 1 from 1.0) — use `scalar(n, 'int64')` for ints.
 *   string → vlen UTF-8 scalar       string[] → 1-D vlen UTF-8 array
 *   boolean → bool scalar            boolean[] → 1-D bool array
 *   bigint → int64 scalar            typed array → 1-D array of its element type
 */
export type ValueLike = H5Value | string | boolean | bigint | number | readonly string[] | readonly boolean[] | NumericArray;

/** The HDF5 element type of a typed array. */
export function dtypeOf(a: NumericArray): NumericDType {
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof BigUint64Array) return 'uint64';
  return 'uint8';
}

/** A numeric array of `data`'s element type (or bytes as `bool`) with an explicit shape. */
export function array(data: NumericArray | ByteSource, shape?: readonly number[], dtype?: NumericDType | 'bool'): NumericValue {
  if (!dtype) {
    if (!ArrayBuffer.isView(data)) throw new InvalidInputError('a ByteSource needs an explicit dtype', { where: 'hdf5 value' });
    dtype = dtypeOf(data);
  }
  const length = ArrayBuffer.isView(data) ? data.length : data.byteLength / elementSize(dtype);
  return { dtype, shape: shape ?? [length], data };
}

/** A bool array (h5py's enum) from booleans or 0/1 bytes. */
export function bools(data: readonly boolean[] | Uint8Array | Int8Array, shape?: readonly number[]): NumericValue {
  const bytes = data instanceof Uint8Array || data instanceof Int8Array ? data : Uint8Array.from(data, (b) => (b ? 1 : 0));
  return { dtype: 'bool', shape: shape ?? [bytes.length], data: bytes };
}

/** A vlen UTF-8 string array. */
export function strings(data: readonly string[], shape?: readonly number[]): StringValue {
  return { dtype: 'string', shape: shape ?? [data.length], data };
}

/** A scalar of an explicit numeric type, e.g. `scalar(0, 'int64')` (h5py's `attrs["axis"] = 0`). */
export function scalar(value: number | bigint | boolean, dtype: NumericDType | 'bool'): NumericValue {
  const big = dtype === 'int64' || dtype === 'uint64';
  const v = typeof value === 'boolean' ? Number(value) : value;
  const data: NumericArray = big
    ? (dtype === 'int64' ? BigInt64Array.of(BigInt(v)) : BigUint64Array.of(BigInt(v)))
    : new (ARRAY_OF[dtype as Exclude<NumericDType, 'int64' | 'uint64'> | 'bool'])([Number(v)]);
  return { dtype, shape: [], data };
}

const ARRAY_OF = {
  bool: Uint8Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array,
} as const;

export function toValue(v: ValueLike): H5Value {
  if (typeof v === 'string') return { dtype: 'string', shape: [], data: [v] };
  if (typeof v === 'boolean') return { dtype: 'bool', shape: [], data: Uint8Array.of(v ? 1 : 0) };
  if (typeof v === 'bigint') return { dtype: 'int64', shape: [], data: BigInt64Array.of(v) };
  if (typeof v === 'number') return { dtype: 'float64', shape: [], data: Float64Array.of(v) };
  if (ArrayBuffer.isView(v)) return array(v as NumericArray);
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'boolean') return bools(v as boolean[]);
    return strings(v as string[]);
  }
  return v as H5Value;
}

/** Checks shape against data and normalizes bool bytes to 0/1; returns the value to store. */
export function checkValue(v: H5Value, where: string): H5Value {
  for (const d of v.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new InvalidInputError(`bad dimension ${d} in shape [${v.shape.join(', ')}]`, { where });
  }
  const n = v.shape.reduce((a, b) => a * b, 1);
  if (v.dtype === 'string') {
    if (v.data.length !== n) throw new InvalidInputError(`${v.data.length} strings for shape [${v.shape.join(', ')}]`, { where });
    // HDF5 strings end at a NUL: a reader would get the text before it, silently (h5py refuses to write them).
    const k = v.data.findIndex((s) => s.includes('\0'));
    if (k >= 0) throw new InvalidInputError(`string ${k} (${JSON.stringify(v.data[k]!.slice(0, 40))}) contains a NUL character, which HDF5 strings cannot hold`, { where });
    return v;
  }
  const size = elementSize(v.dtype);
  const data = v.data;
  if (!ArrayBuffer.isView(data)) {
    if (data.byteLength !== n * size) throw new InvalidInputError(`${data.byteLength} bytes for ${n} × ${v.dtype}`, { where });
    return v;
  }
  if (data.BYTES_PER_ELEMENT !== size) throw new InvalidInputError(`${data.constructor.name} holds no ${v.dtype} elements`, { where });
  if (data.length !== n) throw new InvalidInputError(`${data.length} elements for shape [${v.shape.join(', ')}]`, { where });
  if (v.dtype === 'bool') {
    const b = data as Uint8Array;
    for (let i = 0; i < b.length; i++) {
      if (b[i] !== 0 && b[i] !== 1) return { ...v, data: Uint8Array.from(b, (x) => (x ? 1 : 0)) };
    }
  }
  return v;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The little-endian bytes of a typed array: a view on little-endian hosts, a swapped copy otherwise. */
export function littleEndianBytes(a: NumericArray): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const size = a.BYTES_PER_ELEMENT;
  if (LITTLE_ENDIAN || size === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j]!;
  return out;
}

export type { DType };
