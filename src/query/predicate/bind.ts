// Binding: resolve column names against a schema and type-check the predicate the way LanceDB 0.39
// does, producing a typed tree ({@link Bound}) that evaluate.ts runs. Two passes, mirroring LanceDB:
//
// 1. LanceDB's own literal resolution (lance-datafusion `resolve_expr`), applied only at the top of the
//    predicate and through AND/OR chains (not under NOT, IS, functions, ...):
//      col <op> literal, literal <op> col       literal converted to the column's type
//      col <op> (lit <op> lit ...)               every literal of the right-hand arithmetic converted
//      col BETWEEN a AND b                        bounds converted
//      col IN (...)   (top-level column only)     items converted
//    A literal that does not convert is an error (`n_genes = 1.5`, `cell_type = 5`, `batch = 3000000000`,
//    `collected_at > '2020-01-01'`): LanceDB rejects these, so do we (QueryError).
// 2. DataFusion's type coercion for everything else (`NOT (n_genes = 1.5)` compares as Float64, exactly
//    as LanceDB does). String-vs-number comparisons that DataFusion would only fail on at run time
//    (casting every string to a number) are rejected up front.

import { QueryError } from '../../errors.js';
import type { CompareOp, Expr, IsTest, Literal, TypeName } from './ast.js';
import { castSupported, castValue } from './cast.js';
import { toSql } from './to-sql.js';
import {
  BOOL,
  comparisonCoercion,
  fromArrow,
  INT32,
  isNumeric,
  numericCoercion,
  safeCoerce,
  sameType,
  typeName,
  UTF8,
  type ArrowTypeLike,
  type DType,
  type Value,
} from './types.js';

export type Bound =
  | { k: 'col'; t: DType; path: string[]; name: string }
  | { k: 'const'; t: DType; v: Value }
  | { k: 'cast'; t: DType; e: Bound; safe: boolean }
  | { k: 'cmp'; t: DType; op: CompareOp; l: Bound; r: Bound }
  | { k: 'arith'; t: DType; op: '+' | '-' | '*' | '/' | '%'; l: Bound; r: Bound }
  | { k: 'concat'; t: DType; l: Bound; r: Bound }
  | { k: 'neg'; t: DType; e: Bound }
  | { k: 'not'; t: DType; e: Bound }
  | { k: 'and' | 'or'; t: DType; es: Bound[] }
  | { k: 'is'; t: DType; test: IsTest; e: Bound }
  | { k: 'in'; t: DType; negated: boolean; e: Bound; list: Bound[] }
  | { k: 'like'; t: DType; negated: boolean; ci: boolean; e: Bound; p: Bound }
  | { k: 'fn'; t: DType; name: string; args: Bound[] };

/** Structural view of an Arrow Schema (ESM or CJS apache-arrow). */
export interface SchemaLike {
  fields: readonly { name: string; type: ArrowTypeLike }[];
}

export interface BoundPredicate {
  readonly bound: Bound;
  readonly expr: Expr;
  /** Top-level columns read (actual schema names, in schema order). */
  readonly columns: string[];
}

interface Ctx {
  sql: string;
  fields: readonly { name: string; type: ArrowTypeLike }[];
  /** Literals converted by LanceDB's resolution pass, with their new type and value. */
  coerced: Map<Literal, { t: DType; v: Value }>;
  /**
   * Inside function arguments: LanceDB hands calls to DataFusion's SQL planner, which matches column
   * names case-sensitively (unquoted names included).
   */
  exactNames: boolean;
}

function err(ctx: Ctx, node: Expr | undefined, message: string, extra: Record<string, unknown> = {}): QueryError {
  return new QueryError(message, { predicate: ctx.sql, ...(node?.pos !== undefined ? { position: node.pos } : {}), ...extra });
}

export interface ResolvedColumn {
  /** Actual names along the path (top-level column first). */
  path: string[];
  type: DType;
}

/**
 * Resolve a column reference as LanceDB does: an unquoted top-level name matches exactly, else
 * case-insensitively; a quoted one matches exactly; struct children match exactly.
 */
