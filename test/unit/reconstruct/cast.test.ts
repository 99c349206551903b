// Layer dtype promotion vs numpy's result_type for every pair of zarr numeric types.
import { describe, expect, it } from 'vitest';
import { castArray, resultType } from '../../../src/reconstruct/cast.js';
import type { DataType } from '../../../src/zarr/dtype.js';
import { numpy } from './numpy-oracle.js';

const TYPES: DataType[] = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64'];

describe('resultType', () => {
  it('equals np.result_type for all pairs', () => {
    const pairs = TYPES.flatMap((a) => TYPES.map((b) => [a, b]));
    const want = numpy<string[]>(`out = [str(np.result_type(np.dtype(a), np.dtype(b))) for a, b in inp]`, pairs);
    pairs.forEach(([a, b], i) => expect(resultType([a!, b!] as DataType[]), `${a} ∨ ${b}`).toBe(want[i]));
  });
  it('homeobox spec layers', () => {
    expect(resultType(['uint32'])).toBe('uint32');
    expect(resultType(['uint16', 'uint32'])).toBe('uint32');
    expect(resultType(['float32'])).toBe('float32');
    expect(() => resultType([])).toThrow();
  });
  it('castArray', () => {
    expect(castArray(BigInt64Array.from([1n, -2n]), 'float32')).toEqual(Float32Array.from([1, -2]));
    expect(castArray(Float64Array.from([1.7, -2]), 'int64')).toEqual(BigInt64Array.from([1n, -2n]));
    expect(castArray(Int32Array.from([-1]), 'uint32')).toEqual(Uint32Array.from([4294967295]));
    expect(castArray(Uint16Array.from([7]), 'uint16')).toEqual(Uint16Array.from([7]));
  });
});
