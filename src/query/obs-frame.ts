// The obs side of a result: metadata columns without pointer structs or `_`-prefixed helper
// columns, indexed by uid; fixed_size_list<float> columns become obsm embeddings (e.g. X_umap).
import * as arrow from 'apache-arrow';
import type { AnnData, DenseMatrix } from '../anndata/types.js';
import type { PointerField } from '../atlas/pointer-fields.js';
import { pickVector } from './arrow-rows.js';
import { stringsAt } from '../arrow/columns.js';

export interface ObsFrame {
  obs: arrow.Table;
  obsm: Record<string, DenseMatrix>;
  /** The obs names (uids), computed when called: annData() defers it to their first read. */
  names(): string[];
}

/** Builds obs for `rows` (optionally only the row positions in `keep`, in that order). */
export function obsFrame(rows: arrow.Table, pointers: PointerField[], keep?: Uint32Array): ObsFrame {
  const pointerNames = new Set(pointers.map((p) => p.name));
  // Every row in order needs no index: at a million cells, building and scanning one cost ~20 ms.
  const idx = keep && !isIdentity(keep, rows.numRows) ? keep : undefined;
  const n = idx ? idx.length : rows.numRows;
  const cols: arrow.Field[] = [];
  const vectors: arrow.Data[] = [];
  const obsm: Record<string, DenseMatrix> = {};
  for (const field of rows.schema.fields) {
    if (pointerNames.has(field.name) || field.name.startsWith('_')) continue;
    const col = rows.getChild(field.name)!;
    if (arrow.DataType.isFixedSizeList(field.type)) {
      obsm[field.name] = embedding(col, field.type, n, idx);
      continue;
    }
    cols.push(field);
    if (idx) vectors.push(...pickVector(col, field.type, idx).data);
  }
  const schema = new arrow.Schema(cols, rows.schema.metadata);
  const obs = cols.length
    ? new arrow.Table(schema, idx ? [batchOf(schema, vectors, n)] : rows.select(cols.map((f) => f.name)).batches.map((b) => new arrow.RecordBatch(schema, b.data)))
    : new arrow.Table(schema);
  const uid = rows.getChild('uid');
  const names = () => {
    // A null uid (or no uid column) is named by its row position, as a string.
    const obsNames = (uid ? stringsAt(uid, idx) : new Array<string | null>(n).fill(null)) as string[];
    for (let k = 0; k < n; k++) obsNames[k] ??= String(idx ? idx[k]! : k);
    return obsNames;
  };
  return { obs, obsm, names };
}

/** An AnnData of `frame`'s obs with the rest given; its obsNames are built on first read. */
export function annData(frame: ObsFrame, rest: Omit<AnnData, 'obs' | 'obsm' | 'obsNames'>): AnnData {
  return lazyObsNames({ obs: frame.obs, ...rest, obsm: frame.obsm }, frame.names);
}

/**
 * Gives `target` an `obsNames` property computed on its first read and then kept (assignable like
 * a plain one). A cell's name is its uid string: 200,000 of them cost a fresh page ~20 ms to
 * build plus the garbage collections of keeping them, which a query whose caller only needs the
 * matrix and obs (a gene coloured on an embedding) should not pay. obs holds the same uids.
 */
export function lazyObsNames<T extends object>(target: T, names: () => string[]): T & { obsNames: string[] } {
  let value: string[] | undefined;
  Object.defineProperty(target, 'obsNames', {
    enumerable: true,
    configurable: true,
    get: () => (value ??= names()),
    set: (v: string[]) => void (value = v),
  });
  return target as T & { obsNames: string[] };
}

/**
 * A fixed_size_list column as an n × d matrix of its element type: float32 (and float16) as
 * Float32Array, float64 as Float64Array, integers as their own typed array. A null row, or a null
 * element, is NaN: integer columns that have one become Float64Array (exact up to 2^53).
 */
function embedding(col: arrow.Vector, type: arrow.FixedSizeList, n: number, idx: Uint32Array | undefined): DenseMatrix {
  const d = type.listSize;
  const child = type.children[0]!.type;
  const rowAt = (k: number) => col.get(idx ? idx[k]! : k) as arrow.Vector | null;
  // Nulls anywhere in the column read (not only in the rows kept), so batches of one query agree.
  const hasNull = col.data.some((c) => c.nullCount > 0 || (c.children[0]?.nullCount ?? 0) > 0);
  const Out = arrow.DataType.isFloat(child)
    ? child.precision === arrow.Precision.DOUBLE ? Float64Array : Float32Array
    : !hasNull && arrow.DataType.isInt(child) && child.bitWidth < 64
      ? ({ 8: child.isSigned ? Int8Array : Uint8Array, 16: child.isSigned ? Int16Array : Uint16Array, 32: child.isSigned ? Int32Array : Uint32Array } as const)[child.bitWidth as 8 | 16 | 32]
      : !hasNull && arrow.DataType.isInt(child)
        ? child.isSigned ? BigInt64Array : BigUint64Array
        : Float64Array;
  const data = new Out(n * d);
  if (!(data instanceof BigInt64Array || data instanceof BigUint64Array)) data.fill(NaN);
  // Float16 storage is raw half bits (toArray() gives them as integers): read those through get().
  const half = arrow.DataType.isFloat(child) && child.precision === arrow.Precision.HALF;
  for (let k = 0; k < n; k++) {
    const v = rowAt(k);
    if (!v) continue;
    if (v.nullCount === 0 && (data instanceof BigInt64Array || data instanceof BigUint64Array)) {
      data.set(v.toArray() as BigInt64Array, k * d);
    } else if (v.nullCount === 0 && !half) {
      // 64-bit integers come as bigints (into Float64Array: exact to 2^53).
      const a = v.toArray() as ArrayLike<number | bigint>;
      for (let j = 0; j < d; j++) (data as Float64Array)[k * d + j] = Number(a[j]);
    } else {
      for (let j = 0; j < d; j++) {
        const x = v.get(j) as number | bigint | null;
        (data as Float64Array)[k * d + j] = x === null ? NaN : Number(x);
      }
    }
  }
  return { format: 'dense', shape: [n, d], data };
}

function isIdentity(keep: Uint32Array, numRows: number): boolean {
  if (keep.length !== numRows) return false;
  for (let i = 0; i < keep.length; i++) if (keep[i] !== i) return false;
  return true;
}

function batchOf(schema: arrow.Schema, children: arrow.Data[], length: number): arrow.RecordBatch {
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children }));
}
