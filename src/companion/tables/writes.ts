// The Lance side of an ingest, in homeobox's order and with homeobox's operations:
// register features (merge_insert on uid, existing uids skipped), the feature layout
// (merge_insert on layout_uid + feature_uid, only when the layout is new), then the dataset
// rows and the obs rows (plain appends). Every write retries commit conflicts, so concurrent
// ingests into one atlas both land.
import * as arrow from 'apache-arrow';
import type { Table } from '@lancedb/lancedb';
import type { Atlas } from '../atlas.js';
import { layoutUid, makeStableUid } from '../uids.js';
import { int64Data, nullData, tableFromColumns, utf8Data } from './arrow-build.js';
import { readRows, sqlString, withCommitRetry } from './lance.js';
import { datasetsSchema, featureLayoutsSchema, registrySchema } from './schemas.js';

export interface DatasetRow {
  dataset_uid: string;
  zarr_group: string;
  feature_space: string;
  layout_uid: string;
  created_at: string;
  dataset_name: string | null;
  source: string | null;
  source_sha256: string | null;
  n_rows: number;
}

const refresh = (t: Table) => () => t.checkoutLatest();

/** `register_features` by identity values (gene symbols…): uid = make_stable_uid(value). */
export async function registerFeatureNames(atlas: Atlas, featureSpace: string, names: readonly string[]): Promise<number> {
  const n = await registerFeatures(atlas, featureSpace, names.map((x) => makeStableUid(x)), names);
  await atlas.ensureHints([atlas.registries.get(featureSpace)!]);
  return n;
}

/** `register_features`: new uids inserted with global_index NULL; returns how many were new. */
export async function registerFeatures(atlas: Atlas, featureSpace: string, uids: readonly string[], keys: readonly string[]): Promise<number> {
  const table = atlas.registries.get(featureSpace)!;
  const key = await atlas.registryKey(featureSpace);
  // Deduplicate within the batch (keep first), as `features_df.unique(subset=["uid"], keep="first")`.
  const seen = new Set<string>();
  const u: string[] = [];
  const k: string[] = [];
  uids.forEach((uid, i) => {
    if (seen.has(uid)) return;
    seen.add(uid);
    u.push(uid);
    k.push(keys[i]!);
  });
  const schema = registrySchema(key);
  const data = tableFromColumns(schema, [utf8Data(u), nullData(schema.fields[1]!.type, u.length), utf8Data(k)]);
  // What this merge inserted (a difference of row counts would include a concurrent writer's rows).
  const merged = await withCommitRetry(`register features in ${featureSpace}_registry`, () => table.mergeInsert('uid').whenNotMatchedInsertAll().execute(data as never), refresh(table));
  return merged.numInsertedRows;
}

/** The layout of an ordered feature list; inserts its `_feature_layouts` rows if it is new. */
export async function ensureLayout(atlas: Atlas, featureSpace: string, featureUids: readonly string[], takenByOtherSpaces: readonly string[] = []): Promise<string> {
  let lid = layoutUid(featureUids);
  // homeobox's layout id hashes the uids alone, and uids come from names alone, so a protein panel
  // named and ordered like a gene panel gets the gene layout's id; their rows can hold only one
  // space's global indices (homeobox would read the proteins at the genes' columns). Such a
  // layout takes an id salted with its space instead: readers follow the dataset row's layout_uid.
  if (takenByOtherSpaces.includes(lid) || (await usedByAnotherSpace(atlas, lid, featureSpace))) lid = layoutUid(featureUids, featureSpace);
  const layouts = atlas.layouts;
  if ((await layouts.countRows(`layout_uid = ${sqlString(lid)}`)) > 0) return lid;
  const registry = atlas.registries.get(featureSpace)!;
  const indexed = new Map<string, number>();
  for (const r of await readRows(registry, { select: ['uid', 'global_index'], where: 'global_index IS NOT NULL' })) {
    indexed.set(r.uid as string, Number(r.global_index));
  }
  const n = featureUids.length;
  const gi: (number | null)[] = featureUids.map((u) => indexed.get(u) ?? null);
  const local = new BigInt64Array(n);
  for (let i = 0; i < n; i++) local[i] = BigInt(i);
  const data = tableFromColumns(featureLayoutsSchema(), [utf8Data(featureUids.map(() => lid)), utf8Data(featureUids), int64Data(local), int64Data(gi)]);
  await withCommitRetry(
    'insert feature layout',
    () => layouts.mergeInsert(['layout_uid', 'feature_uid']).whenNotMatchedInsertAll().execute(data as never),
    refresh(layouts),
  );
  return lid;
}

