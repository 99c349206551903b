// Casts of whole vectors: fast paths for the numeric widenings DataFusion inserts, dictionaries cast
// on their values only, everything else row by row through cast.ts's scalar casts.

import { canonical, castValue } from './cast.js';
import { int64Words } from './compare.js';
import { isBig, type DType, type Value } from './types.js';
import { fromValues, gather, stringsVector, valueAt, type V } from './vectors.js';

/** 64-bit integers as (correctly rounded) doubles: hi * 2^32 + lo is a single rounding. */
function wordsToFloat(v: BigInt64Array | BigUint64Array, f32: boolean): Float64Array {
  const n = v.length;
  const out = new Float64Array(n);
  const { his, los, HI, LO } = int64Words(v);
  for (let i = 0; i < n; i++) {
    const x = his[2 * i + HI]! * 4294967296 + los[2 * i + LO]!;
    out[i] = f32 ? Math.fround(x) : x;
  }
  return out;
}

/** Whether every `from` integer is a `to` integer (an unsigned type fits only a wider signed one). */
function keepsEveryValue(from: Extract<DType, { id: 'int' }>, to: Extract<DType, { id: 'int' }>): boolean {
  return from.signed === to.signed ? to.bits >= from.bits : to.signed && to.bits > from.bits;
}

export function castV(x: V, from: DType, to: DType, safe: boolean): V {
  if (x.k === 'null') return x;
  if (x.k === 'list' && from.id === 'list' && to.id === 'list') return { ...x, values: castV(x.values, from.item, to.item, safe) };
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
  if (from.id === 'int' && to.id === 'int' && x.k === 'num' && to.bits <= 32 && keepsEveryValue(from, to)) {
    return x; // widening keeps every value
  }
  if (from.id === 'int' && to.id === 'int' && x.k === 'num' && to.bits === 64 && keepsEveryValue(from, to)) {
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
  if (to.id === 'utf8') return stringsVector(vals as (string | null)[]);
  return fromValues(vals, isBig(to) ? 'big' : 'num');
}
