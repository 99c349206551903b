// Tokenizer for LanceDB/DataFusion filter strings. It never evaluates anything: it only splits the
// text into tokens that carry their 0-based character offsets, so every later error can point at
// the exact place in the user's predicate.
//
// Dialect (as LanceDB 0.39 reads it, checked against the library):
//   'text'      string literal; '' is an escaped quote; backslashes are literal characters
//   "name"      quoted identifier ("" escapes a quote)          -- LanceDB >= 0.2x reads these as columns
//   `name`      quoted identifier (`` escapes a backtick)
//   123 1.5 .5 1. 1e3 2.5E-3   numbers (no sign: unary minus is an operator)
//   -- comment  and  /* comment */ (nestable) are skipped
//   == is accepted as = (LanceDB allows it for PyArrow-style filters)

import { PredicateSyntaxError } from '../../errors.js';

export type TokenKind = 'ident' | 'qident' | 'number' | 'string' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** For ident: the text as written; qident/string: the unescaped contents; number: its digits; op: the operator. */
  value: string;
  /** Offset of the token's first character. */
  pos: number;
  /** Offset just past the token. */
  end: number;
  /** Quote character of a qident. */
  quote?: '"' | '`';
}

const OPS2 = new Set(['==', '!=', '<>', '<=', '>=', '||']);
const OPS1 = new Set(['=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '.', '[', ']', ';']);

const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}\p{M}_$]/u;
const DIGIT = /[0-9]/;
const SPACE = /\s/u;

export function syntaxError(predicate: string, position: number, message: string): PredicateSyntaxError {
  return new PredicateSyntaxError(message, { predicate, position: Math.max(0, Math.min(position, predicate.length)) });
}

/** Split `sql` into tokens, ending with an `eof` token at `sql.length`. Throws PredicateSyntaxError. */
export function tokenize(sql: string): Token[] {
  if (typeof sql !== 'string') throw syntaxError(String(sql), 0, 'predicate must be a string');
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    // whitespace
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    // comments
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const start = i;
      let depth = 0;
      while (i < n) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
      if (depth !== 0) throw syntaxError(sql, start, 'unterminated /* comment');
      continue;
    }
    // strings and quoted identifiers
    if (c === "'" || c === '"' || c === '`') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= n) {
          throw syntaxError(sql, start, c === "'" ? 'unterminated string literal' : 'unterminated quoted identifier');
        }
        const d = sql[i]!;
        if (d === c) {
          if (sql[i + 1] === c) {
            value += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += d;
        i++;
      }
      if (c === "'") out.push({ kind: 'string', value, pos: start, end: i });
      else {
        if (value.length === 0) throw syntaxError(sql, start, 'empty quoted identifier');
        out.push({ kind: 'qident', value, pos: start, end: i, quote: c });
      }
      continue;
    }
    // numbers: digits [. digits] [e [+-] digits]  |  . digits [...]
    const prev = out[out.length - 1];
    const dotStartsNumber =
      c === '.' &&
      DIGIT.test(sql[i + 1] ?? '') &&
      !(prev && prev.end === i && (prev.kind === 'ident' || prev.kind === 'qident' || prev.value === ')' || prev.value === ']'));
    if (DIGIT.test(c) || dotStartsNumber) {
      const start = i;
      while (i < n && DIGIT.test(sql[i]!)) i++;
      if (sql[i] === '.') {
        i++;
        while (i < n && DIGIT.test(sql[i]!)) i++;
      }
      if ((sql[i] === 'e' || sql[i] === 'E') && (DIGIT.test(sql[i + 1] ?? '') || ((sql[i + 1] === '+' || sql[i + 1] === '-') && DIGIT.test(sql[i + 2] ?? '')))) {
        i += 2;
        while (i < n && DIGIT.test(sql[i]!)) i++;
      }
      if (i < n && (IDENT_PART.test(sql[i]!) || sql[i] === '.')) {
        throw syntaxError(sql, i, `malformed number '${sql.slice(start, i + 1)}'`);
      }
      out.push({ kind: 'number', value: sql.slice(start, i), pos: start, end: i });
      continue;
    }
    // identifiers and keywords
    if (IDENT_START.test(c)) {
      const start = i;
      i++;
      while (i < n && IDENT_PART.test(sql[i]!)) i++;
      out.push({ kind: 'ident', value: sql.slice(start, i), pos: start, end: i });
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (OPS2.has(two)) {
      out.push({ kind: 'op', value: two === '==' ? '=' : two === '<>' ? '!=' : two, pos: i, end: i + 2 });
      i += 2;
      continue;
    }
    if (OPS1.has(c)) {
      out.push({ kind: 'op', value: c, pos: i, end: i + 1 });
      i++;
      continue;
    }
    const cp = sql.codePointAt(i)!;
    throw syntaxError(sql, i, `unexpected character '${String.fromCodePoint(cp)}'`);
  }
  out.push({ kind: 'eof', value: '', pos: n, end: n });
  return out;
}
