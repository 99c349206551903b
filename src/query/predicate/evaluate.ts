// Vectorised evaluation of a bound predicate over apache-arrow 18 data (ESM or the CJS build that
// @lancedb/lancedb returns — everything is read structurally, never with `instanceof`).
//
// Semantics follow LanceDB 0.39 (DataFusion 50 + arrow-rs), checked against the library:
//  - SQL three-valued logic. Booleans are held as bytes: 0 = FALSE, 1 = TRUE, 2 = NULL.
//    NOT NULL = NULL; FALSE AND NULL = FALSE; TRUE OR NULL = TRUE; comparisons with NULL are NULL;
//    `x IN (.., NULL)` is NULL (not FALSE) when x matches nothing; WHERE keeps TRUE rows only.
//  - Floats compare in a total order with NaN = NaN and NaN greater than everything (+Infinity too),
//    and -0.0 = 0.0 (LanceDB normalises signed zeros).
//  - Integers of different widths compare exactly (also int64 beyond 2^53: bigint throughout).
//  - Integer + - * and unary minus wrap (two's complement); integer / and % by zero fail the query.
//  - Strings compare by UTF-8 bytes (= code points). LIKE: % any run, _ one character, backslash
//    escapes the next character (a trailing backslash is literal); ILIKE folds case (Unicode).
//  - A struct child is NULL where its struct is NULL.

import { QueryError } from '../../errors.js';
import type { Expr } from './ast.js';
import { bindPredicate, type Bound, type BoundPredicate, type SchemaLike } from './bind.js';
import { canonical, castValue } from './cast.js';
import { parsePredicate } from './parser.js';
import { ArrowType, intRange, isBig, type ArrowTypeLike, type DType, type Value } from './types.js';

// ------------------------------------------------------------------------------------------------
// Structural views of apache-arrow objects

export interface DataLike {
  type: ArrowTypeLike;
  length: number;
  offset: number;
  nullCount: number;
  nullBitmap?: Uint8Array | null;
  values?: ArrayLike<number> | ArrayLike<bigint> | Uint8Array;
  valueOffsets?: Int32Array | BigInt64Array;
  children: DataLike[];
  dictionary?: { data: DataLike[] } | null;
}

export interface RecordBatchLike {
  schema: SchemaLike;
  numRows: number;
  data: DataLike;
}

export interface TableLike {
  schema: SchemaLike;
  numRows: number;
  batches: RecordBatchLike[];
}

// ------------------------------------------------------------------------------------------------
// Runtime vectors. A vector of length 1 broadcasts (constants are length-1 vectors).

type Valid = Uint8Array | null; // 1 = valid; null = all valid

type NumV = { k: 'num'; n: number; v: ArrayLike<number>; valid: Valid };
type BigV = { k: 'big'; n: number; v: ArrayLike<bigint>; valid: Valid };
type StrV = {
  k: 'str';
  n: number;
  valid: Valid;
  get(i: number): string;
  /** Raw UTF-8 storage, for byte-level comparisons without decoding. */
  utf8?: { offsets: ArrayLike<number>; bytes: Uint8Array };
  /** Dictionary-encoded: value i is dict.get(keys[i]). */
  dict?: { keys: ArrayLike<number>; values: StrV };
};
type BoolV = { k: 'bool'; n: number; v: Uint8Array };
type NullV = { k: 'null'; n: number };
type OpaqueV = { k: 'opaque'; n: number; valid: Valid };
type V = NumV | BigV | StrV | BoolV | NullV | OpaqueV;

const F = 0;
const T = 1;
const N = 2;

function isValid(valid: Valid, i: number): boolean {
  return valid === null || valid[i] === 1;
}

/** Validity of a vector as bytes (null = all valid). */
function validityOf(x: V): Valid {
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

// ------------------------------------------------------------------------------------------------
// Loading Arrow data

const decoder = new TextDecoder('utf-8');

function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let s = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) return decoder.decode(bytes.subarray(start, end));
      s += String.fromCharCode(b);
    }
    return s;
  }
  return decoder.decode(bytes.subarray(start, end));
}

function bitmapValidity(d: DataLike): Valid {
  const n = d.length;
  if (d.type.typeId === ArrowType.Null) return new Uint8Array(n);
  const bm = d.nullBitmap;
  if (!bm || bm.length === 0 || d.nullCount === 0) return null;
  const out = new Uint8Array(n);
  const off = d.offset;
  for (let i = 0; i < n; i++) {
    const j = off + i;
    out[i] = (bm[j >> 3]! >> (j & 7)) & 1;
  }
  return out;
}

