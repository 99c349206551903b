// What both binding passes (literal-coercion.ts, then bind.ts) share: the binding state, errors that
// point into the SQL text, and LanceDB's column-name resolution.

import { QueryError } from '../../errors.js';
import type { Expr, Literal } from './ast.js';
import type { Bound } from './bound.js';
import { castSupported, castValue } from './cast.js';
import { fromArrow, sameType, typeName, zoneConflict, type ArrowTypeLike, type DType, type Value } from './types.js';

export interface BindContext {
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

export function err(ctx: BindContext, node: Expr | undefined, message: string, extra: Record<string, unknown> = {}): QueryError {
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

// ------------------------------------------------------------------------------------------------
// Building bound nodes (shared by bind.ts and bind-calls.ts)

export function constant(t: DType, v: Value): Bound {
  return { k: 'const', t, v };
}

export function isNullConst(b: Bound): boolean {
  return b.k === 'const' && b.v === null;
}

/** Insert a conversion to `t` (folded for constants). */
export function castTo(ctx: BindContext, node: Expr | undefined, b: Bound, t: DType, safe = false): Bound {
  if (sameType(b.t, t)) return b;
  if (!castSupported(b.t, t)) throw err(ctx, node, `Cannot cast ${typeName(b.t)} to ${typeName(t)}`);
  const zones = zoneConflict(b.t, t);
  if (zones) throw err(ctx, node, `Cannot compare: ${zones}`);
  if (b.k === 'const') return constant(t, castValue(b.v, b.t, t, safe));
  return { k: 'cast', t, e: b, safe };
}

/** Give a NULL-typed operand the type it is compared at. */
export function retype(b: Bound, t: DType): Bound {
  if (b.t.id !== 'null') return b;
  return b.k === 'const' ? constant(t, null) : { k: 'cast', t, e: b, safe: true };
}
