// Runtime vectors: what every evaluator kernel (compare.ts, like.ts, in-list.ts, arithmetic.ts,
// functions.ts, cast-vector.ts, logic.ts) takes and returns. A vector of length 1 broadcasts
// (constants are length-1 vectors). Booleans are bytes so that NULL fits: 0 = FALSE, 1 = TRUE, 2 = NULL.

import { isBig, type DType, type Value } from './types.js';

export type Valid = Uint8Array | null; // 1 = valid; null = all valid

export type NumV = { k: 'num'; n: number; v: ArrayLike<number>; valid: Valid };
export type BigV = { k: 'big'; n: number; v: ArrayLike<bigint>; valid: Valid };
export type StrV = {
  k: 'str';
  n: number;
  valid: Valid;
  get(i: number): string;
  /** Raw UTF-8 storage, for byte-level comparisons without decoding. */
  utf8?: { offsets: ArrayLike<number>; bytes: Uint8Array };
  /** Dictionary-encoded: value i is dict.get(keys[i]). */
  dict?: { keys: ArrayLike<number>; values: StrV };
};
/** Encodes string literals, to compare them with a StrV's raw UTF-8 instead of decoding every row. */
export const encoder = new TextEncoder();

export type BoolV = { k: 'bool'; n: number; v: Uint8Array };
export type NullV = { k: 'null'; n: number };
export type OpaqueV = { k: 'opaque'; n: number; valid: Valid };
/** Arrow List: row i holds values[offsets[i] .. offsets[i + 1]). */
export type ListV = { k: 'list'; n: number; valid: Valid; offsets: ArrayLike<number>; values: V };
export type V = NumV | BigV | StrV | BoolV | NullV | OpaqueV | ListV;

export const F = 0;
export const T = 1;
export const N = 2;

export function isValid(valid: Valid, i: number): boolean {
  return valid === null || valid[i] === 1;
}

/** Validity of a vector as bytes (null = all valid). */
export function validityOf(x: V): Valid {
  switch (x.k) {
    case 'bool': {
      let any = false;
      const out = new Uint8Array(x.n);
      for (let i = 0; i < x.n; i++) {
        if (x.v[i] === N) any = true;
        else out[i] = 1;
      }
      return any ? out : null;
    }
    case 'null':
      return new Uint8Array(x.n);
    default:
      return x.valid;
  }
}

export function andValid(a: Valid, b: Valid): Valid {
  if (a === null) return b;
  if (b === null) return a;
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & b[i]!;
  return out;
}

export function validFrom(vals: Value[]): Valid {
  if (!vals.includes(null)) return null;
  return Uint8Array.from(vals, (v) => (v === null ? 0 : 1));
}

// ------------------------------------------------------------------------------------------------
// Building vectors

/** n NULL booleans (any comparison or LIKE with a NULL operand). */
export function allNull(n: number): BoolV {
  return { k: 'bool', n, v: new Uint8Array(n).fill(N) };
}

/** Plain strings computed row by row (null = NULL). */
export function stringsVector(strs: (string | null)[]): StrV {
  return { k: 'str', n: strs.length, valid: validFrom(strs), get: (i) => strs[i] ?? '' };
}

/** A dictionary-encoded string vector: row i is values.get(keys[i]). */
export function dictStrings(n: number, keys: ArrayLike<number>, values: StrV, valid: Valid): StrV {
  return { k: 'str', n, valid, get: (i) => values.get(keys[i]!), dict: { keys, values } };
}

export function fromValues(vals: Value[], kind: 'num' | 'big' | 'bool'): V {
  const n = vals.length;
  if (kind === 'bool') return { k: 'bool', n, v: Uint8Array.from(vals, (x) => (x === null ? N : x ? T : F)) };
  const valid = validFrom(vals);
  if (kind === 'big') return { k: 'big', n, v: BigInt64Array.from(vals, (x) => (x === null ? 0n : (x as bigint))), valid };
  return { k: 'num', n, v: Float64Array.from(vals, (x) => (x === null ? 0 : (x as number))), valid };
}

export function intArray(t: DType & { id: 'int' }, n: number): Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array {
  switch (t.bits) {
    case 8:
      return t.signed ? new Int8Array(n) : new Uint8Array(n);
    case 16:
      return t.signed ? new Int16Array(n) : new Uint16Array(n);
    default:
      return t.signed ? new Int32Array(n) : new Uint32Array(n);
  }
}

/** Storage for n values of a numeric type held as numbers (integers up to 32 bits, floats). */
export function numArray(t: DType, n: number): ReturnType<typeof intArray> | Float32Array | Float64Array {
  return t.id === 'int' ? intArray(t, n) : t.id === 'float' && t.bits === 32 ? new Float32Array(n) : new Float64Array(n);
}

