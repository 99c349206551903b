// Re-serialise an Expr as a LanceDB filter string. The output parses back to the same tree
// (parsePredicate(toSql(e)) equals e, positions aside), so it can be passed through to LanceDB's REST
// API or quoted in error messages. Parentheses are added only where precedence needs them.
// Identifiers that need quoting use backticks (every LanceDB version reads those as names; older
// ones read "double quotes" as strings). Strings double their single quotes.

import type { Expr, Literal, TypeName } from './ast.js';
import { PREC, RESERVED_WORDS } from './parser.js';

const BARE = /^[\p{L}_][\p{L}\p{N}\p{M}_$]*$/u;

export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

export function quoteString(s: string): string {
  return "'" + s.replace(/'/g, "''") + "'";
}

function identPart(name: string, quoted: boolean, first: boolean): string {
  if (!quoted && BARE.test(name) && (!first || !RESERVED_WORDS.has(name.toUpperCase()))) return name;
  return quoteIdent(name);
}

function floatText(v: number): string {
  if (Number.isNaN(v)) return "CAST('NaN' AS DOUBLE)";
  if (v === Infinity) return '1e999';
  if (v === -Infinity) return '-1e999';
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return `${Object.is(v, -0) ? '-0' : v.toFixed(0)}.0`;
  return String(v);
}

function literal(e: Literal): string {
  switch (e.type) {
    case 'null':
      return 'NULL';
    case 'bool':
      return e.value ? 'TRUE' : 'FALSE';
    case 'int64':
    case 'uint64':
      return e.raw !== undefined && safeRaw(e.raw, e.value) ? e.raw : String(e.value);
    case 'float64':
      return e.raw !== undefined && safeRaw(e.raw, e.value) ? e.raw : floatText(e.value);
    case 'utf8':
      return quoteString(e.value);
  }
}

/** Use the literal's source text only if it still denotes the node's value. */
function safeRaw(raw: string, value: number | bigint): boolean {
  if (!/^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(raw)) return false;
  if (typeof value === 'bigint') return /^-?[0-9]+$/.test(raw) && BigInt(raw) === value;
  return Object.is(Number(raw), value);
}

function typeText(t: TypeName): string {
  return `${t.name}${t.params ? `(${t.params.join(', ')})` : ''}${t.unsigned ? ' UNSIGNED' : ''}`;
}

/** Binding strength of a node when printed (higher binds tighter). */
function prec(e: Expr): number {
  switch (e.kind) {
    case 'or':
      return PREC.OR;
    case 'and':
      return PREC.AND;
    case 'not':
      return PREC.NOT;
    case 'is':
      return PREC.IS;
    case 'like':
      return PREC.LIKE;
    case 'in':
    case 'between':
      return PREC.CMP;
    case 'binary':
      return e.op === '+' || e.op === '-' ? PREC.ADD : e.op === '*' || e.op === '/' || e.op === '%' || e.op === '||' ? PREC.MUL : PREC.CMP;
    default:
      return PREC.FIELD;
  }
}

function wrap(e: Expr, needParens: boolean): string {
  const s = toSql(e);
  return needParens ? `(${s})` : s;
}

/** Serialise `e` as LanceDB SQL. */
export function toSql(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return e.path.map((p, i) => identPart(p, e.quoted[i] ?? false, i === 0)).join('.');
    case 'literal':
      return literal(e);
    case 'and':
    case 'or': {
      const p = prec(e);
      return e.operands.map((o) => wrap(o, prec(o) <= p)).join(e.kind === 'and' ? ' AND ' : ' OR ');
    }
    case 'not':
      return `NOT ${wrap(e.operand, prec(e.operand) < PREC.NOT)}`;
    case 'negate':
      return `-(${toSql(e.operand)})`;
    case 'is':
      return `${wrap(e.operand, prec(e.operand) < PREC.IS)} IS ${e.test.toUpperCase()}`;
    case 'binary': {
      const p = prec(e);
      return `${wrap(e.left, prec(e.left) < p)} ${e.op} ${wrap(e.right, prec(e.right) <= p)}`;
    }
    case 'in':
      return `${wrap(e.operand, prec(e.operand) < PREC.CMP)} ${e.negated ? 'NOT IN' : 'IN'} (${e.list.map(toSql).join(', ')})`;
    case 'between':
      return `${wrap(e.operand, prec(e.operand) < PREC.CMP)} ${e.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${wrap(e.low, prec(e.low) <= PREC.CMP)} AND ${wrap(e.high, prec(e.high) <= PREC.CMP)}`;
    case 'like': {
      const kw = `${e.negated ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'}`;
      const esc = e.escape !== undefined ? ` ESCAPE ${quoteString(e.escape)}` : '';
      return `${wrap(e.operand, prec(e.operand) < PREC.LIKE)} ${kw} ${wrap(e.pattern, prec(e.pattern) <= PREC.LIKE)}${esc}`;
    }
    case 'cast':
      if (e.typed && e.operand.kind === 'literal' && e.operand.type === 'utf8') return `${e.to.name} ${quoteString(e.operand.value)}`;
      return `${e.safe ? 'TRY_CAST' : 'CAST'}(${toSql(e.operand)} AS ${typeText(e.to)})`;
    case 'call':
      if (e.bracket) return `[${e.args.map(toSql).join(', ')}]`;
      return `${BARE.test(e.name) ? e.name : quoteIdent(e.name)}(${e.args.map(toSql).join(', ')})`;
  }
}
