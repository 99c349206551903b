// `x [NOT] IN (a, b, ...)` with SQL's NULL rule: a NULL item makes a miss NULL instead of FALSE, so
// `NOT IN (.., NULL)` never selects. Constant lists are hashed (floats by total order: -0 = 0, NaNs by
// sign); string columns compare raw UTF-8 bytes.

import { compareV, isNegativeNaN, negNaNAt } from './compare.js';
import { notV, or2 } from './logic.js';
import type { DType, Value } from './types.js';
import { allNull, encoder, F, isScalar, liftDictBool, N, T, valueAt, type BoolV, type StrV, type V } from './vectors.js';

export function inV(x: V, list: V[], negated: boolean, t: DType, literal: boolean[]): BoolV {
  const n = Math.max(x.n, ...list.map((l) => l.n));
  if (x.k === 'null') return allNull(n);
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
