// Arithmetic `+ - * / %` and unary minus over vectors. Integers wrap in their own width (typed-array
// stores do the two's-complement wrapping), as arrow-rs's kernels do; integer `/` and `%` by zero and
// MIN / -1 fail the query like DataFusion. Floats follow IEEE.

import { QueryError } from '../../errors.js';
import type { DType } from './types.js';
import { bigArray, numArray, validityOf, valueAt, type NumV, type V, type Valid } from './vectors.js';

export function arithV(op: '+' | '-' | '*' | '/' | '%', l: V, r: V, t: DType): V {
  const n = Math.max(l.n, r.n);
  if (l.k === 'null' || r.k === 'null') return { k: 'null', n };
  const valid = combineValid(l, r, n);
  if (t.id === 'float') {
    const out = numArray(t, n);
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
    const out = bigArray(t, n);
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
  const out = numArray(t, n);
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

export function negV(x: V, t: DType): V {
  if (x.k === 'null') return x;
  const n = x.n;
  if (x.k === 'big') {
    const out = bigArray(t, n);
    for (let i = 0; i < n; i++) out[i] = -x.v[i]!;
    return { k: 'big', n, v: out, valid: x.valid };
  }
  const v = (x as NumV).v;
  const out = numArray(t, n);
  for (let i = 0; i < n; i++) out[i] = -v[i]!;
  return { k: 'num', n, v: out, valid: (x as NumV).valid };
}
