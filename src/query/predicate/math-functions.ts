// round, trunc, sqrt, isnan with DataFusion 50's arithmetic: Float32 inputs are computed in Float32,
// everything else in Float64 (bind-calls.ts casts integers). `round(x, d)` is
// `(x * 10^d).round() / 10^d` with Rust's round (half away from zero) and LLVM's powi; `trunc(x)`
// maps -0 to +0, `trunc(x, d)` does not. NaN results get x86's NaN signs, which the float order
// (compare.ts) reads: an input NaN passes through, a new one (sqrt(-1), 0 * inf) is negative.

import { QueryError } from '../../errors.js';
import { negNaNAt } from './compare.js';
import type { DType } from './types.js';
import { F, isValid, N, T, valueAt, type BoolV, type NumV, type V } from './vectors.js';

const HI = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0;

/** compiler-rt's __powidf2 / __powisf2: square-and-multiply, reciprocal for negative exponents. */
function powi(a: number, b: number, f32: boolean): number {
  const r32 = f32 ? Math.fround : (x: number) => x;
  const recip = b < 0;
  let r = 1;
  for (;;) {
    if (b & 1) r = r32(r * a);
    b = Math.trunc(b / 2);
    if (b === 0) break;
    a = r32(a * a);
  }
  return recip ? r32(1 / r) : r;
}

/** Rust's f64::round: half away from zero, sign kept (-0.4 → -0). */
function roundHalfAway(x: number): number {
  const t = Math.trunc(x);
  return Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t;
}

function writeNaN(out: Float64Array, i: number, negative: boolean): void {
  const w = new Uint32Array(out.buffer, out.byteOffset, out.length * 2);
  w[2 * i + HI] = negative ? 0xfff80000 : 0x7ff80000;
  w[2 * i + 1 - HI] = 0;
}

/** Apply f to every valid row of x (a float vector), with the NaN-sign rules of the file header. */
function mapFloat(x: NumV, n: number, valid: Uint8Array | null, f32: boolean, f: (v: number, i: number) => number): NumV {
  const out = new Float64Array(n);
  const r = f32 ? Math.fround : (v: number) => v;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const j = x.n === 1 ? 0 : i;
    const v = x.v[j]!;
    if (v !== v) writeNaN(out, i, negNaNAt(x.v, j));
    else {
      const y = r(f(v, i));
      if (y !== y) writeNaN(out, i, true);
      else out[i] = y;
    }
  }
  return { k: 'num', n, v: out, valid };
}

function rowValidity(args: V[], n: number): Uint8Array | null {
  if (args.every((a) => a.k !== 'null' && (a as NumV).valid === null)) return null;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = args.every((a) => a.k !== 'null' && isValid((a as NumV).valid, a.n === 1 ? 0 : i)) ? 1 : 0;
  return out;
}

export function mathFnV(name: string, args: V[], t: DType): V {
  const x = args[0]!;
  const n = Math.max(...args.map((a) => a.n));
  if (args.some((a) => a.k === 'null')) return name === 'isnan' ? { k: 'bool', n, v: new Uint8Array(n).fill(N) } : { k: 'num', n, v: new Float64Array(n), valid: new Uint8Array(n) };
  if (name === 'isnan') {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = valueAt(x, i);
      out[i] = v === null ? N : typeof v === 'number' && v !== v ? T : F;
    }
    return { k: 'bool', n, v: out } satisfies BoolV;
  }
  const f32 = t.id === 'float' && t.bits === 32;
  const r = f32 ? Math.fround : (v: number) => v;
  const xv = x as NumV;
  const valid = rowValidity(args, n);
  switch (name) {
    case 'sqrt':
      return mapFloat(xv, n, valid, f32, (v) => Math.sqrt(v));
    case 'round':
    case 'trunc': {
      const op = name === 'round' ? roundHalfAway : Math.trunc;
      if (args.length === 1) return mapFloat(xv, n, valid, f32, name === 'round' ? roundHalfAway : (v) => (v === 0 ? 0 : Math.trunc(v)));
      const d = args[1]!;
      return mapFloat(xv, n, valid, f32, (v, i) => {
        let places = Number(valueAt(d, i) as number | bigint);
        if (places < -(2 ** 31) || places >= 2 ** 31) {
          throw new QueryError(`Cast error: Can't cast value ${places} to type Int32`, { function: name });
        }
        places |= 0;
        const factor = powi(10, places, f32);
        return r(op(r(v * factor)) / factor);
      });
    }
  }
  throw new Error(`not a math function: ${name}`);
}
