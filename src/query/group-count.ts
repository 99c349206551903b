// count({groupBy}): one row per distinct combination of the group columns with a `count` column,
// sorted by the group columns, as homeobox's polars `group_by(cols).agg(pl.len()).sort(cols)`:
// nulls first (polars sorts with nulls_last=False), then values ascending, NaN after +inf; NaN,
// +inf, −inf and null are four groups (polars keeps them apart).
import * as arrow from 'apache-arrow';
import { QueryError } from '../errors.js';

export function groupCount(table: arrow.Table, columns: string[]): arrow.Table {
  const types = columns.map((c) => table.schema.fields.find((f) => f.name === c)!.type);
  columns.forEach((c, j) => requireScalar(types[j]!, 'count({groupBy})', c));
  const cols = columns.map((c) => table.getChild(c)!);
  const groups = new Map<string, { key: unknown[]; count: number }>();
  for (let i = 0, n = table.numRows; i < n; i++) {
    const key = cols.map((c) => c.get(i));
    const id = key.map(idOf).join('\u0000');
    const g = groups.get(id);
    if (g) g.count++;
    else groups.set(id, { key, count: 1 });
  }
  const rows = [...groups.values()].sort((a, b) => {
    for (let j = 0; j < columns.length; j++) {
      const c = compareValues(a.key[j], b.key[j]);
      if (c) return c;
    }
    return 0;
  });
  const data: Record<string, arrow.Vector> = {};
  columns.forEach((name, j) => {
    const t = types[j]!;
    const type = arrow.DataType.isDictionary(t) ? t.dictionary : t;
    data[name] = arrow.vectorFromArray(rows.map((r) => r.key[j]) as never[], type);
  });
  data.count = arrow.vectorFromArray(BigInt64Array.from(rows.map((r) => BigInt(r.count))));
  return new arrow.Table(data);
}

/** A value's group identity, typed: NaN, ±Infinity and null stay apart (JSON would make them all null); 0 and −0 are one group. */
function idOf(v: unknown): string {
  if (v === null || v === undefined) return 'z';
  switch (typeof v) {
    case 'number':
      return `n${v === 0 ? 0 : v}`;
    case 'bigint':
      return `i${v}`;
    case 'string':
      return `s${v}`;
    case 'boolean':
      return `b${v}`;
    default:
      return v instanceof Date ? `d${v.getTime()}` : `o${JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x))}`;
  }
}

/** Grouping needs values that compare: a list, vector, struct or map column is refused, naming `what` groups. */
export function requireScalar(t: arrow.DataType, what: string, column: string): void {
  if (arrow.DataType.isList(t) || arrow.DataType.isFixedSizeList(t) || arrow.DataType.isStruct(t) || arrow.DataType.isMap(t)) {
    throw new QueryError(`${what} cannot group by "${column}": it is a ${t} column, not a scalar one`);
  }
}

/**
 * Polars' (and Python's) order of two group values: nulls first, NaN after +inf, strings by code
 * point, which is UTF-8 byte order (JavaScript's `<` compares UTF-16 units, which puts 🧬 before Ａ).
 */
export function compareValues(a: unknown, b: unknown): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (a === b) return 0;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  return (a as number) < (b as number) ? -1 : 1;
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    // after an equal prefix both strings are at the same code point boundary
    if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.codePointAt(i)! < b.codePointAt(i)! ? -1 : 1;
  }
  return a.length - b.length;
}
