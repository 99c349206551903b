// Which parts of a predicate a Lance scalar index (BTREE, BITMAP) can answer, as a plan of index
// lookups combined with AND/OR, plus the residual predicate that must still be evaluated.
//
// ## Contract with the Lance reader
//
//   const plan = planIndexLookups(expr, hasIndex, schema);
//   if (!plan.index) → scan every fragment, evaluate plan.predicate.
//   else:
//     results[i] = await table.indexLookup(plan.lookups[i].column, plan.lookups[i].query)
//                  // → { rows: BigUint64Array /* row addresses: fragment << 32 | offset */, coveredFragments }
//     const { rows, coveredFragments } = combineIndexResults(plan, results);
//     for each fragment, in table order:
//       in coveredFragments → read only `rows` of that fragment; keep those where plan.residual is TRUE
//                             (all of them when plan.residual is null)
//       not covered         → scan the whole fragment and evaluate plan.predicate (the full predicate):
//                             an index that does not cover a fragment (appended after the index was
//                             built) says nothing about it.
//   Rows come out in table order (row addresses ascending within a fragment).
//
// A lookup must return exactly the rows where its condition is TRUE under LanceDB's semantics:
//   eq / in  — rows whose value equals one of `values` (NULLs never match; `in` may be empty)
//   range    — rows with lower < v (or <=) and v < upper (or <=); a missing bound is unbounded
//   float columns order as LanceDB compares: -NaN < -Infinity < ... < -0 = 0 < ... < +Infinity < +NaN
//   values are already converted to the column's type (bigint for 64-bit integers, Math.fround for
//   Float32), exactly as LanceDB converts the literals before it consults its own indices.
//
// Why the combination is sound: under WHERE, AND is TRUE iff every operand is TRUE and OR iff some
// operand is TRUE, so TRUE-row sets compose by intersection/union even with NULLs. Leaves under NOT
// (or NOT IN, !=, NOT BETWEEN, IS ...) are never planned: their TRUE rows are not a lookup result.

import type { Expr } from './ast.js';
import { bindPredicate, resolveColumn, type SchemaLike } from './bind.js';
import { castSupported, castValue } from './cast.js';
import { safeCoerce, UTF8, type DType } from './types.js';

export type IndexKind = 'btree' | 'bitmap';
export type IndexValue = number | bigint | string | boolean;

export type IndexQuery =
  | { op: 'eq'; values: [IndexValue] }
  | { op: 'in'; values: IndexValue[] }
  | { op: 'range'; lower?: { value: IndexValue; inclusive: boolean }; upper?: { value: IndexValue; inclusive: boolean } };

export interface IndexLookup {
  /** Position in `IndexPlan.lookups`, referenced by plan nodes and by `combineIndexResults`. */
  id: number;
  /** Column name (struct children dotted: `gene_expression.zarr_group`), actual schema spelling when a schema was given. */
  column: string;
  index: IndexKind;
  query: IndexQuery;
}

export type IndexPlanNode = { kind: 'lookup'; lookup: number } | { kind: 'and' | 'or'; children: IndexPlanNode[] };

export interface IndexPlan {
  /** Lookups to run (each once), referenced by id from `index`. */
  lookups: IndexLookup[];
  /** How lookup results combine into candidate rows; null = no index helps, scan with `predicate`. */
  index: IndexPlanNode | null;
  /** Predicate still to apply to candidate rows; null = candidates are exactly the matching rows. */
  residual: Expr | null;
  /** The whole predicate, for fragments the indices do not cover. */
  predicate: Expr;
}

export interface IndexLookupResult {
  /** Row addresses (fragment id << 32 | row offset) where the lookup's condition is TRUE. */
  rows: BigUint64Array;
  /** Fragments the index covers; rows of other fragments are unknown. */
  coveredFragments: Set<number>;
}

interface Sub {
  node: IndexPlanNode | null;
  exact: boolean;
  residual: Expr | null;
}

const FLIP = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' } as const;

function andOf(parts: Expr[]): Expr | null {
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0]!;
  return { kind: 'and', operands: parts.flatMap((p) => (p.kind === 'and' ? p.operands : [p])) };
}

