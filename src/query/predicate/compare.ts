// Comparisons `= != < <= > >=` over vectors, with arrow-rs's orders: strings by UTF-8 bytes, floats
// in IEEE total order (NaN signs read from the bits), integers exactly across widths.

import { intRange, type DType, type Value } from './types.js';
import { allNull, encoder, F, isScalar, isValid, liftDictBool, N, T, valueAt, type BigV, type BoolV, type NumV, type V, type Valid } from './vectors.js';

/** Order of JS strings by code point (= UTF-8 byte order). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // move surrogates (code points >= U+10000) above U+E000..U+FFFF
    x = x >= 0xe000 ? x - 0x800 : x >= 0xd800 ? x + 0x2000 : x;
    y = y >= 0xe000 ? y - 0x800 : y >= 0xd800 ? y + 0x2000 : y;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareBytes(bytes: Uint8Array, start: number, end: number, lit: Uint8Array): number {
  const la = end - start;
  const n = Math.min(la, lit.length);
  for (let i = 0; i < n; i++) {
    const d = bytes[start + i]! - lit[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return la === lit.length ? 0 : la < lit.length ? -1 : 1;
}

// ------------------------------------------------------------------------------------------------
// Bits of floats and 64-bit integers

const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
const HI = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0; // index of the high word (little-endian: 1)
const LO = 1 - HI;

/** Whether a NaN has its sign bit set (x86 produces such NaNs for 0/0, inf - inf, ...). */
export function isNegativeNaN(x: number): boolean {
  scratchF64[0] = x;
  return x !== x && scratchU32[HI]! >>> 31 === 1;
}

/** Sign of the NaN stored at arr[i], read from its bits (engines may not keep NaN signs in JS values). */
export function negNaNAt(arr: ArrayLike<number>, i: number): boolean {
  if (arr instanceof Float64Array) return new Uint32Array(arr.buffer, arr.byteOffset, arr.length * 2)[2 * i + HI]! >>> 31 === 1;
  if (arr instanceof Float32Array) return new Uint32Array(arr.buffer, arr.byteOffset, arr.length)[i]! >>> 31 === 1;
  return isNegativeNaN(arr[i]!);
}

/**
 * The 32-bit halves of 64-bit integers, to work on them without a bigint per row: value i is
 * his[2 * i + HI] * 2^32 + los[2 * i + LO] (the high half signed for BigInt64Array).
 */
export function int64Words(v: BigInt64Array | BigUint64Array): { his: Int32Array | Uint32Array; los: Uint32Array; HI: number; LO: number } {
  const n = v.length;
  const his = v instanceof BigInt64Array ? new Int32Array(v.buffer, v.byteOffset, n * 2) : new Uint32Array(v.buffer, v.byteOffset, n * 2);
  const los = new Uint32Array(v.buffer, v.byteOffset, n * 2);
  return { his, los, HI, LO };
}

// ------------------------------------------------------------------------------------------------
// Scalar orders

/**
 * Float order of arrow-rs kernels (IEEE totalOrder): -NaN < -Infinity < ... < -0 < +0 < ... < +Infinity
 * < +NaN, NaNs of one sign equal. LanceDB rewrites comparisons with a zero *literal* so that -0 = +0
 * there (lance#6236); between two computed/column values the zeros stay ordered (`signedZero`).
 */
