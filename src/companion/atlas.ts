// An atlas directory as homeobox lays it out (`create_or_open_atlas`): `lance_db/` with the obs
// table, the dataset table, one `{feature_space}_registry` per feature space with a var axis,
// `_feature_layouts` and `atlas_versions`; `zarr_store/` as the zarr v3 root group.
//
// The companion adds one small file, `ragged_atlas.json`, naming the tables and any user
// feature-space specs, so later commands need no schema flags. homeobox ignores it; an atlas
// created by Python (which has no such file) is opened by inferring the same facts from the
// Lance schemas.
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Connection, Table } from '@lancedb/lancedb';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { FeatureSpaceRegistry, type FeatureSpaceSpec, type UserFeatureSpaceDef } from './feature-spaces.js';
import { connect, createTable, DEFAULT_STORAGE_VERSION, ensureVersionHint, loadLance, readRows } from './tables/lance.js';
import { latestRecord, recordedObsTables } from './tables/version-records.js';
import {
  atlasVersionsSchema,
  datasetsSchema,
  featureLayoutsSchema,
  obsDefFromSchema,
  obsSchema,
  registrySchema,
  STABLE_UID_KEY,
  type ObsSchemaDef,
  type PointerDef,
} from './tables/schemas.js';
import { ensureGroup, exists } from './zarr-writer/group.js';

export const CONFIG_FILE = 'ragged_atlas.json';
export const FEATURE_LAYOUTS_TABLE = '_feature_layouts';

/** The Lance file formats an atlas can be created with: the ones LanceDB writes and src/lance reads. */
const STORAGE_VERSIONS = ['2.0', '2.1', '2.2', 'stable'];

export interface AtlasConfig {
  format: 'homeobox';
  /** homeobox release whose on-disk shapes this atlas follows. */
  homeoboxFormat: '0.2.8';
  obsTable: string;
  datasetTable: string;
  versionTable: string;
  featureSpaces: UserFeatureSpaceDef[];
  storageVersion: string;
  /** false: zarr.json without `ragged_atlas.shard_nbytes` (ShardedArrayOptions.sizeHints). Absent = true. */
  shardSizeHints?: boolean;
}

export interface CreateAtlasOptions {
  /** Obs columns, embeddings and pointer fields; default: one `gene_expression` sparse pointer. */
  obs?: Partial<ObsSchemaDef>;
  obsTable?: string;
  datasetTable?: string;
  /** User-defined feature spaces (dense `hashtag_counts`, `lognorm_rna`, …). */
  featureSpaces?: UserFeatureSpaceDef[];
  /** Lance data file format for the new tables (default 2.1, what homeobox's pylance writes). */
  storageVersion?: string;
  /** Record shard sizes in zarr.json for one-request index reads (default true; false writes zarr-python's bytes). */
  shardSizeHints?: boolean;
}

export class Atlas {
  private constructor(
    readonly root: string,
    readonly config: AtlasConfig,
    readonly specs: FeatureSpaceRegistry,
    readonly db: Connection,
    readonly obsDef: ObsSchemaDef,
    readonly obs: Table,
    readonly datasets: Table,
    readonly registries: Map<string, Table>,
    readonly layouts: Table,
    readonly versions: Table,
  ) {}

  get lanceDir(): string {
    return join(this.root, 'lance_db');
  }

  get zarrDir(): string {
    return join(this.root, 'zarr_store');
  }

  /** Whether zarr.json records shard sizes (ShardedArrayOptions.sizeHints): on unless created with `shardSizeHints: false`. */
  get shardSizeHints(): boolean {
    return this.config.shardSizeHints !== false;
  }

  /** Every table a snapshot pins (homeobox `_iter_managed_tables`; atlas_versions excluded). */
  managedTables(): Table[] {
    return [this.obs, this.datasets, ...this.registries.values(), this.layouts];
  }

  pointer(field: string): PointerDef {
    const p = this.obsDef.pointers.find((x) => x.name === field);
    if (!p) {
      throw new InvalidInputError(
        `obs table '${this.config.obsTable}' has no pointer field '${field}'; available: ${this.obsDef.pointers.map((x) => x.name).join(', ')}`,
      );
    }
    return p;
  }

  spec(featureSpace: string): FeatureSpaceSpec {
    return this.specs.get(featureSpace);
  }

  /** The registry column holding the stable-uid source value (metadata `homeobox.stable_uid`). */
  async registryKey(featureSpace: string): Promise<string> {
    const t = this.registries.get(featureSpace);
    if (!t) throw new NotFoundError(`no registry table for feature space '${featureSpace}'`);
    const schema = await t.schema();
    const f = schema.fields.find((x: { metadata?: Map<string, string> }) => x.metadata?.get(STABLE_UID_KEY) === 'true');
    return f?.name ?? this.spec(featureSpace).registryKey;
  }