function andValid(a: Valid, b: Valid): Valid {
  if (a === null) return b;
  if (b === null) return a;
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & b[i]!;
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function asBigInt64(values: ArrayLike<number> | ArrayLike<bigint>, signed: boolean): BigInt64Array | BigUint64Array {
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return values;
  // defensive: some builds keep 64-bit values as Int32 pairs
  const v = values as Int32Array;
  return signed ? new BigInt64Array(v.buffer, v.byteOffset, v.length >> 1) : new BigUint64Array(v.buffer, v.byteOffset, v.length >> 1);
}

/**
 * Decode a whole string column once and map each value's byte range to UTF-16 offsets, so that
 * reading value i is a substring. null if the bytes are not valid UTF-8 (then values decode one by one).
 */
function decodeColumn(offsets: ArrayLike<number>, bytes: Uint8Array, n: number): { text: string; units: Float64Array } | null {
  const start = offsets[0]!;
  const end = offsets[n]!;
  const text = decoder.decode(bytes.subarray(start, end));
  const units = new Float64Array(n + 1);
  let u = 0;
  let b = start;
  for (let i = 0; i <= n; i++) {
    const target = offsets[i]!;
    if (target < b) return null;
    for (; b < target; b++) {
      const x = bytes[b]!;
      if ((x & 0xc0) !== 0x80) u += x >= 0xf0 ? 2 : 1;
    }
    units[i] = u;
  }
  return u === text.length ? { text, units } : null;
}

function utf8Vector(offsets: ArrayLike<number>, bytes: Uint8Array, n: number, valid: Valid): StrV {
  let decoded: { text: string; units: Float64Array } | null | undefined;
  return {
    k: 'str',
    n,
    valid,
    utf8: { offsets, bytes },
    get(i) {
      if (decoded === undefined) decoded = n > 64 ? decodeColumn(offsets, bytes, n) : null;
      if (decoded === null) return decodeUtf8(bytes, offsets[i]!, offsets[i + 1]!);
      return decoded.text.substring(decoded.units[i]!, decoded.units[i + 1]!);
    },
  };
}

/**
 * Read one Arrow Data as a runtime vector; `parentValid` is the validity of enclosing structs.
 * apache-arrow's convention (followed by its own getters): `values` and `valueOffsets` are already
 * sliced to the Data's window; `offset` applies only to bit-packed buffers (validity, booleans).
 */
function loadData(d: DataLike, parentValid: Valid): V {
  const n = d.length;
  const off = d.offset;
  const valid = andValid(bitmapValidity(d), parentValid);
  const t = d.type;
  switch (t.typeId) {
    case ArrowType.Null:
      return { k: 'null', n };
    case ArrowType.Int: {
      if (t.bitWidth === 64) return { k: 'big', n, v: asBigInt64(d.values as ArrayLike<bigint>, !!t.isSigned).subarray(0, n), valid };
      return { k: 'num', n, v: (d.values as Int32Array).subarray(0, n), valid };
    }
    case ArrowType.Float: {
      if (t.precision === 0) {
        const raw = (d.values as Uint16Array).subarray(0, n);
        const v = new Float64Array(n);
        for (let i = 0; i < n; i++) v[i] = halfToFloat(raw[i]!);
        return { k: 'num', n, v, valid };
      }
      return { k: 'num', n, v: (d.values as Float64Array).subarray(0, n), valid };
    }
    case ArrowType.Bool: {
      const bits = d.values as Uint8Array;
      const v = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) v[i] = N;
        else {
          const j = off + i;
          v[i] = (bits[j >> 3]! >> (j & 7)) & 1;
        }
      }
      return { k: 'bool', n, v };
    }
    case ArrowType.Utf8:
      return utf8Vector((d.valueOffsets as Int32Array).subarray(0, n + 1), d.values as Uint8Array, n, valid);
    case ArrowType.LargeUtf8: {
      const o = (d.valueOffsets as BigInt64Array).subarray(0, n + 1);
      const offsets = new Float64Array(o.length);
      for (let i = 0; i < o.length; i++) offsets[i] = Number(o[i]!);
      return utf8Vector(offsets, d.values as Uint8Array, n, valid);
    }
    case ArrowType.Timestamp:
      return { k: 'big', n, v: asBigInt64(d.values as ArrayLike<bigint>, true).subarray(0, n), valid };
    case ArrowType.Date:
      if (t.unit === 0) return { k: 'num', n, v: (d.values as Int32Array).subarray(0, n), valid };
      return { k: 'big', n, v: asBigInt64(d.values as ArrayLike<bigint>, true).subarray(0, n), valid };
    case ArrowType.Dictionary:
      return loadDictionary(d, valid);
    default:
      return { k: 'opaque', n, valid };
  }
}

function loadDictionary(d: DataLike, valid: Valid): V {
  const n = d.length;
  const rawKeys = d.values as ArrayLike<number> | ArrayLike<bigint>;
  let keys: ArrayLike<number>;
  if (rawKeys instanceof BigInt64Array || rawKeys instanceof BigUint64Array) {
    const k = new Float64Array(n);
    for (let i = 0; i < n; i++) k[i] = Number(rawKeys[i]!);
    keys = k;
  } else keys = (rawKeys as Int32Array).subarray(0, n);
  const chunks = d.dictionary?.data ?? [];
  let values: V;
  if (chunks.length === 1) values = loadData(chunks[0]!, null);
  else {
    // several dictionary chunks (deltas): decode into one list
    const parts = chunks.map((c) => loadData(c, null));
    values = concatVectors(parts);
  }
  if (values.k === 'str') return { k: 'str', n, valid, get: (i) => values.get(keys[i]!), dict: { keys, values: values as StrV } };
  return gather(values, keys, valid);
}

function concatVectors(parts: V[]): V {
  const total = parts.reduce((s, p) => s + p.n, 0);
  const vals: Value[] = [];
  for (const p of parts) for (let i = 0; i < p.n; i++) vals.push(valueAt(p, i));
  if (parts[0]?.k === 'str') {
    const strs = vals as (string | null)[];
    return { k: 'str', n: total, valid: validFrom(strs), get: (i) => strs[i] ?? '' };
  }
  return fromValues(vals, parts[0]?.k === 'big' ? 'big' : 'num');
}

function validFrom(vals: Value[]): Valid {
  if (!vals.includes(null)) return null;
  return Uint8Array.from(vals, (v) => (v === null ? 0 : 1));
}

function fromValues(vals: Value[], kind: 'num' | 'big' | 'bool'): V {
  const n = vals.length;
  if (kind === 'bool') return { k: 'bool', n, v: Uint8Array.from(vals, (x) => (x === null ? N : x ? T : F)) };
  const valid = validFrom(vals);
  if (kind === 'big') return { k: 'big', n, v: BigInt64Array.from(vals, (x) => (x === null ? 0n : (x as bigint))), valid };
  return { k: 'num', n, v: Float64Array.from(vals, (x) => (x === null ? 0 : (x as number))), valid };
}

