// LIKE / ILIKE with arrow-rs semantics: `%` any run, `_` one character, backslash escapes the next
// character (a trailing backslash is literal); ILIKE folds case (Unicode). Patterns without `_` run on
// the raw UTF-8 bytes when the column has them; the rest goes through a RegExp.

import { memoize } from './functions.js';
import { allNull, encoder, F, isScalar, liftDictBool, N, T, valueAt, type BoolV, type StrV, type V } from './vectors.js';

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

export function likeV(x: V, p: V, ci: boolean, negated: boolean): BoolV {
  const n = Math.max(x.n, p.n);
  if (x.k === 'null' || p.k === 'null') return allNull(n);
  const xs = x as StrV;
  if (isScalar(p)) {
    const pat = valueAt(p, 0);
    if (pat === null) return allNull(n);
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
