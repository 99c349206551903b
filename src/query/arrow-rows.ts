// Selecting rows of Arrow data by position. apache-arrow 18 has no `take`. Strings and fixed-width
// numbers are gathered straight from their buffers (takeData); other types (nested, booleans,
// dictionaries) are read as plain values and rebuilt with vectorFromArray, keeping names and types.
import * as arrow from 'apache-arrow';
import { chunkLocator, isValid } from '../arrow/columns.js';

/** A cell as vectorFromArray accepts it back: nested vectors as arrays, struct rows as objects. */
export function plainValue(v: unknown): unknown {
  if (v instanceof arrow.Vector) return v.toArray();
  if (v && typeof v === 'object' && 'toJSON' in v && !ArrayBuffer.isView(v)) return (v as { toJSON(): unknown }).toJSON();
  return v;
}

/** One column's cells at `idx`, as a vector of the same type. */
export function pickVector(v: arrow.Vector, type: arrow.DataType, idx: ArrayLike<number>): arrow.Vector {
  const fast = takeData(v, type, idx);
  if (fast) return arrow.makeVector(fast);
  return arrow.vectorFromArray(Array.from(idx, (i) => plainValue(v.get(i))) as never[], type);
}

/** Gathers Utf8/Binary and fixed-width numeric cells from the buffers (undefined for other types). */
function takeData(v: arrow.Vector, type: arrow.DataType, idx: ArrayLike<number>): arrow.Data | undefined {
  const isString = arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type);
  const isFixed = (arrow.DataType.isInt(type) || arrow.DataType.isFloat(type)) && !arrow.DataType.isDictionary(type);
  if ((!isString && !isFixed) || v.data.some((d) => d.type.typeId !== type.typeId)) return undefined;
  const n = idx.length;
  const { starts, chunkOf: locate } = chunkLocator(v);
  const nulls = v.data.map((d) => d.nullCount > 0); // a getter: once per chunk
  let nullCount = 0;
  const validity = new Uint8Array((n + 7) >> 3);
  const chunkOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = idx[i]!;
    if (!(row >= 0 && row < v.length)) throw new RangeError(`row ${row} is outside [0, ${v.length})`);
    const c = (chunkOf[i] = locate(row));
    const d = v.data[c]!;
    const r = row - starts[c]!;
    if (!nulls[c] || isValid(d, r)) validity[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  const nullBitmap = nullCount ? validity : undefined;
  if (isFixed) {
    // Buffers of a sliced Data start at its first row (apache-arrow's slicing convention).
    const first = v.data[0]!.values as ArrayLike<number | bigint> & { constructor: new (n: number) => ArrayLike<number | bigint> };
    const out = new first.constructor(n) as unknown as (number | bigint)[];
    for (let i = 0; i < n; i++) out[i] = (v.data[chunkOf[i]!]!.values as ArrayLike<number | bigint>)[idx[i]! - starts[chunkOf[i]!]!]!;
    return arrow.makeData({ type, length: n, nullCount, nullBitmap, data: out } as never);
  }
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = v.data[chunkOf[i]!]!;
    const r = idx[i]! - starts[chunkOf[i]!]!;
    const o = d.valueOffsets as Int32Array;
    total += o[r + 1]! - o[r]!;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const d = v.data[chunkOf[i]!]!;
    const r = idx[i]! - starts[chunkOf[i]!]!;
    const o = d.valueOffsets as Int32Array;
    const src = d.values as Uint8Array;
    let s = o[r]!;
    const e = o[r + 1]!;
    // Short strings (uids, names) by a byte loop: a subarray() view per row cost more than the copy.
    if (e - s > 64) bytes.set(src.subarray(s, e), offsets[i]!);
    else for (let at = offsets[i]!; s < e; ) bytes[at++] = src[s++]!;
  }
  return arrow.makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: offsets, data: bytes } as never);
}

/** Rows of `t` at `idx`, in that order, as a new table. */
export function pickRows(t: arrow.Table, idx: ArrayLike<number>): arrow.Table {
  // The source schema is kept (field nullability and metadata). apache-arrow builds a table of
  // zero-length vectors with vectors where its batch wants Data children, so no rows is a slice.
  if (idx.length === 0) return t.batches.length ? t.slice(0, 0) : t; // a table of no batches cannot be sliced
  const children = t.schema.fields.map((f) => {
    const v = pickVector(t.getChild(f.name)!, f.type, idx);
    return v.data.length === 1 ? v.data[0]! : arrow.vectorFromArray(v.toArray() as never[], f.type).data[0]!;
  });
  const batch = new arrow.RecordBatch(t.schema, arrow.makeData({ type: new arrow.Struct(t.schema.fields), length: idx.length, nullCount: 0, children }));
  return new arrow.Table(t.schema, [batch]);
}

/**
 * Tables of one schema as one table, their batches in order. Linear in the number of tables
 * (Table.concat one at a time copied the batch list every time: toBatches with 1-row batches was
 * quadratic), and without spreading thousands of tables into one call's arguments.
 */
export function concatTables(parts: readonly arrow.Table[]): arrow.Table {
  if (parts.length === 1) return parts[0]!;
  return new arrow.Table(parts[0]!.schema, parts.flatMap((t) => t.batches));
}
