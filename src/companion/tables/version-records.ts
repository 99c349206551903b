// atlas_versions rows as the companion reads them back: the newest record, the obs tables it pins
// (0.2.4+ `obs_table_versions` JSON, or the 0.2.0–0.2.3 `cell_table_name`), and every table it pins.
import type { Plain } from './lance.js';

type Row = Record<string, Plain>;

/** The row with the highest `version`, if any. */
export function latestRecord(rows: readonly Row[]): Row | undefined {
  return rows.reduce<Row | undefined>((a, r) => (!a || Number(r.version) > Number(a.version) ? r : a), undefined);
}

/** The obs tables a record pins, in its order; none for an unreadable record (validate reports it). */
export function recordedObsTables(record: Row | undefined): string[] {
  return record ? obsPins(record).map(([name]) => name) : [];
}

/** A JSON object field of a record, or {} when it is absent or does not parse. */
function jsonField(v: Plain | undefined): Record<string, unknown> {
  try {
    return v ? (JSON.parse(String(v)) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The obs tables a record pins: 0.2.4+ `obs_table_versions` JSON, or 0.2.0–0.2.3 `cell_table_name`. */
function obsPins(record: Row): [string, number][] {
  if (record.obs_table_versions) return Object.entries(jsonField(record.obs_table_versions)).map(([name, v]) => [name, Number(v)]);
  return record.cell_table_name ? [[String(record.cell_table_name), Number(record.cell_table_version)]] : [];
}

/**
 * Every (table, Lance version) a record pins: its obs tables, datasets, registries and
 * `_feature_layouts`. Fields it lacks or cannot parse are left out (validate reads what it can).
 */
export function recordedPins(record: Row): [string, number][] {
  const out = obsPins(record);
  if (record.dataset_table_name) out.push([String(record.dataset_table_name), Number(record.dataset_table_version)]);
  const versions = jsonField(record.registry_table_versions);
  for (const [fs, name] of Object.entries(jsonField(record.registry_table_names))) if (fs in versions) out.push([String(name), Number(versions[fs])]);
  if (record.feature_layouts_table_version != null) out.push(['_feature_layouts', Number(record.feature_layouts_table_version)]);
  return out.filter(([, v]) => Number.isInteger(v));
}
