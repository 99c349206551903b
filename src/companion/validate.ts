// `validate`: homeobox's RaggedAtlas.validate() — the checks `snapshot` runs — plus two
// companion checks that matter after crashes and concurrent writers:
//   errors (homeobox):  unknown pointer feature spaces; registry rows without global_index;
//                       zarr groups that break their spec (required arrays, ndim, dtype,
//                       required/allowed layers, equal layer shapes, match_shape_of), and
//                       (companion) zarr.json the reader would refuse, recorded shards missing
//                       from the store or of another size;
//                       `_feature_layouts` rows: count (dense groups), null or duplicate
//                       feature_uid, null global_index, uids missing from the registry;
//                       (companion) a global_index two uids share, or a layout row whose index
//                       is not its registry's (a race of two optimize runs).
//   warnings (companion): orphaned zarr groups — directories under zarr_store/ that no dataset
//                       row references (an ingest killed before its Lance commit, or one still
//                       running) — dataset rows that no obs row points at, and unfinished csc/
//                       copies.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Atlas } from './atlas.js';
import { layersPath, layerSpecs, type ArraySpec, type FeatureSpaceSpec, type ZarrGroupSpec } from './feature-spaces.js';
import { readRows, sqlString } from './tables/lance.js';
import type { ArrayInfo } from './zarr-writer/array-reader.js';
import { parseArrayMetadata, parseGroupMetadata, parseJsonBytes } from '../zarr/metadata.js';
import { HINTS_ATTRIBUTE } from '../zarr/size-hints.js';
import { isRaggedAtlasError } from '../errors.js';
import { exists } from './zarr-writer/group.js';
import { hasCscCopy } from './csc.js';
import { indexConflicts } from './tables/index-conflicts.js';
import { recordedPins } from './tables/version-records.js';

export interface ValidationReport {
  errors: string[];
  warnings: string[];
  /** zarr group paths (relative to zarr_store/) that no dataset row references. */
  orphanedGroups: string[];
}

export interface ValidateOptions {
  checkZarr?: boolean;
  checkLayouts?: boolean;
  checkRegistries?: boolean;
  /** Companion checks (orphans, dataset rows without obs rows). Default true. */
  checkOrphans?: boolean;
  /** Recorded snapshots: a version number recorded twice, pins LanceDB's cleanup removed. Default true. */
  checkSnapshots?: boolean;
}

