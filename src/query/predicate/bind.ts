// Binding: resolve column names against a schema and type-check the predicate the way LanceDB 0.39
// does, producing a typed tree ({@link Bound}, bound.ts) that evaluate.ts runs. Two passes, mirroring LanceDB:
//
// 1. LanceDB's own literal resolution (literal-coercion.ts), applied only at the top of the predicate
//    and through AND/OR chains: a literal met by a column is converted to the column's type, or the
//    predicate is rejected (`n_genes = 1.5`, `collected_at > '2020-01-01'`).
// 2. DataFusion's type coercion for everything else (this file; `NOT (n_genes = 1.5)` compares as
//    Float64, exactly as LanceDB does). String-vs-number comparisons that DataFusion would only fail on
//    at run time (casting every string to a number) are rejected up front.

import type { CompareOp, Expr, TypeName } from './ast.js';
import { bindCall } from './bind-calls.js';
import { castTo, constant, err, isNullConst, resolveColumn, retype, type BindContext } from './bind-context.js';
import { collectColumns, type Bound, type BoundPredicate, type SchemaLike } from './bound.js';
import { castSupported, castValue } from './cast.js';
import { lanceResolve } from './literal-coercion.js';
import { inColumnUnit } from './temporal-compare.js';
import { toSql } from './to-sql.js';
import {
  BOOL,
  comparisonCoercion,
  INT64,
  isNumeric,
  numericCoercion,
  sameType,
  typeName,
  UTF8,
  zoneConflict,
  type DType,
} from './types.js';

// The binder's public surface; index-plan.ts and columns.ts import these from here.
export { resolveColumn, type ResolvedColumn } from './bind-context.js';
export { collectColumns, type Bound, type BoundPredicate, type SchemaLike } from './bound.js';

// ---------------------------------------------------------------------------------------------
// Pass 2: typing with DataFusion's coercion rules

function requireBool(ctx: BindContext, node: Expr, b: Bound, what: string): Bound {
  if (b.t.id === 'bool') return b;
  if (b.t.id === 'null') return b.k === 'const' ? constant(BOOL, null) : { ...b, t: BOOL };
  throw err(ctx, node, `${what} needs a boolean operand, got ${typeName(b.t)}: ${toSql(node)}`);
}

function typeFromName(ctx: BindContext, node: Expr, tn: TypeName): DType {
  const p = tn.params ?? [];
  const u = !!tn.unsigned;
  switch (tn.name) {
    case 'STRING':
      return UTF8;
    case 'FLOAT':
      return { id: 'float', bits: 32 };
    case 'DOUBLE':
      return { id: 'float', bits: 64 };
    case 'BOOLEAN':
      return BOOL;
    case 'TINYINT':
      return { id: 'int', bits: 8, signed: !u };
    case 'SMALLINT':
      return { id: 'int', bits: 16, signed: !u };
    case 'INT':
    case 'INTEGER':
      return { id: 'int', bits: 32, signed: !u };
    case 'BIGINT':
      return { id: 'int', bits: 64, signed: !u };
    case 'DATE':
      return { id: 'date', unit: 'day' };
    case 'TIMESTAMP':
    case 'DATETIME': {
      const prec = p[0];
      const unit = prec === undefined ? 'us' : prec === 0 ? 's' : prec === 3 ? 'ms' : prec === 6 ? 'us' : prec === 9 ? 'ns' : undefined;
      if (!unit) throw err(ctx, node, `Unsupported datetime resolution: ${prec}`);
      return { id: 'timestamp', unit, tz: null };
    }
    default:
      throw err(ctx, node, `Unsupported data type in CAST: ${tn.name}. Supported: STRING, FLOAT, DOUBLE, BOOLEAN, TINYINT, SMALLINT, INT, BIGINT [UNSIGNED], DATE, TIMESTAMP[(0|3|6|9)], DATETIME`);
  }
}

/**
 * DataFusion compares a string with a number as numbers. For a string constant it converts the
 * constant when planning (`NOT (n_genes = '5')` works, `NOT (n_genes = 'x')` fails); a string column
 * would be cast row by row and fail on the first non-numeric value — rejected here up front.
 */
