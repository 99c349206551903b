// BITMAP scalar index (`/lance.table.BitmapIndexDetails`): `bitmap_page_lookup.lance` with one
// row per distinct key — `keys` (sorted, null first) and `bitmaps` (binary RowIdTreeMap of the
// rows holding that key). A lookup reads the keys column, picks the matching rows, and fetches
// only those rows of the (large) bitmaps column.
// Example: keys [null, "a", "b", "c"]; `cat IN ('a','c')` reads bitmaps rows 1 and 3.
import * as arrow from 'apache-arrow';
import type { TableContext } from '../context.js';
import { LanceFile } from '../lance-file.js';
import { compile, keyKind, keyReader, queryKey, type IndexQuery } from './keys.js';
import { parseRowIdTreeMap, type RowSet } from './row-id-tree-map.js';

export async function bitmapLookup(ctx: TableContext, dir: string, q: IndexQuery, sizeOf: (file: string) => number = () => 0, signal?: AbortSignal): Promise<RowSet> {
  const file = await LanceFile.open(ctx, dir, 'bitmap_page_lookup.lance', sizeOf('bitmap_page_lookup.lance'), signal);
  const where = `${ctx.name}/${dir}`;
  const keys = await file.read(['keys'], 0, file.numRows, signal);
  const type = keys.schema.fields[0]!.type as arrow.DataType;
  const kind = keyKind(type, where);
  const pred = compile(q, (v) => queryKey(v, kind, type, where));
  const key = keyReader(keys.getChild('keys')!, kind);
  const rows: number[] = [];
  for (let i = 0, n = keys.numRows; i < n; i++) if (pred.matches(key(i))) rows.push(i);
  const out: RowSet = new Map();
  // Consecutive matching keys are fetched as one window.
  for (let i = 0; i < rows.length; ) {
    let j = i + 1;
    while (j < rows.length && rows[j] === rows[j - 1]! + 1) j++;
    const batch = await file.read(['bitmaps'], rows[i]!, rows[j - 1]! + 1, signal);
    const col = batch.getChild('bitmaps')!;
    for (let k = 0; k < batch.numRows; k++) {
      const b = col.get(k) as Uint8Array | null;
      if (b) parseRowIdTreeMap(b, `${where} key row ${rows[i]! + k}`, out);
    }
    i = j;
  }
  return out;
}
