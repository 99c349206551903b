// `snapshot` and `versions`: homeobox's RaggedAtlas.snapshot() / list_versions().
//
// A snapshot pins the Lance manifest version of every managed table (obs, datasets,
// registries, _feature_layouts) in one `atlas_versions` row. Versions are read first and every
// table is then pinned (checked out) at them, so validation and `total_rows` see exactly the
// state being recorded even while another process keeps ingesting. Validation is homeobox's;
// any error refuses the snapshot with a ValidationError listing all problems.
import { ValidationError } from '../errors.js';
import type { Atlas } from './atlas.js';
import { silentProgress, type Progress } from './progress.js';
import { int64Data, tableFromColumns, utf8Data } from './tables/arrow-build.js';
import { readRows, withCommitRetry } from './tables/lance.js';
import { atlasVersionsSchema } from './tables/schemas.js';
import { latestRecord, recordedObsTables } from './tables/version-records.js';
import { pythonUtcNow } from './uids.js';
import { validateAtlas, type ValidationReport } from './validate.js';

export interface AtlasVersionRecord {
  version: number;
  obs_table_versions: string;
  dataset_table_name: string;
  dataset_table_version: number;
  registry_table_names: string;
  registry_table_versions: string;
  feature_layouts_table_version: number;
  total_rows: number;
  created_at: string;
}

export interface SnapshotResult {
  record: AtlasVersionRecord;
  report: ValidationReport;
}

/**
 * `obs_table_versions` of the new record: ours at its pinned version, and every other obs table
 * the latest record lists (an atlas homeobox made with several) at its current version, in the
 * recorded order. homeobox's checkout opens only the tables a record lists, so leaving one out
 * would hide it at this snapshot.
 */
async function obsTableVersions(atlas: Atlas, ours: number): Promise<Record<string, number>> {
  const recorded = recordedObsTables(latestRecord(await readRows(atlas.versions, { select: ['version', 'obs_table_versions'] }).catch(() => [])));
  const existing = new Set(await atlas.db.tableNames());
  const out: Record<string, number> = {};
  for (const name of recorded.includes(atlas.config.obsTable) ? recorded : [atlas.config.obsTable, ...recorded]) {
    if (name === atlas.config.obsTable) out[name] = ours;
    else if (existing.has(name)) {
      const t = await atlas.db.openTable(name);
      out[name] = await t.version();
      t.close();
    }
  }
  return out;
}

export async function snapshot(atlas: Atlas, progress: Progress = silentProgress): Promise<SnapshotResult> {
  progress.phase('snapshot: pinning table versions');
  await atlas.refresh();
  const tables = atlas.managedTables();
  const pinned = new Map<string, number>();
  for (const t of tables) pinned.set(t.name, await t.version());
  try {
    for (const t of tables) await t.checkout(pinned.get(t.name)!);
    progress.phase('snapshot: validating');
    const report = await validateAtlas(atlas);
    if (report.errors.length) throw new ValidationError(report.errors, { where: atlas.root });
    const totalRows = await atlas.obs.countRows();
    const registries = [...atlas.registries];
    const record: Omit<AtlasVersionRecord, 'version'> = {
      obs_table_versions: pyJsonDumps(await obsTableVersions(atlas, pinned.get(atlas.obs.name)!)),
      dataset_table_name: atlas.datasets.name,
      dataset_table_version: pinned.get(atlas.datasets.name)!,
      registry_table_names: pyJsonDumps(Object.fromEntries(registries.map(([fs, t]) => [fs, t.name]))),
      registry_table_versions: pyJsonDumps(Object.fromEntries(registries.map(([fs, t]) => [fs, pinned.get(t.name)!]))),
      feature_layouts_table_version: pinned.get(atlas.layouts.name)!,
      total_rows: totalRows,
      created_at: pythonUtcNow(),
    };
    progress.phase('snapshot: recording');
    // merge_insert on `version` turns ours into a no-op when a snapshot committed the same number
    // before we read; two inserts racing both land (Lance sees no conflict between appends). So
    // after committing, the row committed first (the lowest row address) keeps the number and a
    // later one withdraws and takes the next: the earlier commit never loses its number.
    let version = -1;
    for (let attempt = 0; version < 0; attempt++) {
      if (attempt > 20) throw new Error('could not record the snapshot: version numbers kept colliding');
      const inserted = await withCommitRetry(
        'record snapshot',
        async () => {
          await atlas.versions.checkoutLatest();
          const existing = await readRows(atlas.versions, { select: ['version'] });
          const next = existing.reduce((m, r) => Math.max(m, Number(r.version) + 1), 0);
          const r = await atlas.versions.mergeInsert('version').whenNotMatchedInsertAll().execute(versionRow({ version: next, ...record }) as never);
          return r.numInsertedRows === 1 ? next : -1;
        },
        () => atlas.versions.checkoutLatest(),
      );
      if (inserted >= 0 && (await keepsNumber(atlas, { version: inserted, ...record }))) version = inserted;
    }
    await atlas.ensureHints([atlas.versions]);
    progress.done();
    return { record: { version, ...record }, report };
  } finally {
    for (const t of tables) await t.checkoutLatest();
  }
}

