// BTREE scalar index (`/lance.table.BTreeIndexDetails`), two Lance files under _indices/{uuid}/:
//   page_lookup.lance  one row per page of sorted keys: min, max, null_count (u32), page_idx (u32);
//                      schema metadata batch_size (rows per page, default 4096)
//   page_data.lance    all keys sorted: values, ids (u64 row addresses); page k = rows
//                      [k * batch_size, (k+1) * batch_size)
// A lookup reads the (small) page lookup, keeps the pages whose [min, max] can hold a match
// (or, for IS NULL, that have nulls), then fetches only those rows of page_data.
// Example: pages {min 0, max 12285, idx 0}, {12288, 24573, 1}, {24576, 29997, 2}; `= 13000`
// reads rows 4096..8191 of page_data and returns the ids whose value is 13000.
import * as arrow from 'apache-arrow';
import { UnsupportedError } from '../../errors.js';
import type { TableContext } from '../context.js';
import { LanceFile } from '../lance-file.js';
import { compile, keyKind, keyReader, queryKey, type IndexQuery } from './keys.js';
import type { RowSet } from './row-id-tree-map.js';
import { addAddresses } from './rowset.js';
import { untilAborted } from '../../io/abortable.js';

export async function btreeLookup(ctx: TableContext, dir: string, q: IndexQuery, sizeOf: (file: string) => number = () => 0, signal?: AbortSignal): Promise<RowSet> {
  const lookup = await LanceFile.open(ctx, dir, 'page_lookup.lance', sizeOf('page_lookup.lance'), signal);
  const where = `${ctx.name}/${dir}`;
  if (lookup.schema.metadata.get('range_partitioned') === 'true') {
    throw new UnsupportedError('range-partitioned btree indices', { feature: 'btree range_partitioned', where });
  }
  const batchSize = Number(lookup.schema.metadata.get('batch_size') ?? 4096);
  const pages = await lookup.read(['min', 'max', 'null_count', 'page_idx'], 0, lookup.numRows, signal);
  const type = pages.schema.fields[0]!.type as arrow.DataType;
  const kind = keyKind(type, where);
  const pred = compile(q, (v) => queryKey(v, kind, type, where));
  const min = keyReader(pages.getChild('min')!, kind);
  const max = keyReader(pages.getChild('max')!, kind);
  const nulls = pages.getChild('null_count')!;
  const idx = pages.getChild('page_idx')!;
  const wanted: number[] = [];
  for (let i = 0, n = pages.numRows; i < n; i++) {
    if (pred.overlaps(min(i), max(i), Number(nulls.get(i) ?? 0))) wanted.push(Number(idx.get(i)));
  }
  const out: RowSet = new Map();
  if (wanted.length === 0) return out;
  const data = await LanceFile.open(ctx, dir, 'page_data.lance', sizeOf('page_data.lance'), signal);
  wanted.sort((a, b) => a - b);
  // Adjacent pages are read as one window.
  const windows: [number, number][] = [];
  for (const p of wanted) {
    const a = p * batchSize;
    const b = Math.min(data.numRows, a + batchSize);
    const last = windows[windows.length - 1];
    if (last && last[1] === a) last[1] = b;
    else if (a < b) windows.push([a, b]);
  }
  for (const [a, b] of windows) {
    // Shared by concurrent lookups, so the load takes no one's signal; each waiter stops on its own.
    const window = ctx.indexPages.getOrLoad(`${dir}/page_data.lance:${a}-${b}`, async () => {
      const batch = await data.read(['values', 'ids'], a, b);
      return { key: keyReader(batch.getChild('values')!, kind), ids: batch.getChild('ids')!, rows: batch.numRows };
    });
    const { key, ids, rows } = (await untilAborted(window, signal)) as { key: (i: number) => unknown; ids: arrow.Vector; rows: number };
    const hits: bigint[] = [];
    for (let i = 0; i < rows; i++) if (pred.matches(key(i) as Parameters<typeof pred.matches>[0])) hits.push(ids.get(i) as bigint);
    addAddresses(out, hits);
  }
  return out;
}
