// The Lance side of one checked-out snapshot: every table pinned to its recorded version, and the
// lookups reconstruction needs, each computed once per atlas:
//   (zarr_group, feature_space) → layout_uid      from the datasets table
//   layout_uid → remap[local_index] = global_index from _feature_layouts (index-assisted when indexed)
//   feature space → registry rows                  from {feature_space}_registry
import type * as arrow from 'apache-arrow';
import { CorruptDataError, NotFoundError, QueryError } from '../errors.js';
import type { ByteStore } from '../io/types.js';
import { withPrefix } from '../io/prefix.js';
import { openTable, type NamingScheme } from '../lance/index.js';
import type { Decompressors } from '../lance/decompressors.js';
import type { DataType } from '../zarr/dtype.js';
import type { PageDecoder } from '../lance/page-decoder.js';
import { quoteString } from '../query/predicate/index.js';
import { selectObs, type ObsTable } from '../query/obs-select.js';
import { emptySpec } from '../query/spec.js';
import { numbersAt, rowsOfStrings, stringCodes, stringsAt } from '../arrow/columns.js';
import { untilAborted } from '../io/abortable.js';
import { awaitShared, loadOnce } from '../io/promise-lru.js';
import { inferPointerFields, type PointerField } from './pointer-fields.js';
import type { SnapshotRecord } from './snapshot-record.js';

export const FEATURE_LAYOUTS_TABLE = '_feature_layouts';

export interface CatalogOptions {
  signal?: AbortSignal;
  decompressors?: Decompressors;
  /** Layout tables up to this many rows are read whole by remap() (default SCAN_LAYOUT_ROWS); 0 always asks per layout. */
  layoutScanRows?: number;
  /** Lance page reads longer than twice this go out as parallel parts (IoOptions.partBytes). */
  partBytes?: number;
  /** Where big Lance pages are decoded (the atlas's decode workers); default the reading thread. */
  pageDecoder?: PageDecoder;
  /** The manifest naming scheme of the snapshot table: the pinned tables' manifests are asked in it first. */
  namingScheme?: NamingScheme;
}

export function tableStore(lanceDb: ByteStore, name: string): ByteStore {
  return withPrefix(lanceDb, `${name}.lance`);
}

/**
 * Opens table `name` at Lance version `version` (static files, or LanceDB Cloud: cloud-table.ts).
 * `wholeFileBytes`: a hint for tables read whole (see CATALOG_WHOLE_FILE_BYTES); openers may ignore it.
 */
export type TableOpener = (name: string, version: number, signal?: AbortSignal, hints?: { wholeFileBytes?: number }) => Promise<ObsTable>;

/**
 * The datasets table, registries and layouts are read whole when a query starts, on the path every
 * later step waits for: their data files up to this size come in one request (file and metadata
 * together) instead of a tail read and then the pages, one round trip less for at most ~1.5 MB
 * more (a 66,000-row layouts table is 1.1 MB, of which its three read columns are 0.3 MB).
 */
export const CATALOG_WHOLE_FILE_BYTES = 2 << 20;

/** Tables from static Lance files under a `lance_db/` store. */
export function lanceTableOpener(lanceDb: ByteStore, opts: Pick<CatalogOptions, 'decompressors' | 'partBytes' | 'pageDecoder' | 'namingScheme'> = {}): TableOpener {
  const io = opts.partBytes === undefined ? undefined : { partBytes: opts.partBytes };
  return (name, version, signal, hints) =>
    openTable(tableStore(lanceDb, name), { version, signal, decompressors: opts.decompressors, io, wholeFileBytes: hints?.wholeFileBytes, pageDecoder: opts.pageDecoder, namingScheme: opts.namingScheme });
}

