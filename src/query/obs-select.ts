// Choosing obs rows: where (through Lance scalar indices when they help), vector search,
// balanced limits, offset and limit — then reading only the output columns of the chosen rows.
//
// Phase 1 decides *which* rows and in *what order* as a list of row addresses, reading only the
// columns the predicate (and search / balance column) needs. Phase 2 `take`s the output columns
// for exactly those rows, in that order. A query without predicate, search or balance is one scan.
import * as arrow from 'apache-arrow';
import { isRaggedAtlasError, QueryError, throwIfAborted } from '../errors.js';
import type { IndexInfo, IndexLookupResult, ScanOptions, StructChildren, TakeOptions } from '../lance/index.js';
import {
  combineIndexResults,
  evaluatePredicate,
  parseConjunction,
  planIndexLookups,
  preparePredicate,
  referencedColumns,
  type Expr,
  type IndexKind,
  type IndexQuery as PlannedQuery,
} from './predicate/index.js';
import type { IndexQuery as LanceIndexQuery } from '../lance/indices/keys.js';
import type { QuerySpec } from './spec.js';
import { distances, topK } from './vector-search.js';
import { concatTables, pickRows } from './arrow-rows.js';
import { compareValues, requireScalar } from './group-count.js';

/** homeobox: a search without a limit returns up to this many rows. */
export const DEFAULT_SEARCH_LIMIT = 1_000_000;

/**
 * The ranks a search returns, nearest first: [start, end). `k` is the search's row count, as in
 * LanceDB's search().limit(k), so it counts after the offset (search(v, {k: 5}).offset(3) is
 * ranks 3–7, like search().limit(5).offset(3)); a limit as well caps it.
 */
export function searchRanks(spec: QuerySpec): { start: number; end: number } {
  const start = spec.offset ?? 0;
  const count = Math.min(spec.search?.k ?? Infinity, spec.limit ?? Infinity);
  return { start, end: start + (count === Infinity ? DEFAULT_SEARCH_LIMIT : count) };
}
const SCAN_BATCH = 65_536;

export interface SelectOptions {
  /** Output columns (top-level names). */
  columns: string[];
  /**
   * Output struct columns read with only these children (the pointer children a read path uses).
   * A hint: reads that also evaluate a user predicate on those columns keep them whole, and a
   * table that pushes queries down may return every child.
   */
  structChildren?: StructChildren;
  /** Extra conditions ANDed to the user's where (presence filters). */
  extraWhere?: string[];
  /** selectObsStream: rows per scanned batch (default 65,536). */
  batchRows?: number;
  signal?: AbortSignal;
}

/**
 * What obs selection reads from a table; the static reader's `LanceTable` has all of it. A table
 * that evaluates queries itself (LanceDB Cloud: src/atlas/cloud-table.ts) also has `pushdown`, and
 * selectObs / countObs then hand it the whole query instead of scanning and filtering here.
 */
export interface ObsTable {
  readonly schema: arrow.Schema;
  readonly numRows: number;
  readonly fragments: readonly { id: number }[];
  scan(opts?: ScanOptions): Promise<arrow.Table>;
  scanBatches(opts?: ScanOptions & { batchSize?: number }): AsyncIterable<arrow.RecordBatch>;
  take(rowAddresses: BigUint64Array, opts?: TakeOptions): Promise<arrow.Table>;
  indices(): readonly Pick<IndexInfo, 'type' | 'columns'>[];
  indexLookup(column: string, query: LanceIndexQuery, opts?: { signal?: AbortSignal }): Promise<IndexLookupResult | undefined>;
  /** Starts reading data-file metadata a take will need (overlapping an index lookup); optional. */
  prefetchMetadata?(): void;
  readonly pushdown?: ObsPushdown;
}

/** selectObs / countObs run by the table's own query engine, with the same results and errors. */
export interface ObsPushdown {
  select(spec: QuerySpec, opts: SelectOptions): Promise<arrow.Table>;
  count(spec: QuerySpec, signal?: AbortSignal): Promise<number>;
}

