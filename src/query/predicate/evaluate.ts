// Vectorised evaluation of a bound predicate over apache-arrow 18 data (ESM or the CJS build that
// @lancedb/lancedb returns — everything is read structurally, never with `instanceof`).
//
// Semantics follow LanceDB 0.39 (DataFusion 50 + arrow-rs), checked against the library:
//  - SQL three-valued logic. Booleans are held as bytes: 0 = FALSE, 1 = TRUE, 2 = NULL.
//    NOT NULL = NULL; FALSE AND NULL = FALSE; TRUE OR NULL = TRUE; comparisons with NULL are NULL;
//    `x IN (.., NULL)` is NULL (not FALSE) when x matches nothing; WHERE keeps TRUE rows only.
//  - Floats compare in a total order with NaN = NaN and NaN greater than everything (+Infinity too),
//    and -0.0 = 0.0 (LanceDB normalises signed zeros).
//  - Integers of different widths compare exactly (also int64 beyond 2^53: bigint throughout).
//  - Integer + - * and unary minus wrap (two's complement); integer / and % by zero fail the query.
//  - Strings compare by UTF-8 bytes (= code points). LIKE: % any run, _ one character, backslash
//    escapes the next character (a trailing backslash is literal); ILIKE folds case (Unicode).
//  - A struct child is NULL where its struct is NULL.
//
// This file walks the bound tree (bound.ts) batch by batch and decides what gets evaluated on which
// rows; the kernels it calls work on runtime vectors (vectors.ts) read from Arrow (arrow-view.ts):
// compare.ts, arithmetic.ts, cast-vector.ts, in-list.ts, like.ts, functions.ts, logic.ts.

import type { Expr } from './ast.js';
import { arithV, negV } from './arithmetic.js';
import { isTable, loadColumn, type RecordBatchLike, type TableLike } from './arrow-view.js';
import { bindPredicate } from './bind.js';
import type { Bound, BoundPredicate, SchemaLike } from './bound.js';
import { castV } from './cast-vector.js';
import { compareV } from './compare.js';
import { callV, concatV } from './functions.js';
import { inV } from './in-list.js';
import { likeV } from './like.js';
import { and2, asBool, broadcastTo, isV, notV, or2 } from './logic.js';
import { parsePredicate } from './parser.js';
import { toSql } from './to-sql.js';
import { QueryError } from '../../errors.js';
import { constBig, constV, dictStrings, gather, isValid, N, stringsVector, T, type BoolV, type V } from './vectors.js';

/** DataFusion's PRE_SELECTION_THRESHOLD for AND. */
const PRE_SELECTION_THRESHOLD = 0.2;

class BatchEvaluator {
  private readonly cache = new Map<string, V>();
  constructor(
    private readonly batch: RecordBatchLike,
    private readonly fields: SchemaLike['fields'],
  ) {}

  column(path: string[]): V {
    const key = JSON.stringify(path);
    let v = this.cache.get(key);
    if (v) return v;
    v = loadColumn(this.batch, this.fields, path);
    this.cache.set(key, v);
    return v;
  }

  /**
   * AND / OR chains, evaluated as DataFusion evaluates its left-deep binary tree, so that operands it
   * never evaluates (or evaluates only on some rows) cannot fail the query here either:
   * with a left side free of NULLs, AND returns it when all FALSE, takes the right side when all
   * TRUE, and evaluates the right side only on the TRUE rows when at most 20% are TRUE; OR returns
   * the left side when all TRUE and takes the right side when all FALSE.
   */
  private logical(kind: 'and' | 'or', es: Bound[]): BoolV {
    let acc = asBool(this.eval(es[0]!), 1);
    for (let k = 1; k < es.length; k++) {
      const e = es[k]!;
      const n = acc.n;
      let trues = 0;
      let nulls = 0;
      for (let i = 0; i < n; i++) {
        const v = acc.v[i]!;
        if (v === T) trues++;
        else if (v === N) nulls++;
      }
      if (nulls === 0 && n > 0) {
        if (kind === 'and') {
          if (trues === 0) continue; // all FALSE: stays FALSE
          if (trues === n) {
            acc = broadcastTo(asBool(this.eval(e), 1), n);
            continue;
          }
          if (trues / n <= PRE_SELECTION_THRESHOLD && n > 1) {
            acc = this.preSelected(acc, trues, e);
            continue;
          }
        } else {
          if (trues === n) continue; // all TRUE: stays TRUE
          if (trues === 0) {
            acc = broadcastTo(asBool(this.eval(e), 1), n);
            continue;
          }
        }
      }
      const x = asBool(this.eval(e), 1);
      const len = Math.max(acc.n, x.n);
      acc = kind === 'and' ? and2(acc, x, len) : or2(acc, x, len);
    }
    return acc;
  }

  /** `acc AND e` with e evaluated only on the rows where acc is TRUE. */
  private preSelected(acc: BoolV, trues: number, e: Bound): BoolV {
    const idx = new Uint32Array(trues);
    let j = 0;
    for (let i = 0; i < acc.n; i++) if (acc.v[i] === T) idx[j++] = i;
    const sub = new SubsetEvaluator(this, idx);
    const r = asBool(sub.eval(e), 1);
    const out = new Uint8Array(acc.n); // FALSE where not selected
    for (let i = 0; i < trues; i++) out[idx[i]!] = r.v[r.n === 1 ? 0 : i]!;
    return { k: 'bool', n: acc.n, v: out };
  }

