// Which obs columns point into zarr, and how (format reference §2.2, "How a reader decides which
// columns are pointers"): a struct column whose set of child names is exactly one pointer type's,
// optionally with the leading `feature_space` child that homeobox 0.2.0–0.2.3 wrote.
import { DataType, type Field, type Schema } from 'apache-arrow';
import { CorruptDataError } from '../errors.js';

export type PointerKind = 'sparse' | 'dense' | 'spatial';

export interface PointerField {
  /** Obs column name (e.g. `gene_expression`, `cycle1_image_tiles`). */
  name: string;
  kind: PointerKind;
  featureSpace: string;
  /** True for 0.2.0–0.2.3 structs that carry a `feature_space` child. */
  legacyFeatureSpaceChild: boolean;
}

const SHAPES: Record<PointerKind, string[]> = {
  sparse: ['zarr_group', 'start', 'end', 'zarr_row'],
  dense: ['zarr_group', 'position'],
  spatial: ['zarr_group', 'min_corner', 'max_corner'],
};

export const FEATURE_SPACE_METADATA_KEY = 'homeobox.feature_space';

export function pointerKindOf(field: Field): { kind: PointerKind; legacy: boolean } | undefined {
  if (!DataType.isStruct(field.type)) return undefined;
  const children = new Set(field.type.children.map((c) => c.name));
  const legacy = children.has('feature_space');
  if (legacy) children.delete('feature_space');
  for (const [kind, names] of Object.entries(SHAPES) as [PointerKind, string[]][]) {
    if (children.size === names.length && names.every((n) => children.has(n))) return { kind, legacy };
  }
  return undefined;
}

/**
 * Pointer fields of an obs schema. The feature space comes from the field metadata
 * `homeobox.feature_space`; without it (old atlases) the column name must be a known feature space.
 */
export function inferPointerFields(schema: Schema, knownFeatureSpaces: Iterable<string>, where = 'obs schema'): PointerField[] {
  const known = new Set(knownFeatureSpaces);
  const out: PointerField[] = [];
  for (const field of schema.fields) {
    const shape = pointerKindOf(field);
    if (!shape) continue;
    const fromMeta = field.metadata.get(FEATURE_SPACE_METADATA_KEY);
    const featureSpace = fromMeta ?? (known.has(field.name) || shape.legacy ? field.name : undefined);
    if (!featureSpace) {
      throw new CorruptDataError(
        `pointer column "${field.name}" has no ${FEATURE_SPACE_METADATA_KEY} metadata and its name is not a registered feature space`,
        { where },
      );
    }
    out.push({ name: field.name, kind: shape.kind, featureSpace, legacyFeatureSpaceChild: shape.legacy });
  }
  return out;
}

/**
 * homeobox's built-in feature spaces whose reconstructor has no `as_anndata` endpoint (format
 * reference §4, the built-in specs), with the form they have instead. homeobox leaves them out of
 * to_anndata's field choice and drops them from to_mudata; so do we.
 */
const NO_ANNDATA_FORM: Record<string, string> = {
  chromatin_accessibility: 'fragments (homeobox as_fragments)',
  image_tiles: 'image tiles (homeobox as_spatial_batch)',
};

/** What a pointer field holds when it is not a matrix (no AnnData form), else undefined. */
export function nonAnnDataForm(field: PointerField): string | undefined {
  if (field.kind === 'spatial') return 'images (homeobox as_spatial_batch)';
  return Object.hasOwn(NO_ANNDATA_FORM, field.featureSpace) ? NO_ANNDATA_FORM[field.featureSpace] : undefined;
}

/**
 * The zarr_group code that also means "absent" for this field, or -1. homeobox 0.2.0–0.2.3 filled
 * the pointers of a modality a dataset lacks with `zarr_group = ""` (and `feature_space = ""`)
 * instead of nulls, and tested `zarr_group != ""`; so for those structs "" is absence too.
 */
export function absentGroupCode(field: PointerField, groups: readonly string[]): number {
  return field.legacyFeatureSpaceChild ? groups.indexOf('') : -1;
}
