// Selecting rows of Arrow data by position. apache-arrow 18 has no `take`: rows are read as plain
// values and rebuilt with vectorFromArray, which is fine for the small tables this serves (phase-1
// predicate columns, registry slices, obs subsets) and keeps field names and types.
import * as arrow from 'apache-arrow';

/** A cell as vectorFromArray accepts it back: nested vectors as arrays, struct rows as objects. */
export function plainValue(v: unknown): unknown {
  if (v instanceof arrow.Vector) return v.toArray();
  if (v && typeof v === 'object' && 'toJSON' in v && !ArrayBuffer.isView(v)) return (v as { toJSON(): unknown }).toJSON();
  return v;
}

/** One column's cells at `idx`, as a vector of the same type. */
export function pickVector(v: arrow.Vector, type: arrow.DataType, idx: ArrayLike<number>): arrow.Vector {
  return arrow.vectorFromArray(Array.from(idx, (i) => plainValue(v.get(i))) as never[], type);
}

/** Rows of `t` at `idx`, in that order, as a new table. */
export function pickRows(t: arrow.Table, idx: ArrayLike<number>): arrow.Table {
  const cols: Record<string, arrow.Vector> = {};
  for (const f of t.schema.fields) cols[f.name] = pickVector(t.getChild(f.name)!, f.type, idx);
  return new arrow.Table(cols);
}
