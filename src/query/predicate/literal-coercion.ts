// Binding pass 1: LanceDB's own literal resolution (lance-datafusion `resolve_expr`). It runs before
// DataFusion's type coercion and only at the top of the predicate and through AND/OR chains (not
// under NOT, IS, functions, ...):
//   col <op> literal, literal <op> col       literal converted to the column's type
//   col <op> (lit <op> lit ...)               every literal of the right-hand arithmetic converted
//   col BETWEEN a AND b                        bounds converted
//   col IN (...)   (top-level column only)     items converted
// A literal that does not convert is an error (`n_genes = 1.5`, `cell_type = 5`, `batch = 3000000000`,
// `collected_at > '2020-01-01'`): LanceDB rejects these, so do we (QueryError). The converted literals
// land in `ctx.coerced`, where pass 2 (bind.ts) picks them up.

import type { Expr, Literal } from './ast.js';
import { err, resolveColumn, type BindContext } from './bind-context.js';
import { castValue } from './cast.js';
import { BOOL, FLOAT64, INT64, isNumeric, safeCoerce, typeName, UINT64, UTF8, type DType } from './types.js';

/** The column `e` names, with its type (undefined when `e` is not a column). */
function columnType(ctx: BindContext, e: Expr): { t: DType; name: string } | undefined {
  if (e.kind !== 'column') return undefined;
  const c = resolveColumn(e, ctx.fields, ctx.sql);
  return { t: c.type, name: c.path.join('.') };
}

/** What to write instead, for the usual mix-ups: a number for a string column, a word for a number column. */
function hint(l: Literal, column: { t: DType; name: string }): string {
  const { t, name } = column;
  if (t.id === 'utf8' && (l.type === 'int64' || l.type === 'uint64' || l.type === 'float64')) return ` (column "${name}" holds strings: quote the value, '${l.value}')`;
  if (isNumeric(t) && l.type === 'utf8') return ` (column "${name}" holds numbers: write a number, without quotes)`;
  return ` (column "${name}" is ${typeName(t)})`;
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

function coerceLiteral(ctx: BindContext, l: Literal, column: { t: DType; name: string }): void {
  const r = safeCoerce(l.type, l.value, column.t);
  if (!r) {
    // LanceDB's own words, then which column and what to write
    throw err(ctx, l, `Received literal ${literalName(l)} and could not convert to literal of type '${typeName(column.t)}'${hint(l, column)}`, { literal: l.value, column: column.name });
  }
  ctx.coerced.set(l, { t: column.t, v: r.value });
}

/** The type LanceDB gives a literal before converting it, in its own words. */
const LITERAL_TYPE: Record<Literal['type'], DType> = { null: { id: 'null' }, bool: BOOL, int64: INT64, uint64: UINT64, float64: FLOAT64, utf8: UTF8 };

/**
 * A bracket list of literals compared with a list column (`tags = ['a', 'b']`): LanceDB builds it as
 * one list value of the column's type, so its items must share one literal type, and each is cast to
 * the column's item type with arrow's safe cast: 1.7 becomes 1, and a value that does not convert
 * (3000000000 or 'x' for Int32 items) becomes NULL. An empty list fails in LanceDB.
 */
function coerceListLiteral(ctx: BindContext, e: Extract<Expr, { kind: 'call' }>, column: { t: DType; name: string }): void {
  if (column.t.id !== 'list' || !e.args.every((a) => a.kind === 'literal')) return;
  const item = column.t.item;
  const items = e.args as Literal[];
  if (items.length === 0) throw err(ctx, e, `an empty list [] cannot be compared with the list column "${column.name}" in LanceDB (concat requires input of at least one array)`, { column: column.name });
  const first = typeName(LITERAL_TYPE[items[0]!.type]);
  for (const l of items) {
    const t = typeName(LITERAL_TYPE[l.type]);
    if (t === first) continue;
    if (t === 'Null' || first === 'Null') throw err(ctx, l, `It is not possible to concatenate arrays of different data types (${first === 'Null' ? t : first}, Null): a list literal compared with the list column "${column.name}" needs one type of item`, { column: column.name });
    throw err(ctx, l, `Array expressions must have a consistent datatype. Expected: ${first}, got: ${t} (a list literal compared with the list column "${column.name}")`, { column: column.name });
  }
  if (item.id === 'list' || item.id === 'struct' || item.id === 'other') return;
  for (const l of items) ctx.coerced.set(l, { t: item, v: castValue(l.value, LITERAL_TYPE[l.type], item, true) });
}

/** lance `coerce_expr`: literals (also inside arithmetic/boolean binary trees) take the column type. */
function coerceExpr(ctx: BindContext, e: Expr, column: { t: DType; name: string }): void {
  if (e.kind === 'literal') coerceLiteral(ctx, e, column);
  else if (e.kind === 'call' && e.bracket) coerceListLiteral(ctx, e, column);
  else if (e.kind === 'binary') {
    coerceExpr(ctx, e.left, column);
    coerceExpr(ctx, e.right, column);
  } else if (e.kind === 'and' || e.kind === 'or') for (const o of e.operands) coerceExpr(ctx, o, column);
}

/** Records in `ctx.coerced` every literal LanceDB converts to a column's type; throws where it cannot. */
export function lanceResolve(ctx: BindContext, e: Expr): void {
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
        coerceExpr(ctx, e.right, lt);
        return;
      }
      const rt = columnType(ctx, e.right);
      if (rt && e.left.kind === 'literal') coerceLiteral(ctx, e.left, rt);
      else if (rt && e.left.kind === 'call' && e.left.bracket) coerceListLiteral(ctx, e.left, rt);
      return;
    }
    case 'in': {
      if (e.operand.kind === 'column' && e.operand.path.length === 1) {
        const column = columnType(ctx, e.operand)!;
        for (const item of e.list) coerceExpr(ctx, item, column);
      }
      return;
    }
    default:
      return;
  }
}
