// The `where(sql)` engine: parse LanceDB/DataFusion filter strings, evaluate them over Arrow data
// with LanceDB's semantics, find the columns they read, plan scalar-index lookups, re-serialise.
export type * from './ast.js';
export { children, col, lit, stripPositions, walk } from './ast.js';
export { tokenize, type Token, type TokenKind } from './lexer.js';
export { parseConjunction, parsePredicate } from './parser.js';
export { bindPredicate } from './bind.js';
export { resolveColumn } from './bind-context.js';
export type { Bound, BoundPredicate, SchemaLike } from './bound.js';
export { evaluatePredicate, evaluateTriState, maskToIndices, preparePredicate } from './evaluate.js';
export type { DataLike, RecordBatchLike, TableLike } from './arrow-view.js';
export { compareFloats, compareStrings } from './compare.js';
export { likeToRegExp } from './like.js';
export { referencedColumns, referencedPaths } from './columns.js';
export {
  combineIndexResults,
  planIndexLookups,
  type IndexKind,
  type IndexLookup,
  type IndexLookupResult,
  type IndexPlan,
  type IndexPlanNode,
  type IndexQuery,
} from './index-plan.js';
export { quoteIdent, quoteString, toSql } from './to-sql.js';
export type { DType } from './types.js';
