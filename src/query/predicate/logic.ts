// SQL three-valued logic on boolean vectors (bytes 0 = FALSE, 1 = TRUE, 2 = NULL): NOT NULL is NULL,
// FALSE AND NULL is FALSE, TRUE OR NULL is TRUE. The short-circuit order of AND/OR chains lives with
// the evaluator (evaluate.ts), which decides what to evaluate at all.

import { QueryError } from '../../errors.js';
import { allNull, F, N, T, validityOf, type BoolV, type V } from './vectors.js';

export function asBool(x: V, n: number): BoolV {
  if (x.k === 'bool') return x;
  if (x.k === 'null') return allNull(n);
  throw new QueryError(`expected a boolean, got ${x.k}`);
}

export function notV(x: BoolV): BoolV {
  const out = new Uint8Array(x.n);
  for (let i = 0; i < x.n; i++) {
    const b = x.v[i]!;
    out[i] = b === N ? N : b === T ? F : T;
  }
  return { k: 'bool', n: x.n, v: out };
}

/**
 * AND (`decisive` = FALSE) or OR (`decisive` = TRUE) of two boolean vectors: the decisive value wins
 * over anything, then NULL, else the other value.
 */
function kleene(a: BoolV, b: BoolV, n: number, decisive: typeof F | typeof T): BoolV {
  const other = decisive === F ? T : F;
  const out = new Uint8Array(n);
  const as = a.n === 1;
  const bs = b.n === 1;
  const av = a.v;
  const bv = b.v;
  for (let i = 0; i < n; i++) {
    const x = av[as ? 0 : i]!;
    const y = bv[bs ? 0 : i]!;
    out[i] = x === decisive || y === decisive ? decisive : x === N || y === N ? N : other;
  }
  return { k: 'bool', n, v: out };
}

export function and2(a: BoolV, b: BoolV, n: number): BoolV {
  return kleene(a, b, n, F);
}

export function or2(a: BoolV, b: BoolV, n: number): BoolV {
  return kleene(a, b, n, T);
}

/** `x IS [NOT] NULL` tests validity (never NULL itself); `IS [NOT] TRUE/FALSE` treats NULL as neither. */
export function isV(x: V, test: string): BoolV {
  const n = x.n;
  const out = new Uint8Array(n);
  if (test === 'null' || test === 'not null') {
    const valid = validityOf(x);
    const want = test === 'null' ? 0 : 1;
    // No nulls (the presence filter's usual case, over every selected row): one fill, not a loop.
    if (valid === null) return { k: 'bool', n, v: out.fill(want === 1 ? T : F) };
    for (let i = 0; i < n; i++) out[i] = valid[i]! === want ? T : F;
    return { k: 'bool', n, v: out };
  }
  const b = asBool(x, n);
  const target = test.endsWith('true') ? T : F;
  const neg = test.startsWith('not');
  for (let i = 0; i < n; i++) out[i] = (b.v[i] === target) !== neg ? T : F;
  return { k: 'bool', n, v: out };
}

/** The right-hand side taken as the result: at least as long as the left side (a constant broadcasts). */
export function broadcastTo(x: BoolV, n: number): BoolV {
  if (x.n >= n) return x;
  return { k: 'bool', n, v: new Uint8Array(n).fill(x.v[0]!) };
}
