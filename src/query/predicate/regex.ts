// regexp_like patterns: DataFusion runs them with Rust's `regex` crate, we run a JS RegExp. The two
// agree only on a subset, so a pattern is translated only when every construct in it is one whose
// match set is the same in both; anything else is refused (never a different match set):
//
//   literal characters, `.` (any character but \n), `^` `$` (start / end of the text), groups `(…)`
//   and `(?:…)`, `|`, quantifiers `* + ? {n} {n,} {n,m}` (greedy or lazy), classes `[…]` / `[^…]`
//   with characters, ranges and \d \s \w inside, \d \D \s \S \w \W, \t \n \r \f \v, escaped
//   punctuation, a leading `(?i)` or the flag 'i'.
//
// Rust's classes are Unicode-aware, so they are spelled out with Unicode properties: \d = \p{Nd},
// \s = \p{White_Space}, \w = [\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}] (UTS #18). Refused:
// lookaround and backreferences (Rust has neither), \b \B \A \z \p{…} \x \u, nested classes, class set
// operations (&& -- ~~), POSIX classes, inline flags other than a leading (?i), named groups.

import { memoize } from './functions.js';
import { F, N, T, valueAt, type BoolV, type V } from './vectors.js';

const JS_SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
const CLASS_ESCAPES: Record<string, string> = { d: '\\p{Nd}', s: '\\p{White_Space}', w: WORD };
const NEGATED_ESCAPES: Record<string, string> = { D: '\\P{Nd}', S: '\\P{White_Space}', W: `[^${WORD}]` };
const CONTROL: Record<string, string> = { t: '\\t', n: '\\n', r: '\\r', f: '\\f', v: '\\v' };
/** Quantifier counts above this are refused (Rust's compiled-size limit could reject them). */
const MAX_REPEAT = 1000;

export type RegexFail = (message: string, at: number) => Error;

/** A literal code point as JS RegExp source (u flag). */
function lit(c: string, inClass: boolean): string {
  if (JS_SYNTAX.has(c) || (inClass && c === '-')) return `\\${c}`;
  return c;
}

