// An `atlas_versions` row, normalised across homeobox releases (format reference §2.6, §2.7):
//  - 0.2.4+ : obs_table_versions (JSON {table: version}), total_rows
//  - 0.2.0–0.2.3 : cell_table_name + cell_table_version, total_cells, zarr_store_uri
import type { Table } from 'apache-arrow';
import { CorruptDataError } from '../errors.js';

export interface SnapshotRecord {
  version: number;
  /** Lance version pinned for each obs table (one table before 0.2.4). */
  obsTableVersions: Record<string, number>;
  datasetTableName: string;
  datasetTableVersion: number;
  /** feature space → registry table name */
  registryTableNames: Record<string, string>;
  /** feature space → pinned Lance version */
  registryTableVersions: Record<string, number>;
  featureLayoutsTableVersion: number;
  totalRows: number;
  createdAt: string;
  /** 0.2.0–0.2.3 only: where the zarr store lives, when it is not `{atlas}/zarr_store`. */
  zarrStoreUri?: string;
  /** Which record layout the row used. */
  layout: 'v0.2.4+' | 'v0.2.0-0.2.3';
}

export function parseSnapshotRecords(table: Table, where = 'atlas_versions'): SnapshotRecord[] {
  const names = new Set(table.schema.fields.map((f) => f.name));
  const legacy = !names.has('obs_table_versions') && names.has('cell_table_name');
  const required = legacy
    ? ['version', 'cell_table_name', 'cell_table_version', 'dataset_table_name', 'dataset_table_version', 'registry_table_names', 'registry_table_versions', 'feature_layouts_table_version']
    : ['version', 'obs_table_versions', 'dataset_table_name', 'dataset_table_version', 'registry_table_names', 'registry_table_versions', 'feature_layouts_table_version'];
  const missing = required.filter((c) => !names.has(c));
  if (missing.length) throw new CorruptDataError(`snapshot table lacks columns ${missing.join(', ')}`, { where });
  const out: SnapshotRecord[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row = (c: string) => table.getChild(c)?.get(i);
    const rowWhere = `${where} row ${i}`;
    const version = toInt(row('version'), 'version', rowWhere);
    out.push({
      version,
      obsTableVersions: legacy
        ? { [String(row('cell_table_name'))]: toInt(row('cell_table_version'), 'cell_table_version', rowWhere) }
        : mapOf(row('obs_table_versions'), 'obs_table_versions', rowWhere, (v) => toInt(v, 'obs_table_versions', rowWhere)),
      datasetTableName: String(row('dataset_table_name')),
      datasetTableVersion: toInt(row('dataset_table_version'), 'dataset_table_version', rowWhere),
      registryTableNames: mapOf(row('registry_table_names'), 'registry_table_names', rowWhere, String),
      registryTableVersions: mapOf(row('registry_table_versions'), 'registry_table_versions', rowWhere, (v) => toInt(v, 'registry_table_versions', rowWhere)),
      featureLayoutsTableVersion: toInt(row('feature_layouts_table_version'), 'feature_layouts_table_version', rowWhere),
      totalRows: toInt(row(legacy ? 'total_cells' : 'total_rows') ?? 0, 'total_rows', rowWhere),
      createdAt: String(row('created_at') ?? ''),
      ...(legacy && row('zarr_store_uri') ? { zarrStoreUri: String(row('zarr_store_uri')) } : {}),
      layout: legacy ? 'v0.2.0-0.2.3' : 'v0.2.4+',
    });
  }
  return out.sort((a, b) => a.version - b.version);
}

function toInt(v: unknown, what: string, where: string): number {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new CorruptDataError(`${what} is not a non-negative integer: ${String(v)}`, { where });
  return n;
}

function mapOf<T>(v: unknown, what: string, where: string, conv: (x: unknown) => T): Record<string, T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(v));
  } catch (err) {
    throw new CorruptDataError(`${what} is not JSON: ${String(v).slice(0, 80)}`, { where }, { cause: err });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CorruptDataError(`${what} is not a JSON object`, { where });
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, x]) => [k, conv(x)]));
}
