// `optimize`: homeobox's RaggedAtlas.optimize(), step for step:
//   1. compact the obs and dataset tables;
//   2. drop duplicate rows of `_feature_layouts` (on layout_uid + feature_uid) and of each
//      registry (on uid) — concurrent ingests may both insert the same new gene or layout (unlike
//      homeobox, indexed duplicates too, and by row address in one commit: see dedupeRows);
//   3. per registry: (companion) clear global indices two uids share (a race of two optimizes:
//      unindexConflicts), assign `global_index` to unindexed rows, `max(existing) + 1 …` in uid
//      order (no other row is renumbered), scalar index on uid, compact, and copy the new indices
//      into `_feature_layouts` rows that still lack one;
//   4. `_feature_layouts`: FTS index on feature_uid, scalar index on layout_uid, compact.
// Unlike lancedb's default (prune versions older than 7 days), compaction here never deletes old
// versions: every snapshot pins table versions, and pruning them would break `checkout`.
import type { Table } from '@lancedb/lancedb';
import type { Atlas } from './atlas.js';
import { silentProgress, type Progress } from './progress.js';
import { int64Data, tableFromColumns, utf8Data } from './tables/arrow-build.js';
import { indexConflicts } from './tables/index-conflicts.js';
import { loadLance, readRows, sqlString, withCommitRetry } from './tables/lance.js';
import * as arrow from 'apache-arrow';

export interface OptimizeResult {
  /** Newly assigned global indices per feature space. */
  indexed: Record<string, number>;
  /** Duplicate rows removed per table. */
  deduplicated: Record<string, number>;
  /** `_feature_layouts` rows whose global_index was filled in. */
  layoutRowsSynced: number;
  /** Per feature space, features whose global_index was in conflict and is assigned afresh (unindexConflicts). */
  renumbered: Record<string, number>;
}

/** Compaction that keeps every old version (see the module comment). */
const KEEP_VERSIONS = { cleanupOlderThan: new Date(0) };