/** out[i] = x[idx[i]], NULL where `valid` says so. */
function gather(x: V, idx: ArrayLike<number>, valid: Valid): V {
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
    case 'str': {
      const vv = new Uint8Array(n);
      for (let i = 0; i < n; i++) vv[i] = (valid === null || valid[i] === 1) && isValid(x.valid, idx[i]!) ? 1 : 0;
      return { k: 'str', n, valid: vv, get: (i) => x.get(idx[i]!), dict: { keys: idx, values: x } };
    }
    case 'null':
      return { k: 'null', n };
    case 'opaque': {
      const vv = new Uint8Array(n);
      for (let i = 0; i < n; i++) vv[i] = (valid === null || valid[i] === 1) && isValid(x.valid, idx[i]!) ? 1 : 0;
      return { k: 'opaque', n, valid: vv };
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Constants and generic access

function constV(t: DType, v: Value): V {
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

function constBig(t: DType, v: bigint | null): BigV {
  const arr = t.id === 'int' && !t.signed ? BigUint64Array.of(v ?? 0n) : BigInt64Array.of(v ?? 0n);
  return { k: 'big', n: 1, v: arr, valid: v === null ? new Uint8Array(1) : null };
}

/** Value at row i (broadcasting length-1 vectors); bool as boolean. */
function valueAt(x: V, i: number): Value {
  const j = x.n === 1 ? 0 : i;
  switch (x.k) {
    case 'bool': {
      const b = x.v[j]!;
      return b === N ? null : b === T;
    }
    case 'null':
    case 'opaque':
      return null;
    default:
      return isValid(x.valid, j) ? (x.k === 'str' ? x.get(j) : x.v[j]!) : null;
  }
}

function isScalar(x: V): boolean {
  return x.n === 1;
}

// ------------------------------------------------------------------------------------------------
// Comparison

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

const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
const HI = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0; // index of the high word (little-endian: 1)

/** Whether a NaN has its sign bit set (x86 produces such NaNs for 0/0, inf - inf, ...). */
export function isNegativeNaN(x: number): boolean {
  scratchF64[0] = x;
  return x !== x && scratchU32[HI]! >>> 31 === 1;
}

/** Sign of the NaN stored at arr[i], read from its bits (engines may not keep NaN signs in JS values). */
function negNaNAt(arr: ArrayLike<number>, i: number): boolean {
  if (arr instanceof Float64Array) return new Uint32Array(arr.buffer, arr.byteOffset, arr.length * 2)[2 * i + HI]! >>> 31 === 1;
  if (arr instanceof Float32Array) return new Uint32Array(arr.buffer, arr.byteOffset, arr.length)[i]! >>> 31 === 1;
  return isNegativeNaN(arr[i]!);
}

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

type Cmp = '=' | '!=' | '<' | '<=' | '>' | '>=';
// OP_TABLE[op][c + 1] for c in {-1, 0, 1}
const OP_TABLE: Record<Cmp, [number, number, number]> = {
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

/** `literal`: one side is a constant (LanceDB then equates -0 and +0). */
function compareV(op: Cmp, l: V, r: V, t: DType, literal: boolean): BoolV {
  if (l.k === 'null' || r.k === 'null') return { k: 'bool', n: Math.max(l.n, r.n), v: new Uint8Array(Math.max(l.n, r.n)).fill(N) };
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

const encoder = new TextEncoder();

function compareToScalar(op: Cmp, x: V, s: Value, t: DType): BoolV {
  const n = x.n;
  const out = new Uint8Array(n);
  if (s === null) return { k: 'bool', n, v: out.fill(N) };
  const tab = OP_TABLE[op];
  if (x.k === 'str' && x.dict) return liftDictBool(x, (vals) => compareToScalar(op, vals, s, t));
  if (x.k === 'num') {
    const v = x.v;
    const valid = x.valid;
    if (t.id === 'float') {
      const c = s as number;
      const cNeg = isNegativeNaN(c);
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) out[i] = N;
        else {
          const a = v[i]!;
          out[i] = tab[(a === a && c === c ? (a < c ? -1 : a > c ? 1 : 0) : compareFloats(a, c, a !== a && negNaNAt(v, i), cNeg)) + 1]!;
        }
      }
    } else {
      const c = s as number | bigint;
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) out[i] = N;
        else {
          const a = v[i]!;
          out[i] = tab[(a < c ? -1 : a > c ? 1 : 0) + 1]!;
        }
      }
    }
    return { k: 'bool', n, v: out };
  }
  if (x.k === 'big' && (x.v instanceof BigInt64Array || x.v instanceof BigUint64Array) && (typeof s === 'bigint' || Number.isInteger(s))) {
    return compareWordsToScalar(tab, x.v, x.valid, BigInt(s as number | bigint));
  }
  if (x.k === 'big') {
    const v = x.v;
    const valid = x.valid;
    const c = typeof s === 'bigint' ? s : (s as number);
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) out[i] = N;
      else {
        const a = v[i]!;
        out[i] = tab[(a < c ? -1 : a > c ? 1 : 0) + 1]!;
      }
    }
    return { k: 'bool', n, v: out };
  }
  if (x.k === 'str' && x.utf8) {
    const lit = encoder.encode(s as string);
    const { offsets, bytes } = x.utf8;
    const valid = x.valid;
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) out[i] = N;
      else out[i] = tab[compareBytes(bytes, offsets[i]!, offsets[i + 1]!, lit) + 1]!;
    }
    return { k: 'bool', n, v: out };
  }
  const cmp = comparatorFor(t, false);
  for (let i = 0; i < n; i++) {
    const a = valueAt(x, i);
    out[i] = a === null ? N : tab[cmp(a, s) + 1]!;
  }
  return { k: 'bool', n, v: out };
}