function numericStringConstant(b: Bound, other: DType): Bound {
  if (b.t.id === 'utf8' && b.k === 'const' && isNumeric(other)) return constant(other, castValue(b.v, UTF8, other, false));
  return b;
}

function bindCompare(ctx: BindContext, node: Expr, op: CompareOp, l0: Bound, r0: Bound): Bound {
  const zones = zoneConflict(l0.t, r0.t);
  if (zones) throw err(ctx, node, `Cannot compare: ${zones}: ${toSql(node)}`);
  const l = numericStringConstant(inColumnUnit(r0, l0), r0.t);
  const r = numericStringConstant(inColumnUnit(l0, r0), l.t);
  const ct = comparisonCoercion(l.t, r.t);
  if (!ct) {
    const hint = (l.t.id === 'utf8' && isNumeric(r.t)) || (r.t.id === 'utf8' && isNumeric(l.t)) ? ' (compare strings with quoted literals, numbers with numeric literals)' : '';
    throw err(ctx, node, `Cannot compare ${typeName(l.t)} with ${typeName(r.t)}${hint}: ${toSql(node)}`);
  }
  // DataFusion's simplifier folds a comparison with NULL to NULL when planning: the other side is
  // never evaluated (so it cannot fail at run time either)
  if (ct.id === 'null' || isNullConst(l) || isNullConst(r)) return constant(BOOL, null);
  // integers of any width compare exactly with each other; everything else meets in the common type
  const bothInt = l.t.id === 'int' && r.t.id === 'int';
  const L = bothInt || l.t.id === 'null' ? l : castTo(ctx, node, l, ct);
  const R = bothInt || r.t.id === 'null' ? r : castTo(ctx, node, r, ct);
  return { k: 'cmp', t: BOOL, op, l: retype(L, ct), r: retype(R, ct) };
}

function bindArith(ctx: BindContext, node: Expr, op: '+' | '-' | '*' | '/' | '%', l: Bound, r: Bound): Bound {
  if (l.t.id === 'null' && r.t.id === 'null') return constant({ id: 'null' }, null);
  const lt = l.t.id === 'null' ? r.t : l.t;
  const rt = r.t.id === 'null' ? l.t : r.t;
  // date - date is the days between them (Int64), as in DataFusion; other date arithmetic needs
  // intervals, which LanceDB does not parse
  if (op === '-' && lt.id === 'date' && rt.id === 'date') {
    if (isNullConst(l) || isNullConst(r)) return constant(INT64, null);
    return { k: 'fn', t: INT64, name: 'date_diff', args: [retype(l, lt), retype(r, rt)] };
  }
  if (!isNumeric(lt) || !isNumeric(rt)) {
    throw err(ctx, node, `Arithmetic ${op} needs numbers, got ${typeName(l.t)} and ${typeName(r.t)}: ${toSql(node)}`);
  }
  const t = numericCoercion(lt, rt);
  if (!t) throw err(ctx, node, `Arithmetic between UInt64 and signed integers (Decimal128) is not supported: ${toSql(node)}`);
  if (isNullConst(l) || isNullConst(r)) return constant(t, null);
  return { k: 'arith', t, op, l: retype(castTo(ctx, node, l, t), t), r: retype(castTo(ctx, node, r, t), t) };
}

