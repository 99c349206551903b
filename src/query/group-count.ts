// count({groupBy}): one row per distinct combination of the group columns with a `count` column,
// sorted by the group columns (nulls last), as homeobox's polars group_by(...).len().sort(...).
import * as arrow from 'apache-arrow';

export function groupCount(table: arrow.Table, columns: string[]): arrow.Table {
  const cols = columns.map((c) => table.getChild(c)!);
  const groups = new Map<string, { key: unknown[]; count: number }>();
  for (let i = 0, n = table.numRows; i < n; i++) {
    const key = cols.map((c) => c.get(i));
    const id = JSON.stringify(key, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    const g = groups.get(id);
    if (g) g.count++;
    else groups.set(id, { key, count: 1 });
  }
  const rows = [...groups.values()].sort((a, b) => {
    for (let j = 0; j < columns.length; j++) {
      const c = compare(a.key[j], b.key[j]);
      if (c) return c;
    }
    return 0;
  });
  const fields = columns.map((name, j) => ({ name, type: table.schema.fields.find((f) => f.name === name)!.type, j }));
  const data: Record<string, arrow.Vector> = {};
  for (const f of fields) {
    const type = arrow.DataType.isDictionary(f.type) ? f.type.dictionary : f.type;
    data[f.name] = arrow.vectorFromArray(rows.map((r) => r.key[f.j]) as never[], type);
  }
  data.count = arrow.vectorFromArray(BigInt64Array.from(rows.map((r) => BigInt(r.count))));
  return new arrow.Table(data);
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : 1;
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}
