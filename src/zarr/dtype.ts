// Zarr v3 core data types and the JS typed arrays they decode to.
//
// Every numeric type maps to the typed array of the same width and signedness; 64-bit integers
// map to BigInt64Array/BigUint64Array (exact: never rounded through a double). `bool` is stored
// as one byte per element (0 or 1) and decodes to a Uint8Array of 0/1. float16, complex, string,
// struct and raw-bits types are refused with UnsupportedError naming the type.
//
// All typed arrays produced here are little-endian views: the `bytes` codec byte-swaps big-endian
// chunks to little-endian before they reach a typed array, and every JS engine we target is
// little-endian (checked once below, so a big-endian host fails loudly instead of silently).

import { CorruptDataError, QueryError, UnsupportedError } from '../errors.js';

export type DataType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float32'
  | 'float64';

/** The typed array a data type decodes to. */
export interface TypedArrayFor {
  bool: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  float32: Float32Array;
  float64: Float64Array;
}

export type ZarrTypedArray = TypedArrayFor[DataType];

/** A fill value in the form typed arrays take: bigint for 64-bit integers, number otherwise. */
export type FillValue = number | bigint;

const CTORS = {
  bool: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new UnsupportedError('ragged-atlas needs a little-endian JS engine', { feature: 'big-endian host' });
}

export function isDataType(s: unknown): s is DataType {
  return typeof s === 'string' && Object.hasOwn(CTORS, s);
}

/** Bytes per element. */
export function itemSize(dtype: DataType): number {
  return CTORS[dtype].BYTES_PER_ELEMENT;
}

/** A zero-filled typed array of `length` elements. */
export function allocate<D extends DataType>(dtype: D, length: number): TypedArrayFor[D] {
  try {
    return new CTORS[dtype](length) as TypedArrayFor[D];
  } catch (err) {
    // A typed array past what the runtime can hold: a typed error naming the size, not a RangeError.
    if (!(err instanceof RangeError)) throw err;
    throw new QueryError(`a read of ${length} ${dtype} values (${length * itemSize(dtype)} bytes) is more than this runtime can allocate: read fewer elements at a time`, { elements: length, dtype }, { cause: err });
  }
}

/** Fills `arr[start, end)` with `value` (already in typed-array form, see parseFillValue). */
export function fillRange(arr: ZarrTypedArray, value: FillValue, start: number, end: number): void {
  if (typeof value === 'bigint') (arr as BigInt64Array | BigUint64Array).fill(value, start, end);
  else (arr as Exclude<ZarrTypedArray, BigInt64Array | BigUint64Array>).fill(value, start, end);
}

/** True when the fill value is all-zero bytes, so a freshly allocated array already holds it. */
export function isZeroFill(value: FillValue): boolean {
  return typeof value === 'bigint' ? value === 0n : value === 0 && !Object.is(value, -0);
}

/**
 * Parses a v3 `data_type`. Refuses extension and non-numeric types by name.
 * `where` names the metadata file for the error.
 */
export function parseDataType(raw: unknown, where: string): DataType {
  if (isDataType(raw)) return raw;
  const name = typeof raw === 'string' ? raw : typeof raw === 'object' && raw && 'name' in raw ? String((raw as { name: unknown }).name) : undefined;
  if (name === undefined) throw new CorruptDataError(`data_type must be a string, got ${JSON.stringify(raw)}`, { where });
  throw new UnsupportedError(`data type "${name}" is not supported (numeric and bool arrays only)`, { feature: `data_type ${name}`, where });
}

/** Marks an integer fill_value literal kept as its digits (metadata.ts parseJsonBytes). */
export const BIG_FILL = 'zarr-integer-literal:';

/**
 * Parses a v3 `fill_value` for `dtype`: JSON numbers (a BIG_FILL literal for exact int64 / uint64
 * beyond 2^53), the strings "NaN", "Infinity", "-Infinity", hex bit patterns ("0x7fc00000") for
 * floats, and true/false for bool.
 */
export function parseFillValue(given: unknown, dtype: DataType, where: string): FillValue {
  const digits = typeof given === 'string' && given.startsWith(BIG_FILL) ? given.slice(BIG_FILL.length) : undefined;
  const raw = digits === undefined ? given : Number(digits);
  const bad = () => new CorruptDataError(`fill_value ${digits ?? JSON.stringify(raw)} is not valid for ${dtype}`, { where });
  if (dtype === 'bool') {
    if (typeof raw !== 'boolean') throw bad();
    return raw ? 1 : 0;
  }
  if (dtype === 'float32' || dtype === 'float64') {
    if (typeof raw === 'number') return raw;
    if (raw === 'NaN') return NaN;
    if (raw === 'Infinity') return Infinity;
    if (raw === '-Infinity') return -Infinity;
    if (typeof raw === 'string' && /^0x[0-9a-fA-F]+$/.test(raw)) {
      const bits = BigInt(raw);
      const dv = new DataView(new ArrayBuffer(8));
      if (dtype === 'float32') {
        if (raw.length !== 10) throw bad();
        dv.setUint32(0, Number(bits));
        return dv.getFloat32(0);
      }
      if (raw.length !== 18) throw bad();
      dv.setBigUint64(0, bits);
      return dv.getFloat64(0);
    }
    throw bad();
  }
  if (typeof raw !== 'number' || !Number.isInteger(raw)) throw bad();
  if (dtype === 'int64' || dtype === 'uint64') {
    const v = BigInt(digits ?? raw);
    const ok = dtype === 'int64' ? v >= -(2n ** 63n) && v < 2n ** 63n : v >= 0n && v < 2n ** 64n;
    if (!ok) throw bad();
    return v;
  }
  const bits = itemSize(dtype) * 8;
  const signed = dtype.startsWith('int');
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if (raw < lo || raw > hi) throw bad();
  return raw;
}