export async function validateAtlas(atlas: Atlas, opts: ValidateOptions = {}): Promise<ValidationReport> {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const p of atlas.obsDef.pointers) {
    if (!atlas.specs.has(p.featureSpace)) errors.push(`pointer field '${p.name}': no spec registered for feature space '${p.featureSpace}'`);
  }
  if (opts.checkRegistries !== false) {
    for (const [fs, t] of atlas.registries) {
      const nulls = await t.countRows('global_index IS NULL');
      if (nulls > 0) errors.push(`Registry '${fs}': ${nulls} row(s) have no global_index. Run optimize to fix.`);
      errors.push(...indexConflictErrors(fs, await readRows(t, { where: 'global_index IS NOT NULL', select: ['uid', 'global_index'] })));
    }
  }
  const datasets = await readRows(atlas.datasets, { select: ['dataset_uid', 'zarr_group', 'feature_space', 'layout_uid', 'n_rows'] });
  const groupsBySpace = new Map<string, Set<string>>();
  for (const d of datasets) {
    const fs = d.feature_space as string;
    if (!groupsBySpace.has(fs)) groupsBySpace.set(fs, new Set());
    groupsBySpace.get(fs)!.add(d.zarr_group as string);
  }
  if (opts.checkZarr !== false) {
    for (const [fs, groups] of groupsBySpace) {
      if (!atlas.specs.has(fs)) {
        errors.push(`datasets: feature space '${fs}' has no registered spec`);
        continue;
      }
      for (const zg of groups) for (const e of await validateGroup(atlas.zarrDir, zg, atlas.spec(fs).group)) errors.push(`zarr group '${zg}': ${e}`);
    }
  }
  if (opts.checkLayouts !== false) errors.push(...(await validateLayouts(atlas, datasets, groupsBySpace)));
  let orphanedGroups: string[] = [];
  if (opts.checkOrphans !== false) {
    // A group only an older snapshot's dataset rows reference is that snapshot's data, not an orphan.
    const referenced = new Set([...datasets.map((d) => d.zarr_group as string), ...(await snapshotGroups(atlas))]);
    orphanedGroups = await findOrphans(atlas.zarrDir, referenced);
    for (const g of orphanedGroups) {
      warnings.push(`orphaned zarr group '${g}': no dataset row references it (an interrupted or running ingest; once no ingest runs, deleting ${join(atlas.zarrDir, g)} loses nothing)`);
    }
    for (const d of datasets) {
      const fields = atlas.obsDef.pointers.filter((p) => p.featureSpace === d.feature_space);
      let n = 0;
      for (const f of fields) n += await atlas.obs.countRows(`${f.name}.zarr_group = ${sqlString(d.zarr_group as string)}`);
      // A dataset of 0 cells legitimately has none (n_rows, absent in other writers' tables, says so).
      if (fields.length > 0 && n === 0 && Number(d.n_rows ?? 1) !== 0) {
        warnings.push(`dataset row for zarr group '${d.zarr_group}' (${d.feature_space}) has no obs rows (an interrupted ingest: running the same ingest again replaces it)`);
      }
      // An unfinished CSC copy (add-csc interrupted): readers ignore it and read CSR.
      const zg = d.zarr_group as string;
      if ((await exists(join(atlas.zarrDir, zg, 'csc'))) && !(await hasCscCopy(atlas.zarrDir, zg, []))) {
        warnings.push(`zarr group '${zg}' has an unfinished csc/ copy (an interrupted add-csc; queries read CSR): run add-csc --all to finish it`);
      }
    }
  }
  if (opts.checkSnapshots !== false) warnings.push(...(await snapshotWarnings(atlas)));
  return { errors, warnings, orphanedGroups };
}

