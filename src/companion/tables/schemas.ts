// Arrow schemas of homeobox's LanceDB tables (0.2.8/HEAD shapes, homeobox-format.md §2), built
// with apache-arrow 18 (the version @lancedb/lancedb 0.39 pins). Column order, types,
// nullability and field metadata are what lancedb's pydantic adapter derives from homeobox's
// LanceModels: `str` → utf8, `int` → int64, `float` → float64, `X | None` → nullable, and the
// two metadata stamps (`homeobox.feature_space` on pointer structs, `homeobox.stable_uid` on
// the registry's stable-uid column), so Python reopens these tables without a schema class.
import * as arrow from 'apache-arrow';

export const FEATURE_SPACE_KEY = 'homeobox.feature_space';
export const STABLE_UID_KEY = 'homeobox.stable_uid';

export type ObsType = 'string' | 'int64' | 'int32' | 'float64' | 'float32' | 'bool';

export interface ObsColumnDef {
  name: string;
  type: ObsType;
  /** false = a required field (`str`), true = `str | None`. */
  nullable: boolean;
}

export interface EmbeddingDef {
  /** Column name, e.g. `X_umap`; filled from the input's obsm entry of the same name. */
  name: string;
  dim: number;
}

export interface PointerDef {
  /** Column name (need not equal the feature space). */
  name: string;
  featureSpace: string;
  kind: 'sparse' | 'dense';
}

/** What `create` is given and what `open` recovers from the obs table's Arrow schema. */
export interface ObsSchemaDef {
  columns: ObsColumnDef[];
  embeddings: EmbeddingDef[];
  pointers: PointerDef[];
}

const utf8 = () => new arrow.Utf8();
const i64 = () => new arrow.Int64();
const field = (name: string, type: arrow.DataType, nullable: boolean, metadata?: Record<string, string>) =>
  new arrow.Field(name, type, nullable, metadata ? new Map(Object.entries(metadata)) : null);

export const SPARSE_POINTER_FIELDS = ['zarr_group', 'start', 'end', 'zarr_row'] as const;
export const DENSE_POINTER_FIELDS = ['zarr_group', 'position'] as const;

/** `SparseZarrPointer`: every child nullable (all fields are `X | None = None`). */
export function sparsePointerType(): arrow.Struct {
  return new arrow.Struct([field('zarr_group', utf8(), true), field('start', i64(), true), field('end', i64(), true), field('zarr_row', i64(), true)]);
}

/** `DenseZarrPointer`. */
export function densePointerType(): arrow.Struct {
  return new arrow.Struct([field('zarr_group', utf8(), true), field('position', i64(), true)]);
}

export function embeddingType(dim: number): arrow.FixedSizeList {
  return new arrow.FixedSizeList(dim, field('item', new arrow.Float32(), true));
}

function obsArrowType(t: ObsType): arrow.DataType {
  switch (t) {
    case 'string':
      return utf8();
    case 'int64':
      return i64();
    case 'int32':
      return new arrow.Int32();
    case 'float64':
      return new arrow.Float64();
    case 'float32':
      return new arrow.Float32();
    case 'bool':
      return new arrow.Bool();
  }
}

/** `uid, dataset_uid, <obs columns>, <embeddings>, <pointer structs>`. */
export function obsSchema(def: ObsSchemaDef): arrow.Schema {
  return new arrow.Schema([
    field('uid', utf8(), false),
    field('dataset_uid', utf8(), false),
    ...def.columns.map((c) => field(c.name, obsArrowType(c.type), c.nullable)),
    ...def.embeddings.map((e) => field(e.name, embeddingType(e.dim), true)),
    ...def.pointers.map((p) =>
      field(p.name, p.kind === 'sparse' ? sparsePointerType() : densePointerType(), true, { [FEATURE_SPACE_KEY]: p.featureSpace }),
    ),
  ]);
}

/**
 * `DatasetSchema` (HEAD) followed by the companion's subclass columns, exactly as a Python
 * `class CompanionDatasetSchema(DatasetSchema)` would append them: provenance for refusing a
 * repeated ingest (`source_sha256` + `dataset_name`) and the row count (`n_rows`, as in
 * homeobox's example `AtlasDatasetSchema`).
 */