export function resolveColumn(
  ref: { path: string[]; quoted: boolean[]; pos?: number },
  fields: readonly { name: string; type: ArrowTypeLike }[],
  sql = '',
): ResolvedColumn {
  const want = ref.path[0]!;
  let field = fields.find((f) => f.name === want);
  if (!field && !ref.quoted[0]) {
    const lower = want.toLowerCase();
    field = fields.find((f) => f.name.toLowerCase() === lower);
  }
  const position = ref.pos !== undefined ? { position: ref.pos } : {};
  if (!field) {
    const available = fields.map((f) => f.name);
    throw new QueryError(`No column named ${JSON.stringify(want)}. Available columns: ${available.map((n) => JSON.stringify(n)).join(', ')}`, {
      predicate: sql,
      column: want,
      available,
      ...position,
    });
  }
  const path = [field.name];
  let type = fromArrow(field.type);
  for (let i = 1; i < ref.path.length; i++) {
    const name = ref.path[i]!;
    if (type.id !== 'struct') {
      throw new QueryError(`Column ${path.join('.')} is ${typeName(type)}, not a struct: it has no field ${JSON.stringify(name)}`, {
        predicate: sql,
        column: [...path, name].join('.'),
        ...position,
      });
    }
    const child = type.fields.find((f) => f.name === name);
    if (!child) {
      const available = type.fields.map((f) => f.name);
      throw new QueryError(
        `Struct column ${path.join('.')} has no field ${JSON.stringify(name)}. Available fields: ${available.map((n) => JSON.stringify(n)).join(', ')}`,
        { predicate: sql, column: [...path, name].join('.'), available, ...position },
      );
    }
    path.push(name);
    type = child.type;
  }
  return { path, type };
}

// ---------------------------------------------------------------------------------------------
// Pass 1: LanceDB's literal resolution

function columnType(ctx: Ctx, e: Expr): DType | undefined {
  if (e.kind !== 'column') return undefined;
  return resolveColumn(e, ctx.fields, ctx.sql).type;
}

function literalName(l: Literal): string {
  switch (l.type) {
    case 'null':
      return 'NULL';
    case 'bool':
      return `Boolean(${l.value})`;
    case 'int64':
      return `Int64(${l.value})`;
    case 'uint64':
      return `UInt64(${l.value})`;
    case 'float64':
      return `Float64(${l.value})`;
    case 'utf8':
      return `Utf8(${JSON.stringify(l.value)})`;
  }
}

function coerceLiteral(ctx: Ctx, l: Literal, t: DType): void {
  const r = safeCoerce(l.type, l.value, t);
  if (!r) {
    throw err(ctx, l, `Received literal ${literalName(l)} and could not convert to literal of type '${typeName(t)}'`, { literal: l.value });
  }
  ctx.coerced.set(l, { t: l.type === 'null' ? t : t, v: r.value });
}

/** lance `coerce_expr`: literals (also inside arithmetic/boolean binary trees) take the column type. */
function coerceExpr(ctx: Ctx, e: Expr, t: DType): void {
  if (e.kind === 'literal') coerceLiteral(ctx, e, t);
  else if (e.kind === 'binary') {
    coerceExpr(ctx, e.left, t);
    coerceExpr(ctx, e.right, t);
  } else if (e.kind === 'and' || e.kind === 'or') for (const o of e.operands) coerceExpr(ctx, o, t);
}