/** homeobox ZarrGroupSpec.validate_group, on zarr.json metadata only. */
export async function validateGroup(zarrRoot: string, zg: string, spec: ZarrGroupSpec): Promise<string[]> {
  const errors: string[] = [];
  if (!(await exists(join(zarrRoot, zg, 'zarr.json')))) return [`group does not exist in the zarr store`];
  const group = await nodeAt(zarrRoot, zg);
  if (group.kind !== 'group') return [group.kind === 'invalid' ? `group zarr.json: ${group.why}` : `zarr.json is not a group's`];
  const ref = new Map<string, number[]>();
  for (const a of spec.requiredArrays) {
    const node = await nodeAt(zarrRoot, `${zg}/${a.name}`);
    if (node.kind === 'missing') {
      errors.push(`Missing required array '${a.name}'`);
      continue;
    }
    if (node.kind !== 'array') {
      errors.push(node.kind === 'invalid' ? `'${a.name}': ${node.why}` : `'${a.name}' is not an array`);
      continue;
    }
    ref.set(a.name, node.info.shape);
    errors.push(...checkArray(a.name, a, node.info), ...node.shards);
  }
  const lp = layersPath(spec);
  const layerDir = join(zarrRoot, zg, lp);
  const hasLayers = await exists(join(layerDir, 'zarr.json'));
  const required = spec.layers.required.map((a) => a.name);
  const allowed = new Set(spec.layers.allowed.map((a) => a.name));
  if (required.length && !hasLayers) {
    errors.push(`Missing required '${lp}' subgroup (required layers: ${JSON.stringify(required)})`);
    return errors;
  }
  if (!hasLayers) return errors;
  const arrays = new Map<string, Shape>();
  for (const e of await readdir(layerDir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const node = await nodeAt(zarrRoot, `${zg}/${lp}/${e.name}`);
    if (node.kind === 'invalid') errors.push(`'${lp}/${e.name}': ${node.why}`);
    if (node.kind !== 'array') continue;
    arrays.set(e.name, node.info);
    errors.push(...node.shards);
  }
  for (const r of required) if (!arrays.has(r)) errors.push(`Missing required layer '${r}'`);
  if (allowed.size) for (const n of arrays.keys()) if (!allowed.has(n)) errors.push(`Unknown layer '${n}' in ${lp}/ subgroup. Allowed: ${JSON.stringify([...allowed].sort())}`);
  const specs = layerSpecs(spec);
  for (const [n, info] of arrays) {
    const s = specs.get(n);
    if (s) errors.push(...checkArray(`${lp}/${n}`, s, info));
  }
  const shapes = [...arrays.values()].map((a) => JSON.stringify(a.shape));
  if (new Set(shapes).size > 1) errors.push(`'${lp}' arrays have inconsistent shapes: ${[...arrays].map(([n, a]) => `${n}=${JSON.stringify(a.shape)}`).join(', ')}`);
  const m = spec.layers.matchShapeOf;
  if (m && ref.has(m)) {
    for (const [n, a] of arrays) {
      if (JSON.stringify(a.shape) !== JSON.stringify(ref.get(m))) errors.push(`'${lp}/${n}' shape ${JSON.stringify(a.shape)} doesn't match '${m}' shape ${JSON.stringify(ref.get(m))}`);
    }
  }
  return errors;
}

function checkArray(name: string, s: ArraySpec, a: Shape): string[] {
  const out: string[] = [];
  const nd = a.shape.length;
  if (s.ndim !== undefined && nd !== s.ndim) out.push(`'${name}' has ndim=${nd}, expected ${s.ndim}`);
  if (s.minNdim !== undefined && nd < s.minNdim) out.push(`'${name}' has ndim=${nd}, expected >= ${s.minNdim}`);
  if (s.maxNdim !== undefined && nd > s.maxNdim) out.push(`'${name}' has ndim=${nd}, expected <= ${s.maxNdim}`);
  if (!s.dtypes.includes(a.dtype)) out.push(`'${name}' has dtype=${a.dtype}, expected one of ${JSON.stringify(s.dtypes)}`);
  return out;
}

type Node =
  | { kind: 'missing' }
  | { kind: 'group' }
  | { kind: 'invalid'; why: string }
  | { kind: 'array'; info: Shape; shards: string[] };

/** What the spec checks of an array. */
type Shape = Pick<ArrayInfo, 'shape' | 'dtype'>;

/**
 * What zarr.json at `path` describes, read with the library's own parser (so what the reader
 * would refuse is reported here, in its words), and for an array whose zarr.json records its
 * shards' sizes, every recorded shard checked on disk: present, and of that size.
 */
async function nodeAt(root: string, path: string): Promise<Node> {
  let doc: unknown;
  try {
    const bytes = await readFile(join(root, path, 'zarr.json')).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!bytes) return { kind: 'missing' };
    doc = parseJsonBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'zarr.json');
    if ((doc as { node_type?: unknown })?.node_type === 'group') {
      parseGroupMetadata(doc, 'zarr.json');
      return { kind: 'group' };
    }
    const meta = parseArrayMetadata(doc, 'zarr.json');
    const shards: string[] = [];
    const sizes = (meta.attributes[HINTS_ATTRIBUTE] as { shard_nbytes?: Record<string, unknown> } | undefined)?.shard_nbytes;
    const name = path.split('/').slice(1).join('/'); // within its group
    for (const [key, n] of Object.entries(sizes && typeof sizes === 'object' ? sizes : {})) {
      const size = await stat(join(root, path, key)).then((st) => st.size, () => undefined);
      if (size === undefined) shards.push(`'${name}' shard ${key} is missing (zarr.json records ${n} bytes)`);
      else if (size !== n) shards.push(`'${name}' shard ${key} has ${size} bytes, zarr.json records ${n}`);
    }
    return { kind: 'array', info: { shape: meta.shape, dtype: meta.dataType as ArrayInfo['dtype'] }, shards };
  } catch (err) {
    if (!isRaggedAtlasError(err)) throw err;
    return { kind: 'invalid', why: err.message.replace(/ \(at zarr\.json\)$/, '') };
  }
}

