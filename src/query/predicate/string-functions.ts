// String functions beyond lower/upper/length (functions.ts): btrim/ltrim/rtrim, replace, strpos,
// contains, concat, left, right, with DataFusion's semantics: positions and lengths count characters
// (code points, not UTF-16 units), any NULL argument gives NULL — except concat, which skips NULLs
// and never returns NULL.

import { codePointLength, memoize } from './functions.js';
import { F, N, stringsVector, T, valueAt, type BoolV, type V } from './vectors.js';

/** Row-wise string function of several arguments; NULL if any argument is. */
function rows<R>(args: V[], f: (vals: string[]) => R): { n: number; out: (R | null)[] } {
  const n = Math.max(...args.map((a) => a.n));
  const out: (R | null)[] = new Array(n);
  const single = args.slice(1).every((a) => a.n === 1);
  const g = single ? memoize((s: string) => f([s, ...args.slice(1).map((a) => valueAt(a, 0) as string)])) : null;
  for (let i = 0; i < n; i++) {
    const vals = args.map((a) => valueAt(a, i));
    if (vals.some((v) => v === null)) out[i] = null;
    else out[i] = g ? g(vals[0] as string) : f(vals as string[]);
  }
  return { n, out };
}

function trimChars(s: string, chars: string, start: boolean, end: boolean): string {
  const set = new Set(chars);
  const cps = [...s];
  let a = 0;
  let b = cps.length;
  if (start) while (a < b && set.has(cps[a]!)) a++;
  if (end) while (b > a && set.has(cps[b - 1]!)) b--;
  return cps.slice(a, b).join('');
}

export function stringFnV(name: string, args: V[]): V {
  switch (name) {
    case 'btrim':
    case 'ltrim':
    case 'rtrim': {
      // without a second argument only spaces are trimmed (not tabs or newlines)
      const { out } = rows(args, ([s, chars]) => trimChars(s!, chars ?? ' ', name !== 'rtrim', name !== 'ltrim'));
      return stringsVector(out);
    }
    case 'replace': {
      // an empty search string inserts the replacement around every character (Rust's str::replace)
      const { out } = rows(args, ([s, from, to]) => (from === '' ? `${to}${[...s!].join(to)}${s === '' ? '' : to}` : s!.split(from!).join(to)));
      return stringsVector(out);
    }
    case 'strpos': {
      const { n, out } = rows(args, ([s, sub]) => {
        const at = s!.indexOf(sub!);
        return at < 0 ? 0 : codePointLength(s!.slice(0, at)) + 1;
      });
      const v = new Int32Array(n);
      const valid = new Uint8Array(n);
      out.forEach((x, i) => x !== null && ((v[i] = x), (valid[i] = 1)));
      return { k: 'num', n, v, valid };
    }
    case 'contains': {
      const { n, out } = rows(args, ([s, sub]) => s!.includes(sub!));
      const v = new Uint8Array(n);
      out.forEach((x, i) => (v[i] = x === null ? N : x ? T : F));
      return { k: 'bool', n, v } satisfies BoolV;
    }
    case 'left':
    case 'right': {
      const n = Math.max(args[0]!.n, args[1]!.n);
      const out: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const s = valueAt(args[0]!, i) as string | null;
        const k = valueAt(args[1]!, i) as bigint | null;
        if (s === null || k === null) {
          out[i] = null;
          continue;
        }
        const cps = [...s];
        const len = BigInt(cps.length);
        // a negative count drops that many characters from the other end
        const take = Number(k >= 0n ? (k < len ? k : len) : -k < len ? len + k : 0n);
        out[i] = (name === 'left' ? cps.slice(0, take) : cps.slice(cps.length - take)).join('');
      }
      return stringsVector(out);
    }
    case 'concat': {
      const n = Math.max(...args.map((a) => a.n));
      const out: string[] = new Array(n);
      for (let i = 0; i < n; i++) {
        let s = '';
        for (const a of args) {
          const v = valueAt(a, i);
          if (v !== null) s += v as string;
        }
        out[i] = s;
      }
      return stringsVector(out);
    }
  }
  throw new Error(`not a string function: ${name}`);
}
