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