export class AtlasCatalog {
  readonly obsTables: Map<string, ObsTable>;
  readonly datasets: ObsTable;
  readonly registries: Map<string, ObsTable>;
  readonly layouts: ObsTable;
  readonly record: SnapshotRecord;
  /** Default layers of feature spaces the built-ins do not know (from the companion's config). */
  defaultLayers: Record<string, string[]> = {};
  /** Declared dtypes of those spaces' layers (from the same config). */
  layerDtypes: Record<string, Record<string, DataType>> = {};
  readonly #datasetRows = new Map<'', Promise<arrow.Table>>();
  readonly #layoutOf = new Map<string, Promise<string>>();
  readonly #remaps = new Map<string, Promise<Int32Array>>();
  /** Every layout's remap from one scan, when the layouts table is small (see remap()). */
  readonly #allRemaps = new Map<'', Promise<Map<string, Int32Array>>>();
  readonly #registryRows = new Map<string, Promise<arrow.Table>>();

  readonly #layoutScanRows: number;

  private constructor(record: SnapshotRecord, obs: Map<string, ObsTable>, datasets: ObsTable, registries: Map<string, ObsTable>, layouts: ObsTable, layoutScanRows: number) {
    this.#layoutScanRows = layoutScanRows;
    this.record = record;
    this.obsTables = obs;
    this.datasets = datasets;
    this.registries = registries;
    this.layouts = layouts;
  }

  /** Every table `record` pins, at its recorded version: from a `lance_db/` store, or through `tables`. */
  static async open(tables: ByteStore | TableOpener, record: SnapshotRecord, opts: CatalogOptions = {}): Promise<AtlasCatalog> {
    const opener = typeof tables === 'function' ? tables : lanceTableOpener(tables, opts);
    const whole = { wholeFileBytes: CATALOG_WHOLE_FILE_BYTES };
    const open = (name: string, version: number, hints?: { wholeFileBytes?: number }) =>
      opener(name, version, opts.signal, hints).catch((err) => {
        if (err instanceof NotFoundError && typeof tables !== 'function') {
          throw new NotFoundError(`snapshot v${record.version} pins table "${name}" at version ${version}, which is missing`, { where: `${tables.url}/${name}.lance` }, { cause: err });
        }
        throw err;
      });
    const [obs, datasets, registries, layouts] = await Promise.all([
      Promise.all(Object.entries(record.obsTableVersions).map(async ([n, v]) => [n, await open(n, v)] as const)),
      open(record.datasetTableName, record.datasetTableVersion, whole),
      Promise.all(
        Object.entries(record.registryTableNames).map(async ([fs, name]) => {
          const v = record.registryTableVersions[fs];
          if (v === undefined) throw new CorruptDataError(`snapshot names registry ${name} for ${fs} without a version`, { where: 'atlas_versions' });
          return [fs, await open(name, v, whole)] as const;
        }),
      ),
      open(FEATURE_LAYOUTS_TABLE, record.featureLayoutsTableVersion, whole),
    ]);
    return new AtlasCatalog(record, new Map(obs), datasets, new Map(registries), layouts, opts.layoutScanRows ?? SCAN_LAYOUT_ROWS);
  }

  /**
   * The obs table `name` (default: the only one): static Lance files or a LanceDB Cloud table
   * (cloud-table.ts). With several, one must be named, as homeobox's `_resolve_obs_table` requires.
   */
  obsTable(name?: string): ObsTable {
    const names = [...this.obsTables.keys()];
    const chosen = name ?? (names.length === 1 ? names[0] : undefined);
    if (chosen === undefined) throw new QueryError(`this atlas has several obs tables (${names.join(', ')}): pass one to query(name)`);
    const t = this.obsTables.get(chosen);
    if (!t) throw new QueryError(`no obs table "${chosen}" in this snapshot (tables: ${names.join(', ')})`);
    return t;
  }

  pointerFields(obsTable?: string): PointerField[] {
    return inferPointerFields(this.obsTable(obsTable).schema, this.registries.keys(), `obs table ${obsTable ?? ''}`.trim());
  }

