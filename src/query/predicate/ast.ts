// The parsed form of a `where(sql)` predicate. Plain JSON-able objects (no classes, no functions) so
// an Expr can cross a worker boundary with postMessage, be cached, or be built by hand.
// `pos`/`end` are 0-based character offsets into the predicate text (absent on hand-built nodes).

export interface Span {
  pos?: number;
  end?: number;
}

/**
 * Column reference. `path[0]` is the top-level column, further parts are struct children
 * (`gene_expression.zarr_group` → ['gene_expression', 'zarr_group']). `quoted[i]` records whether a
 * part was written quoted: LanceDB matches an unquoted top-level name case-insensitively and a quoted
 * one exactly; struct children always match exactly.
 */
export interface ColumnRef extends Span {
  kind: 'column';
  path: string[];
  quoted: boolean[];
}

/**
 * Literal as LanceDB types it: an integer that fits i64 is int64, one that only fits u64 is uint64,
 * anything else numeric is float64. `raw` keeps the source text of numbers (for exact re-serialisation).
 */
export type Literal =
  | (Span & { kind: 'literal'; type: 'null'; value: null })
  | (Span & { kind: 'literal'; type: 'bool'; value: boolean })
  | (Span & { kind: 'literal'; type: 'int64' | 'uint64'; value: bigint; raw?: string })
  | (Span & { kind: 'literal'; type: 'float64'; value: number; raw?: string })
  | (Span & { kind: 'literal'; type: 'utf8'; value: string });

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '||';
export type BinaryOp = CompareOp | ArithOp;

export interface Binary extends Span {
  kind: 'binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
}

/** n-ary AND / OR (chains are flattened: `a AND b AND c` is one node with three operands). */
export interface Logical extends Span {
  kind: 'and' | 'or';
  operands: Expr[];
}

export interface Not extends Span {
  kind: 'not';
  operand: Expr;
}

/** Unary minus applied to something other than a bare number (`-(2)`, `-n_genes`). */
export interface Negate extends Span {
  kind: 'negate';
  operand: Expr;
}

export type IsTest = 'null' | 'not null' | 'true' | 'not true' | 'false' | 'not false';

export interface Is extends Span {
  kind: 'is';
  test: IsTest;
  operand: Expr;
}

export interface InList extends Span {
  kind: 'in';
  negated: boolean;
  operand: Expr;
  list: Expr[];
}

export interface Between extends Span {
  kind: 'between';
  negated: boolean;
  operand: Expr;
  low: Expr;
  high: Expr;
}

export interface Like extends Span {
  kind: 'like';
  negated: boolean;
  /** ILIKE */
  caseInsensitive: boolean;
  operand: Expr;
  pattern: Expr;
  /** ESCAPE '<char>' when written; LanceDB only accepts backslash (also the default). */
  escape?: string;
}

/** A SQL type name as written in CAST(... AS type) or a typed string (`TIMESTAMP '...'`). */
export interface TypeName {
  /** Upper-cased words, e.g. 'BIGINT', 'DOUBLE', 'STRING', 'TIMESTAMP'. */
  name: string;
  unsigned?: boolean;
  params?: number[];
}

export interface Cast extends Span {
  kind: 'cast';
  operand: Expr;
  to: TypeName;
  /** TRY_CAST: NULL instead of an error when a value does not convert. */
  safe: boolean;
  /** Written as a typed string literal: TIMESTAMP '2020-01-01'. */
  typed?: boolean;
}

export interface Call extends Span {
  kind: 'call';
  /** Function name as written. */
  name: string;
  args: Expr[];
  /**
   * `[a, b]` rather than `make_array(a, b)`: the same call to DataFusion, but LanceDB converts a
   * bracket list of literals compared with a list column to the column's item type first.
   */
  bracket?: true;
}

export type Expr = ColumnRef | Literal | Binary | Logical | Not | Negate | Is | InList | Between | Like | Cast | Call;

/** Direct children of a node, in source order. */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'column':
    case 'literal':
      return [];
    case 'binary':
      return [e.left, e.right];
    case 'and':
    case 'or':
      return e.operands;
    case 'not':
    case 'negate':
    case 'is':
    case 'cast':
      return [e.operand];
    case 'in':
      return [e.operand, ...e.list];
    case 'between':
      return [e.operand, e.low, e.high];
    case 'like':
      return [e.operand, e.pattern];
    case 'call':
      return e.args;
  }
}

/** Depth-first pre-order visit. */
export function walk(e: Expr, visit: (node: Expr) => void): void {
  const stack: Expr[] = [e];
  while (stack.length) {
    const node = stack.pop()!;
    visit(node);
    const cs = children(node);
    for (let i = cs.length - 1; i >= 0; i--) stack.push(cs[i]!);
  }
}

/** A copy of the tree without source positions (for structural comparison). */
export function stripPositions<T extends Expr>(e: T): T {
  return JSON.parse(
    JSON.stringify(e, (k, v) => (k === 'pos' || k === 'end' || k === 'raw' ? undefined : typeof v === 'bigint' ? `${v}n` : v)),
  ) as T;
}

// Small constructors for building predicates programmatically.
export const col = (...path: string[]): ColumnRef => ({ kind: 'column', path, quoted: path.map(() => false) });
export const lit = (value: null | boolean | number | bigint | string): Literal => {
  if (value === null) return { kind: 'literal', type: 'null', value: null };
  if (typeof value === 'boolean') return { kind: 'literal', type: 'bool', value };
  if (typeof value === 'string') return { kind: 'literal', type: 'utf8', value };
  if (typeof value === 'bigint') {
    return { kind: 'literal', type: value <= 0x7fffffffffffffffn ? 'int64' : 'uint64', value };
  }
  if (Number.isInteger(value) && !Object.is(value, -0) && Math.abs(value) <= Number.MAX_SAFE_INTEGER) {
    return { kind: 'literal', type: 'int64', value: BigInt(value) };
  }
  return { kind: 'literal', type: 'float64', value };
};