/** 64-bit integers against an integer constant, on their 32-bit halves (no bigint per row). */
function compareWordsToScalar(tab: [number, number, number], v: BigInt64Array | BigUint64Array, valid: Valid, c: bigint): BoolV {
  const n = v.length;
  const out = new Uint8Array(n);
  const signed = v instanceof BigInt64Array;
  const [lo, hi] = intRange(64, signed);
  if (c < lo || c > hi) {
    const r = tab[(c < lo ? 1 : -1) + 1]!;
    for (let i = 0; i < n; i++) out[i] = valid !== null && valid[i] === 0 ? N : r;
    return { k: 'bool', n, v: out };
  }
  const his = signed ? new Int32Array(v.buffer, v.byteOffset, n * 2) : new Uint32Array(v.buffer, v.byteOffset, n * 2);
  const los = new Uint32Array(v.buffer, v.byteOffset, n * 2);
  const cHi = Number(c >> 32n);
  const cLo = Number(c & 0xffffffffn);
  const LO = 1 - HI;
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

/** 64-bit integers as (correctly rounded) doubles: hi * 2^32 + lo is a single rounding. */
function wordsToFloat(v: BigInt64Array | BigUint64Array, f32: boolean): Float64Array {
  const n = v.length;
  const out = new Float64Array(n);
  const his = v instanceof BigInt64Array ? new Int32Array(v.buffer, v.byteOffset, n * 2) : new Uint32Array(v.buffer, v.byteOffset, n * 2);
  const los = new Uint32Array(v.buffer, v.byteOffset, n * 2);
  const LO = 1 - HI;
  for (let i = 0; i < n; i++) {
    const x = his[2 * i + HI]! * 4294967296 + los[2 * i + LO]!;
    out[i] = f32 ? Math.fround(x) : x;
  }
  return out;
}

/** Evaluate a null-propagating boolean function of a dictionary column on its dictionary only. */
function liftDictBool(x: StrV, f: (values: StrV) => BoolV): BoolV {
  const { keys, values } = x.dict!;
  const r = f(values);
  const n = x.n;
  const out = new Uint8Array(n);
  const valid = x.valid;
  for (let i = 0; i < n; i++) out[i] = valid !== null && valid[i] === 0 ? N : r.v[keys[i]!]!;
  return { k: 'bool', n, v: out };
}

// ------------------------------------------------------------------------------------------------
// Casts

function castV(x: V, from: DType, to: DType, safe: boolean): V {
  if (x.k === 'null') return x;
  const n = x.n;
  // fast paths for the implicit numeric widenings DataFusion inserts
  if (to.id === 'float' && from.id === 'int' && x.k === 'num') {
    if (to.bits === 64) return x;
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.fround(x.v[i]!);
    return { k: 'num', n, v, valid: x.valid };
  }
  if (to.id === 'float' && from.id === 'float' && x.k === 'num') {
    if (to.bits >= from.bits) return x;
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.fround(x.v[i]!);
    return { k: 'num', n, v, valid: x.valid };
  }
  if (to.id === 'float' && x.k === 'big' && to.bits === 64 && (x.v instanceof BigInt64Array || x.v instanceof BigUint64Array)) {
    return { k: 'num', n, v: wordsToFloat(x.v, false), valid: x.valid };
  }
  if (to.id === 'float' && x.k === 'big') {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = to.bits === 64 ? Number(x.v[i]!) : Math.fround(Number(x.v[i]!));
    return { k: 'num', n, v, valid: x.valid };
  }
  if (from.id === 'int' && to.id === 'int' && x.k === 'num' && to.bits <= 32 && to.bits >= from.bits && (to.signed || !from.signed)) {
    return x; // widening keeps every value
  }
  if (from.id === 'int' && to.id === 'int' && x.k === 'num' && to.bits === 64 && (to.signed || !from.signed)) {
    const v = to.signed ? new BigInt64Array(n) : new BigUint64Array(n);
    for (let i = 0; i < n; i++) v[i] = BigInt(x.v[i]!);
    return { k: 'big', n, v, valid: x.valid };
  }
  if (x.k === 'str' && x.dict && (to.id !== 'utf8' || from.id !== 'utf8')) {
    return gather(castV(x.dict.values, from, to, safe), x.dict.keys, x.valid);
  }
  // generic, row by row
  const vals: Value[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = valueAt(x, i);
    vals[i] = a === null ? null : canonical(castValue(canonical(a, from), from, to, safe), to);
  }
  if (to.id === 'bool') return fromValues(vals, 'bool');
  if (to.id === 'utf8') {
    const strs = vals as (string | null)[];
    return { k: 'str', n, valid: validFrom(strs), get: (i) => strs[i] ?? '' };
  }
  return fromValues(vals, isBig(to) ? 'big' : 'num');
}

// ------------------------------------------------------------------------------------------------
// Arithmetic

function intArray(t: DType & { id: 'int' }, n: number): Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array {
  switch (t.bits) {
    case 8:
      return t.signed ? new Int8Array(n) : new Uint8Array(n);
    case 16:
      return t.signed ? new Int16Array(n) : new Uint16Array(n);
    default:
      return t.signed ? new Int32Array(n) : new Uint32Array(n);
  }
}

function arithV(op: '+' | '-' | '*' | '/' | '%', l: V, r: V, t: DType): V {
  const n = Math.max(l.n, r.n);
  if (l.k === 'null' || r.k === 'null') return { k: 'null', n };
  const valid = combineValid(l, r, n);
  if (t.id === 'float') {
    const out = t.bits === 32 ? new Float32Array(n) : new Float64Array(n);
    const a = (l as NumV).v;
    const b = (r as NumV).v;
    const al = l.n === 1;
    const bl = r.n === 1;
    for (let i = 0; i < n; i++) {
      const x = a[al ? 0 : i]!;
      const y = b[bl ? 0 : i]!;
      out[i] = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
    }
    return { k: 'num', n, v: out, valid };
  }
  if (t.id !== 'int') throw new QueryError(`arithmetic on ${t.id} is not supported`);
  if (t.bits === 64) {
    const out = t.signed ? new BigInt64Array(n) : new BigUint64Array(n);
    const min = t.signed ? -(1n << 63n) : 0n;
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const x = valueAt(l, i) as bigint;
      const y = valueAt(r, i) as bigint;
      let z: bigint;
      switch (op) {
        case '+':
          z = x + y;
          break;
        case '-':
          z = x - y;
          break;
        case '*':
          z = x * y;
          break;
        default:
          if (y === 0n) throw new QueryError('Divide by zero error', { operation: op });
          if (op === '/' && t.signed && x === min && y === -1n) throw new QueryError('Overflow happened on: integer division', { operation: op });
          z = op === '/' ? x / y : x % y;
      }
      out[i] = z; // BigInt64Array stores wrap modulo 2^64
    }
    return { k: 'big', n, v: out, valid };
  }
  const out = intArray(t, n);
  const a = (l as NumV).v;
  const b = (r as NumV).v;
  const al = l.n === 1;
  const bl = r.n === 1;
  const min = t.signed ? -(2 ** (t.bits - 1)) : 0;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const x = a[al ? 0 : i]!;
    const y = b[bl ? 0 : i]!;
    switch (op) {
      case '+':
        out[i] = x + y;
        break;
      case '-':
        out[i] = x - y;
        break;
      case '*':
        out[i] = t.bits === 32 ? Math.imul(x, y) : x * y;
        break;
      default:
        if (y === 0) throw new QueryError('Divide by zero error', { operation: op });
        if (op === '/' && t.signed && x === min && y === -1) throw new QueryError('Overflow happened on: integer division', { operation: op });
        out[i] = op === '/' ? Math.trunc(x / y) : x % y;
    }
  }
  return { k: 'num', n, v: out, valid };
}