/**
 * Whether our just-committed row keeps its version number: yes unless a row committed before it
 * (a lower row address) holds the same number with other contents, in which case ours is deleted.
 * A copy identical to the first (two processes recording the same pins in the same microsecond)
 * is removed too; it says nothing the first does not.
 */
async function keepsNumber(atlas: Atlas, ours: AtlasVersionRecord): Promise<boolean> {
  await atlas.versions.checkoutLatest();
  const t = await atlas.versions.query().where(`version = ${ours.version}`).withRowId().toArrow();
  if (t.numRows <= 1) return true;
  const rows = Array.from({ length: t.numRows }, (_, i) => ({ rowid: t.getChild('_rowid')!.get(i) as bigint, same: RECORD_FIELDS.every((f) => String(t.getChild(f)!.get(i)) === String(ours[f])) }));
  rows.sort((a, b) => (a.rowid < b.rowid ? -1 : a.rowid > b.rowid ? 1 : 0));
  const mine = rows.slice(1).find((r) => r.same);
  if (mine) await withCommitRetry('withdraw a colliding snapshot row', () => atlas.versions.delete(`_rowid = ${mine.rowid}`), () => atlas.versions.checkoutLatest());
  return rows[0]!.same;
}

const RECORD_FIELDS = [
  'version',
  'obs_table_versions',
  'dataset_table_name',
  'dataset_table_version',
  'registry_table_names',
  'registry_table_versions',
  'feature_layouts_table_version',
  'total_rows',
  'created_at',
] as const satisfies readonly (keyof AtlasVersionRecord)[];

/** All snapshot rows, sorted by version (homeobox `list_versions`). */
export async function listVersions(atlas: Atlas): Promise<AtlasVersionRecord[]> {
  await atlas.versions.checkoutLatest();
  const rows = await readRows(atlas.versions);
  return rows
    .map((r) => ({
      version: Number(r.version),
      obs_table_versions: r.obs_table_versions as string,
      dataset_table_name: r.dataset_table_name as string,
      dataset_table_version: Number(r.dataset_table_version),
      registry_table_names: r.registry_table_names as string,
      registry_table_versions: r.registry_table_versions as string,
      feature_layouts_table_version: Number(r.feature_layouts_table_version),
      total_rows: Number(r.total_rows),
      created_at: r.created_at as string,
    }))
    .sort((a, b) => a.version - b.version);
}

function versionRow(r: AtlasVersionRecord) {
  const s = atlasVersionsSchema();
  const i = (v: number) => int64Data(BigInt64Array.of(BigInt(v)));
  const u = (v: string) => utf8Data([v]);
  return tableFromColumns(s, [
    i(r.version),
    u(r.obs_table_versions),
    u(r.dataset_table_name),
    i(r.dataset_table_version),
    u(r.registry_table_names),
    u(r.registry_table_versions),
    i(r.feature_layouts_table_version),
    i(r.total_rows),
    u(r.created_at),
  ]);
}

/** Python `json.dumps(obj)` for flat dicts of str/int: `{"cells": 3, "x": "y"}` (ensure_ascii). */
export function pyJsonDumps(obj: Record<string, string | number>): string {
  const s = (x: string) => JSON.stringify(x).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  return '{' + Object.entries(obj).map(([k, v]) => `${s(k)}: ${typeof v === 'number' ? String(v) : s(v)}`).join(', ') + '}';
}
