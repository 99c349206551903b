// The feature-space spec registry, mirroring homeobox's builtins.py + group_specs.py: which
// arrays a zarr group of each feature space holds, their dtypes and codecs, how rows are
// addressed (sparse ranges or dense positions), and whether a feature registry exists.
// The writer creates arrays from these specs and `validate` checks groups against them with
// homeobox's rules, so the two sides cannot drift apart.
//
// User-defined feature spaces (e.g. a dense `hashtag_counts` or `lognorm_rna`) are specs of the
// same shape; homeobox (Python) can open such an atlas once the same spec is registered there
// with `register_spec` (see `pythonSpecSnippet`).
import { DEFAULT_ZSTD, type DType, type InnerCodec } from './zarr-writer/metadata.js';
import { InvalidInputError } from '../errors.js';

export type PointerKind = 'sparse' | 'dense' | 'discrete_spatial';

export interface ArraySpec {
  name: string;
  /** Exact rank, or a range via minNdim/maxNdim. */
  ndim?: number;
  minNdim?: number;
  maxNdim?: number;
  dtypes: DType[];
  /** Compressor after `bytes`; zarr's default zstd (level 0) when absent. */
  codec?: InnerCodec;
}

export interface LayersSpec {
  /** `csr` → layers live in `csr/layers/`; '' → `layers/`. */
  prefix: string;
  matchShapeOf?: string;
  required: ArraySpec[];
  /** Whitelist of layer names (empty = any name). */
  allowed: ArraySpec[];
}

export interface ZarrGroupSpec {
  requiredArrays: ArraySpec[];
  layers: LayersSpec;
}

export interface FeatureSpaceSpec {
  featureSpace: string;
  pointer: PointerKind;
  hasVarDf: boolean;
  group: ZarrGroupSpec;
  /** The optional feature-oriented copy (CSC for gene_expression). */
  featureOriented?: ZarrGroupSpec;
  /**
   * Companion convention: the registry column marked `StableUIDField` (uid = make_stable_uid(value)).
   * homeobox leaves the registry schema to the user; these match its README and example schemas.
   */
  registryKey: string;
  builtin: boolean;
}

export const bp = (transform: 'none' | 'delta' | 'delta_zigzag'): InnerCodec => ({ name: 'homeobox.bitpacking', transform, elementSize: 4 });

const GENE_EXPRESSION_LAYERS: ArraySpec[] = [
  { name: 'counts', ndim: 1, dtypes: ['uint32'], codec: bp('none') },
  { name: 'log_normalized', ndim: 1, dtypes: ['float32'] },
  { name: 'tpm', ndim: 1, dtypes: ['float32'] },
];

/** Layers of chromatin fragments, the same in the cell-sorted and the genome-sorted copy. */
const FRAGMENT_LAYERS: ArraySpec[] = [
  { name: 'starts', ndim: 1, dtypes: ['uint32'], codec: bp('delta') },
  { name: 'lengths', ndim: 1, dtypes: ['uint16', 'uint32'], codec: bp('none') },
];