/** Whether a dataset of another feature space already uses layout `lid`. */
async function usedByAnotherSpace(atlas: Atlas, lid: string, featureSpace: string): Promise<boolean> {
  await atlas.datasets.checkoutLatest();
  const rows = await readRows(atlas.datasets, { where: `layout_uid = ${sqlString(lid)} AND feature_space <> ${sqlString(featureSpace)}`, select: ['feature_space'], limit: 1 });
  return rows.length > 0;
}

export async function addDatasetRows(atlas: Atlas, rows: readonly DatasetRow[]): Promise<void> {
  const s = datasetsSchema();
  const col = (k: keyof DatasetRow) => rows.map((r) => r[k] as string | null);
  const data = tableFromColumns(s, [
    utf8Data(col('dataset_uid')),
    utf8Data(col('zarr_group')),
    utf8Data(col('feature_space')),
    utf8Data(col('layout_uid')),
    utf8Data(col('created_at')),
    utf8Data(col('dataset_name')),
    utf8Data(col('source')),
    utf8Data(col('source_sha256')),
    int64Data(rows.map((r) => r.n_rows)),
  ]);
  await withCommitRetry('add dataset rows', () => atlas.datasets.add(data as never), refresh(atlas.datasets));
}

export async function addObsRows(atlas: Atlas, data: arrow.Table): Promise<void> {
  const rows = withoutAllNullBools(data);
  await withCommitRetry('add obs rows', () => atlas.obs.add(rows as never), refresh(atlas.obs));
}

/**
 * `data` without its nullable Bool columns whose every value is null. apache-arrow's IPC writer,
 * which LanceDB's `add` serialises through, gives such a column an empty values buffer, and
 * LanceDB's reader (arrow-rs) refuses the whole batch ("Need at least 63 bytes for bitmap in
 * buffers[0] in array of type Boolean"): a schema's bool field that an input lacks, or holds only
 * as NA, failed the ingest. Lance stores a nullable column an append leaves out as nulls. The obs
 * writer sends one record batch, so a column is all null in the batch exactly when in the table.
 */
export function withoutAllNullBools(data: arrow.Table): arrow.Table {
  const n = data.numRows;
  if (n === 0) return data;
  const keep = data.schema.fields.filter((f) => !(f.type instanceof arrow.Bool && f.nullable && data.getChild(f.name)!.nullCount === n));
  return keep.length === data.schema.fields.length ? data : data.select(keep.map((f) => f.name));
}

/**
 * The dataset row an ingest of the same name and input content left, if any. `nRows` is what it
 * recorded (undefined in tables without the column, as older writers' are): 0 marks a finished
 * ingest of an empty input, which has no obs rows by right.
 */
export async function findSameIngest(atlas: Atlas, name: string, sha: string): Promise<{ dataset_uid: string; created_at: string; nRows?: number } | undefined> {
  await atlas.datasets.checkoutLatest();
  const hasNRows = (await atlas.datasets.schema()).fields.some((f) => f.name === 'n_rows');
  const rows = await readRows(atlas.datasets, {
    where: `dataset_name = ${sqlString(name)} AND source_sha256 = ${sqlString(sha)}`,
    select: ['dataset_uid', 'created_at', ...(hasNRows ? ['n_rows'] : [])],
    limit: 1,
  });
  const r = rows[0];
  if (!r) return undefined;
  return { dataset_uid: r.dataset_uid as string, created_at: r.created_at as string, ...(r.n_rows == null ? {} : { nRows: Number(r.n_rows) }) };
}