/** The chosen rows with the output columns, plus `_rowaddr` and, for searches, `_distance`. */
export async function selectObs(table: ObsTable, spec: QuerySpec, opts: SelectOptions): Promise<arrow.Table> {
  if (table.pushdown) return table.pushdown.select(spec, opts);
  const expr = parseConjunction([...(spec.where ?? []), ...(opts.extraWhere ?? [])]);
  const columns = [...new Set(opts.columns)];
  if (!expr && !spec.search && !spec.balanced) {
    return table.scan({ columns, structChildren: opts.structChildren, offset: spec.offset, limit: spec.limit, withRowAddress: true, signal: opts.signal });
  }
  // Without search or balance the chosen rows are the matches in table order: an index-driven
  // match then reads the output columns with the predicate's, in one take (as LanceDB does).
  const ordered = await chooseRows(table, spec, expr, opts.signal, !spec.search && !spec.balanced ? columns : undefined);
  if (ordered.fused) return ordered.fused;
  const out = await table.take(ordered.rows, { columns, structChildren: opts.structChildren, withRowAddress: true, signal: opts.signal });
  if (!ordered.distance) return out;
  return addColumn(out, '_distance', arrow.makeVector(ordered.distance));
}

/**
 * selectObs as a stream of tables (row order and rows identical to selectObs), for toBatches.
 * A query without a user predicate, search or balance — the whole table, at most narrowed by
 * the presence filter (`extraWhere`), offset and limit — is one filtered scan whose batches come
 * out as they are read, so the first matrices are fetched while the rest of obs still loads.
 * Everything else needs every row chosen before the first one is known, and is one table.
 */
export async function* selectObsStream(table: ObsTable, spec: QuerySpec, opts: SelectOptions): AsyncGenerator<arrow.Table> {
  if (table.pushdown || spec.where?.length || spec.search || spec.balanced || !opts.extraWhere?.length) {
    yield await selectObs(table, spec, opts);
    return;
  }
  const expr = parseConjunction(opts.extraWhere)!;
  const needed = [...new Set([...opts.columns, ...referencedColumns(expr, table.schema)])];
  const bound = preparePredicate(expr, table.schema);
  let skip = spec.offset ?? 0;
  let left = spec.limit ?? Infinity;
  let yielded = false;
  let empty: arrow.Table | undefined;
  if (left === 0) return;
  // Narrowing pointers is safe here: the presence filter reads only zarr_group, which each keeps.
  const { structChildren } = opts;
  for await (const batch of table.scanBatches({ columns: needed, structChildren, withRowAddress: true, batchSize: opts.batchRows ?? SCAN_BATCH, signal: opts.signal })) {
    throwIfAborted(opts.signal);
    const mask = evaluatePredicate(bound, batch as unknown as Parameters<typeof evaluatePredicate>[1]);
    const data = new arrow.Table(batch).select([...opts.columns, '_rowaddr']);
    empty ??= data.slice(0, 0);
    // The usual batch: every row present and none skipped or cut: it goes out as it is.
    let all = skip === 0 && mask.length <= left;
    for (let i = 0; all && i < mask.length; i++) all = mask[i] === 1;
    const idx: number[] = [];
    if (!all) {
      for (let i = 0; i < mask.length && idx.length < left; i++) {
        if (mask[i] !== 1) continue;
        if (skip > 0) skip--;
        else idx.push(i);
      }
    }
    const taken = all ? mask.length : idx.length;
    left -= taken;
    if (taken) {
      yielded = true;
      yield all ? data : takeRuns(data, idx);
    }
    if (left <= 0) return;
  }
  // No row matched: one empty table still carries the schema (an empty Lance table yields none).
  if (!yielded && empty) yield empty;
}