/**
 * Plan scalar-index lookups for `expr`. `hasIndex(column)` says which index (if any) exists on a
 * column (dotted path for struct children). BTREE answers eq / in / range; BITMAP answers eq / in.
 * With `schema`, the predicate is validated (QueryError as LanceDB would raise), names are resolved
 * and literal values converted to the column types; without it, names and literals are as written
 * (integer literals as bigint).
 */
export function planIndexLookups(
  expr: Expr,
  hasIndex: (column: string) => IndexKind | undefined,
  schema?: SchemaLike,
): IndexPlan {
  if (schema) bindPredicate(expr, schema);
  const lookups: IndexLookup[] = [];

  const column = (e: Expr): { name: string; type: DType | undefined; kind: IndexKind } | undefined => {
    if (e.kind !== 'column') return undefined;
    let name = e.path.join('.');
    let type: DType | undefined;
    if (schema) {
      const r = resolveColumn(e, schema.fields);
      name = r.path.join('.');
      type = r.type;
    }
    const kind = hasIndex(name);
    return kind ? { name, type, kind } : undefined;
  };
  const value = (e: Expr, type: DType | undefined): IndexValue | null | undefined => {
    if (e.kind === 'cast' && e.typed && type) return rawTemporal(typedString(e, type), type);
    if (e.kind !== 'literal') return undefined;
    if (e.type === 'null') return null;
    if (!type) return e.value;
    const r = safeCoerce(e.type, e.value, type);
    return r ? rawTemporal(r.value as IndexValue | null, type) : undefined;
  };
  const leaf = (c: { name: string; kind: IndexKind }, query: IndexQuery): Sub => {
    const id = lookups.length;
    lookups.push({ id, column: c.name, index: c.kind, query });
    return { node: { kind: 'lookup', lookup: id }, exact: true, residual: null };
  };
  const none = (e: Expr): Sub => ({ node: null, exact: false, residual: e });

  const plan = (e: Expr): Sub => {
    switch (e.kind) {
      case 'and': {
        const subs = e.operands.map(plan);
        const nodes = subs.filter((s) => s.node).map((s) => s.node!);
        const residual = andOf(subs.filter((s) => s.residual).map((s) => s.residual!));
        if (nodes.length === 0) return none(e);
        return { node: nodes.length === 1 ? nodes[0]! : { kind: 'and', children: nodes }, exact: subs.every((s) => s.exact), residual };
      }
      case 'or': {
        const subs = e.operands.map(plan);
        if (subs.some((s) => !s.node)) return none(e);
        const exact = subs.every((s) => s.exact);
        return { node: { kind: 'or', children: subs.map((s) => s.node!) }, exact, residual: exact ? null : e };
      }
      case 'binary': {
        if (!(e.op in FLIP)) return none(e);
        let c = column(e.left);
        let lit = e.right;
        let op = e.op as keyof typeof FLIP;
        if (!c) {
          c = column(e.right);
          lit = e.left;
          op = FLIP[op];
        }
        if (!c) return none(e);
        const v = value(lit, c.type);
        if (v === undefined || v === null) return none(e);
        if (op === '=') return leaf(c, { op: 'eq', values: [v] });
        if (c.kind !== 'btree') return none(e);
        if (op === '<' || op === '<=') return leaf(c, { op: 'range', upper: { value: v, inclusive: op === '<=' } });
        return leaf(c, { op: 'range', lower: { value: v, inclusive: op === '>=' } });
      }
      case 'in': {
        if (e.negated) return none(e);
        const c = column(e.operand);
        if (!c) return none(e);
        const values: IndexValue[] = [];
        for (const item of e.list) {
          const v = value(item, c.type);
          if (v === undefined) return none(e);
          if (v !== null && !values.some((x) => x === v)) values.push(v);
        }
        return leaf(c, values.length === 1 ? { op: 'eq', values: [values[0]!] } : { op: 'in', values });
      }
      case 'between': {
        if (e.negated) return none(e);
        const c = column(e.operand);
        if (!c || c.kind !== 'btree') return none(e);
        const lo = value(e.low, c.type);
        const hi = value(e.high, c.type);
        if (lo === undefined || lo === null || hi === undefined || hi === null) return none(e);
        return leaf(c, { op: 'range', lower: { value: lo, inclusive: true }, upper: { value: hi, inclusive: true } });
      }
      default:
        return none(e);
    }
  };

  const top = plan(expr);
  if (!top.node) return { lookups: [], index: null, residual: expr, predicate: expr };
  return { lookups, index: top.node, residual: top.exact ? null : top.residual, predicate: expr };
}