function combineValid(l: V, r: V, n: number): Valid {
  const a = validityOf(l);
  const b = validityOf(r);
  if (a === null && b === null) return null;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (a === null || a[a.length === 1 ? 0 : i] === 1) && (b === null || b[b.length === 1 ? 0 : i] === 1) ? 1 : 0;
  return out;
}

function negV(x: V, t: DType): V {
  if (x.k === 'null') return x;
  const n = x.n;
  if (x.k === 'big') {
    const out = t.id === 'int' && !t.signed ? new BigUint64Array(n) : new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = -x.v[i]!;
    return { k: 'big', n, v: out, valid: x.valid };
  }
  const v = (x as NumV).v;
  const out = t.id === 'int' ? intArray(t, n) : t.id === 'float' && t.bits === 32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = -v[i]!;
  return { k: 'num', n, v: out, valid: (x as NumV).valid };
}

// ------------------------------------------------------------------------------------------------
// LIKE

const REGEX_SYNTAX = /[\^$\\.*+?()[\]{}|/]/;

/** Translate a LIKE pattern (arrow-rs semantics, backslash escapes) to an anchored RegExp. */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let re = '^';
  const cps = [...pattern];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (c === '\\') {
      if (i + 1 < cps.length) {
        const lit = cps[++i]!;
        re += REGEX_SYNTAX.test(lit) ? `\\${lit}` : lit;
      } else re += '\\\\';
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += REGEX_SYNTAX.test(c) ? `\\${c}` : c;
  }
  return new RegExp(re + '$', caseInsensitive ? 'isu' : 'su');
}

/**
 * A LIKE pattern without `_` as its literal pieces between `%`s (escapes resolved), or null.
 * ['ab', 'c'] means 'ab%c'; a leading/trailing '' means the pattern starts/ends with %.
 */
function likeSegments(pattern: string): string[] | null {
  const segs: string[] = [''];
  const cps = [...pattern];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (c === '_') return null;
    if (c === '\\') segs[segs.length - 1] += i + 1 < cps.length ? cps[++i]! : '\\';
    else if (c === '%') segs.push('');
    else segs[segs.length - 1] += c;
  }
  return segs;
}

function bytesAt(bytes: Uint8Array, at: number, pat: Uint8Array): boolean {
  for (let j = 0; j < pat.length; j++) if (bytes[at + j] !== pat[j]) return false;
  return true;
}

/** Case-sensitive LIKE with only % wildcards, on UTF-8 bytes (UTF-8 substrings are character-aligned). */
function likeBytes(x: StrV, segments: string[], negated: boolean): BoolV {
  const segs = segments.map((s) => encoder.encode(s));
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  const middle = segs.slice(1, -1);
  const { offsets, bytes } = x.utf8!;
  const n = x.n;
  const out = new Uint8Array(n);
  const valid = x.valid;
  const exact = segs.length === 1;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) {
      out[i] = N;
      continue;
    }
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    let ok: boolean;
    if (exact) ok = end - start === first.length && bytesAt(bytes, start, first);
    else {
      ok = end - start >= first.length + last.length && bytesAt(bytes, start, first) && bytesAt(bytes, end - last.length, last);
      let at = start + first.length;
      const limit = end - last.length;
      for (let m = 0; ok && m < middle.length; m++) {
        const seg = middle[m]!;
        let found = -1;
        for (let k = at; k + seg.length <= limit; k++) {
          if (bytesAt(bytes, k, seg)) {
            found = k;
            break;
          }
        }
        if (found < 0) ok = false;
        else at = found + seg.length;
      }
    }
    out[i] = ok !== negated ? T : F;
  }
  return { k: 'bool', n, v: out };
}

function likeV(x: V, p: V, ci: boolean, negated: boolean): BoolV {
  const n = Math.max(x.n, p.n);
  if (x.k === 'null' || p.k === 'null') return { k: 'bool', n, v: new Uint8Array(n).fill(N) };
  const xs = x as StrV;
  if (isScalar(p)) {
    const pat = valueAt(p, 0);
    if (pat === null) return { k: 'bool', n, v: new Uint8Array(n).fill(N) };
    if (xs.dict && !isScalar(x)) return liftDictBool(xs, (vals) => likeV(vals, p, ci, negated));
    const segments = ci ? null : likeSegments(pat as string);
    if (segments && xs.utf8 && !isScalar(x)) return likeBytes(xs, segments, negated);
    const re = likeToRegExp(pat as string, ci);
    const test = memoize((s: string) => re.test(s));
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const s = valueAt(x, i);
      out[i] = s === null ? N : test(s as string) !== negated ? T : F;
    }
    return { k: 'bool', n, v: out };
  }
  const cache = new Map<string, RegExp>();
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = valueAt(x, i);
    const pat = valueAt(p, i);
    if (s === null || pat === null) {
      out[i] = N;
      continue;
    }
    let re = cache.get(pat as string);
    if (!re) cache.set(pat as string, (re = likeToRegExp(pat as string, ci)));
    out[i] = re.test(s as string) !== negated ? T : F;
  }
  return { k: 'bool', n, v: out };
}

// ------------------------------------------------------------------------------------------------
// IN