export function datasetsSchema(): arrow.Schema {
  return new arrow.Schema([
    field('dataset_uid', utf8(), false),
    field('zarr_group', utf8(), false),
    field('feature_space', utf8(), false),
    field('layout_uid', utf8(), false),
    field('created_at', utf8(), false),
    field('dataset_name', utf8(), true),
    field('source', utf8(), true),
    field('source_sha256', utf8(), true),
    field('n_rows', i64(), true),
  ]);
}

/** `FeatureBaseSchema` subclass: `uid, global_index, <key>` with the stable-uid stamp on `<key>`. */
export function registrySchema(registryKey: string): arrow.Schema {
  return new arrow.Schema([
    field('uid', utf8(), false),
    field('global_index', i64(), true),
    field(registryKey, utf8(), false, { [STABLE_UID_KEY]: 'true' }),
  ]);
}

export function featureLayoutsSchema(): arrow.Schema {
  return new arrow.Schema([
    field('layout_uid', utf8(), false),
    field('feature_uid', utf8(), false),
    field('local_index', i64(), false),
    field('global_index', i64(), true),
  ]);
}

export function atlasVersionsSchema(): arrow.Schema {
  return new arrow.Schema([
    field('version', i64(), false),
    field('obs_table_versions', utf8(), false),
    field('dataset_table_name', utf8(), false),
    field('dataset_table_version', i64(), false),
    field('registry_table_names', utf8(), false),
    field('registry_table_versions', utf8(), false),
    field('feature_layouts_table_version', i64(), false),
    field('total_rows', i64(), false),
    field('created_at', utf8(), false),
  ]);
}

/**
 * Recovers the obs definition from a table's schema (homeobox `_infer_pointer_fields_from_arrow`):
 * a struct whose child-name set is a pointer's is a pointer, its feature space from metadata or,
 * for legacy atlases, the column name.
 */
export function obsDefFromSchema(schema: { fields: readonly ArrowFieldLike[] }): ObsSchemaDef {
  const def: ObsSchemaDef = { columns: [], embeddings: [], pointers: [] };
  for (const f of schema.fields) {
    if (f.name === 'uid' || f.name === 'dataset_uid') continue;
    const t = f.type as { typeId: number; children?: ArrowFieldLike[]; listSize?: number };
    if (t.typeId === arrow.Type.Struct) {
      const names = new Set((t.children ?? []).map((c) => c.name));
      const kind = sameSet(names, SPARSE_POINTER_FIELDS) ? 'sparse' : sameSet(names, DENSE_POINTER_FIELDS) ? 'dense' : undefined;
      if (!kind) continue;
      const fs = f.metadata?.get(FEATURE_SPACE_KEY) ?? f.name;
      def.pointers.push({ name: f.name, featureSpace: fs, kind });
    } else if (t.typeId === arrow.Type.FixedSizeList) {
      def.embeddings.push({ name: f.name, dim: t.listSize ?? 0 });
    } else {
      const type = obsTypeOf(t.typeId, f.type);
      if (type) def.columns.push({ name: f.name, type, nullable: f.nullable });
    }
  }
  return def;
}

/** Minimal structural view of an Arrow field (lancedb returns CJS-built arrow objects). */
export interface ArrowFieldLike {
  name: string;
  type: unknown;
  nullable: boolean;
  metadata?: Map<string, string>;
}

function obsTypeOf(typeId: number, type: unknown): ObsType | undefined {
  const t = type as { bitWidth?: number; precision?: number; isSigned?: boolean };
  switch (typeId) {
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
      return 'string';
    case arrow.Type.Bool:
      return 'bool';
    case arrow.Type.Int:
      return t.bitWidth === 64 ? 'int64' : 'int32';
    case arrow.Type.Float:
      return t.precision === arrow.Precision.SINGLE ? 'float32' : 'float64';
    default:
      return undefined;
  }
}

function sameSet(a: Set<string>, b: readonly string[]): boolean {
  return a.size === b.length && b.every((x) => a.has(x));
}