  eval(b: Bound): V {
    switch (b.k) {
      case 'col':
        return this.column(b.path);
      case 'const':
        return b.t.id === 'int' && !b.t.signed && b.t.bits === 64 ? constBig(b.t, b.v as bigint | null) : constV(b.t, b.v);
      case 'cast':
        return castV(this.eval(b.e), b.e.t, b.t, b.safe);
      case 'cmp':
        return compareV(b.op, this.eval(b.l), this.eval(b.r), b.l.t.id === 'null' ? b.r.t : b.l.t, isLiteral(b.l) || isLiteral(b.r));
      case 'arith':
        return arithV(b.op, this.eval(b.l), this.eval(b.r), b.t);
      case 'concat':
        return concatV(this.eval(b.l), this.eval(b.r));
      case 'neg':
        return negV(this.eval(b.e), b.t);
      case 'not':
        return notV(asBool(this.eval(b.e), 1));
      case 'and':
      case 'or':
        return this.logical(b.k, b.es);
      case 'is':
        return isV(this.eval(b.e), b.test);
      case 'in':
        return inV(
          this.eval(b.e),
          b.list.map((x) => this.eval(x)),
          b.negated,
          b.e.t.id === 'null' ? (b.list[0]?.t ?? b.e.t) : b.e.t,
          b.list.map(isLiteral),
        );
      case 'like':
        return likeV(this.eval(b.e), this.eval(b.p), b.ci, b.negated);
      case 'fn':
        return callV(b, b.args.map((x) => this.eval(x)));
    }
  }
}

/** A constant, possibly behind the casts coercion inserted. */
function isLiteral(b: Bound): boolean {
  return b.k === 'const' || (b.k === 'cast' && isLiteral(b.e));
}

/** Evaluates over a subset of another evaluator's rows (its columns gathered at `idx`). */
class SubsetEvaluator extends BatchEvaluator {
  private readonly gathered = new Map<string, V>();
  constructor(
    private readonly parent: BatchEvaluator,
    private readonly idx: Uint32Array,
  ) {
    super(undefined as unknown as RecordBatchLike, []);
  }

  override column(path: string[]): V {
    const key = JSON.stringify(path);
    let v = this.gathered.get(key);
    if (!v) {
      const x = this.parent.column(path);
      const idx = this.idx;
      if (x.k === 'str' && x.dict) {
        // a real dictionary stays one (arrow casts a dictionary's values whole, used or not)
        const keys = new Float64Array(idx.length);
        const valid = new Uint8Array(idx.length);
        for (let i = 0; i < idx.length; i++) {
          keys[i] = x.dict.keys[idx[i]!]!;
          valid[i] = isValid(x.valid, idx[i]!) ? 1 : 0;
        }
        v = dictStrings(idx.length, keys, x.dict.values, valid);
      } else if (x.k === 'str') {
        // plain strings: only the selected values, so nothing is computed for the other rows
        v = stringsVector(Array.from(idx, (i) => (isValid(x.valid, i) ? x.get(i) : null)));
      } else v = gather(x, idx, null);
      this.gathered.set(key, v);
    }
    return v;
  }
}

/** Parse (if a string) and bind (if not yet bound) against `schema`. */
export function preparePredicate(pred: string | Expr | BoundPredicate, schema: SchemaLike): BoundPredicate {
  if (typeof pred === 'string') return bindPredicate(parsePredicate(pred), schema, pred);
  if ('bound' in pred) return pred;
  return bindPredicate(pred, schema);
}

/**
 * Three-valued result per row: 0 = FALSE, 1 = TRUE, 2 = NULL. `data` is an apache-arrow Table or
 * RecordBatch (either build). A BoundPredicate must have been bound to the same schema.
 */
export function evaluateTriState(pred: string | Expr | BoundPredicate, data: TableLike | RecordBatchLike): Uint8Array {
  const bp = preparePredicate(pred, data.schema);
  const batches = isTable(data) ? data.batches : [data];
  const out = new Uint8Array(data.numRows);
  let at = 0;
  for (const batch of batches) {
    const n = batch.numRows;
    if (n === 0) continue;
    let r: BoolV;
    try {
      r = asBool(new BatchEvaluator(batch, data.schema.fields).eval(bp.bound), n);
    } catch (err) {
      throw namingPredicate(err, bp);
    }
    if (r.n === 1) out.fill(r.v[0]!, at, at + n);
    else out.set(r.v, at);
    at += n;
  }
  return out;
}

/**
 * A value that fails at run time (a bad cast, division by zero) names no position in the text, as
 * binding errors do: the error names the predicate instead (`where`), so a query with several
 * where() calls says which one.
 */
function namingPredicate(err: unknown, bp: BoundPredicate): unknown {
  if (!(err instanceof QueryError) || err.where !== undefined) return err;
  return new QueryError(err.detail, { ...err.fields, where: `where(${toSql(bp.expr)})` }, { cause: err });
}

/**
 * The WHERE mask: 1 for rows where the predicate is TRUE, 0 where it is FALSE or NULL.
 * Throws PredicateSyntaxError (string input) or QueryError (unknown column, type error, division by zero).
 */
export function evaluatePredicate(pred: string | Expr | BoundPredicate, data: TableLike | RecordBatchLike): Uint8Array {
  const tri = evaluateTriState(pred, data);
  for (let i = 0; i < tri.length; i++) if (tri[i] !== T) tri[i] = 0;
  return tri;
}

/** Indices of the rows a mask selects, in order. */
export function maskToIndices(mask: Uint8Array): Uint32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i] === 1 ? 1 : 0;
  const out = new Uint32Array(count);
  let j = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) out[j++] = i;
  return out;
}
