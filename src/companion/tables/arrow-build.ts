// Arrow columns for LanceDB writes, built directly with apache-arrow 18's `makeData` (no row
// objects, no builders): one contiguous buffer per column, which keeps a 1M-row obs append
// to a few hundred MB and a few hundred ms. Validity is given per row (1 = present).
import * as arrow from 'apache-arrow';

const encoder = new TextEncoder();

/** LSB-first validity bitmap; undefined when every row is valid (Arrow's cheap case). */
function bitmap(valid: ArrayLike<number | boolean> | undefined, n: number): { nullBitmap?: Uint8Array; nullCount: number } {
  if (!valid) return { nullCount: 0 };
  const bits = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (valid[i]) bits[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return nulls === 0 ? { nullCount: 0 } : { nullBitmap: bits, nullCount: nulls };
}

export function utf8Data(values: readonly (string | null | undefined)[]): arrow.Data<arrow.Utf8> {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const parts: Uint8Array[] = [];
  const valid = new Uint8Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) {
      const b = encoder.encode(v);
      parts.push(b);
      total += b.length;
      valid[i] = 1;
    }
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  let p = 0;
  for (const b of parts) {
    data.set(b, p);
    p += b.length;
  }
  return arrow.makeData({ type: new arrow.Utf8(), length: n, valueOffsets: offsets, data, ...bitmap(valid, n) });
}

/** One string repeated n times (zarr_group / dataset_uid columns) without n encodes. */
export function repeatedUtf8Data(value: string, n: number): arrow.Data<arrow.Utf8> {
  const b = encoder.encode(value);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) offsets[i] = i * b.length;
  const data = new Uint8Array(n * b.length);
  for (let i = 0; i < n; i++) data.set(b, i * b.length);
  return arrow.makeData({ type: new arrow.Utf8(), length: n, valueOffsets: offsets, data, nullCount: 0 });
}

export function int64Data(values: BigInt64Array | readonly (number | bigint | null)[], valid?: ArrayLike<number | boolean>): arrow.Data<arrow.Int64> {
  const n = values.length;
  let data: BigInt64Array;
  let v = valid;
  if (values instanceof BigInt64Array) data = values;
  else {
    data = new BigInt64Array(n);
    const present = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      if (x !== null && x !== undefined) {
        data[i] = BigInt(x);
        present[i] = 1;
      }
    }
    v = valid ?? present;
  }
  return arrow.makeData({ type: new arrow.Int64(), length: n, data, ...bitmap(v, n) });
}

export function int32Data(values: Int32Array, valid?: ArrayLike<number | boolean>): arrow.Data<arrow.Int32> {
  return arrow.makeData({ type: new arrow.Int32(), length: values.length, data: values, ...bitmap(valid, values.length) });
}

export function float64Data(values: Float64Array, valid?: ArrayLike<number | boolean>): arrow.Data<arrow.Float64> {
  return arrow.makeData({ type: new arrow.Float64(), length: values.length, data: values, ...bitmap(valid, values.length) });
}

export function float32Data(values: Float32Array, valid?: ArrayLike<number | boolean>): arrow.Data<arrow.Float32> {
  return arrow.makeData({ type: new arrow.Float32(), length: values.length, data: values, ...bitmap(valid, values.length) });
}

export function boolData(values: ArrayLike<number | boolean>, valid?: ArrayLike<number | boolean>): arrow.Data<arrow.Bool> {
  const n = values.length;
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (values[i]) bits[i >> 3]! |= 1 << (i & 7);
  return arrow.makeData({ type: new arrow.Bool(), length: n, data: bits, ...bitmap(valid, n) });
}

/** A column of n nulls of any type (homeobox's `pa.nulls(n, type)`), children null too. */
export function nullData(type: arrow.DataType, n: number): arrow.Data {
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  if (type instanceof arrow.Struct) {
    const children = type.children.map((c) => nullData(c.type, n));
    return arrow.makeData({ type, length: n, nullCount: n, nullBitmap, children });
  }
  if (type instanceof arrow.FixedSizeList) {
    const child = nullData(type.children[0]!.type, n * type.listSize);
    return arrow.makeData({ type, length: n, nullCount: n, nullBitmap, child });
  }
  if (type instanceof arrow.Utf8) {
    return arrow.makeData({ type, length: n, nullCount: n, nullBitmap, valueOffsets: new Int32Array(n + 1), data: new Uint8Array(0) });
  }
  if (type instanceof arrow.Bool) return arrow.makeData({ type, length: n, nullCount: n, nullBitmap, data: new Uint8Array((n + 7) >> 3) });
  if (type instanceof arrow.Int || type instanceof arrow.Float) {
    const T = (type as arrow.Int | arrow.Float).ArrayType as unknown as new (n: number) => ArrayLike<unknown>;
    return arrow.makeData({ type, length: n, nullCount: n, nullBitmap, data: new T(n) } as never);
  }
  throw new TypeError(`nullData: unsupported type ${String(type)}`);
}

export function structData(type: arrow.Struct, children: arrow.Data[], valid?: ArrayLike<number | boolean>): arrow.Data<arrow.Struct> {
  const n = children[0]?.length ?? 0;
  return arrow.makeData({ type, length: n, children, ...bitmap(valid, n) });
}

export function fixedSizeListData(type: arrow.FixedSizeList, values: Float32Array, valid?: ArrayLike<number | boolean>): arrow.Data {
  const n = values.length / type.listSize;
  const child = float32Data(values);
  return arrow.makeData({ type, length: n, child, ...bitmap(valid, n) });
}

/** One record batch → table, columns in schema order. */
export function tableFromColumns(schema: arrow.Schema, columns: readonly arrow.Data[]): arrow.Table {
  if (columns.length !== schema.fields.length) throw new Error(`expected ${schema.fields.length} columns, got ${columns.length}`);
  const n = columns[0]?.length ?? 0;
  columns.forEach((c, i) => {
    if (c.length !== n) throw new Error(`column ${schema.fields[i]!.name} has ${c.length} rows, expected ${n}`);
  });
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: [...columns] });
  return new arrow.Table([new arrow.RecordBatch(schema, data)]);
}
