// Which columns a predicate reads, so a reader can project only those.

import type { Expr } from './ast.js';
import { walk } from './ast.js';
import { bindPredicate, type SchemaLike } from './bind.js';

/** Every column path referenced, as written (`[['gene_expression', 'zarr_group'], ['n_genes']]`), deduplicated in order of appearance. */
export function referencedPaths(expr: Expr): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  walk(expr, (n) => {
    if (n.kind !== 'column') return;
    const key = JSON.stringify(n.path);
    if (seen.has(key)) return;
    seen.add(key);
    out.push([...n.path]);
  });
  return out;
}

/**
 * Top-level columns the predicate needs (a struct child needs its whole struct column).
 * Without a schema: names as written, in order of first appearance. With a schema: the actual column
 * names (LanceDB matches unquoted names case-insensitively outside function calls), in schema order,
 * after validating the predicate — an unknown column throws QueryError naming it and listing the
 * available ones. Parts folded away when planning (`x > NULL`) need no column.
 */
export function referencedColumns(expr: Expr, schema?: SchemaLike): string[] {
  if (!schema) {
    const names: string[] = [];
    walk(expr, (n) => {
      if (n.kind === 'column' && !names.includes(n.path[0]!)) names.push(n.path[0]!);
    });
    return names;
  }
  // binding resolves names exactly as evaluation will (and validates the predicate)
  return bindPredicate(expr, schema).columns;
}