export async function optimize(atlas: Atlas, progress: Progress = silentProgress): Promise<OptimizeResult> {
  const { Index } = await loadLance();
  const res: OptimizeResult = { indexed: {}, deduplicated: {}, layoutRowsSynced: 0, renumbered: {} };
  await atlas.refresh();
  progress.phase('compacting obs and dataset tables');
  await retry(atlas.obs, () => atlas.obs.optimize(KEEP_VERSIONS));
  await retry(atlas.datasets, () => atlas.datasets.optimize(KEEP_VERSIONS));
  progress.done();
  res.deduplicated[atlas.layouts.name] = await dedupeRows(atlas.layouts, ['layout_uid', 'feature_uid']);
  for (const [fs, table] of atlas.registries) {
    progress.phase(`indexing ${table.name}`);
    const spaceLayouts = new Set((await readRows(atlas.datasets, { where: `feature_space = ${sqlString(fs)}`, select: ['layout_uid'] })).map((r) => r.layout_uid as string));
    res.renumbered[fs] = (await unindexConflicts(table, atlas.layouts, spaceLayouts)).renumbered;
    res.deduplicated[table.name] = await dedupeRows(table, ['uid']);
    res.indexed[fs] = await reindexRegistry(table);
    res.layoutRowsSynced += await syncLayoutsGlobalIndex(atlas.layouts, table, spaceLayouts);
    // Another optimize that numbered alongside this one shows now (or a layout row disagrees with
    // the registry): repaired before anything pins it.
    for (let round = 0; round < 3; round++) {
      const late = await unindexConflicts(table, atlas.layouts, spaceLayouts);
      if (late.renumbered === 0 && late.layoutRowsCleared === 0) break;
      res.renumbered[fs] += late.renumbered;
      res.indexed[fs] += await reindexRegistry(table);
      res.layoutRowsSynced += await syncLayoutsGlobalIndex(atlas.layouts, table, spaceLayouts);
    }
    await retry(table, () => table.createIndex('uid', { config: Index.btree(), replace: true, name: 'uid_idx' }));
    await retry(table, () => table.optimize(KEEP_VERSIONS));
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
 * homeobox `_deduplicate_new_rows`, made safe to interrupt and to run beside writers. homeobox
 * deletes every unindexed row and re-adds one per key: two commits, and a kill between them loses
 * every new feature for good (the atlas then fails every snapshot). Here only the extra rows are
 * deleted, by row address (`_rowid`), in one commit per batch: an interrupted run leaves at most
 * some duplicates for the next one, never fewer rows than keys. Addresses are never reused (a
 * compaction writes new fragments), so a stale one deletes nothing.
 *
 * Indexed rows are de-duplicated too: two ingests that add the same layout (or the same new gene,
 * indexed later by one mergeInsert) at once leave duplicates with a global_index, which homeobox's
 * null-only pass never removes and every snapshot then refuses. Per key the first indexed row is
 * kept, else the first row. Rows of one key with different global indices are left alone: which is
 * right is not ours to guess (validate names them).
 */
async function dedupeRows(table: Table, subset: string[]): Promise<number> {
  const t = await table.query().select([...subset, 'global_index']).withRowId().toArrow();
  if (t.numRows === 0) return 0;
  const cols = subset.map((c) => t.getChild(c)!);
  const gi = t.getChild('global_index')!;
  const rowid = t.getChild('_rowid')!;
  const kept = new Map<string, { row: number; index: unknown }>();
  const extra: bigint[] = [];
  for (let i = 0; i < t.numRows; i++) {
    const key = cols.map((c) => String(c.get(i))).join('\0');
    const index = gi.get(i) ?? null;
    const k = kept.get(key);
    if (!k) kept.set(key, { row: i, index });
    else if (k.index === null) {
      extra.push(rowid.get(k.row) as bigint); // an unindexed row gives way to a later indexed one
      kept.set(key, { row: i, index });
    } else if (index === null || String(index) === String(k.index)) extra.push(rowid.get(i) as bigint);
  }
  for (let b = 0; b < extra.length; b += DELETE_BATCH) {
    const ids = extra.slice(b, b + DELETE_BATCH).join(',');
    await retry(table, () => table.delete(`_rowid IN (${ids})`));
  }
  return extra.length;
}

/** Row addresses per delete predicate (a `_rowid IN (…)` list of ~150 KB). */
const DELETE_BATCH = 8192;

/**
 * homeobox `reindex_registry`: unindexed rows get max+1 … in uid order. The rows are read again on
 * every attempt (a commit conflict means another writer moved on), so a retry never replays
 * numbers taken from a state another optimize has since changed.
 */
export async function reindexRegistry(table: Table): Promise<number> {
  return retry(table, async () => {
    const unindexed = (await readRows(table, { where: 'global_index IS NULL', select: ['uid'] })).map((r) => r.uid as string).sort(byCodePoint);
    if (unindexed.length === 0) return 0;
    const existing = await readRows(table, { where: 'global_index IS NOT NULL', select: ['global_index'] });
    let next = 0;
    for (const r of existing) next = Math.max(next, Number(r.global_index) + 1);
    const gi = new BigInt64Array(unindexed.length);
    for (let i = 0; i < gi.length; i++) gi[i] = BigInt(next + i);
    const schema = new arrow.Schema([new arrow.Field('uid', new arrow.Utf8(), false), new arrow.Field('global_index', new arrow.Int64(), true)]);
    const data = tableFromColumns(schema, [utf8Data(unindexed), int64Data(gi)]);
    // (A `where: 'target.global_index IS NULL'` condition would be the natural guard here, but
    // lance 0.39's merge_insert panics on a conditional update with a partial schema: races are
    // found and repaired by unindexConflicts instead.)
    await table.mergeInsert('uid').whenMatchedUpdateAll().execute(data as never);
    return unindexed.length;
  });
}

/**
 * Two optimize runs that overlap a new ingest can still number different features alike (each
 * reads the same maximum; their updates touch different fragments, so Lance sees no conflict),
 * and queries would then add those features' counts into one column. Every global_index held by
 * more than one uid, or uid holding more than one, is cleared (the smallest uid keeps a shared
 * index), so this run's reindex and layout sync assign it afresh. Layout rows are cleared first:
 * an interrupted repair leaves the registry conflict for the next run to find again, never a layout
 * row with an index its registry no longer gives. Layout rows whose index differs from the
 * registry's are cleared too. Snapshots already taken pinned older versions and are untouched.
 */
async function unindexConflicts(registry: Table, layouts: Table, spaceLayouts: Set<string>): Promise<{ renumbered: number; layoutRowsCleared: number }> {
  const { indexOf, shared, split } = indexConflicts(await readRows(registry, { where: 'global_index IS NOT NULL', select: ['uid', 'global_index'] }));
  const cleared = new Set<string>();
  for (const [, uids] of shared) [...uids].sort(byCodePoint).slice(1).forEach((u) => cleared.add(u));
  for (const [u] of split) cleared.add(u);
  const stale = new Set(cleared);
  // Layouts of this space only: a name two spaces share has one uid in both (homeobox's uids come
  // from the name alone), each with its own index.
  // Column vectors, not row objects: an atlas of many layouts has millions of layout rows.
  const t = await layouts.query().where('global_index IS NOT NULL').select(['layout_uid', 'feature_uid', 'global_index']).toArrow();
  const [lid, fuid, gi] = ['layout_uid', 'feature_uid', 'global_index'].map((c) => t.getChild(c)!);
  for (let i = 0; i < t.numRows; i++) {
    if (!spaceLayouts.has(lid!.get(i) as string)) continue;
    const is = indexOf.get(fuid!.get(i) as string);
    if (is && !is.has(String(gi!.get(i)))) stale.add(fuid!.get(i) as string);
  }
  const clear = async (table: Table, column: string, uids: Set<string>, within?: Set<string>) => {
    const list = [...uids];
    if (within?.size === 0) return;
    const scope = within ? ` AND layout_uid IN (${[...within].map(sqlString).join(',')})` : '';
    for (let b = 0; b < list.length; b += DELETE_BATCH) {
      const where = `${column} IN (${list.slice(b, b + DELETE_BATCH).map(sqlString).join(',')})${scope}`;
      await retry(table, () => table.update({ where, valuesSql: { global_index: 'NULL' } }));
    }
  };
  await clear(layouts, 'feature_uid', stale, spaceLayouts);
  await clear(registry, 'uid', cleared);
  return { renumbered: cleared.size, layoutRowsCleared: stale.size };
}

/**
 * homeobox `sync_layouts_global_index`: fill NULL layout global_index from the registry — here only
 * in `layoutUids`, the layouts of the registry's feature space, when given. homeobox fills every
 * NULL row whose feature uid the registry holds; uids come from names alone, so a CITE-seq protein
 * named like a gene (CD4, CD14) took the gene's global index in its protein layout.
 */
export async function syncLayoutsGlobalIndex(layouts: Table, registry: Table, layoutUids?: ReadonlySet<string>): Promise<number> {
  const gi = new Map<string, number>();
  for (const r of await readRows(registry, { where: 'global_index IS NOT NULL', select: ['uid', 'global_index'] })) gi.set(r.uid as string, Number(r.global_index));
  if (gi.size === 0) return 0;
  const stale = (await readRows(layouts, { where: 'global_index IS NULL', select: ['layout_uid', 'feature_uid', 'local_index'] })).filter(
    (r) => gi.has(r.feature_uid as string) && (!layoutUids || layoutUids.has(r.layout_uid as string)),
  );
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