function inV(x: V, list: V[], negated: boolean, t: DType, literal: boolean[]): BoolV {
  const n = Math.max(x.n, ...list.map((l) => l.n));
  if (x.k === 'null') return { k: 'bool', n, v: new Uint8Array(n).fill(N) };
  if (!list.every(isScalar)) {
    // general form: x IN (a, b) ≡ x = a OR x = b (three-valued)
    let acc: BoolV = { k: 'bool', n, v: new Uint8Array(n) };
    list.forEach((item, i) => (acc = or2(acc, compareV('=', x, item, t, literal[i]!), n)));
    return negated ? notV(acc) : acc;
  }
  if (x.k === 'str' && x.dict && !isScalar(x)) return liftDictBool(x, (vals) => inV(vals, list, negated, t, literal));
  if (x.k === 'str' && x.utf8 && !isScalar(x)) return inUtf8(x, list, negated);
  let hasNull = false;
  let hasPosNaN = false;
  let hasNegNaN = false;
  const set = new Set<Value>();
  for (const item of list) {
    let v = valueAt(item, 0);
    if (v === null) {
      hasNull = true;
      continue;
    }
    if (t.id === 'float') {
      if (Number.isNaN(v)) {
        if (isNegativeNaN(v as number)) hasNegNaN = true;
        else hasPosNaN = true;
        continue;
      }
      if (v === 0) v = 0; // -0 = 0
    } else if (x.k === 'big') v = BigInt(v as number | bigint);
    else if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) continue; // cannot equal a <=32-bit value
      v = Number(v);
    } else if (typeof v === 'boolean') v = v ? T : F;
    set.add(v);
  }
  const hit = negated ? F : T;
  const miss = hasNull ? N : negated ? T : F;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let v = x.k === 'bool' ? (x.v[x.n === 1 ? 0 : i] === N ? null : x.v[x.n === 1 ? 0 : i]!) : valueAt(x, i);
    if (v === null) {
      out[i] = N;
      continue;
    }
    if (t.id === 'float') {
      if (v === 0) v = 0;
      else if (Number.isNaN(v)) {
        const neg = x.k === 'num' ? negNaNAt(x.v, x.n === 1 ? 0 : i) : isNegativeNaN(v as number);
        out[i] = (neg ? hasNegNaN : hasPosNaN) ? hit : miss;
        continue;
      }
    }
    out[i] = set.has(v) ? hit : miss;
  }
  return { k: 'bool', n, v: out };
}

/** `x IN ('a', 'b', ...)` on raw UTF-8: compare bytes, grouped by length, without decoding. */
function inUtf8(x: StrV, list: V[], negated: boolean): BoolV {
  const byLength = new Map<number, Uint8Array[]>();
  let hasNull = false;
  for (const item of list) {
    const v = valueAt(item, 0);
    if (v === null) {
      hasNull = true;
      continue;
    }
    const b = encoder.encode(v as string);
    const same = byLength.get(b.length);
    if (same) same.push(b);
    else byLength.set(b.length, [b]);
  }
  const hit = negated ? F : T;
  const miss = hasNull ? N : negated ? T : F;
  const { offsets, bytes } = x.utf8!;
  const n = x.n;
  const out = new Uint8Array(n);
  const valid = x.valid;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) {
      out[i] = N;
      continue;
    }
    const start = offsets[i]!;
    const cands = byLength.get(offsets[i + 1]! - start);
    let found = false;
    if (cands) {
      for (const c of cands) {
        let j = 0;
        while (j < c.length && bytes[start + j] === c[j]) j++;
        if (j === c.length) {
          found = true;
          break;
        }
      }
    }
    out[i] = found ? hit : miss;
  }
  return { k: 'bool', n, v: out };
}

// ------------------------------------------------------------------------------------------------
// Boolean logic

function asBool(x: V, n: number): BoolV {
  if (x.k === 'bool') return x;
  if (x.k === 'null') return { k: 'bool', n, v: new Uint8Array(n).fill(N) };
  throw new QueryError(`expected a boolean, got ${x.k}`);
}

function notV(x: BoolV): BoolV {
  const out = new Uint8Array(x.n);
  for (let i = 0; i < x.n; i++) {
    const b = x.v[i]!;
    out[i] = b === N ? N : b === T ? F : T;
  }
  return { k: 'bool', n: x.n, v: out };
}

function and2(a: BoolV, b: BoolV, n: number): BoolV {
  const out = new Uint8Array(n);
  const as = a.n === 1;
  const bs = b.n === 1;
  const av = a.v;
  const bv = b.v;
  for (let i = 0; i < n; i++) {
    const x = av[as ? 0 : i]!;
    const y = bv[bs ? 0 : i]!;
    out[i] = x === F || y === F ? F : x === N || y === N ? N : T;
  }
  return { k: 'bool', n, v: out };
}

function or2(a: BoolV, b: BoolV, n: number): BoolV {
  const out = new Uint8Array(n);
  const as = a.n === 1;
  const bs = b.n === 1;
  const av = a.v;
  const bv = b.v;
  for (let i = 0; i < n; i++) {
    const x = av[as ? 0 : i]!;
    const y = bv[bs ? 0 : i]!;
    out[i] = x === T || y === T ? T : x === N || y === N ? N : F;
  }
  return { k: 'bool', n, v: out };
}

function allEqual(v: Uint8Array, x: number): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== x) return false;
  return true;
}


function isV(x: V, test: string): BoolV {
  const n = x.n;
  const out = new Uint8Array(n);
  if (test === 'null' || test === 'not null') {
    const valid = validityOf(x);
    const want = test === 'null' ? 0 : 1;
    for (let i = 0; i < n; i++) out[i] = (valid === null ? 1 : valid[i]!) === want ? T : F;
    return { k: 'bool', n, v: out };
  }
  const b = asBool(x, n);
  const target = test.endsWith('true') ? T : F;
  const neg = test.startsWith('not');
  for (let i = 0; i < n; i++) out[i] = (b.v[i] === target) !== neg ? T : F;
  return { k: 'bool', n, v: out };
}

// ------------------------------------------------------------------------------------------------
// Functions

/** Cache a string function's results while there are few distinct inputs (categorical columns). */
function memoize<R>(f: (s: string) => R, limit = 4096): (s: string) => R {
  const memo = new Map<string, R>();
  return (s) => {
    let r = memo.get(s);
    if (r === undefined) {
      r = f(s);
      if (memo.size < limit) memo.set(s, r);
    }
    return r;
  };
}

function mapStr(x: StrV, f0: (s: string) => string): StrV {
  if (x.dict && x.n > 1) {
    const vals = mapStr(x.dict.values, f0);
    const keys = x.dict.keys;
    return { k: 'str', n: x.n, valid: x.valid, get: (i) => vals.get(keys[i]!), dict: { keys, values: vals } };
  }
  const f = memoize(f0);
  const out: string[] = new Array(x.n);
  for (let i = 0; i < x.n; i++) out[i] = isValid(x.valid, i) ? f(x.get(i)) : '';
  return { k: 'str', n: x.n, valid: x.valid, get: (i) => out[i]! };
}

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