function lanceResolve(ctx: Ctx, e: Expr): void {
  switch (e.kind) {
    case 'and':
    case 'or':
      for (const o of e.operands) lanceResolve(ctx, o);
      return;
    case 'between': {
      const t = columnType(ctx, e.operand);
      if (t) {
        coerceExpr(ctx, e.low, t);
        coerceExpr(ctx, e.high, t);
      }
      return;
    }
    case 'binary': {
      const lt = columnType(ctx, e.left);
      if (lt) {
        const r = e.right;
        if (r.kind === 'literal') coerceLiteral(ctx, r, lt);
        else if (r.kind === 'binary') {
          coerceExpr(ctx, r.left, lt);
          coerceExpr(ctx, r.right, lt);
        } else if (r.kind === 'and' || r.kind === 'or') for (const o of r.operands) coerceExpr(ctx, o, lt);
        return;
      }
      const rt = columnType(ctx, e.right);
      if (rt && e.left.kind === 'literal') coerceLiteral(ctx, e.left, rt);
      return;
    }
    case 'in': {
      if (e.operand.kind === 'column' && e.operand.path.length === 1) {
        const t = columnType(ctx, e.operand)!;
        for (const item of e.list) coerceExpr(ctx, item, t);
      }
      return;
    }
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Pass 2: typing with DataFusion's coercion rules

function constant(t: DType, v: Value): Bound {
  return { k: 'const', t, v };
}

/** Insert a conversion to `t` (folded for constants). */
function castTo(ctx: Ctx, node: Expr, b: Bound, t: DType, safe = false): Bound {
  if (sameType(b.t, t)) return b;
  if (!castSupported(b.t, t)) throw err(ctx, node, `Cannot cast ${typeName(b.t)} to ${typeName(t)}`);
  if (b.k === 'const') return constant(t, castValue(b.v, b.t, t, safe));
  return { k: 'cast', t, e: b, safe };
}

function requireBool(ctx: Ctx, node: Expr, b: Bound, what: string): Bound {
  if (b.t.id === 'bool') return b;
  if (b.t.id === 'null') return b.k === 'const' ? constant(BOOL, null) : { ...b, t: BOOL };
  throw err(ctx, node, `${what} needs a boolean operand, got ${typeName(b.t)}: ${toSql(node)}`);
}

function typeFromName(ctx: Ctx, node: Expr, tn: TypeName): DType {
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
function numericStringConstant(ctx: Ctx, node: Expr, b: Bound, other: DType): Bound {
  if (b.t.id === 'utf8' && b.k === 'const' && isNumeric(other)) return constant(other, castValue(b.v, UTF8, other, false));
  return b;
}

function bindCompare(ctx: Ctx, node: Expr, op: CompareOp, l0: Bound, r0: Bound): Bound {
  const l = numericStringConstant(ctx, node, l0, r0.t);
  const r = numericStringConstant(ctx, node, r0, l.t);
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

function isNullConst(b: Bound): boolean {
  return b.k === 'const' && b.v === null;
}

/** Give a NULL-typed operand the type it is compared at. */
function retype(b: Bound, t: DType): Bound {
  if (b.t.id !== 'null') return b;
  return b.k === 'const' ? constant(t, null) : { k: 'cast', t, e: b, safe: true };
}

function bindArith(ctx: Ctx, node: Expr, op: '+' | '-' | '*' | '/' | '%', l: Bound, r: Bound): Bound {
  if (l.t.id === 'null' && r.t.id === 'null') return constant({ id: 'null' }, null);
  const lt = l.t.id === 'null' ? r.t : l.t;
  const rt = r.t.id === 'null' ? l.t : r.t;
  if (!isNumeric(lt) || !isNumeric(rt)) {
    throw err(ctx, node, `Arithmetic ${op} needs numbers, got ${typeName(l.t)} and ${typeName(r.t)}: ${toSql(node)}`);
  }
  const t = numericCoercion(lt, rt);
  if (!t) throw err(ctx, node, `Arithmetic between UInt64 and signed integers (Decimal128) is not supported: ${toSql(node)}`);
  if (isNullConst(l) || isNullConst(r)) return constant(t, null);
  return { k: 'arith', t, op, l: retype(castTo(ctx, node, l, t), t), r: retype(castTo(ctx, node, r, t), t) };
}

const FUNCTIONS = new Set(['lower', 'upper', 'is_valid', 'abs', 'length', 'char_length', 'character_length', 'octet_length', 'starts_with', 'ends_with']);

function bindCall(ctx: Ctx, e: Extract<Expr, { kind: 'call' }>): Bound {
  const name = e.name.toLowerCase();
  if (!FUNCTIONS.has(name)) {
    throw err(ctx, e, `Unknown or unsupported function ${e.name}(). Supported: ${[...FUNCTIONS].join(', ')}`, { function: e.name });
  }
  const arity = name === 'starts_with' || name === 'ends_with' ? 2 : 1;
  if (e.args.length !== arity) throw err(ctx, e, `${e.name}() takes ${arity} argument${arity > 1 ? 's' : ''}, got ${e.args.length}`);
  const outer = ctx.exactNames;
  ctx.exactNames = true;
  let args: Bound[];
  try {
    args = e.args.map((a) => bind(ctx, a));
  } finally {
    ctx.exactNames = outer;
  }
  const str = (i: number): Bound => {
    const a = args[i]!;
    if (a.t.id === 'utf8') return a;
    if (a.t.id === 'null') return retype(a, UTF8);
    throw err(ctx, e.args[i], `${e.name}() needs a string argument, got ${typeName(a.t)}`);
  };
  switch (name) {
    case 'is_valid':
      return { k: 'is', t: BOOL, test: 'not null', e: args[0]! };
    case 'lower':
    case 'upper':
      return { k: 'fn', t: UTF8, name, args: [str(0)] };
    case 'length':
    case 'char_length':
    case 'character_length':
      return { k: 'fn', t: INT32, name: 'char_length', args: [str(0)] };
    case 'octet_length':
      return { k: 'fn', t: INT32, name, args: [str(0)] };
    case 'starts_with':
    case 'ends_with':
      return { k: 'fn', t: BOOL, name, args: [str(0), str(1)] };
    case 'abs': {
      const a = args[0]!;
      if (a.t.id === 'null') return a;
      if (!isNumeric(a.t)) throw err(ctx, e.args[0], `abs() needs a number, got ${typeName(a.t)}`);
      return { k: 'fn', t: a.t, name, args: [a] };
    }
  }
  /* istanbul ignore next */
  throw err(ctx, e, `Unsupported function ${e.name}`);
}

function bind(ctx: Ctx, e: Expr): Bound {
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
      const items = e.list.map((i) => numericStringConstant(ctx, i, bind(ctx, i), x.t));
      let ct: DType | undefined = x.t;
      for (const it of items) {
        ct = ct && comparisonCoercion(ct, it.t);
        if (!ct) throw err(ctx, e, `IN list values do not match ${typeName(x.t)}: ${toSql(e)}`);
      }
      if (ct!.id === 'null' || isNullConst(x)) return constant(BOOL, null);
      const bothInt = (b: Bound) => b.t.id === 'int' && ct!.id === 'int';
      const conv = (b: Bound, n: Expr) => retype(bothInt(b) || b.t.id === 'null' ? b : castTo(ctx, n, b, ct!), ct!);
      return { k: 'in', t: BOOL, negated: e.negated, e: conv(x, e.operand), list: items.map((b, i) => conv(b, e.list[i]!)) };
    }
    case 'between': {
      // DataFusion plans BETWEEN as `x >= low AND x <= high` over a common type
      const x = bind(ctx, e.operand);
      const lo = numericStringConstant(ctx, e.low, bind(ctx, e.low), x.t);
      const hi = numericStringConstant(ctx, e.high, bind(ctx, e.high), x.t);
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
      if (x.k === 'const') return constant(t, castValue(x.v, x.t, t, e.safe));
      if (sameType(x.t, t)) return x;
      return { k: 'cast', t, e: x, safe: e.safe };
    }
    case 'call':
      return bindCall(ctx, e);
  }
}

/**
 * Resolve and type-check `expr` against `schema` (an apache-arrow Schema or anything with
 * `fields: {name, type}[]`). Throws QueryError for unknown columns and for type errors LanceDB raises.
 */
export function bindPredicate(expr: Expr, schema: SchemaLike, sql?: string): BoundPredicate {
  const text = sql ?? safeToSql(expr);
  const ctx: Ctx = { sql: text, fields: schema.fields, coerced: new Map(), exactNames: false };
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

export function collectColumns(b: Bound, out: Set<string>): void {
  switch (b.k) {
    case 'col':
      out.add(b.path[0]!);
      return;
    case 'const':
      return;
    case 'cast':
    case 'neg':
    case 'not':
    case 'is':
      collectColumns(b.e, out);
      return;
    case 'cmp':
    case 'arith':
    case 'concat':
      collectColumns(b.l, out);
      collectColumns(b.r, out);
      return;
    case 'and':
    case 'or':
      for (const x of b.es) collectColumns(x, out);
      return;
    case 'in':
      collectColumns(b.e, out);
      for (const x of b.list) collectColumns(x, out);
      return;
    case 'like':
      collectColumns(b.e, out);
      collectColumns(b.p, out);
      return;
    case 'fn':
      for (const x of b.args) collectColumns(x, out);
      return;
  }
}