async function validateLayouts(atlas: Atlas, datasets: Record<string, unknown>[], groupsBySpace: Map<string, Set<string>>): Promise<string[]> {
  const errors: string[] = [];
  const done = new Set<string>();
  for (const [fs, groups] of groupsBySpace) {
    if (!atlas.specs.has(fs)) continue;
    const spec = atlas.spec(fs);
    if (!spec.hasVarDf) continue;
    const registry = atlas.registries.get(fs);
    const registryIndex = registry ? new Map((await readRows(registry, { select: ['uid', 'global_index'] })).map((r) => [r.uid as string, r.global_index])) : undefined;
    for (const zg of groups) {
      const d = datasets.find((x) => x.zarr_group === zg && x.feature_space === fs);
      const lid = d?.layout_uid as string | undefined;
      if (!lid || done.has(lid)) continue;
      done.add(lid);
      const rows = await readRows(atlas.layouts, { where: `layout_uid = ${sqlString(lid)}`, select: ['feature_uid', 'local_index', 'global_index'] });
      const nLocal = await localFeatureCount(atlas.zarrDir, zg, spec);
      const p = `_feature_layouts '${lid}'`;
      if (nLocal !== undefined && rows.length !== nLocal) errors.push(`${p}: _feature_layouts has ${rows.length} rows but expected ${nLocal} features`);
      // A dataset with no features at all (ingest now refuses one): no query over it can map its columns.
      else if (rows.length === 0) errors.push(`${p}: no rows (dataset ${String(d?.dataset_uid)} has no features); queries over the atlas fail on it`);
      if (rows.length === 0) continue;
      const nullUid = rows.filter((r) => r.feature_uid === null).length;
      if (nullUid) errors.push(`${p}: feature_uid has ${nullUid} null(s)`);
      const nullGi = rows.filter((r) => r.global_index === null).length;
      if (nullGi) errors.push(`${p}: global_index has ${nullGi} null(s); run optimize to sync from registry`);
      const uniq = new Set(rows.map((r) => r.feature_uid)).size;
      if (uniq !== rows.length) errors.push(`${p}: feature_uid has duplicates: ${rows.length} rows but ${uniq} unique values`);
      if (registryIndex) {
        const missing = rows.map((r) => r.feature_uid as string).filter((u) => !registryIndex.has(u));
        if (missing.length) errors.push(`${p}: ${missing.length} uid(s) not found in registry. First 5: ${JSON.stringify(missing.slice(0, 5))}`);
        const other = rows.filter((r) => r.global_index !== null && registryIndex.has(r.feature_uid as string) && String(registryIndex.get(r.feature_uid as string)) !== String(r.global_index));
        if (other.length) errors.push(`${p}: ${other.length} row(s) hold another global_index than the registry gives their uid (e.g. ${String(other[0]!.feature_uid)}). Run optimize to resync.`);
      }
    }
  }
  return errors;
}

/** (companion) validate's words for indexConflicts (tables/index-conflicts.ts). */
function indexConflictErrors(fs: string, rows: Record<string, unknown>[]): string[] {
  const { shared, split } = indexConflicts(rows);
  const out: string[] = [];
  if (shared.length) {
    const [i, us] = shared[0]!;
    out.push(`Registry '${fs}': ${shared.length} global_index value(s) held by more than one uid (e.g. ${i}: ${[...us].join(', ')}). Run optimize to renumber them.`);
  }
  if (split.length) out.push(`Registry '${fs}': ${split.length} uid(s) with more than one global_index (e.g. ${split[0]![0]}). Run optimize to renumber them.`);
  return out;
}

/** homeobox `_get_local_feature_count`: only dense groups know their width from zarr. */
async function localFeatureCount(root: string, zg: string, spec: FeatureSpaceSpec): Promise<number | undefined> {
  if (spec.pointer !== 'dense') return undefined;
  const dir = join(root, zg, 'layers');
  if (!(await exists(dir))) return undefined;
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!e.isDirectory()) continue;
    const node = await nodeAt(root, `${zg}/layers/${e.name}`);
    if (node.kind === 'array' && node.info.shape.length >= 2) return node.info.shape[1];
  }
  return undefined;
}