function bind(ctx: BindContext, e: Expr): Bound {
  switch (e.kind) {
    case 'column': {
      const ref = ctx.exactNames ? { ...e, quoted: e.quoted.map(() => true) } : e;
      const c = resolveColumn(ref, ctx.fields, ctx.sql);
      return { k: 'col', t: c.type, path: c.path, name: c.path.join('.') };
    }
    case 'literal': {
      const c = ctx.coerced.get(e);
      if (c) return constant(c.t, c.v);
      switch (e.type) {
        case 'null':
          return constant({ id: 'null' }, null);
        case 'bool':
          return constant(BOOL, e.value);
        case 'int64':
          return constant({ id: 'int', bits: 64, signed: true }, e.value);
        case 'uint64':
          return constant({ id: 'int', bits: 64, signed: false }, e.value);
        case 'float64':
          return constant({ id: 'float', bits: 64 }, e.value);
        case 'utf8':
          return constant(UTF8, e.value);
      }
    }
    // falls through (unreachable)
    case 'and':
    case 'or': {
      const es = e.operands.map((o) => requireBool(ctx, o, bind(ctx, o), e.kind.toUpperCase()));
      return { k: e.kind, t: BOOL, es };
    }
    case 'not':
      return { k: 'not', t: BOOL, e: requireBool(ctx, e.operand, bind(ctx, e.operand), 'NOT') };
    case 'negate': {
      const b = bind(ctx, e.operand);
      if (b.t.id === 'null') return b;
      if (!isNumeric(b.t)) throw err(ctx, e, `Unary minus needs a number, got ${typeName(b.t)}`);
      // DataFusion refuses at planning: "Negation only supports numeric, interval and timestamp types" (signed ones).
      if (b.t.id === 'int' && !b.t.signed) throw err(ctx, e, `Unary minus needs a signed number, got ${typeName(b.t)}`);
      return { k: 'neg', t: b.t, e: b };
    }
    case 'binary': {
      const l = bind(ctx, e.left);
      const r = bind(ctx, e.right);
      switch (e.op) {
        case '=':
        case '!=':
        case '<':
        case '<=':
        case '>':
        case '>=':
          return bindCompare(ctx, e, e.op, l, r);
        case '||': {
          const s = (b: Bound, n: Expr) => (b.t.id === 'utf8' ? b : b.t.id === 'null' ? retype(b, UTF8) : castTo(ctx, n, b, UTF8));
          const L = s(l, e.left);
          const R = s(r, e.right);
          if (isNullConst(L) || isNullConst(R)) return constant(UTF8, null);
          return { k: 'concat', t: UTF8, l: L, r: R };
        }
        default:
          return bindArith(ctx, e, e.op, l, r);
      }
    }
    case 'is': {
      const b = bind(ctx, e.operand);
      if (e.test === 'null' || e.test === 'not null') return { k: 'is', t: BOOL, test: e.test, e: b };
      return { k: 'is', t: BOOL, test: e.test, e: requireBool(ctx, e.operand, b, `IS ${e.test.toUpperCase()}`) };
    }
    case 'in': {
      const x = bind(ctx, e.operand);
      const items = e.list.map((i) => numericStringConstant(inColumnUnit(x, bind(ctx, i)), x.t));
      let ct: DType | undefined = x.t;
      for (const it of items) {
        ct = ct && comparisonCoercion(ct, it.t);
        if (!ct) throw err(ctx, e, `IN list values do not match ${typeName(x.t)}: ${toSql(e)}`);
      }
      if (ct!.id === 'null' || isNullConst(x)) return constant(BOOL, null);
      if (ct!.id === 'list') {
        // whole lists: IN is an OR of equalities (the same three-valued answer), NOT IN its negation
        const list = ct!;
        const eqs: Bound[] = items.map((it, i) => (isNullConst(it) ? constant(BOOL, null) : { k: 'cmp', t: BOOL, op: '=', l: castTo(ctx, e.operand, x, list), r: castTo(ctx, e.list[i], it, list) }));
        const any: Bound = { k: 'or', t: BOOL, es: eqs };
        return e.negated ? { k: 'not', t: BOOL, e: any } : any;
      }
      const bothInt = (b: Bound) => b.t.id === 'int' && ct!.id === 'int';
      const conv = (b: Bound, n: Expr) => retype(bothInt(b) || b.t.id === 'null' ? b : castTo(ctx, n, b, ct!), ct!);
      return { k: 'in', t: BOOL, negated: e.negated, e: conv(x, e.operand), list: items.map((b, i) => conv(b, e.list[i]!)) };
    }
    case 'between': {
      // DataFusion plans BETWEEN as `x >= low AND x <= high` over a common type
      const x = bind(ctx, e.operand);
      const lo = numericStringConstant(inColumnUnit(x, bind(ctx, e.low)), x.t);
      const hi = numericStringConstant(inColumnUnit(x, bind(ctx, e.high)), x.t);
      const t1 = comparisonCoercion(x.t, lo.t);
      const t2 = comparisonCoercion(x.t, hi.t);
      const ct = t1 && t2 && comparisonCoercion(t1, t2);
      if (!ct) throw err(ctx, e, `BETWEEN bounds do not match ${typeName(x.t)}: ${toSql(e)}`);
      const X = ct.id === 'null' ? x : x.t.id === 'int' && ct.id === 'int' ? x : castTo(ctx, e.operand, x, ct);
      const L = lo.t.id === 'int' && ct.id === 'int' ? lo : castTo(ctx, e.low, lo, ct);
      const H = hi.t.id === 'int' && ct.id === 'int' ? hi : castTo(ctx, e.high, hi, ct);
      const side = (op: '>=' | '<=', bound: Bound): Bound =>
        isNullConst(X) || isNullConst(bound) ? constant(BOOL, null) : { k: 'cmp', t: BOOL, op, l: retype(X, ct), r: retype(bound, ct) };
      const and: Bound = { k: 'and', t: BOOL, es: [side('>=', L), side('<=', H)] };
      return e.negated ? { k: 'not', t: BOOL, e: and } : and;
    }
    case 'like': {
      if (e.escape !== undefined && e.escape !== '' && e.escape !== '\\') {
        throw err(ctx, e, 'LIKE does not support escape_char other than the backslash (\\)');
      }
      const x = bind(ctx, e.operand);
      const p = bind(ctx, e.pattern);
      for (const [b, n] of [
        [x, e.operand],
        [p, e.pattern],
      ] as const) {
        if (b.t.id !== 'utf8' && b.t.id !== 'null') throw err(ctx, n, `${e.caseInsensitive ? 'ILIKE' : 'LIKE'} needs strings, got ${typeName(b.t)}: ${toSql(e)}`);
      }
      if (isNullConst(x) || isNullConst(p) || x.t.id === 'null' || p.t.id === 'null') return constant(BOOL, null);
      return { k: 'like', t: BOOL, negated: e.negated, ci: e.caseInsensitive, e: x, p };
    }
    case 'cast': {
      const x = bind(ctx, e.operand);
      const t = typeFromName(ctx, e, e.to);
      if (!castSupported(x.t, t)) throw err(ctx, e, `Unsupported cast from ${typeName(x.t)} to ${typeName(t)}`);
      const zones = zoneConflict(x.t, t);
      if (zones) throw err(ctx, e, `Unsupported cast: ${zones}`);
      if (x.k === 'const') return constant(t, castValue(x.v, x.t, t, e.safe));
      if (sameType(x.t, t)) return x;
      return { k: 'cast', t, e: x, safe: e.safe };
    }
    case 'call':
      return bindCall(ctx, e, bind);
  }
}

/**
 * Resolve and type-check `expr` against `schema` (an apache-arrow Schema or anything with
 * `fields: {name, type}[]`). Throws QueryError for unknown columns and for type errors LanceDB raises.
 */
export function bindPredicate(expr: Expr, schema: SchemaLike, sql?: string): BoundPredicate {
  const text = sql ?? safeToSql(expr);
  const ctx: BindContext = { sql: text, fields: schema.fields, coerced: new Map(), exactNames: false };
  lanceResolve(ctx, expr);
  const bound = bind(ctx, expr);
  if (bound.t.id !== 'bool') {
    throw err(ctx, expr, `The filter ${toSql(expr)} does not return a boolean (it is ${typeName(bound.t)})`);
  }
  const used = new Set<string>();
  collectColumns(bound, used);
  const columns = schema.fields.map((f) => f.name).filter((n) => used.has(n));
  return { bound, expr, columns };
}

function safeToSql(e: Expr): string {
  try {
    return toSql(e);
  } catch {
    return '';
  }
}