export function compareFloats(a: number, b: number, aNegNaN = isNegativeNaN(a), bNegNaN = isNegativeNaN(b), signedZero = false): number {
  if (a !== a || b !== b) {
    const ra = a !== a ? (aNegNaN ? -1 : 1) : 0;
    const rb = b !== b ? (bNegNaN ? -1 : 1) : 0;
    return ra === rb ? 0 : ra < rb ? -1 : 1;
  }
  if (a === 0 && b === 0 && signedZero) {
    const na = Object.is(a, -0);
    return na === Object.is(b, -0) ? 0 : na ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareMixed(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type Cmp = '=' | '!=' | '<' | '<=' | '>' | '>=';
type OpTable = [number, number, number];
// OP_TABLE[op][c + 1] for c in {-1, 0, 1}
const OP_TABLE: Record<Cmp, OpTable> = {
  '=': [F, T, F],
  '!=': [T, F, T],
  '<': [T, F, F],
  '<=': [T, T, F],
  '>': [F, F, T],
  '>=': [F, T, T],
};
const FLIP: Record<Cmp, Cmp> = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function comparatorFor(t: DType, signedZero: boolean): (a: Value, b: Value) => number {
  switch (t.id) {
    case 'float':
      return (a, b) => compareFloats(a as number, b as number, isNegativeNaN(a as number), isNegativeNaN(b as number), signedZero);
    case 'utf8':
      return (a, b) => compareStrings(a as string, b as string);
    case 'bool':
      return (a, b) => (a === b ? 0 : a ? 1 : -1);
    default:
      return (a, b) => compareMixed(a as number | bigint, b as number | bigint);
  }
}

// ------------------------------------------------------------------------------------------------
// Vector comparisons

/** `literal`: one side is a constant (LanceDB then equates -0 and +0). */
export function compareV(op: Cmp, l: V, r: V, t: DType, literal: boolean): BoolV {
  if (l.k === 'null' || r.k === 'null') return allNull(Math.max(l.n, r.n));
  if (t.id === 'list') return compareListsV(op, l, r, t.item);
  if (literal && isScalar(r) && !isScalar(l)) return compareToScalar(op, l, valueAt(r, 0), t);
  if (literal && isScalar(l) && !isScalar(r)) return compareToScalar(FLIP[op], r, valueAt(l, 0), t);
  const signedZero = !literal;
  const n = Math.max(l.n, r.n);
  const out = new Uint8Array(n);
  const tab = OP_TABLE[op];
  if (t.id === 'float' && l.k === 'num' && r.k === 'num') {
    for (let i = 0; i < n; i++) {
      const li = l.n === 1 ? 0 : i;
      const ri = r.n === 1 ? 0 : i;
      if (!isValid(l.valid, li) || !isValid(r.valid, ri)) out[i] = N;
      else {
        const a = l.v[li]!;
        const b = r.v[ri]!;
        out[i] = tab[compareFloats(a, b, a !== a && negNaNAt(l.v, li), b !== b && negNaNAt(r.v, ri), signedZero) + 1]!;
      }
    }
    return { k: 'bool', n, v: out };
  }
  const cmp = comparatorFor(t, signedZero);
  for (let i = 0; i < n; i++) {
    const a = valueAt(l, i);
    const b = valueAt(r, i);
    out[i] = a === null || b === null ? N : tab[cmp(a, b) + 1]!;
  }
  return { k: 'bool', n, v: out };
}

function compareToScalar(op: Cmp, x: V, s: Value, t: DType): BoolV {
  const n = x.n;
  if (s === null) return allNull(n);
  const tab = OP_TABLE[op];
  if (x.k === 'str' && x.dict) return liftDictBool(x, (vals) => compareToScalar(op, vals, s, t));
  if (x.k === 'num' && t.id === 'float') {
    const out = new Uint8Array(n);
    const v = x.v;
    const valid = x.valid;
    const c = s as number;
    const cNeg = isNegativeNaN(c);
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) out[i] = N;
      else {
        const a = v[i]!;
        out[i] = tab[(a === a && c === c ? (a < c ? -1 : a > c ? 1 : 0) : compareFloats(a, c, a !== a && negNaNAt(v, i), cNeg)) + 1]!;
      }
    }
    return { k: 'bool', n, v: out };
  }
  if (x.k === 'big' && (x.v instanceof BigInt64Array || x.v instanceof BigUint64Array) && (typeof s === 'bigint' || Number.isInteger(s))) {
    return compareWordsToScalar(tab, x.v, x.valid, BigInt(s as number | bigint));
  }
  if (x.k === 'num' || x.k === 'big') return compareOrderedToScalar(tab, x, s as number | bigint);
  if (x.k === 'str' && x.utf8) {
    const out = new Uint8Array(n);
    const lit = encoder.encode(s as string);
    const { offsets, bytes } = x.utf8;
    const valid = x.valid;
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) out[i] = N;
      else out[i] = tab[compareBytes(bytes, offsets[i]!, offsets[i + 1]!, lit) + 1]!;
    }
    return { k: 'bool', n, v: out };
  }
  const out = new Uint8Array(n);
  const cmp = comparatorFor(t, false);
  for (let i = 0; i < n; i++) {
    const a = valueAt(x, i);
    out[i] = a === null ? N : tab[cmp(a, s) + 1]!;
  }
  return { k: 'bool', n, v: out };
}