/**
 * Group directories under zarr_store/ that no dataset row references. A referenced group's
 * ancestors (nested names like `ds1/gene_expression`) and descendants (`csr/`…) are in use.
 */
/** Zarr groups of the dataset table versions that recorded snapshots pin (unreadable pins are skipped). */
async function snapshotGroups(atlas: Atlas): Promise<string[]> {
  const pins = new Map<string, [string, number]>();
  for (const r of await readRows(atlas.versions, { select: ['dataset_table_name', 'dataset_table_version'] }).catch(() => [])) {
    const pin: [string, number] = [String(r.dataset_table_name), Number(r.dataset_table_version)];
    pins.set(pin.join('@'), pin);
  }
  const out: string[] = [];
  for (const [name, version] of pins.values()) {
    const t = await atlas.db.openTable(name).catch(() => undefined);
    if (!t) continue;
    try {
      await t.checkout(version);
      for (const r of await readRows(t, { select: ['zarr_group'] })) out.push(String(r.zarr_group));
    } catch {
      // a version cleaned up since: nothing of it can be read any more
    } finally {
      t.close();
    }
  }
  return out;
}

export async function findOrphans(zarrRoot: string, referenced: Set<string>): Promise<string[]> {
  const orphans: string[] = [];
  const inUse = (p: string) => {
    for (const r of referenced) if (r === p || r.startsWith(p + '/') || p.startsWith(r + '/')) return true;
    return false;
  };
  const walk = async (rel: string): Promise<void> => {
    const dir = join(zarrRoot, rel);
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (!e.isDirectory()) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (!inUse(p)) orphans.push(p);
      else if (!referenced.has(p)) await walk(p);
    }
  };
  await walk('');
  return orphans.sort();
}

/**
 * Snapshots readers cannot check out, said as warnings (they do not stop a new snapshot): a number
 * recorded more than once (snapshots taken at once by a companion before the twentieth session;
 * readers refuse it when the pins differ), and pins of table versions that no longer exist (Lance's
 * cleanup, e.g. LanceDB `optimize({ cleanupOlderThan })`, deletes the versions snapshots pin).
 */
async function snapshotWarnings(atlas: Atlas): Promise<string[]> {
  const out: string[] = [];
  await atlas.versions.checkoutLatest();
  const records = (await readRows(atlas.versions)).map((r) => ({ version: Number(r.version), pins: recordedPins(r) }));
  const byNumber = new Map<number, string[]>();
  for (const r of records) byNumber.set(r.version, [...(byNumber.get(r.version) ?? []), JSON.stringify(r.pins)]);
  for (const [v, pins] of byNumber) {
    if (pins.length < 2) continue;
    const differ = new Set(pins).size > 1;
    out.push(`snapshot v${v} is recorded ${pins.length} times${differ ? ' with different pins: readers refuse to check it out' : ' (with the same pins)'}`);
  }
  const existing = new Map<string, Set<number> | undefined>();
  const versionsOf = async (name: string): Promise<Set<number> | undefined> => {
    if (!existing.has(name)) {
      const t = await atlas.db.openTable(name).catch(() => undefined);
      existing.set(name, t ? new Set((await t.listVersions()).map((x) => x.version)) : undefined);
      t?.close();
    }
    return existing.get(name);
  };
  for (const r of records) {
    const gone: string[] = [];
    for (const [name, v] of r.pins) {
      const have = await versionsOf(name);
      if (!have) gone.push(`${name} (the table is gone)`);
      else if (!have.has(v)) gone.push(`${name}@${v}`);
    }
    if (gone.length) out.push(`snapshot v${r.version} cannot be checked out: it pins ${gone.join(', ')}, which no longer exist (LanceDB's cleanup of old versions removes what snapshots pin)`);
  }
  return out;
}