  /** Moves every held table handle to the latest on-disk version (homeobox `refresh`). */
  async refresh(): Promise<void> {
    for (const t of [...this.managedTables(), this.versions]) await t.checkoutLatest();
  }

  /** After a write: make sure each table still has its version hint. */
  async ensureHints(tables: Table[] = [...this.managedTables(), this.versions]): Promise<void> {
    for (const t of tables) await ensureVersionHint(this.lanceDir, t);
  }

  close(): void {
    for (const t of [...this.managedTables(), this.versions]) t.close();
    this.db.close();
  }

  static async create(rootPath: string, opts: CreateAtlasOptions = {}): Promise<Atlas> {
    const root = resolve(rootPath);
    if (await exists(join(root, CONFIG_FILE))) {
      throw new InvalidInputError(`an atlas already exists at ${root}`, { where: root });
    }
    const lanceDir = join(root, 'lance_db');
    const userSpaces = opts.featureSpaces ?? [];
    const specs = new FeatureSpaceRegistry(userSpaces);
    const obsDef: ObsSchemaDef = {
      columns: opts.obs?.columns ?? [],
      embeddings: opts.obs?.embeddings ?? [],
      pointers: opts.obs?.pointers ?? [{ name: 'gene_expression', featureSpace: 'gene_expression', kind: 'sparse' }],
    };
    validateObsDef(obsDef, specs);
    const storageVersion = opts.storageVersion ?? DEFAULT_STORAGE_VERSION;
    // Checked before anything is written: an unknown one failed inside LanceDB after lance_db/ was made.
    if (!STORAGE_VERSIONS.includes(storageVersion)) {
      throw new InvalidInputError(`unknown Lance file format '${storageVersion}': use ${STORAGE_VERSIONS.map((v) => `'${v}'`).join(', ')} (stable is 2.0; the browser reader reads these)`, { where: 'storageVersion' });
    }
    if ((storageVersion === '2.0' || storageVersion === 'stable') && obsDef.pointers.length > 1) {
      // A cell without one of the modalities has a NULL pointer struct, which format 2.0 cannot store:
      // every ingest but one that fills every modality would fail inside LanceDB.
      throw new InvalidInputError(
        `Lance file format ${storageVersion} cannot store a NULL struct, and with ${obsDef.pointers.length} pointer fields a cell without one of the modalities has one; use storageVersion 2.1 or later (the default), or one pointer field`,
        { where: 'storageVersion' },
      );
    }
    const config: AtlasConfig = {
      format: 'homeobox',
      homeoboxFormat: '0.2.8',
      obsTable: opts.obsTable ?? 'cells',
      datasetTable: opts.datasetTable ?? 'datasets',
      versionTable: 'atlas_versions',
      featureSpaces: userSpaces,
      storageVersion,
      ...(opts.shardSizeHints === false ? { shardSizeHints: false } : {}),
    };
    const db = await connect(lanceDir);
    const existing = new Set(await db.tableNames());
    if (existing.size > 0) throw new InvalidInputError(`${lanceDir} already holds tables (${[...existing].join(', ')})`, { where: lanceDir });
    const sv = config.storageVersion;
    await createTable(db, config.obsTable, obsSchema(obsDef), sv);
    await createTable(db, config.datasetTable, datasetsSchema(), sv);
    // One registry per feature space that has a var axis, in pointer order (homeobox registry_schemas).
    const spaces = [...new Set(obsDef.pointers.map((p) => p.featureSpace))].filter((fs) => specs.get(fs).hasVarDf);
    for (const fs of spaces) await createTable(db, `${fs}_registry`, registrySchema(specs.get(fs).registryKey), sv);
    await createTable(db, config.versionTable, atlasVersionsSchema(), sv);
    const layouts = await createTable(db, FEATURE_LAYOUTS_TABLE, featureLayoutsSchema(), sv);
    const { Index } = await loadLance();
    await layouts.createIndex('feature_uid', { config: Index.fts() });
    await layouts.createIndex('layout_uid', { config: Index.fts() });
    await ensureGroup(join(root, 'zarr_store'), '');
    // Written last: its presence marks a complete atlas.
    await writeFile(join(root, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
    db.close();
    const atlas = await Atlas.open(root);
    await atlas.ensureHints();
    return atlas;
  }

  static async open(rootPath: string): Promise<Atlas> {
    const root = resolve(rootPath);
    const lanceDir = join(root, 'lance_db');
    if (!(await exists(lanceDir))) throw new NotFoundError(`no atlas at ${root} (missing lance_db/)`, { where: root });
    const db = await connect(lanceDir);
    const names = new Set(await db.tableNames());
    const config = (await readConfig(root)) ?? (await inferConfig(db, names));
    const specs = new FeatureSpaceRegistry(config.featureSpaces);
    const open = async (name: string): Promise<Table> => {
      if (!names.has(name)) throw new NotFoundError(`atlas table '${name}' is missing`, { where: join(lanceDir, `${name}.lance`) });
      return db.openTable(name);
    };
    const obs = await open(config.obsTable);
    const obsDef = obsDefFromSchema((await obs.schema()) as never);
    const registries = new Map<string, Table>();
    for (const n of [...names].sort()) {
      if (n.endsWith('_registry')) registries.set(n.slice(0, -'_registry'.length), await db.openTable(n));
    }
    return new Atlas(root, config, specs, db, obsDef, obs, await open(config.datasetTable), registries, await open(FEATURE_LAYOUTS_TABLE), await open(config.versionTable));
  }
}

async function readConfig(root: string): Promise<AtlasConfig | undefined> {
  try {
    const c = JSON.parse(await readFile(join(root, CONFIG_FILE), 'utf8')) as AtlasConfig;
    return { ...c, featureSpaces: c.featureSpaces ?? [], storageVersion: c.storageVersion ?? DEFAULT_STORAGE_VERSION };
  } catch {
    return undefined;
  }
}

/**
 * For atlases written by homeobox itself, whose table names are its create() arguments: the
 * version table is the one with atlas_versions' columns, and its latest record names the dataset
 * table and the obs tables. Without a record, the obs table is the one with uid, dataset_uid and a
 * pointer, and the dataset table the one with zarr_group, feature_space and layout_uid.
 */
async function inferConfig(db: Connection, names: Set<string>): Promise<AtlasConfig> {
  const columnsOf = async (n: string) => {
    const t = await db.openTable(n);
    const schema = await t.schema();
    t.close();
    return { schema, has: new Set<string>(schema.fields.map((f: { name: string }) => f.name)) };
  };
  const candidates = [...names].filter((n) => n !== FEATURE_LAYOUTS_TABLE && !n.endsWith('_registry')).sort();
  const find = async (test: (has: Set<string>, schema: unknown) => boolean, among = candidates) => {
    for (const n of among) {
      if (!names.has(n)) continue;
      const { has, schema } = await columnsOf(n);
      if (test(has, schema)) return n;
    }
    return undefined;
  };
  const versionTable = names.has('atlas_versions') ? 'atlas_versions' : ((await find((has) => has.has('version') && has.has('dataset_table_name') && has.has('registry_table_names'))) ?? 'atlas_versions');
  const latest = latestRecord(names.has(versionTable) ? await readRows(await db.openTable(versionTable)).catch(() => []) : []);
  const recordedObs = recordedObsTables(latest);
  const isObs = (has: Set<string>, schema: unknown) => has.has('uid') && has.has('dataset_uid') && obsDefFromSchema(schema as never).pointers.length > 0;
  const obsTable = (await find(isObs, recordedObs)) ?? (await find(isObs, candidates.filter((n) => n !== versionTable)));
  if (!obsTable) throw new NotFoundError('cannot find an obs table (uid, dataset_uid and a pointer struct) in this atlas');
  const recordedDatasets = latest?.dataset_table_name ? String(latest.dataset_table_name) : undefined;
  const datasetTable =
    (recordedDatasets && names.has(recordedDatasets) ? recordedDatasets : undefined) ??
    (names.has('datasets') ? 'datasets' : await find((has) => has.has('zarr_group') && has.has('feature_space') && has.has('layout_uid'), candidates.filter((n) => n !== obsTable && n !== versionTable))) ??
    'datasets';
  return {
    format: 'homeobox',
    homeoboxFormat: '0.2.8',
    obsTable,
    datasetTable,
    versionTable,
    featureSpaces: [],
    storageVersion: DEFAULT_STORAGE_VERSION,
  };
}

function validateObsDef(def: ObsSchemaDef, specs: FeatureSpaceRegistry): void {
  const seen = new Set(['uid', 'dataset_uid']);
  const names = [...def.columns.map((c) => c.name), ...def.embeddings.map((e) => e.name), ...def.pointers.map((p) => p.name)];
  for (const n of names) {
    if (seen.has(n)) throw new InvalidInputError(`obs column '${n}' is declared twice (or clashes with uid/dataset_uid)`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) throw new InvalidInputError(`obs column name '${n}' must be an identifier (it is used in SQL filters)`);
    seen.add(n);
  }
  if (def.pointers.length === 0) throw new InvalidInputError('the obs schema needs at least one pointer field (homeobox HoxBaseSchema rule)');
  for (const p of def.pointers) {
    const spec = specs.get(p.featureSpace);
    if (spec.pointer !== p.kind) throw new InvalidInputError(`pointer '${p.name}': feature space '${p.featureSpace}' is ${spec.pointer}, not ${p.kind}`);
  }
  for (const e of def.embeddings) if (!(e.dim > 0)) throw new InvalidInputError(`embedding '${e.name}' needs a positive dimension`);
}