/** Rows `idx` (ascending) of `t`, as zero-copy slices of its runs of consecutive rows. */
function takeRuns(t: arrow.Table, idx: number[]): arrow.Table {
  const parts: arrow.Table[] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i + 1;
    while (j < idx.length && idx[j] === idx[j - 1]! + 1) j++;
    parts.push(t.slice(idx[i]!, idx[j - 1]! + 1));
    i = j;
  }
  return concatTables(parts);
}

/** Counts rows matching the query's where (no search/limit semantics beyond what count means). */
export async function countObs(table: ObsTable, spec: QuerySpec, signal?: AbortSignal): Promise<number> {
  if (table.pushdown) return table.pushdown.count(spec, signal);
  if (!spec.where?.length && !spec.search && !spec.balanced) {
    const n = Math.max(0, table.numRows - (spec.offset ?? 0));
    return spec.limit === undefined ? n : Math.min(n, spec.limit);
  }
  const expr = parseConjunction(spec.where ?? []);
  return (await chooseRows(table, spec, expr, signal)).rows.length;
}

interface Ordered {
  rows: BigUint64Array;
  distance?: Float32Array;
  /** The output columns + `_rowaddr` of exactly `rows`, when they were read with the match. */
  fused?: arrow.Table;
}

async function chooseRows(table: ObsTable, spec: QuerySpec, expr: Expr | undefined, signal?: AbortSignal, fuse?: string[]): Promise<Ordered> {
  const extra: string[] = [];
  let vectorColumn: string | undefined;
  if (spec.search) {
    vectorColumn = spec.search.column ?? inferVectorColumn(table.schema);
    extra.push(vectorColumn);
  }
  if (spec.balanced) {
    // (it picked no row at all from a list column: every value a group of its own, ⌊n / rows⌋ each)
    const field = table.schema.fields.find((f) => f.name === spec.balanced!.column);
    if (field) requireScalar(field.type, 'balancedLimit()', field.name);
    extra.push(spec.balanced.column);
  }
  for (const c of extra) {
    if (!table.schema.fields.some((f) => f.name === c)) throw new QueryError(`no column "${c}" in the obs table`, { columns: table.schema.fields.map((f) => f.name) });
  }
  const matched = await matchRows(table, expr, extra, signal, fuse);
  let rows = matched.rows;
  let fused = matched.fused;
  let distance: Float32Array | undefined;

  if (spec.search && vectorColumn) {
    const col = matched.data.getChild(vectorColumn)!;
    const type = col.type as arrow.FixedSizeList;
    if (!arrow.DataType.isFixedSizeList(type)) throw new QueryError(`column "${vectorColumn}" is not a fixed_size_list vector column`);
    const d = type.listSize;
    const flat = new Float32Array(col.length * d);
    for (let i = 0; i < col.length; i++) {
      const v = col.get(i) as arrow.Vector | null;
      if (v) flat.set(v.toArray() as Float32Array, i * d);
    }
    const dist = distances(flat, d, spec.search.vector, spec.search.metric, (i) => col.isValid(i));
    let top: ArrayLike<number> = topK(dist, searchRanks(spec).end);
    if (spec.balanced) {
      // homeobox runs the search once per group: the ⌊n / groups⌋ nearest of each group, among the
      // groups of the search's results. Picking from the results in distance order does the same.
      const group = matched.data.getChild(spec.balanced.column)!;
      const nearest = top;
      top = balancedPick({ length: nearest.length, get: (j) => group.get(nearest[j]!) }, spec.balanced.n).map((j) => nearest[j]!);
    }
    rows = BigUint64Array.from(top, (i) => rows[i]!);
    distance = Float32Array.from(top, (i) => dist[i]!);
  } else if (spec.balanced) {
    const picked = balancedPick(matched.data.getChild(spec.balanced.column)!, spec.balanced.n);
    rows = BigUint64Array.from(picked, (i) => rows[i]!);
  }
  const { start, end } = spec.search ? searchRanks(spec) : { start: spec.offset ?? 0, end: spec.limit === undefined ? rows.length : (spec.offset ?? 0) + spec.limit };
  if (start || end < rows.length) {
    rows = rows.slice(start, end);
    distance = distance?.slice(start, end);
    fused = fused?.slice(start, end);
  }
  return { rows, distance, fused };
}