const BUILTINS: FeatureSpaceSpec[] = [
  {
    featureSpace: 'gene_expression',
    pointer: 'sparse',
    hasVarDf: true,
    registryKey: 'gene_symbol',
    builtin: true,
    group: {
      requiredArrays: [{ name: 'csr/indices', ndim: 1, dtypes: ['uint32'], codec: bp('delta') }],
      layers: { prefix: 'csr', matchShapeOf: 'csr/indices', required: [GENE_EXPRESSION_LAYERS[0]!], allowed: GENE_EXPRESSION_LAYERS },
    },
    featureOriented: {
      requiredArrays: [
        { name: 'csc/indices', ndim: 1, dtypes: ['uint32'] },
        { name: 'csc/indptr', ndim: 1, dtypes: ['int64'] },
      ],
      layers: {
        prefix: 'csc',
        matchShapeOf: 'csc/indices',
        // The CSC layer spec declares no compressor: counts are zstd there, not bitpacked.
        required: [{ name: 'counts', ndim: 1, dtypes: ['uint32'] }],
        allowed: GENE_EXPRESSION_LAYERS,
      },
    },
  },
  {
    featureSpace: 'image_features',
    pointer: 'dense',
    hasVarDf: true,
    registryKey: 'feature_name',
    builtin: true,
    group: {
      requiredArrays: [],
      layers: {
        prefix: '',
        required: [{ name: 'ctrl_standardized', ndim: 2, dtypes: ['float32'] }],
        allowed: ['raw', 'log_normalized', 'ctrl_standardized'].map((name) => ({ name, ndim: 2, dtypes: ['float32'] as DType[] })),
      },
    },
  },
  {
    featureSpace: 'protein_abundance',
    pointer: 'dense',
    hasVarDf: true,
    registryKey: 'protein_name',
    builtin: true,
    group: {
      requiredArrays: [],
      layers: {
        prefix: '',
        required: [{ name: 'counts', ndim: 2, dtypes: ['uint32'] }],
        allowed: [
          { name: 'counts', ndim: 2, dtypes: ['uint32'] },
          { name: 'clr_normalized', ndim: 2, dtypes: ['float32'] },
          { name: 'dsb_normalized', ndim: 2, dtypes: ['float32'] },
        ],
      },
    },
  },
  {
    featureSpace: 'chromatin_accessibility',
    pointer: 'sparse',
    hasVarDf: true,
    registryKey: 'sequence_name',
    builtin: true,
    group: {
      requiredArrays: [{ name: 'cell_sorted/chromosomes', ndim: 1, dtypes: ['uint8'] }],
      layers: {
        prefix: 'cell_sorted',
        matchShapeOf: 'cell_sorted/chromosomes',
        required: FRAGMENT_LAYERS,
        allowed: [],
      },
    },
    featureOriented: {
      requiredArrays: [
        { name: 'genome_sorted/cell_ids', ndim: 1, dtypes: ['uint32'], codec: bp('none') },
        { name: 'genome_sorted/chrom_offsets', ndim: 1, dtypes: ['int64'] },
        { name: 'genome_sorted/end_max', ndim: 1, dtypes: ['uint32'] },
      ],
      layers: {
        prefix: 'genome_sorted',
        matchShapeOf: 'genome_sorted/cell_ids',
        required: FRAGMENT_LAYERS,
        allowed: [],
      },
    },
  },
  {
    featureSpace: 'image_tiles',
    pointer: 'dense',
    hasVarDf: false,
    registryKey: '',
    builtin: true,
    group: {
      requiredArrays: [],
      layers: {
        prefix: '',
        required: [{ name: 'raw', ndim: 4, dtypes: ['float32', 'uint8', 'uint16'] }],
        allowed: [{ name: 'raw', ndim: 4, dtypes: ['float32', 'uint8', 'uint16'] }],
      },
    },
  },
  {
    featureSpace: 'discrete_image',
    pointer: 'discrete_spatial',
    hasVarDf: false,
    registryKey: '',
    builtin: true,
    group: {
      requiredArrays: [],
      layers: {
        prefix: '',
        required: [{ name: 'raw', minNdim: 2, maxNdim: 5, dtypes: ['float32', 'uint8', 'uint16'] }],
        allowed: [
          { name: 'raw', minNdim: 2, maxNdim: 5, dtypes: ['float32', 'uint8', 'uint16'] },
          { name: 'semantic_masks', minNdim: 2, maxNdim: 5, dtypes: ['bool'] },
          { name: 'instance_masks', minNdim: 2, maxNdim: 5, dtypes: ['uint32'] },
        ],
      },
    },
  },
];

/** A user feature space as stored in `ragged_atlas.json` and accepted by `--feature-space`. */
export interface UserFeatureSpaceDef {
  name: string;
  pointer: 'sparse' | 'dense';
  /** Layer name → dtype (uint32 | int32 | float32 | float64); the first is required. */
  layers: Record<string, DType>;
  /** Layers that must be present (default: the first one). */
  required?: string[];
  /** Registry stable-uid column (default `feature_name`). */
  registryKey?: string;
}

export class FeatureSpaceRegistry {
  readonly #specs = new Map<string, FeatureSpaceSpec>();

  constructor(userDefs: readonly UserFeatureSpaceDef[] = []) {
    for (const s of BUILTINS) this.#specs.set(s.featureSpace, s);
    for (const d of userDefs) this.register(specFromUserDef(d));
  }

  register(spec: FeatureSpaceSpec): void {
    const prior = this.#specs.get(spec.featureSpace);
    if (prior && JSON.stringify(prior) !== JSON.stringify(spec)) {
      throw new Error(`feature space '${spec.featureSpace}' is already registered with a different spec`);
    }
    this.#specs.set(spec.featureSpace, spec);
  }

  get(featureSpace: string): FeatureSpaceSpec {
    const s = this.#specs.get(featureSpace);
    if (!s) {
      throw new InvalidInputError(
        `no spec registered for feature space '${featureSpace}' (registered: ${[...this.#specs.keys()].sort().join(', ')}); a new one is declared when the atlas is created: --feature-space ${featureSpace}:sparse:counts=uint32 (or dense)`,
      );
    }
    return s;
  }

  has(featureSpace: string): boolean {
    return this.#specs.has(featureSpace);
  }