/** Integers (numbers, or bigints the word path cannot take) against a constant, with `<` and `>`. */
function compareOrderedToScalar(tab: OpTable, x: NumV | BigV, c: number | bigint): BoolV {
  const n = x.n;
  const v = x.v;
  const valid = x.valid;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) out[i] = N;
    else {
      const a = v[i]!;
      out[i] = tab[(a < c ? -1 : a > c ? 1 : 0) + 1]!;
    }
  }
  return { k: 'bool', n, v: out };
}

/** 64-bit integers against an integer constant, on their 32-bit halves (no bigint per row). */
function compareWordsToScalar(tab: OpTable, v: BigInt64Array | BigUint64Array, valid: Valid, c: bigint): BoolV {
  const n = v.length;
  const out = new Uint8Array(n);
  const [lo, hi] = intRange(64, v instanceof BigInt64Array);
  if (c < lo || c > hi) {
    const r = tab[(c < lo ? 1 : -1) + 1]!;
    for (let i = 0; i < n; i++) out[i] = valid !== null && valid[i] === 0 ? N : r;
    return { k: 'bool', n, v: out };
  }
  const { his, los } = int64Words(v);
  const cHi = Number(c >> 32n);
  const cLo = Number(c & 0xffffffffn);
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) {
      out[i] = N;
      continue;
    }
    const h = his[2 * i + HI]!;
    const l = los[2 * i + LO]!;
    out[i] = tab[(h < cHi ? -1 : h > cHi ? 1 : l < cLo ? -1 : l > cLo ? 1 : 0) + 1]!;
  }
  return { k: 'bool', n, v: out };
}

/**
 * Whole lists (both already in `item`'s type), as arrow-rs orders them for DataFusion: item by item,
 * a NULL item before any value, floats in total order (-0 < +0, NaN = NaN), a list that is a prefix
 * of the other first. A NULL list on either side gives NULL.
 */
function compareListsV(op: Cmp, l: V, r: V, item: DType): BoolV {
  const n = Math.max(l.n, r.n);
  if (l.k !== 'list' || r.k !== 'list') return allNull(n);
  const cmp = comparatorFor(item, true);
  const tab = OP_TABLE[op];
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b] = [l.n === 1 ? 0 : i, r.n === 1 ? 0 : i];
    if (!isValid(l.valid, a) || !isValid(r.valid, b)) {
      out[i] = N;
      continue;
    }
    const [a0, a1, b0, b1] = [l.offsets[a]!, l.offsets[a + 1]!, r.offsets[b]!, r.offsets[b + 1]!];
    let c = 0;
    for (let k = 0; c === 0 && k < Math.min(a1 - a0, b1 - b0); k++) {
      const [x, y] = [valueAt(l.values, a0 + k), valueAt(r.values, b0 + k)];
      c = x === null || y === null ? (x === null ? (y === null ? 0 : -1) : 1) : Math.sign(cmp(x, y));
    }
    if (c === 0) c = Math.sign(a1 - a0 - (b1 - b0));
    out[i] = tab[c + 1]!;
  }
  return { k: 'bool', n, v: out };
}
