// coalesce (also nvl / ifnull) and nullif. bind-calls.ts has already brought every argument to the
// result type. nullif compares with arrow-rs's `eq` (total order for floats: NaN = NaN, -0 != 0),
// not with LanceDB's zero-literal rewrite, which applies to comparison operators only.

import { compareV } from './compare.js';
import { isBig, type DType } from './types.js';
import { bigArray, isValid, N, numArray, stringsVector, T, type V } from './vectors.js';

/** Whether row i of x is non-NULL (broadcasting constants). */
function present(x: V, i: number): boolean {
  const j = x.n === 1 ? 0 : i;
  switch (x.k) {
    case 'null':
      return false;
    case 'bool':
      return x.v[j] !== N;
    default:
      return isValid(x.valid, j);
  }
}

/** Row i of each output row taken from `pick(i)` (an argument index, or -1 for NULL). */
function assemble(args: V[], n: number, t: DType, pick: (i: number) => number): V {
  if (t.id === 'null') return { k: 'null', n };
  if (t.id === 'bool') {
    const out = new Uint8Array(n).fill(N);
    for (let i = 0; i < n; i++) {
      const a = pick(i);
      if (a >= 0) {
        const x = args[a]!;
        if (x.k === 'bool') out[i] = x.v[x.n === 1 ? 0 : i]!;
      }
    }
    return { k: 'bool', n, v: out };
  }
  if (t.id === 'utf8') {
    const out: (string | null)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const a = pick(i);
      const x = args[a];
      out[i] = x && x.k === 'str' ? x.get(x.n === 1 ? 0 : i) : null;
    }
    return stringsVector(out);
  }
  const big = isBig(t);
  const out = big ? bigArray(t, n) : numArray(t, n);
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = pick(i);
    const x = args[a];
    if (!x || (x.k !== 'num' && x.k !== 'big')) continue;
    // typed-array to typed-array copies keep NaN bits
    (out as Float64Array)[i] = x.v[x.n === 1 ? 0 : i] as number;
    valid[i] = 1;
  }
  return big ? { k: 'big', n, v: out as BigInt64Array, valid } : { k: 'num', n, v: out as Float64Array, valid };
}

/** The first non-NULL argument of each row. */
export function coalesceV(args: V[], t: DType): V {
  const n = Math.max(...args.map((a) => a.n));
  return assemble(args, n, t, (i) => {
    for (let a = 0; a < args.length; a++) if (present(args[a]!, i)) return a;
    return -1;
  });
}

/** NULL where a = b, else a. */
export function nullifV(a: V, b: V, t: DType): V {
  const n = Math.max(a.n, b.n);
  const eq = compareV('=', a, b, t, false);
  return assemble([a], n, t, (i) => (present(a, i) && eq.v[eq.n === 1 ? 0 : i] !== T ? 0 : -1));
}