/**
 * homeobox's balanced_limit: the first ⌊n / groups⌋ rows of every value of `col` (NULL is no
 * group), groups in sorted order; returns positions in `col`.
 */
export function balancedPick(col: { length: number; get(i: number): unknown }, n: number): number[] {
  const groups = new Map<string, { value: unknown; rows: number[] }>();
  for (let i = 0; i < col.length; i++) {
    const v = col.get(i);
    if (v === null || v === undefined) continue; // `column = value` never matches NULL
    const key = typeof v === 'bigint' ? `${v}n` : String(v);
    (groups.get(key) ?? groups.set(key, { value: v, rows: [] }).get(key)!).rows.push(i);
  }
  const per = groups.size ? Math.floor(n / groups.size) : 0;
  // homeobox walks polars' unique() values, in no set order; sorted here as count({groupBy}) sorts
  return [...groups.values()].sort((a, b) => compareValues(a.value, b.value)).flatMap((g) => g.rows.slice(0, per));
}

/**
 * Row addresses (table order) where the predicate is TRUE, with the `extra` columns for them. With
 * `fuse`, an index lookup that covers every fragment also returns those columns + `_rowaddr` of
 * the matches (`fused`), read in the same take as the predicate's columns.
 */
async function matchRows(table: ObsTable, expr: Expr | undefined, extra: string[], signal?: AbortSignal, fuse?: string[]): Promise<{ rows: BigUint64Array; data: arrow.Table; fused?: arrow.Table }> {
  const needed = [...new Set([...(expr ? referencedColumns(expr, table.schema) : []), ...extra])];
  const bound = expr ? preparePredicate(expr, table.schema) : undefined;
  const keepTrue = (t: arrow.Table | arrow.RecordBatch) => (bound ? evaluatePredicate(bound, t as unknown as Parameters<typeof evaluatePredicate>[1]) : new Uint8Array(t.numRows).fill(1));
  const parts: { rows: BigUint64Array; data: arrow.Table }[] = [];

  let scanFragments: number[] | undefined;
  if (expr) {
    const indexed = indexedColumns(table);
    if (indexed.size) {
      const plan = planIndexLookups(expr, (c) => indexed.get(c), table.schema);
      if (plan.index) {
        table.prefetchMetadata?.(); // the take's file footers, while the index is read (shared: no one's signal)
        // An index the reader cannot use (stable row ids, reader flags it does not know) is no
        // error for a query: it scans, as it would without the index.
        const unusable = (err: unknown) => (isRaggedAtlasError(err, 'Unsupported') ? undefined : Promise.reject(err));
        const results = await Promise.all(plan.lookups.map((l) => table.indexLookup(l.column, toLanceQuery(l.query), { signal }).catch(unusable)));
        if (results.every((r) => r !== undefined)) {
          const combined = combineIndexResults(plan, results);
          const candidates = combined.rows.slice().sort();
          scanFragments = table.fragments.map((f) => f.id).filter((id) => !combined.coveredFragments.has(id));
          const fusing = fuse !== undefined && !scanFragments.length && candidates.length > 0;
          // Candidates are re-checked with the whole predicate: exact whatever the residual is.
          const columns = fusing ? [...new Set([...needed, ...fuse])] : needed;
          const data = candidates.length ? await table.take(candidates, { columns, withRowAddress: fusing, signal }) : undefined;
          if (data) {
            const mask = keepTrue(data);
            if (fusing) {
              // One pick of the matching rows serves both the match's columns and the output.
              const picked = filterRows(candidates, data, mask, [...new Set([...extra, ...fuse, '_rowaddr'])]);
              const match = concatMatches([{ rows: picked.rows, data: picked.data.select(extra) }], extra, table.schema);
              return { ...match, fused: picked.data.select([...fuse, '_rowaddr']) };
            }
            parts.push(filterRows(candidates, data, mask, extra));
          }
        }
      }
    }
  }
  if (scanFragments === undefined || scanFragments.length) {
    for await (const batch of table.scanBatches({ columns: needed, withRowAddress: true, fragments: scanFragments, batchSize: SCAN_BATCH, signal })) {
      throwIfAborted(signal);
      const addrs = batch.getChild('_rowaddr')!.toArray() as BigUint64Array;
      const data = new arrow.Table(batch);
      parts.push(filterRows(addrs, data, keepTrue(batch), extra));
    }
  }
  return concatMatches(parts, extra, table.schema);
}