  names(): string[] {
    return [...this.#specs.keys()];
  }
}

export const BUILTIN_FEATURE_SPACES: readonly string[] = BUILTINS.map((s) => s.featureSpace);

/** Layers path of a group spec: `csr/layers` or `layers`. */
export function layersPath(spec: ZarrGroupSpec): string {
  return spec.layers.prefix ? `${spec.layers.prefix}/layers` : 'layers';
}

/** Merged required + allowed layer specs (required wins), as `array_specs_by_name`. */
export function layerSpecs(spec: ZarrGroupSpec): Map<string, ArraySpec> {
  const m = new Map<string, ArraySpec>();
  for (const a of spec.layers.allowed) m.set(a.name, a);
  for (const a of spec.layers.required) m.set(a.name, a);
  return m;
}

/** Codec the writer uses for an array spec: its declared compressor, else zarr's default zstd. */
export function codecOf(a: ArraySpec): InnerCodec {
  return a.codec ?? DEFAULT_ZSTD;
}

export function specFromUserDef(d: UserFeatureSpaceDef): FeatureSpaceSpec {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(d.name)) throw new Error(`feature space name '${d.name}' must be an identifier`);
  const names = Object.keys(d.layers);
  if (names.length === 0) throw new Error(`feature space '${d.name}' needs at least one layer`);
  for (const [n, t] of Object.entries(d.layers)) {
    if (!['uint32', 'int32', 'float32', 'float64'].includes(t)) throw new Error(`layer '${n}' of '${d.name}': unsupported dtype ${t}`);
  }
  const sparse = d.pointer === 'sparse';
  const arrays: ArraySpec[] = names.map((name) => ({
    name,
    ndim: sparse ? 1 : 2,
    dtypes: [d.layers[name]!],
    // Sparse integer layers are bitpacked like gene_expression counts; everything else is zstd.
    ...(sparse && d.layers[name] === 'uint32' ? { codec: bp('none') } : {}),
  }));
  const required = (d.required ?? [names[0]!]).map((r) => {
    const a = arrays.find((x) => x.name === r);
    if (!a) throw new Error(`required layer '${r}' of '${d.name}' is not among its layers`);
    return a;
  });
  return {
    featureSpace: d.name,
    pointer: d.pointer,
    hasVarDf: true,
    registryKey: d.registryKey ?? 'feature_name',
    builtin: false,
    group: sparse
      ? {
          requiredArrays: [{ name: 'csr/indices', ndim: 1, dtypes: ['uint32'], codec: bp('delta') }],
          layers: { prefix: 'csr', matchShapeOf: 'csr/indices', required, allowed: arrays },
        }
      : { requiredArrays: [], layers: { prefix: '', required, allowed: arrays } },
  };
}

/** Parses `name:dense|sparse:layer=dtype[,layer=dtype…][:registry_key]` (the CLI form). */
export function parseFeatureSpaceArg(arg: string): UserFeatureSpaceDef {
  const [name, pointer, layerList, registryKey] = arg.split(':');
  if (!name || (pointer !== 'dense' && pointer !== 'sparse') || !layerList) {
    throw new Error(`--feature-space '${arg}': expected name:dense|sparse:layer=dtype[,layer=dtype…][:registry_key]`);
  }
  const layers: Record<string, DType> = {};
  for (const item of layerList.split(',')) {
    const [layer, dtype] = item.split('=');
    if (!layer || !dtype) throw new Error(`--feature-space '${arg}': bad layer '${item}'`);
    layers[layer] = dtype as DType;
  }
  return { name, pointer, layers, ...(registryKey ? { registryKey } : {}) };
}

/** Python to register the same spec in homeobox, so Python can open atlases using it. */
export function pythonSpecSnippet(spec: FeatureSpaceSpec): string {
  const arr = (a: ArraySpec) =>
    `ArraySpec(array_name=${JSON.stringify(a.name)}, ndim=${a.ndim}, allowed_dtypes=[np.${a.dtypes[0]}]` +
    (a.codec?.name === 'homeobox.bitpacking' ? `, compressors=BitpackingCodec(transform=${JSON.stringify(a.codec.transform)})` : '') +
    ')';
  const g = spec.group;
  const dense = spec.pointer === 'dense';
  return [
    'import numpy as np',
    'from homeobox.codecs import BitpackingCodec',
    'from homeobox.group_specs import ArraySpec, FeatureSpaceSpec, LayersSpec, ZarrGroupSpec, register_spec',
    `from homeobox.pointer_types import ${dense ? 'DenseZarrPointer' : 'SparseZarrPointer'}`,
    `from homeobox.reconstruction import ${dense ? 'DenseFeatureReconstructor' : 'SparseGeneExpressionReconstructor'}`,
    'register_spec(FeatureSpaceSpec(',
    `    feature_space=${JSON.stringify(spec.featureSpace)},`,
    `    pointer_type=${dense ? 'DenseZarrPointer' : 'SparseZarrPointer'},`,
    '    has_var_df=True,',
    `    reconstructor=${dense ? 'DenseFeatureReconstructor' : 'SparseGeneExpressionReconstructor'}(),`,
    '    zarr_group_spec=ZarrGroupSpec(',
    `        required_arrays=[${g.requiredArrays.map(arr).join(', ')}],`,
    `        layers=LayersSpec(prefix=${JSON.stringify(g.layers.prefix)}${g.layers.matchShapeOf ? `, match_shape_of=${JSON.stringify(g.layers.matchShapeOf)}` : ''},`,
    `            required=[${g.layers.required.map(arr).join(', ')}],`,
    `            allowed=[${g.layers.allowed.map(arr).join(', ')}]),`,
    '    ),',
    '))',
  ].join('\n');
}
