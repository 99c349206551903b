// Scalar functions: dispatch (callV) to the kernels of string-functions.ts, math-functions.ts,
// null-functions.ts, list-functions.ts and regex.ts; lower, upper, char_length, octet_length,
// starts_with, ends_with and abs live here, with the string concatenation operator `||`.
// bind-calls.ts has already checked names, arity and argument types.

import { QueryError } from '../../errors.js';
import type { Bound } from './bound.js';
import { arrayElementV, arrayHasSetV, arrayHasV, arrayLengthV, makeArrayV } from './list-functions.js';
import { dateDiffV, datePartV } from './date-functions.js';
import { dateTruncV } from './date-trunc.js';
import { mathFnV } from './math-functions.js';
import { coalesceV, nullifV } from './null-functions.js';
import { regexpLikeV } from './regex.js';
import { stringFnV } from './string-functions.js';
import { timeFnV, TIME_FUNCTIONS } from './time-conversions.js';
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

/** Characters (code points) of a JS string: every UTF-16 unit but a low surrogate. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/** The item type of a list type (a NULL argument's type has none: null). */
function itemOf(t: DType): DType {
  return t.id === 'list' ? t.item : { id: 'null' };
}

/** Evaluate a bound function call on its evaluated arguments. */
export function callV(b: Extract<Bound, { k: 'fn' }>, args: V[]): V {
  if (TIME_FUNCTIONS.has(b.name)) return timeFnV(b.name, args, b.args.map((a) => a.t), b.t);
  switch (b.name) {
    case 'coalesce':
      return coalesceV(args, b.t);
    case 'nullif':
      return nullifV(args[0]!, args[1]!, b.t);
    case 'concat':
      return stringFnV(b.name, args);
    case 'btrim':
    case 'ltrim':
    case 'rtrim':
    case 'replace':
    case 'strpos':
    case 'contains':
    case 'left':
    case 'right':
      if (args.some((a) => a.k === 'null')) return nullOf(b.t, Math.max(...args.map((a) => a.n)));
      return stringFnV(b.name, args);
    case 'round':
    case 'trunc':
    case 'sqrt':
    case 'isnan':
      return mathFnV(b.name, args, b.t);
    case 'array_has':
      return arrayHasV(args[0]!, args[1]!, itemOf(b.args[0]!.t), b.cmp!);
    case 'array_has_any':
    case 'array_has_all':
      return arrayHasSetV(args[0]!, args[1]!, [itemOf(b.args[0]!.t), itemOf(b.args[1]!.t)], b.cmp!, b.name === 'array_has_all');
    case 'make_array':
      return makeArrayV(args, itemOf(b.t));
    case 'array_length':
      return arrayLengthV(args[0]!);
    case 'array_element':
      return arrayElementV(args[0]!, args[1]!);
    case 'date_part':
      return datePartV(args[0]!, b.args[0]!.t, b.part!);
    case 'date_trunc':
      return dateTruncV(args[0]!, b.args[0]!.t as Extract<DType, { id: 'timestamp' }>, b.granularity!);
    case 'date_diff':
      return dateDiffV(args[0]!, b.args[0]!.t, args[1]!, b.args[1]!.t);
    case 'regexp_like':
      return regexpLikeV(args[0]!, b.regex!);
    default:
      return fnV(b.name, args, b.t);
  }
}

function nullOf(t: DType, n: number): V {
  return t.id === 'bool' ? { k: 'bool', n, v: new Uint8Array(n).fill(N) } : { k: 'null', n };
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
