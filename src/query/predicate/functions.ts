// Scalar functions (lower, upper, char_length, octet_length, starts_with, ends_with, abs) and the
// string concatenation operator `||`. bind.ts has already checked names, arity and argument types.

import { QueryError } from '../../errors.js';
import type { DType } from './types.js';
import { bigArray, dictStrings, encoder, F, isValid, N, numArray, stringsVector, T, valueAt, type NumV, type StrV, type V } from './vectors.js';

/** Cache a string function's results while there are few distinct inputs (categorical columns). */
export function memoize<R>(f: (s: string) => R, limit = 4096): (s: string) => R {
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
  if (x.dict && x.n > 1) return dictStrings(x.n, x.dict.keys, mapStr(x.dict.values, f0), x.valid);
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

export function fnV(name: string, args: V[], t: DType): V {
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
        const out = bigArray(t, x.n);
        for (let i = 0; i < x.n; i++) {
          const a = x.v[i]!;
          if (a === -(1n << 63n) && isValid(x.valid, i)) throw new QueryError(`Int64Array overflow on abs(${a})`, { function: 'abs' });
          out[i] = a < 0n ? -a : a;
        }
        return { k: 'big', n: x.n, v: out, valid: x.valid };
      }
      const nv = x as NumV;
      const out = numArray(t, nv.n);
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

/** `l || r`: NULL if either side is. */
export function concatV(l: V, r: V): V {
  const n = Math.max(l.n, r.n);
  if (l.k === 'null' || r.k === 'null') return { k: 'null', n };
  const out: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = valueAt(l, i);
    const b = valueAt(r, i);
    out[i] = a === null || b === null ? null : (a as string) + (b as string);
  }
  return stringsVector(out);
}
