// atlas_versions rows as the companion reads them back: the newest record, and the obs tables it
// pins (0.2.4+ `obs_table_versions` JSON, or the 0.2.0–0.2.3 `cell_table_name`).
import type { Plain } from './lance.js';

type Row = Record<string, Plain>;

/** The row with the highest `version`, if any. */
export function latestRecord(rows: readonly Row[]): Row | undefined {
  return rows.reduce<Row | undefined>((a, r) => (!a || Number(r.version) > Number(a.version) ? r : a), undefined);
}

/** The obs tables a record pins, in its order; none for an unreadable record (validate reports it). */
export function recordedObsTables(record: Row | undefined): string[] {
  if (!record) return [];
  try {
    if (record.obs_table_versions) return Object.keys(JSON.parse(String(record.obs_table_versions)) as object);
  } catch {
    return [];
  }
  return record.cell_table_name ? [String(record.cell_table_name)] : [];
}

/**
 * Every (table, Lance version) a record pins: its obs tables, datasets, registries and
 * `_feature_layouts`. Fields it lacks or cannot parse are left out (validate reads what it can).
 */
export function recordedPins(record: Row): [string, number][] {
  const out: [string, number][] = [];
  const json = (v: Plain | undefined): Record<string, unknown> => {
    try {
      return v ? (JSON.parse(String(v)) as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  if (record.obs_table_versions) for (const [name, v] of Object.entries(json(record.obs_table_versions))) out.push([name, Number(v)]);
  else if (record.cell_table_name) out.push([String(record.cell_table_name), Number(record.cell_table_version)]);
  if (record.dataset_table_name) out.push([String(record.dataset_table_name), Number(record.dataset_table_version)]);
  const names = json(record.registry_table_names);
  const versions = json(record.registry_table_versions);
  for (const [fs, name] of Object.entries(names)) if (fs in versions) out.push([String(name), Number(versions[fs])]);
  if (record.feature_layouts_table_version != null) out.push(['_feature_layouts', Number(record.feature_layouts_table_version)]);
  return out.filter(([, v]) => Number.isInteger(v));
}
