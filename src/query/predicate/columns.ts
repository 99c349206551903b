// Which columns a predicate reads, so a reader can project only those.

import type { Expr } from './ast.js';
import { walk } from './ast.js';
import { resolveColumn, type SchemaLike } from './bind.js';

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
 * names (LanceDB matches unquoted names case-insensitively), in schema order; an unknown column
 * throws QueryError naming it and listing the available ones.
 */
export function referencedColumns(expr: Expr, schema?: SchemaLike): string[] {
  if (!schema) {
    const names: string[] = [];
    walk(expr, (n) => {
      if (n.kind === 'column' && !names.includes(n.path[0]!)) names.push(n.path[0]!);
    });
    return names;
  }
  const used = new Set<string>();
  walk(expr, (n) => {
    if (n.kind === 'column') used.add(resolveColumn(n, schema.fields).path[0]!);
  });
  return schema.fields.map((f) => f.name).filter((name) => used.has(name));
}