function fnV(name: string, args: V[], t: DType): V {
  const x = args[0]!;
  if (x.k === 'null') return x;
  switch (name) {
    case 'lower':
      return mapStr(x as StrV, (s) => s.toLowerCase());
    case 'upper':
      return mapStr(x as StrV, (s) => s.toUpperCase());
    case 'char_length':
    case 'octet_length': {
      const s = x as StrV;
      const v = new Int32Array(s.n);
      for (let i = 0; i < s.n; i++) {
        if (!isValid(s.valid, i)) continue;
        if (name === 'octet_length') v[i] = s.utf8 ? s.utf8.offsets[i + 1]! - s.utf8.offsets[i]! : encoder.encode(s.get(i)).length;
        else v[i] = codePointLength(s.get(i));
      }
      return { k: 'num', n: s.n, v, valid: s.valid };
    }
    case 'starts_with':
    case 'ends_with': {
      const y = args[1]!;
      const n = Math.max(x.n, y.n);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const a = valueAt(x, i) as string | null;
        const b = valueAt(y, i) as string | null;
        out[i] = a === null || b === null ? N : (name === 'starts_with' ? a.startsWith(b) : a.endsWith(b)) ? T : F;
      }
      return { k: 'bool', n, v: out };
    }
    case 'abs': {
      // integer abs of the minimum value overflows: arrow-rs fails the query
      if (x.k === 'big') {
        const out = t.id === 'int' && !t.signed ? new BigUint64Array(x.n) : new BigInt64Array(x.n);
        for (let i = 0; i < x.n; i++) {
          const a = x.v[i]!;
          if (a === -(1n << 63n) && isValid(x.valid, i)) throw new QueryError(`Int64Array overflow on abs(${a})`, { function: 'abs' });
          out[i] = a < 0n ? -a : a;
        }
        return { k: 'big', n: x.n, v: out, valid: x.valid };
      }
      const nv = x as NumV;
      const out = t.id === 'int' ? intArray(t, nv.n) : t.id === 'float' && t.bits === 32 ? new Float32Array(nv.n) : new Float64Array(nv.n);
      const min = t.id === 'int' && t.signed ? -(2 ** (t.bits - 1)) : NaN;
      for (let i = 0; i < nv.n; i++) {
        const a = nv.v[i]!;
        if (a === min && isValid(nv.valid, i)) throw new QueryError(`Int${t.id === 'int' ? t.bits : ''}Array overflow on abs(${a})`, { function: 'abs' });
        out[i] = Math.abs(a);
      }
      return { k: 'num', n: nv.n, v: out, valid: nv.valid };
    }
  }
  throw new QueryError(`unsupported function ${name}`);
}

function concatV(l: V, r: V): V {
  const n = Math.max(l.n, r.n);
  if (l.k === 'null' || r.k === 'null') return { k: 'null', n };
  const out: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = valueAt(l, i);
    const b = valueAt(r, i);
    out[i] = a === null || b === null ? null : (a as string) + (b as string);
  }
  return { k: 'str', n, valid: validFrom(out), get: (i) => out[i] ?? '' };
}

// ------------------------------------------------------------------------------------------------
// Driver

/** DataFusion's PRE_SELECTION_THRESHOLD for AND. */
const PRE_SELECTION_THRESHOLD = 0.2;

/** The right-hand side taken as the result: at least as long as the left side (a constant broadcasts). */
function broadcastTo(x: BoolV, n: number): BoolV {
  if (x.n >= n) return x;
  return { k: 'bool', n, v: new Uint8Array(n).fill(x.v[0]!) };
}

class BatchEvaluator {
  private readonly cache = new Map<string, V>();
  constructor(
    private readonly batch: RecordBatchLike,
    private readonly fields: SchemaLike['fields'],
  ) {}

  column(path: string[]): V {
    const key = JSON.stringify(path);
    let v = this.cache.get(key);
    if (v) return v;
    const top = this.fields.findIndex((f) => f.name === path[0]);
    let d = this.batch.data.children[top];
    if (!d) throw new QueryError(`column ${path[0]} is missing from the batch`, { column: path[0] });
    let parentValid: Valid = null;
    for (let i = 1; i < path.length; i++) {
      parentValid = andValid(bitmapValidity(d), parentValid);
      const idx = (d.type.children ?? []).findIndex((c) => c.name === path[i]);
      d = d.children[idx];
      if (!d) throw new QueryError(`field ${path.slice(0, i + 1).join('.')} is missing from the batch`, { column: path.join('.') });
    }
    v = loadData(d, parentValid);
    this.cache.set(key, v);
    return v;
  }

  /**
   * AND / OR chains, evaluated as DataFusion evaluates its left-deep binary tree, so that operands it
   * never evaluates (or evaluates only on some rows) cannot fail the query here either:
   * with a left side free of NULLs, AND returns it when all FALSE, takes the right side when all
   * TRUE, and evaluates the right side only on the TRUE rows when at most 20% are TRUE; OR returns
   * the left side when all TRUE and takes the right side when all FALSE.
   */
  private logical(kind: 'and' | 'or', es: Bound[]): BoolV {
    let acc = asBool(this.eval(es[0]!), 1);
    for (let k = 1; k < es.length; k++) {
      const e = es[k]!;
      const n = acc.n;
      let trues = 0;
      let nulls = 0;
      for (let i = 0; i < n; i++) {
        const v = acc.v[i]!;
        if (v === T) trues++;
        else if (v === N) nulls++;
      }
      if (nulls === 0 && n > 0) {
        if (kind === 'and') {
          if (trues === 0) continue; // all FALSE: stays FALSE
          if (trues === n) {
            acc = broadcastTo(asBool(this.eval(e), 1), n);
            continue;
          }
          if (trues / n <= PRE_SELECTION_THRESHOLD && n > 1) {
            acc = this.preSelected(acc, trues, e);
            continue;
          }
        } else {
          if (trues === n) continue; // all TRUE: stays TRUE
          if (trues === 0) {
            acc = broadcastTo(asBool(this.eval(e), 1), n);
            continue;
          }
        }
      }
      const x = asBool(this.eval(e), 1);
      const len = Math.max(acc.n, x.n);
      acc = kind === 'and' ? and2(acc, x, len) : or2(acc, x, len);
    }
    return acc;
  }