/** Matching row addresses, and for them only the `keep` columns (phase 2 reads everything else). */
function filterRows(addrs: BigUint64Array, data: arrow.Table, mask: Uint8Array, keep: string[]): { rows: BigUint64Array; data: arrow.Table } {
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) idx.push(i);
  const rows = BigUint64Array.from(idx, (i) => addrs[i]!);
  const kept = data.select(keep);
  return { rows, data: !keep.length || idx.length === data.numRows ? kept : pickRows(kept, idx) };
}

function concatMatches(parts: { rows: BigUint64Array; data: arrow.Table }[], needed: string[], schema: arrow.Schema): { rows: BigUint64Array; data: arrow.Table } {
  const n = parts.reduce((s, p) => s + p.rows.length, 0);
  const rows = new BigUint64Array(n);
  let at = 0;
  for (const p of parts) {
    rows.set(p.rows, at);
    at += p.rows.length;
  }
  const nonEmpty = parts.filter((p) => p.rows.length);
  let data: arrow.Table;
  if (!nonEmpty.length) {
    data = new arrow.Table(new arrow.Schema(schema.fields.filter((f) => needed.includes(f.name))));
  } else {
    data = nonEmpty.slice(1).reduce((t, p) => t.concat(p.data), nonEmpty[0]!.data);
  }
  // Index candidates and scanned fragments arrive in two runs: restore table (row address) order.
  const order = Array.from(rows.keys()).sort((a, b) => (rows[a]! < rows[b]! ? -1 : rows[a]! > rows[b]! ? 1 : 0));
  if (order.every((v, i) => v === i)) return { rows, data };
  return { rows: BigUint64Array.from(order, (i) => rows[i]!), data: pickRows(data, order) };
}

function indexedColumns(table: ObsTable): Map<string, IndexKind> {
  const out = new Map<string, IndexKind>();
  for (const idx of table.indices()) {
    const kind = String(idx.type).toLowerCase();
    if ((kind === 'btree' || kind === 'bitmap') && idx.columns.length === 1) out.set(idx.columns[0]!, kind);
  }
  return out;
}

/** The predicate planner's lookup, in the Lance reader's query shape. */
function toLanceQuery(q: PlannedQuery): LanceIndexQuery {
  switch (q.op) {
    case 'eq':
      return { op: 'eq', value: q.values[0] };
    case 'in':
      return { op: 'in', values: q.values };
    case 'range':
      return {
        op: 'range',
        ...(q.lower ? { lower: q.lower.value, lowerInclusive: q.lower.inclusive } : {}),
        ...(q.upper ? { upper: q.upper.value, upperInclusive: q.upper.inclusive } : {}),
      };
  }
}

export function inferVectorColumn(schema: arrow.Schema): string {
  const vec = schema.fields.filter((f) => arrow.DataType.isFixedSizeList(f.type));
  if (vec.length === 1) return vec[0]!.name;
  throw new QueryError(
    vec.length ? `several vector columns (${vec.map((f) => f.name).join(', ')}): pass search(v, {column})` : 'the obs table has no fixed_size_list vector column to search',
  );
}

function addColumn(t: arrow.Table, name: string, v: arrow.Vector): arrow.Table {
  const cols: Record<string, arrow.Vector> = {};
  for (const f of t.schema.fields) cols[f.name] = t.getChild(f.name)!;
  cols[name] = v;
  return new arrow.Table(cols);
}
