// Query options → the `/query/` JSON body, as the official client builds it
// (rust/lancedb/src/remote/table.rs `apply_query_params` / `apply_vector_query_params`, checked
// against requests captured from @lancedb/lancedb 0.39):
//
//   scan:    {"columns"?, "fast_search"?, "filter"?, "k", "offset"?, "prefilter": true, "vector": [],
//             "version", "with_row_id"?}
//   vector:  the same plus "vector": [f32…], "distance_type"?, "vector_column"?, "nprobes",
//            "minimum_nprobes", "maximum_nprobes" (20 each by default), "ef", "refine_factor",
//            "lower_bound", "upper_bound" (null unless set), "bypass_vector_index"?
//
// `k` is required by the service. Without a limit the official client sends isize::MAX, which we
// write as the literal 9223372036854775807 (JsonLiteral; a JS number would print …776000, which the
// service's u64 parser may reject). A vector search without a limit returns 10 rows, as in the
// official client.

import { describeArgument, QueryError } from '../errors.js';
import { JsonFloat, JsonLiteral, type JsonBodyValue } from './json-body.js';

export type DistanceType = 'l2' | 'cosine' | 'dot' | 'hamming';

export interface QueryOptions {
  /** SQL WHERE clause (DataFusion dialect), evaluated by the service. */
  filter?: string;
  /** Columns to return, or {alias: SQL expression} for computed columns. Default: all. */
  columns?: string[] | Record<string, string>;
  /** Maximum rows. Default: all rows (10 for a vector search). */
  limit?: number;
  /** Rows to skip first. */
  offset?: number;
  /** Add the `_rowid` column (row address unless the table uses stable row ids). */
  withRowId?: boolean;
  /** Read this table version instead of the table's own (latest, or the checked-out version). */
  version?: number;
  /** Nearest-neighbour search with this query vector (sent as float32). */
  vector?: ArrayLike<number>;
  /** The vector column to search; needed when the table has several. */
  vectorColumn?: string;
  distanceType?: DistanceType;
  /** Number of neighbours for a vector search: another name for `limit` there. */
  k?: number;
  /** IVF partitions to probe (sent as nprobes, minimum_nprobes and maximum_nprobes). Default 20. */
  nprobes?: number;
  refineFactor?: number;
  /** HNSW search breadth. */
  ef?: number;
  /** Exhaustive search even if a vector index exists. */
  bypassVectorIndex?: boolean;
  /** false: filter after the vector search (official `.postfilter()`). Default true. */
  prefilter?: boolean;
  /** Only search indexed data. */
  fastSearch?: boolean;
  signal?: AbortSignal;
}

export const I64_MAX = new JsonLiteral('9223372036854775807');
const DEFAULT_VECTOR_K = 10;
const DEFAULT_NPROBES = 20;

/** The body for `options`, reading `version` (null = latest; the caller resolves options.version). */
export function queryBody(options: QueryOptions, version: number | null): JsonBodyValue {
  const o = options;
  if (version !== null) count(version, 'version');
  const isVector = o.vector !== undefined;
  if (o.k !== undefined && !isVector) throw new QueryError('`k` applies to vector searches; use `limit`');
  if (o.k !== undefined && o.limit !== undefined && o.k !== o.limit) throw new QueryError(`conflicting k (${o.k}) and limit (${o.limit})`);
  const limit = o.limit ?? o.k;
  const body: Record<string, JsonBodyValue | undefined> = {
    version,
    prefilter: o.prefilter ?? true,
    k: limit !== undefined ? count(limit, 'limit') : isVector ? DEFAULT_VECTOR_K : I64_MAX,
    offset: o.offset !== undefined ? count(o.offset, 'offset') : undefined,
    filter: o.filter,
    columns: columns(o.columns),
    fast_search: o.fastSearch ? true : undefined,
    with_row_id: o.withRowId ? true : undefined,
    vector: [],
  };
  if (!isVector) {
    for (const key of ['vectorColumn', 'distanceType', 'nprobes', 'refineFactor', 'ef', 'bypassVectorIndex'] as const) {
      if (o[key] !== undefined) throw new QueryError(`\`${key}\` needs a query \`vector\``);
    }
    return body;
  }
  const nprobes = o.nprobes !== undefined ? count(o.nprobes, 'nprobes') : DEFAULT_NPROBES;
  return {
    ...body,
    vector: queryVector(o.vector!),
    distance_type: o.distanceType,
    vector_column: o.vectorColumn,
    nprobes,
    minimum_nprobes: nprobes,
    maximum_nprobes: nprobes,
    ef: o.ef !== undefined ? count(o.ef, 'ef') : null,
    refine_factor: o.refineFactor !== undefined ? count(o.refineFactor, 'refineFactor') : null,
    lower_bound: null,
    upper_bound: null,
    bypass_vector_index: o.bypassVectorIndex ? true : undefined,
  };
}

function count(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new QueryError(`${name} must be a non-negative integer, got ${n}`);
  return n;
}

function columns(c: QueryOptions['columns']): JsonBodyValue | undefined {
  if (c === undefined) return undefined;
  if (Array.isArray(c)) {
    if (!c.every((s) => typeof s === 'string' && s)) throw new QueryError('columns must be non-empty strings');
    return [...c];
  }
  // a string here spread into {"0":"u","1":"i",…}, which the service reads as computed columns
  if (c === null || typeof c !== 'object') throw new QueryError(`columns must be a list of names or {alias: SQL expression}, got ${describeArgument(c)}`);
  if (!Object.values(c).every((s) => typeof s === 'string' && s)) throw new QueryError('column expressions must be non-empty strings');
  return { ...c };
}

function queryVector(v: ArrayLike<number>): JsonBodyValue {
  const out: JsonFloat[] = [];
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(Math.fround(x))) throw new QueryError(`query vector element ${i} (${x}) is not a finite float32`);
    out.push(new JsonFloat(x));
  }
  if (!out.length) throw new QueryError('query vector is empty');
  return out;
}