/** Translate a Rust regex (Unicode mode, no flags but `i`) to JS RegExp source + flags, or throw. */
export function regexToJs(pattern: string, caseInsensitive: boolean, fail: RegexFail): { source: string; flags: string } {
  const cps = [...pattern];
  let i = 0;
  let ci = caseInsensitive;
  if (pattern.startsWith('(?i)')) {
    ci = true;
    i = 4;
  }
  let out = '';
  let depth = 0;
  let canRepeat = false; // whether the previous item is something a quantifier may follow

  const escape = (inClass: boolean): string => {
    const at = i;
    const c = cps[++i];
    i++;
    if (c === undefined) throw fail('incomplete escape sequence \\', at);
    if (CLASS_ESCAPES[c]) return inClass || c !== 'w' ? CLASS_ESCAPES[c]! : `[${WORD}]`;
    if (!inClass && NEGATED_ESCAPES[c]) return NEGATED_ESCAPES[c]!;
    if (CONTROL[c]) return CONTROL[c]!;
    // Rust lets any ASCII punctuation be escaped (except < >, which start word-boundary assertions)
    if (/^[!-/:-@[-`{-~]$/.test(c) && c !== '<' && c !== '>') return lit(c, inClass);
    throw fail(`unsupported regex escape \\${c}`, at);
  };

  const klass = (): string => {
    const start = i;
    i++; // [
    let s = '[';
    if (cps[i] === '^') {
      s += '^';
      i++;
    }
    if (cps[i] === ']') throw fail('a class starting with ] is not supported', i);
    let items = 0;
    for (;;) {
      const c = cps[i];
      if (c === undefined) throw fail('unclosed character class', start);
      if (c === ']') {
        i++;
        break;
      }
      if (c === '[') throw fail('nested classes and POSIX classes are not supported', i);
      if ((c === '&' || c === '-' || c === '~') && cps[i + 1] === c) throw fail(`class set operation ${c}${c} is not supported`, i);
      // one class atom: a character (possibly the start of a range) or a class escape
      let atom: string;
      let single: boolean;
      if (c === '\\') {
        const e = cps[i + 1] ?? '';
        single = !CLASS_ESCAPES[e];
        atom = escape(true);
      } else {
        atom = lit(c, true);
        single = true;
        i++;
      }
      if (cps[i] === '-' && cps[i + 1] === '-') throw fail('class set operation -- is not supported', i);
      if (cps[i] === '-' && cps[i + 1] !== ']' && cps[i + 1] !== undefined) {
        if (!single) throw fail('a class escape as a range bound is not supported', i);
        i++;
        let end: string;
        if (cps[i] === '\\') {
          const e = cps[i + 1] ?? '';
          if (CLASS_ESCAPES[e]) throw fail('a class escape as a range bound is not supported', i);
          end = escape(true);
        } else if (cps[i] === '[') throw fail('nested classes are not supported', i);
        else end = lit(cps[i++]!, true);
        s += `${atom}-${end}`;
      } else s += atom;
      items++;
    }
    if (items === 0) throw fail('empty character class', start);
    return s + ']';
  };

  const quantifierAllowed = (at: number) => {
    if (!canRepeat) throw fail('repetition operator without an expression to repeat', at);
  };

  while (i < cps.length) {
    const c = cps[i]!;
    const at = i;
    switch (c) {
      case '\\':
        out += escape(false);
        canRepeat = true;
        break;
      case '.':
        out += '[^\\n]';
        i++;
        canRepeat = true;
        break;
      case '^':
      case '$':
        out += c;
        i++;
        canRepeat = false;
        break;
      case '[':
        out += klass();
        canRepeat = true;
        break;
      case '(':
        if (cps[i + 1] === '?') {
          if (cps[i + 2] !== ':') throw fail('(?…) groups other than (?:…) and a leading (?i) are not supported', at);
          out += '(?:';
          i += 3;
        } else {
          out += '(';
          i++;
        }
        depth++;
        canRepeat = false;
        break;
      case ')':
        if (depth === 0) throw fail('unopened group', at);
        depth--;
        out += ')';
        i++;
        canRepeat = true;
        break;
      case '|':
        out += '|';
        i++;
        canRepeat = false;
        break;
      case '*':
      case '+':
      case '?':
        quantifierAllowed(at);
        out += c;
        i++;
        if (cps[i] === '?') {
          out += '?';
          i++;
        }
        canRepeat = false;
        break;
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(cps.slice(i, i + 24).join(''));
        if (!m) throw fail('a { must start a counted repetition {n}, {n,} or {n,m}', at);
        quantifierAllowed(at);
        const lo = Number(m[1]);
        const hi = m[3] ? Number(m[3]) : lo;
        if (lo > MAX_REPEAT || hi > MAX_REPEAT) throw fail(`repetition counts above ${MAX_REPEAT} are not supported`, at);
        if (m[3] && hi < lo) throw fail('invalid repetition range', at);
        out += m[0];
        i += m[0].length;
        if (cps[i] === '?') {
          out += '?';
          i++;
        }
        canRepeat = false;
        break;
      }
      default:
        // `]` and `}` on their own are literals in Rust (syntax errors in a JS u-mode RegExp)
        out += c === ']' || c === '}' ? `\\${c}` : lit(c, false);
        i++;
        canRepeat = true;
    }
  }
  if (depth !== 0) throw fail('unclosed group', cps.length);
  const flags = ci ? 'iu' : 'u';
  try {
    new RegExp(out, flags);
  } catch (e) {
    throw fail(`pattern does not compile: ${(e as Error).message}`, 0);
  }
  return { source: out, flags };
}

/** regexp_like over a string vector: NULL for a NULL string. */
export function regexpLikeV(x: V, re: { source: string; flags: string }): BoolV {
  const n = x.n;
  if (x.k === 'null') return { k: 'bool', n, v: new Uint8Array(n).fill(N) };
  const r = new RegExp(re.source, re.flags);
  const test = memoize((s: string) => r.test(s));
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = valueAt(x, i);
    out[i] = s === null ? N : test(s as string) ? T : F;
  }
  return { k: 'bool', n, v: out };
}