  // The catalog's loads are shared by every query of the checkout, so none takes a caller's
  // signal; each caller waits with its own (awaitShared, promise-lru.ts).
  datasetRows(signal?: AbortSignal): Promise<arrow.Table> {
    return awaitShared(this.#datasetRows, '', () => this.datasets.scan(), signal, this.record.datasetTableName);
  }

  /**
   * Which dataset rows of `featureSpace` measured which of `uids` (homeobox's
   * find_datasets_with_features): the layouts listing a uid, joined with the datasets through
   * layout_uid. Positions in the datasets table and the uid each one measured.
   */
  async datasetsWithFeatures(uids: string[], featureSpace: string, signal?: AbortSignal): Promise<{ rows: number[]; uids: string[]; datasets: arrow.Table }> {
    // A feature space the atlas does not have is a mistake to name, not a space no dataset measured.
    if (!this.registries.has(featureSpace)) throw new QueryError(`no registry for feature space "${featureSpace}" (have: ${[...this.registries.keys()].join(', ')})`);
    const [pairs, datasets] = await Promise.all([
      uids.length === 0 ? undefined : selectObs(this.layouts, { ...emptySpec(), where: [`feature_uid IN (${uids.map(quoteString).join(', ')})`] }, { columns: ['feature_uid', 'layout_uid'], signal }),
      this.datasetRows(signal),
    ]);
    const byLayout = new Map<string, string[]>();
    if (pairs) {
      const [fu, lu] = [stringsAt(pairs.getChild('feature_uid')!), stringsAt(pairs.getChild('layout_uid')!)];
      fu.forEach((u, i) => (byLayout.get(lu[i]!) ?? byLayout.set(lu[i]!, []).get(lu[i]!)!).push(u!));
    }
    const [fs, lu] = [stringsAt(datasets.getChild('feature_space')!), stringsAt(datasets.getChild('layout_uid')!)];
    const out = { rows: [] as number[], uids: [] as string[], datasets };
    fs.forEach((f, i) => {
      if (f !== featureSpace) return;
      for (const u of byLayout.get(lu[i]!) ?? []) {
        out.rows.push(i);
        out.uids.push(u);
      }
    });
    return out;
  }

  /** layout_uid of the dataset row for a zarr group in a feature space (homeobox get_group_reader). */
  layoutUid(zarrGroup: string, featureSpace: string, signal?: AbortSignal): Promise<string> {
    const find = async () => {
      const t = await this.datasetRows();
      const zg = t.getChild('zarr_group');
      const fs = t.getChild('feature_space');
      const lu = t.getChild('layout_uid');
      if (!zg || !fs || !lu) throw new CorruptDataError('datasets table lacks zarr_group/feature_space/layout_uid', { where: this.record.datasetTableName });
      for (let i = 0, n = t.numRows; i < n; i++) {
        if (zg.get(i) === zarrGroup && fs.get(i) === featureSpace) return String(lu.get(i) ?? '');
      }
      throw new NotFoundError(`no dataset row for zarr group "${zarrGroup}" in feature space ${featureSpace}`, { where: this.record.datasetTableName });
    };
    return awaitShared(this.#layoutOf, `${featureSpace}\0${zarrGroup}`, find, signal, this.record.datasetTableName);
  }

  /**
   * remap[local_index] = global_index for a layout; a null global_index means optimize() never ran.
   *
   * A small layouts table (at most SCAN_LAYOUT_ROWS rows: ~100 datasets of 30,000 features) is read
   * whole once, three columns in one or two requests, and serves every layout: a query over several
   * datasets needs most of them anyway, and an index lookup per layout costs three dependent round
   * trips (btree page lookup, page data, take). Bigger tables, and tables a service queries
   * (LanceDB Cloud), are asked per layout.
   */
  remap(layoutUid: string, signal?: AbortSignal): Promise<Int32Array> {
    const pick = (all: Map<string, Int32Array>) => {
      const r = all.get(layoutUid);
      if (!r) throw new NotFoundError(`layout ${layoutUid} has no rows`, { where: FEATURE_LAYOUTS_TABLE });
      return r;
    };
    const one = () => selectObs(this.layouts, { ...emptySpec(), where: [`layout_uid = ${quoteString(layoutUid)}`] }, { columns: ['layout_uid', 'local_index', 'global_index'] }).then(remapsOf).then(pick);
    const p = this.#scansLayouts() ? this.prefetchLayouts()!.then(pick) : loadOnce(this.#remaps, layoutUid, one);
    return untilAborted(p, signal, FEATURE_LAYOUTS_TABLE);
  }

  #scansLayouts(): boolean {
    return !this.layouts.pushdown && this.layouts.numRows <= this.#layoutScanRows;
  }

  /** Starts the whole-table layouts read remap() uses for a small table (undefined for a big one). */
  prefetchLayouts(): Promise<Map<string, Int32Array>> | undefined {
    if (!this.#scansLayouts()) return undefined;
    return loadOnce(this.#allRemaps, '', () => this.layouts.scan({ columns: ['layout_uid', 'local_index', 'global_index'] }).then(remapsOf));
  }

  registry(featureSpace: string, signal?: AbortSignal): Promise<arrow.Table> {
    const t = this.registries.get(featureSpace);
    if (!t) return Promise.reject(new QueryError(`no registry for feature space "${featureSpace}" (have: ${[...this.registries.keys()].join(', ')})`));
    return awaitShared(this.#registryRows, featureSpace, () => t.scan(), signal, this.record.registryTableNames[featureSpace]);
  }

  /** Sorted global indices of registry uids (features()); an unknown or unindexed uid is an error. */
  async globalIndices(featureSpace: string, uids: string[], signal?: AbortSignal): Promise<Int32Array> {
    const reg = await this.registry(featureSpace, signal);
    const rows = rowsOfStrings(reg.getChild('uid')!, uids);
    const gi = reg.getChild('global_index')!;
    const out = uids.map((u, k) => {
      const i = rows[k]!;
      if (i < 0) throw new NotFoundError(`feature "${u}" is not in the ${featureSpace} registry`, { where: this.record.registryTableNames[featureSpace] });
      const g = gi.get(i);
      if (g === null || g === undefined) throw new CorruptDataError(`feature "${u}" has no global_index (run optimize)`, { where: this.record.registryTableNames[featureSpace] });
      return Number(g);
    });
    return Int32Array.from(new Set(out)).sort();
  }
}

/** Layout tables up to this many rows are read whole (remap()): ~2 MB of the three columns. */
const SCAN_LAYOUT_ROWS = 3_000_000;

/** remap per layout_uid from rows of (layout_uid, local_index, global_index). */
function remapsOf(rows: arrow.Table): Map<string, Int32Array> {
  // Table.numRows sums the batches on every call: read it once.
  const n = rows.numRows;
  const { codes, values } = stringCodes(rows.getChild('layout_uid')!);
  const where = (uid: string) => `layout ${uid}`;
  const local = numbersAt(rows.getChild('local_index')!, undefined, (r) => {
    throw new CorruptDataError(`${where(values[codes[r]!] ?? '')} has a null local_index`, { where: FEATURE_LAYOUTS_TABLE });
  });
  const global = numbersAt(rows.getChild('global_index')!, undefined, (r) => {
    throw new CorruptDataError(`${where(values[codes[r]!] ?? '')} has features without global_index (run optimize before snapshot)`, { where: FEATURE_LAYOUTS_TABLE });
  });
  const sizes = new Int32Array(values.length);
  for (let i = 0; i < n; i++) if (codes[i]! >= 0) sizes[codes[i]!]!++;
  const out = new Map<string, Int32Array>();
  const remaps = values.map((v, k) => {
    const r = new Int32Array(sizes[k]!).fill(-1);
    out.set(v, r);
    return r;
  });
  for (let i = 0; i < n; i++) {
    const k = codes[i]!;
    if (k < 0) continue; // a row without layout_uid belongs to no layout
    const remap = remaps[k]!;
    const li = local[i]!;
    if (!(li >= 0 && li < remap.length) || remap[li] !== -1) throw new CorruptDataError(`${where(values[k]!)} has a bad or repeated local_index ${li}`, { where: FEATURE_LAYOUTS_TABLE });
    remap[li] = global[i]!;
  }
  return out;
}
