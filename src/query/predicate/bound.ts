// The typed tree binding produces (bind.ts) and the evaluator runs (evaluate.ts): every column
// resolved to its schema path, every node carrying its DataFusion type, coercions made explicit casts.

import type { DatePart } from './date-functions.js';
import type { Granularity } from './date-trunc.js';
import type { CompareOp, Expr, IsTest } from './ast.js';
import type { ArrowTypeLike, DType, Value } from './types.js';

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
  | {
      k: 'fn';
      t: DType;
      name: string;
      args: Bound[];
      /** array_has: the type list items and the needle compare in. */
      cmp?: DType;
      /** regexp_like: the pattern translated to a JS RegExp (source, flags). */
      regex?: { source: string; flags: string };
      /** date_part: the field. */
      part?: DatePart;
      /** date_trunc: the step. */
      granularity?: Granularity;
    };

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
