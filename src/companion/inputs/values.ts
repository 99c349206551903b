// Element-type conversions shared by the readers: source arrays → the few typed-array kinds that
// RowBatch/ObsColumn allow. Conversions are exact or they throw; nothing is silently truncated.
import { InvalidInputError, UnsupportedError } from '../../errors.js';
import type { ElemDtype, NumericData } from './element-store.js';
import type { MatrixSource, RowBatch } from './types.js';

export type BatchValues = RowBatch['values'];

/** MatrixSource.dtype for a source element type (see MatrixSource's doc for the widening rules). */
export function matrixDtype(d: ElemDtype | { other: string }, where: string): MatrixSource['dtype'] {
  switch (d) {
    case 'float32': case 'float64': case 'int32': case 'int64': case 'uint32': case 'uint16': case 'uint8': case 'bool':
      return d;
    case 'int8': case 'int16':
      return 'int32';
    case 'uint64':
      return 'int64';
    default:
      throw new UnsupportedError(`matrix element type ${typeof d === 'string' ? d : d.other} is not supported`, {
        where,
        feature: `matrix dtype ${typeof d === 'string' ? d : d.other}`,
      });
  }
}

/** Converts raw matrix values to a batch value array, widening as MatrixSource's doc describes. */
export function toBatchValues(data: NumericData, where: string): BatchValues {
  if (data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array || data instanceof Uint32Array) {
    return data;
  }
  if (data instanceof Int8Array || data instanceof Int16Array) return Int32Array.from(data);
  if (data instanceof Uint8Array || data instanceof Uint16Array) return Uint32Array.from(data);
  // 64-bit integers: delivered as Int32Array when every value fits (true of any real count matrix).
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v > 2147483647n || v < -2147483648n) {
      throw new UnsupportedError(`64-bit integer value ${v} does not fit in int32`, {
        where: `${where}[${i}]`,
        feature: 'int64 matrix values beyond int32 range',
      });
    }
    out[i] = Number(v);
  }
  return out;
}

/** Column indices (any integer type) → Uint32Array, checking 0 <= j < nCols. `base` = global offset for errors. */
export function toIndices(data: NumericData, nCols: number, where: string, base: number): Uint32Array {
  if (data instanceof Float32Array || data instanceof Float64Array) {
    throw new InvalidInputError('sparse indices must be integers, found floating point', { where });
  }
  const out = new Uint32Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const lim = BigInt(nCols);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < 0n || v >= lim) throw badIndex(Number(v), nCols, where, base + i);
      out[i] = Number(v);
    }
    return out;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < 0 || v >= nCols) throw badIndex(v, nCols, where, base + i);
    out[i] = v;
  }
  return out;
}

function badIndex(v: number, nCols: number, where: string, pos: number): InvalidInputError {
  return new InvalidInputError(`sparse index ${v} out of range [0, ${nCols})`, { where: `${where}[${pos}]` });
}

/** Any integer array → Float64Array (used for indptr, which may be int64 on disk). */
export function toOffsets(data: NumericData, where: string): Float64Array {
  if (data instanceof Float32Array || data instanceof Float64Array) {
    throw new InvalidInputError('indptr must be integers, found floating point', { where });
  }
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]!);
    if (!Number.isSafeInteger(v)) throw new InvalidInputError(`indptr value ${data[i]} is not a safe integer`, { where: `${where}[${i}]` });
    out[i] = v;
  }
  return out;
}

/**
 * Checks a compressed-sparse pointer array: length `nMajor + 1`, starts at 0, never decreases, ends at
 * `nnz` (the length of indices and data).
 */
export function validateIndptr(indptr: Float64Array, nMajor: number, nnz: number, where: string): void {
  if (indptr.length !== nMajor + 1) {
    throw new InvalidInputError(`indptr has length ${indptr.length}, expected ${nMajor + 1} (shape ${nMajor} + 1)`, { where });
  }
  if (indptr[0] !== 0) throw new InvalidInputError(`indptr[0] is ${indptr[0]}, expected 0`, { where: `${where}[0]` });
  for (let i = 1; i < indptr.length; i++) {
    if (indptr[i]! < indptr[i - 1]!) {
      throw new InvalidInputError(`indptr decreases (${indptr[i - 1]} then ${indptr[i]})`, { where: `${where}[${i}]` });
    }
  }
  if (indptr[nMajor] !== nnz) {
    throw new InvalidInputError(`indptr ends at ${indptr[nMajor]} but indices/data have ${nnz} entries`, { where: `${where}[${nMajor}]` });
  }
}

/** An integer obs/var column → Int32Array or BigInt64Array (the two kinds ObsColumn allows). */
export function toIntColumn(data: NumericData, where: string): Int32Array | BigInt64Array {
  if (data instanceof BigInt64Array || data instanceof Int32Array) return data;
  if (data instanceof Int8Array || data instanceof Int16Array || data instanceof Uint8Array || data instanceof Uint16Array) {
    return Int32Array.from(data);
  }
  if (data instanceof Uint32Array) return BigInt64Array.from(data, (v) => BigInt(v));
  if (data instanceof BigUint64Array) {
    return BigInt64Array.from(data, (v, i) => {
      if (v > 9223372036854775807n) {
        throw new UnsupportedError(`uint64 value ${v} does not fit in int64`, { where: `${where}[${i}]`, feature: 'uint64 column beyond int64' });
      }
      return v;
    });
  }
  throw new InvalidInputError('expected an integer array', { where });
}

/** Bool-like (bool or any integer 0/1) array → Uint8Array of 0/1. */
export function toBoolColumn(data: NumericData): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ? 1 : 0;
  return out;
}

export function isIntegerDtype(d: string): boolean {
  return /^u?int(8|16|32|64)$/.test(d);
}
