// Layer dtypes in the output (homeobox spec §5 step 6): every layer is cast to its spec's
// "maximal" dtype, numpy's `result_type(*allowed_dtypes)` — counts uint32, log_normalized /
// tpm float32, fragment lengths uint16|uint32 → uint32 — so all groups concatenate into one array.
//
// resultType follows numpy's promotion lattice for the zarr numeric types:
//   bool ∨ T = T;  same-signedness ints → the wider;  signed s ∨ unsigned u → s if wider than u,
//   else the next wider signed (int64 ∨ uint64 = float64);  float32 ∨ (u)int8/16 = float32,
//   float32 ∨ (u)int32/64 = float64;  float64 ∨ anything = float64.

import { allocate, type DataType, type TypedArrayFor, type ZarrTypedArray } from '../zarr/dtype.js';

type Kind = { kind: 'b' } | { kind: 'i' | 'u' | 'f'; bits: number };

function kindOf(d: DataType): Kind {
  if (d === 'bool') return { kind: 'b' };
  const m = /^(u?int|float)(\d+)$/.exec(d)!;
  return { kind: m[1] === 'float' ? 'f' : m[1] === 'uint' ? 'u' : 'i', bits: Number(m[2]) };
}

function fromKind(k: Kind): DataType {
  if (k.kind === 'b') return 'bool';
  return `${k.kind === 'f' ? 'float' : k.kind === 'u' ? 'uint' : 'int'}${k.bits}` as DataType;
}

function promote(a: Kind, b: Kind): Kind {
  if (a.kind === 'b') return b;
  if (b.kind === 'b') return a;
  if (a.kind === b.kind) return { kind: a.kind, bits: Math.max(a.bits, b.bits) };
  if (a.kind === 'f' || b.kind === 'f') {
    const [f, i] = a.kind === 'f' ? [a, b] : [b, a];
    // Smallest float that holds every value of the integer type: 16-bit ints fit float32, wider need float64.
    const need = i.bits <= 16 ? 32 : 64;
    return { kind: 'f', bits: Math.max(f.bits, need) };
  }
  const [s, u] = a.kind === 'i' ? [a, b as Kind & { bits: number }] : [b as Kind & { bits: number }, a];
  if (s.bits > u.bits) return s;
  return u.bits >= 64 ? { kind: 'f', bits: 64 } : { kind: 'i', bits: u.bits * 2 };
}

/** numpy's result_type over zarr numeric dtypes. */
export function resultType(dtypes: readonly DataType[]): DataType {
  if (!dtypes.length) throw new RangeError('resultType needs at least one dtype');
  return fromKind(dtypes.map(kindOf).reduce(promote));
}

/** Values of any numeric array as `dtype` (a copy; bigint ↔ number converted, like numpy astype). */
export function castArray<D extends DataType>(values: ArrayLike<number | bigint>, dtype: D): TypedArrayFor[D] {
  const out = allocate(dtype, values.length);
  copyCast(values, 0, out, 0, values.length);
  return out;
}

/** `values` as a typed array of `dtype`: the array itself when it already is one, else a cast copy. */
export function asDtype(values: ArrayLike<number | bigint>, dtype: DataType): ZarrTypedArray {
  const probe = allocate(dtype, 0);
  if (ArrayBuffer.isView(values) && values.constructor === probe.constructor) return values as unknown as ZarrTypedArray;
  return castArray(values, dtype);
}

/** True when `values` can be stored into a `dtype` array without a bigint ↔ number conversion. */
export function sameKind(values: ArrayLike<number | bigint>, dtype: DataType): boolean {
  const srcBig = values instanceof BigInt64Array || values instanceof BigUint64Array || typeof values[0] === 'bigint';
  return srcBig === (dtype === 'int64' || dtype === 'uint64');
}

/** out[outStart + i] = values[start + i] for i < n, converting bigint ↔ number when the kinds differ. */
export function copyCast(values: ArrayLike<number | bigint>, start: number, out: ZarrTypedArray, outStart: number, n: number): void {
  const srcBig = typeof values[0] === 'bigint' || values instanceof BigInt64Array || values instanceof BigUint64Array;
  const dstBig = out instanceof BigInt64Array || out instanceof BigUint64Array;
  if (srcBig === dstBig && ArrayBuffer.isView(values) && out.constructor === values.constructor) {
    (out as Uint8Array).set((values as unknown as Uint8Array).subarray(start, start + n), outStart);
    return;
  }
  const o = out as unknown as (number | bigint)[];
  if (!srcBig && !dstBig) for (let i = 0; i < n; i++) o[outStart + i] = values[start + i]!;
  else if (srcBig && !dstBig) for (let i = 0; i < n; i++) o[outStart + i] = Number(values[start + i]!);
  else if (!srcBig && dstBig) for (let i = 0; i < n; i++) o[outStart + i] = BigInt(Math.trunc(values[start + i] as number));
  else for (let i = 0; i < n; i++) o[outStart + i] = values[start + i]!; // bigint typed arrays wrap on store
}