/** Storage for n 64-bit integers: unsigned only for an unsigned integer type. */
export function bigArray(t: DType, n: number): BigInt64Array | BigUint64Array {
  return t.id === 'int' && !t.signed ? new BigUint64Array(n) : new BigInt64Array(n);
}

/** Validity of x gathered at `idx`, also NULL where `valid` says so. */
function gatherValid(x: Valid, idx: ArrayLike<number>, valid: Valid): Uint8Array {
  const n = idx.length;
  const vv = new Uint8Array(n);
  for (let i = 0; i < n; i++) vv[i] = (valid === null || valid[i] === 1) && isValid(x, idx[i]!) ? 1 : 0;
  return vv;
}

/** out[i] = x[idx[i]], NULL where `valid` says so. */
export function gather(x: V, idx: ArrayLike<number>, valid: Valid): V {
  const n = idx.length;
  switch (x.k) {
    case 'bool': {
      const v = new Uint8Array(n);
      for (let i = 0; i < n; i++) v[i] = valid !== null && valid[i] === 0 ? N : x.v[idx[i]!]!;
      return { k: 'bool', n, v };
    }
    case 'num':
    case 'big': {
      const v = x.k === 'num' ? new Float64Array(n) : x.v instanceof BigUint64Array ? new BigUint64Array(n) : new BigInt64Array(n);
      const vv = new Uint8Array(n);
      let anyNull = false;
      for (let i = 0; i < n; i++) {
        const j = idx[i]!;
        if ((valid !== null && valid[i] === 0) || !isValid(x.valid, j)) {
          anyNull = true;
          continue;
        }
        (v as Float64Array)[i] = x.v[j] as number;
        vv[i] = 1;
      }
      return x.k === 'num' ? { k: 'num', n, v: v as Float64Array, valid: anyNull ? vv : null } : { k: 'big', n, v: v as BigInt64Array | BigUint64Array, valid: anyNull ? vv : null };
    }
    case 'str':
      return dictStrings(n, idx, x, gatherValid(x.valid, idx, valid));
    case 'null':
      return { k: 'null', n };
    case 'opaque':
      return { k: 'opaque', n, valid: gatherValid(x.valid, idx, valid) };
    case 'list': {
      // gather the items of the selected rows, so that list functions see only those
      const offsets = new Float64Array(n + 1);
      const items: number[] = [];
      for (let i = 0; i < n; i++) {
        const j = idx[i]!;
        for (let k = x.offsets[j]!; k < x.offsets[j + 1]!; k++) items.push(k);
        offsets[i + 1] = items.length;
      }
      return { k: 'list', n, valid: gatherValid(x.valid, idx, valid), offsets, values: gather(x.values, items, null) };
    }
  }
}

/** Evaluate a null-propagating boolean function of a dictionary column on its dictionary only. */
export function liftDictBool(x: StrV, f: (values: StrV) => BoolV): BoolV {
  const { keys, values } = x.dict!;
  const r = f(values);
  const n = x.n;
  const out = new Uint8Array(n);
  const valid = x.valid;
  for (let i = 0; i < n; i++) out[i] = valid !== null && valid[i] === 0 ? N : r.v[keys[i]!]!;
  return { k: 'bool', n, v: out };
}

// ------------------------------------------------------------------------------------------------
// Constants and generic access

export function constV(t: DType, v: Value): V {
  if (t.id === 'null') return { k: 'null', n: 1 };
  const valid: Valid = v === null ? new Uint8Array(1) : null;
  switch (t.id) {
    case 'bool':
      return { k: 'bool', n: 1, v: Uint8Array.of(v === null ? N : v ? T : F) };
    case 'utf8': {
      const s = v === null ? '' : (v as string);
      return { k: 'str', n: 1, valid, get: () => s };
    }
    default:
      if (isBig(t)) return { k: 'big', n: 1, v: BigInt64Array.of(v === null ? 0n : BigInt(v as bigint)), valid: valid };
      return { k: 'num', n: 1, v: Float64Array.of(v === null ? 0 : Number(v)), valid };
  }
}

export function constBig(t: DType, v: bigint | null): BigV {
  const arr = bigArray(t, 1);
  arr[0] = v ?? 0n;
  return { k: 'big', n: 1, v: arr, valid: v === null ? new Uint8Array(1) : null };
}

/** Value at row i (broadcasting length-1 vectors); bool as boolean. */
export function valueAt(x: V, i: number): Value {
  const j = x.n === 1 ? 0 : i;
  switch (x.k) {
    case 'bool': {
      const b = x.v[j]!;
      return b === N ? null : b === T;
    }
    case 'null':
    case 'opaque':
    case 'list':
      return null;
    default:
      return isValid(x.valid, j) ? (x.k === 'str' ? x.get(j) : x.v[j]!) : null;
  }
}

export function isScalar(x: V): boolean {
  return x.n === 1;
}
