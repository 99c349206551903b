// `optimize`: homeobox's RaggedAtlas.optimize(), step for step:
//   1. compact the obs and dataset tables;
//   2. drop duplicate not-yet-indexed rows of `_feature_layouts` (on layout_uid + feature_uid)
//      and of each registry (on uid) — concurrent ingests may both insert the same new gene;
//   3. per registry: assign `global_index` to unindexed rows, `max(existing) + 1 …` in uid
//      order (existing rows are never renumbered), scalar index on uid, compact, and copy the
//      new indices into `_feature_layouts` rows that still lack one;
//   4. `_feature_layouts`: FTS index on feature_uid, scalar index on layout_uid, compact.
// Unlike lancedb's default (prune versions older than 7 days), compaction here never deletes old
// versions: every snapshot pins table versions, and pruning them would break `checkout`.
import type { Table } from '@lancedb/lancedb';
import type { Atlas } from './atlas.js';
import { silentProgress, type Progress } from './progress.js';
import { int64Data, tableFromColumns, utf8Data } from './tables/arrow-build.js';
import { loadLance, readRows, withCommitRetry } from './tables/lance.js';
import * as arrow from 'apache-arrow';

export interface OptimizeResult {
  /** Newly assigned global indices per feature space. */
  indexed: Record<string, number>;
  /** Duplicate rows removed per table. */
  deduplicated: Record<string, number>;
  /** `_feature_layouts` rows whose global_index was filled in. */
  layoutRowsSynced: number;
}

/** Compaction that keeps every old version (see the module comment). */
const KEEP_VERSIONS = { cleanupOlderThan: new Date(0) };

export async function optimize(atlas: Atlas, progress: Progress = silentProgress): Promise<OptimizeResult> {
  const { Index } = await loadLance();
  const res: OptimizeResult = { indexed: {}, deduplicated: {}, layoutRowsSynced: 0 };
  await atlas.refresh();
  progress.phase('compacting obs and dataset tables');
  await retry(atlas.obs, () => atlas.obs.optimize(KEEP_VERSIONS));
  await retry(atlas.datasets, () => atlas.datasets.optimize(KEEP_VERSIONS));
  progress.done();
  res.deduplicated[atlas.layouts.name] = await dedupeNewRows(atlas.layouts, ['layout_uid', 'feature_uid']);
  for (const [fs, table] of atlas.registries) {
    progress.phase(`indexing ${table.name}`);
    res.deduplicated[table.name] = await dedupeNewRows(table, ['uid']);
    res.indexed[fs] = await reindexRegistry(table);
    await retry(table, () => table.createIndex('uid', { config: Index.btree(), replace: true, name: 'uid_idx' }));
    await retry(table, () => table.optimize(KEEP_VERSIONS));
    res.layoutRowsSynced += await syncLayoutsGlobalIndex(atlas.layouts, table);
    progress.done();
  }
  progress.phase('indexing _feature_layouts');
  await retry(atlas.layouts, () => atlas.layouts.createIndex('feature_uid', { config: Index.fts(), replace: true, name: 'feature_uid_idx' }));
  await retry(atlas.layouts, () => atlas.layouts.createIndex('layout_uid', { config: Index.btree(), replace: true, name: 'layout_uid_idx' }));
  await retry(atlas.layouts, () => atlas.layouts.optimize(KEEP_VERSIONS));
  progress.done();
  await atlas.ensureHints();
  return res;
}

function retry<T>(table: Table, op: () => Promise<T>): Promise<T> {
  return withCommitRetry(`optimize ${table.name}`, op, () => table.checkoutLatest());
}

/**
 * homeobox `_deduplicate_new_rows`: among rows with NULL global_index, keep the first of each
 * key; delete them all and re-add the kept ones. Rows are moved as Arrow slices of what lancedb
 * returned, so any column types of a Python-made registry survive unchanged.
 */
async function dedupeNewRows(table: Table, subset: string[]): Promise<number> {
  const t = await table.query().where('global_index IS NULL').toArrow();
  if (t.numRows === 0) return 0;
  const cols = subset.map((c) => t.getChild(c));
  const seen = new Set<string>();
  const runs: [number, number][] = [];
  for (let i = 0; i < t.numRows; i++) {
    const k = cols.map((c) => String(c?.get(i))).join('\0');
    if (seen.has(k)) continue;
    seen.add(k);
    const last = runs[runs.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  const removed = t.numRows - seen.size;
  if (removed === 0) return 0;
  const kept = runs.map(([a, b]) => t.slice(a, b));
  const data = kept.length === 1 ? kept[0]! : kept[0]!.concat(...kept.slice(1));
  await retry(table, () => table.delete('global_index IS NULL'));
  await retry(table, () => table.add(data));
  return removed;
}

/** homeobox `reindex_registry`: unindexed rows get max+1 … in uid order. */
export async function reindexRegistry(table: Table): Promise<number> {
  const unindexed = (await readRows(table, { where: 'global_index IS NULL', select: ['uid'] })).map((r) => r.uid as string).sort(byCodePoint);
  if (unindexed.length === 0) return 0;
  const existing = await readRows(table, { where: 'global_index IS NOT NULL', select: ['global_index'] });
  let next = 0;
  for (const r of existing) next = Math.max(next, Number(r.global_index) + 1);
  const gi = new BigInt64Array(unindexed.length);
  for (let i = 0; i < gi.length; i++) gi[i] = BigInt(next + i);
  const schema = new arrow.Schema([new arrow.Field('uid', new arrow.Utf8(), false), new arrow.Field('global_index', new arrow.Int64(), true)]);
  const data = tableFromColumns(schema, [utf8Data(unindexed), int64Data(gi)]);
  await retry(table, () => table.mergeInsert('uid').whenMatchedUpdateAll().execute(data as never));
  return unindexed.length;
}

/** homeobox `sync_layouts_global_index`: fill NULL layout global_index from the registry. */
export async function syncLayoutsGlobalIndex(layouts: Table, registry: Table): Promise<number> {
  const gi = new Map<string, number>();
  for (const r of await readRows(registry, { where: 'global_index IS NOT NULL', select: ['uid', 'global_index'] })) gi.set(r.uid as string, Number(r.global_index));
  if (gi.size === 0) return 0;
  const stale = (await readRows(layouts, { where: 'global_index IS NULL', select: ['layout_uid', 'feature_uid', 'local_index'] })).filter((r) => gi.has(r.feature_uid as string));
  if (stale.length === 0) return 0;
  const schema = new arrow.Schema([
    new arrow.Field('layout_uid', new arrow.Utf8(), false),
    new arrow.Field('feature_uid', new arrow.Utf8(), false),
    new arrow.Field('local_index', new arrow.Int64(), false),
    new arrow.Field('global_index', new arrow.Int64(), true),
  ]);
  const data = tableFromColumns(schema, [
    utf8Data(stale.map((r) => r.layout_uid as string)),
    utf8Data(stale.map((r) => r.feature_uid as string)),
    int64Data(stale.map((r) => Number(r.local_index))),
    int64Data(stale.map((r) => gi.get(r.feature_uid as string)!)),
  ]);
  await retry(layouts, () => layouts.mergeInsert(['layout_uid', 'feature_uid']).whenMatchedUpdateAll().execute(data as never));
  return stale.length;
}

/** polars' string sort order (UTF-8 bytes = code points), not locale order. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
