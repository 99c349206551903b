// The obs side of a result: metadata columns without pointer structs or `_`-prefixed helper
// columns, indexed by uid; fixed_size_list<float> columns become obsm embeddings (e.g. X_umap).
import * as arrow from 'apache-arrow';
import type { DenseMatrix } from '../anndata/types.js';
import type { PointerField } from '../atlas/pointer-fields.js';
import { pickVector } from './arrow-rows.js';
import { stringsAt } from '../arrow/columns.js';

export interface ObsFrame {
  obs: arrow.Table;
  obsNames: string[];
  obsm: Record<string, DenseMatrix>;
}

/** Builds obs for `rows` (optionally only the row positions in `keep`, in that order). */
export function obsFrame(rows: arrow.Table, pointers: PointerField[], keep?: Uint32Array): ObsFrame {
  const pointerNames = new Set(pointers.map((p) => p.name));
  const idx = keep ?? Uint32Array.from({ length: rows.numRows }, (_, i) => i);
  const identity = idx.length === rows.numRows && idx.every((v, i) => v === i);
  const cols: arrow.Field[] = [];
  const vectors: arrow.Data[] = [];
  const obsm: Record<string, DenseMatrix> = {};
  for (const field of rows.schema.fields) {
    if (pointerNames.has(field.name) || field.name.startsWith('_')) continue;
    const col = rows.getChild(field.name)!;
    if (arrow.DataType.isFixedSizeList(field.type)) {
      const d = field.type.listSize;
      const data = new Float32Array(idx.length * d).fill(NaN);
      idx.forEach((r, k) => {
        const v = col.get(r) as arrow.Vector | null;
        if (v) data.set(Float32Array.from(v.toArray() as ArrayLike<number>), k * d);
      });
      obsm[field.name] = { format: 'dense', shape: [idx.length, d], data };
      continue;
    }
    cols.push(field);
    const v = identity ? col : pickVector(col, field.type, idx);
    vectors.push(...v.data);
  }
  const schema = new arrow.Schema(cols, rows.schema.metadata);
  const obs = cols.length
    ? new arrow.Table(schema, identity ? rows.select(cols.map((f) => f.name)).batches.map((b) => new arrow.RecordBatch(schema, b.data)) : [batchOf(schema, vectors, idx.length)])
    : new arrow.Table(schema);
  const uid = rows.getChild('uid');
  const names = uid ? stringsAt(uid, idx) : [];
  const obsNames = Array.from(idx, (r, k) => names[k] ?? String(r));
  return { obs, obsNames, obsm };
}

function batchOf(schema: arrow.Schema, children: arrow.Data[], length: number): arrow.RecordBatch {
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children }));
}