  /** `acc AND e` with e evaluated only on the rows where acc is TRUE. */
  private preSelected(acc: BoolV, trues: number, e: Bound): BoolV {
    const idx = new Uint32Array(trues);
    let j = 0;
    for (let i = 0; i < acc.n; i++) if (acc.v[i] === T) idx[j++] = i;
    const sub = new SubsetEvaluator(this, idx);
    const r = asBool(sub.eval(e), 1);
    const out = new Uint8Array(acc.n); // FALSE where not selected
    for (let i = 0; i < trues; i++) out[idx[i]!] = r.v[r.n === 1 ? 0 : i]!;
    return { k: 'bool', n: acc.n, v: out };
  }

  eval(b: Bound): V {
    switch (b.k) {
      case 'col':
        return this.column(b.path);
      case 'const':
        return b.t.id === 'int' && !b.t.signed && b.t.bits === 64 ? constBig(b.t, b.v as bigint | null) : constV(b.t, b.v);
      case 'cast':
        return castV(this.eval(b.e), b.e.t, b.t, b.safe);
      case 'cmp':
        return compareV(b.op, this.eval(b.l), this.eval(b.r), b.l.t.id === 'null' ? b.r.t : b.l.t, isLiteral(b.l) || isLiteral(b.r));
      case 'arith':
        return arithV(b.op, this.eval(b.l), this.eval(b.r), b.t);
      case 'concat':
        return concatV(this.eval(b.l), this.eval(b.r));
      case 'neg':
        return negV(this.eval(b.e), b.t);
      case 'not':
        return notV(asBool(this.eval(b.e), 1));
      case 'and':
      case 'or':
        return this.logical(b.k, b.es);
      case 'is':
        return isV(this.eval(b.e), b.test);
      case 'in':
        return inV(
          this.eval(b.e),
          b.list.map((x) => this.eval(x)),
          b.negated,
          b.e.t.id === 'null' ? (b.list[0]?.t ?? b.e.t) : b.e.t,
          b.list.map(isLiteral),
        );
      case 'like':
        return likeV(this.eval(b.e), this.eval(b.p), b.ci, b.negated);
      case 'fn':
        return fnV(b.name, b.args.map((x) => this.eval(x)), b.t);
    }
  }
}

/** A constant, possibly behind the casts coercion inserted. */
function isLiteral(b: Bound): boolean {
  return b.k === 'const' || (b.k === 'cast' && isLiteral(b.e));
}

/** Evaluates over a subset of another evaluator's rows (its columns gathered at `idx`). */
class SubsetEvaluator extends BatchEvaluator {
  private readonly gathered = new Map<string, V>();
  constructor(
    private readonly parent: BatchEvaluator,
    private readonly idx: Uint32Array,
  ) {
    super(undefined as unknown as RecordBatchLike, []);
  }

  override column(path: string[]): V {
    const key = JSON.stringify(path);
    let v = this.gathered.get(key);
    if (!v) {
      const x = this.parent.column(path);
      const idx = this.idx;
      if (x.k === 'str' && x.dict) {
        // a real dictionary stays one (arrow casts a dictionary's values whole, used or not)
        const keys = new Float64Array(idx.length);
        const valid = new Uint8Array(idx.length);
        for (let i = 0; i < idx.length; i++) {
          keys[i] = x.dict.keys[idx[i]!]!;
          valid[i] = isValid(x.valid, idx[i]!) ? 1 : 0;
        }
        const values = x.dict.values;
        v = { k: 'str', n: idx.length, valid, get: (i) => values.get(keys[i]!), dict: { keys, values } };
      } else if (x.k === 'str') {
        // plain strings: only the selected values, so nothing is computed for the other rows
        const strs = Array.from(idx, (i) => (isValid(x.valid, i) ? x.get(i) : null));
        v = { k: 'str', n: idx.length, valid: validFrom(strs), get: (i) => strs[i] ?? '' };
      } else v = gather(x, idx, null);
      this.gathered.set(key, v);
    }
    return v;
  }
}

function isTable(x: TableLike | RecordBatchLike): x is TableLike {
  return Array.isArray((x as TableLike).batches);
}

/** Parse (if a string) and bind (if not yet bound) against `schema`. */
export function preparePredicate(pred: string | Expr | BoundPredicate, schema: SchemaLike): BoundPredicate {
  if (typeof pred === 'string') return bindPredicate(parsePredicate(pred), schema, pred);
  if ('bound' in pred) return pred;
  return bindPredicate(pred, schema);
}

/**
 * Three-valued result per row: 0 = FALSE, 1 = TRUE, 2 = NULL. `data` is an apache-arrow Table or
 * RecordBatch (either build). A BoundPredicate must have been bound to the same schema.
 */
export function evaluateTriState(pred: string | Expr | BoundPredicate, data: TableLike | RecordBatchLike): Uint8Array {
  const bp = preparePredicate(pred, data.schema);
  const batches = isTable(data) ? data.batches : [data];
  const out = new Uint8Array(data.numRows);
  let at = 0;
  for (const batch of batches) {
    const n = batch.numRows;
    if (n === 0) continue;
    const r = asBool(new BatchEvaluator(batch, data.schema.fields).eval(bp.bound), n);
    if (r.n === 1) out.fill(r.v[0]!, at, at + n);
    else out.set(r.v, at);
    at += n;
  }
  return out;
}

/**
 * The WHERE mask: 1 for rows where the predicate is TRUE, 0 where it is FALSE or NULL.
 * Throws PredicateSyntaxError (string input) or QueryError (unknown column, type error, division by zero).
 */
export function evaluatePredicate(pred: string | Expr | BoundPredicate, data: TableLike | RecordBatchLike): Uint8Array {
  const tri = evaluateTriState(pred, data);
  for (let i = 0; i < tri.length; i++) if (tri[i] !== T) tri[i] = 0;
  return tri;
}

/** Indices of the rows a mask selects, in order. */
export function maskToIndices(mask: Uint8Array): Uint32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i] === 1 ? 1 : 0;
  const out = new Uint32Array(count);
  let j = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) out[j++] = i;
  return out;
}