/**
 * A date / timestamp constant, already in the column's storage unit, as a bigint: the index lookup
 * takes a bigint as stored units and a number as milliseconds (its public form), so a Date32's
 * day count must not go in as a number.
 */
function rawTemporal<T extends IndexValue | null | undefined>(v: T, column: DType): T | bigint {
  return typeof v === 'number' && (column.id === 'date' || column.id === 'timestamp') ? BigInt(v) : v;
}

/** TIMESTAMP '...' / DATE '...' against a temporal column: the constant in the column's unit, if exact. */
function typedString(e: Extract<Expr, { kind: 'cast' }>, column: DType): IndexValue | undefined {
  if (e.operand.kind !== 'literal' || e.operand.type !== 'utf8') return undefined;
  if (column.id !== 'timestamp' && column.id !== 'date') return undefined;
  const written: DType = e.to.name === 'DATE' ? { id: 'date', unit: 'day' } : { id: 'timestamp', unit: 'us', tz: null };
  if (!castSupported(written, column)) return undefined;
  try {
    const v = castValue(e.operand.value, UTF8, written, false);
    const inColumn = castValue(v, written, column, false);
    // only when the conversion loses nothing (a finer literal against a coarser column would change the comparison)
    if (castValue(inColumn, column, written, false) !== v) return undefined;
    return inColumn as IndexValue;
  } catch {
    return undefined;
  }
}

function fragmentOf(addr: bigint): number {
  return Number(addr >> 32n);
}

function sortedUnique(a: BigUint64Array): BigUint64Array {
  const s = BigUint64Array.from(a).sort();
  let w = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[w - 1]) s[w++] = s[i]!;
  return s.subarray(0, w);
}

function intersect(a: BigUint64Array, b: BigUint64Array): BigUint64Array {
  const out = new BigUint64Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let w = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out[w++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, w);
}

function union(a: BigUint64Array, b: BigUint64Array): BigUint64Array {
  const out = new BigUint64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let w = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out[w++] = a[i++]!;
    else if (i >= a.length || b[j]! < a[i]!) out[w++] = b[j++]!;
    else {
      out[w++] = a[i++]!;
      j++;
    }
  }
  return out.subarray(0, w);
}

function lookupIds(node: IndexPlanNode, out: Set<number>): Set<number> {
  if (node.kind === 'lookup') out.add(node.lookup);
  else for (const c of node.children) lookupIds(c, out);
  return out;
}

/**
 * Combine lookup results (aligned with `plan.lookups`) into candidate rows. Pure. The fragments
 * covered are those every lookup in the plan covers; `rows` are sorted, unique and restricted to them.
 */
export function combineIndexResults(plan: IndexPlan, results: readonly IndexLookupResult[]): IndexLookupResult {
  if (!plan.index) return { rows: new BigUint64Array(0), coveredFragments: new Set() };
  const ids = [...lookupIds(plan.index, new Set())];
  let covered: Set<number> | undefined;
  for (const id of ids) {
    const r = results[id];
    if (!r) throw new RangeError(`missing result for index lookup ${id}`);
    covered = covered ? new Set([...covered].filter((f) => r.coveredFragments.has(f))) : new Set(r.coveredFragments);
  }
  const cov = covered ?? new Set<number>();
  const prepared = new Map<number, BigUint64Array>();
  const rowsOf = (id: number): BigUint64Array => {
    let rows = prepared.get(id);
    if (!rows) {
      rows = sortedUnique(results[id]!.rows.filter((a) => cov.has(fragmentOf(a))));
      prepared.set(id, rows);
    }
    return rows;
  };
  const rec = (node: IndexPlanNode): BigUint64Array => {
    if (node.kind === 'lookup') return rowsOf(node.lookup);
    const parts = node.children.map(rec);
    return parts.reduce((acc, p) => (node.kind === 'and' ? intersect(acc, p) : union(acc, p)));
  };
  return { rows: rec(plan.index), coveredFragments: cov };
}
