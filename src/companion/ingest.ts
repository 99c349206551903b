// `ingest`: one dataset (one or several modalities of the same cells) into an atlas.
//
// Order of work, chosen so that a failure or a kill at any point leaves every earlier snapshot
// intact and the atlas usable:
//   1. open inputs, check shapes, align obs to the schema, compute feature uids — no writes yet;
//   2. write each modality into a NEW zarr group (a fresh uid directory no table references);
//   3. only then touch Lance: registry rows, feature layouts, dataset rows, obs rows (the obs
//      append is the commit point: before it the dataset is invisible to queries).
// A failure in 1–2 removes the new groups; a failure in 3 also deletes the dataset rows it added.
// A SIGKILL leaves at worst an unreferenced group, which `validate` reports as orphaned.
//
// Re-running an ingest with the same dataset name over byte-identical input is refused (the
// content hash is stored in the dataset rows), unless `allowDuplicate` is set.
import { basename, extname } from 'node:path';
import * as arrow from 'apache-arrow';
import { InvalidInputError } from '../errors.js';
import { Atlas } from './atlas.js';
import { loadWriterCodecs, type WriterCodecs } from './codecs.js';
import { layerSpecs, type FeatureSpaceSpec } from './feature-spaces.js';
import type { InputDataset, InputFormat, MatrixSource, ObsColumn } from './inputs/types.js';
import { writeModality, type LayerSource, type ModalityWriteResult, type PointerColumns } from './modality-writer.js';
import { alignObs } from './obs-align.js';
import { silentProgress, type Progress } from './progress.js';
import { sourceSha256 } from './source-hash.js';
import { int64Data, nullData, repeatedUtf8Data, structData, tableFromColumns, utf8Data } from './tables/arrow-build.js';
import { obsSchema } from './tables/schemas.js';
import { sqlString, withCommitRetry } from './tables/lance.js';
import { addDatasetRows, addObsRows, ensureLayout, findSameIngest, registerFeatures, type DatasetRow } from './tables/writes.js';
import { makeStableUid, makeUid, pythonUtcNow } from './uids.js';
import { removeGroup } from './zarr-writer/group.js';
import { makeUnique } from './inputs/make-unique.js';

/** A matrix inside an input: `X`, `raw/X` or `layers/<name>`. */
export interface LayerRef {
  input: string | InputDataset;
  matrix: string;
  format?: InputFormat;
}

export interface ModalitySpec {
  /** The obs pointer column this modality fills (its feature space comes from the schema). */
  field: string;
  input: string | InputDataset;
  format?: InputFormat;
  /**
   * Destination layer → source. A string is a matrix of `input` (`X`, `raw/X`, `layers/counts`)
   * or `<path>#<matrix>` for another file. Default: the spec's first required layer ← `X`.
   */
  layers?: Record<string, string | LayerRef>;
  /** A var column to use as feature identity instead of the var names. */
  varKey?: string;
}

export interface IngestOptions {
  /** Dataset name (stored as `dataset_name`); default: the first input's file name. */
  name?: string;
  /** The first modality's input supplies obs columns and embeddings. */
  modalities: ModalitySpec[];
  /** Input obs column → schema field (`louvain` → `cell_type`); `_index` is the obs names. */
  obsMap?: Record<string, string>;
  batchRows?: number;
  /** Ingest even if the same name + content hash is already in the atlas. */
  allowDuplicate?: boolean;
  progress?: Progress;
  codecs?: WriterCodecs;
  /** Overrides of the sparse chunk / shard element counts (tests; default 40,960 / 41,943,040). */
  chunkElems?: number;
  shardElems?: number;
  /** Opens a path (default: the companion's input readers). */
  openInput?: (path: string, opts: { format?: InputFormat }) => Promise<InputDataset>;
  /** Test hook between the zarr writes and the Lance commit. */
  beforeCommit?: () => Promise<void>;
}

export interface IngestedModality {
  field: string;
  featureSpace: string;
  zarrGroup: string;
  layoutUid: string;
  layers: string[];
  nRows: number;
  nnz: number;
  nFeatures: number;
  newFeatures: number;
  bytes: number;
}

export interface IngestResult {
  datasetUid: string;
  datasetName: string;
  sourceSha256: string | undefined;
  nObs: number;
  modalities: IngestedModality[];
  droppedObsColumns: string[];
  /** obsm entries of the input no embedding field takes (not stored). */
  droppedObsm: string[];
  nullFilledObsColumns: string[];
  warnings: string[];
}

interface Plan {
  field: string;
  spec: FeatureSpaceSpec;
  layers: LayerSource[];
  nRows: number;
  nVar: number;
  obsNames: string[];
  varNames: string[];
  featureKeys: string[];
  featureUids: string[];
  /** obs row of each of this modality's rows. */
  obsIndex: Int32Array | undefined;
}

export const DEFAULT_BATCH_ROWS = 8192;

export async function ingest(atlasOrPath: Atlas | string, opts: IngestOptions): Promise<IngestResult> {
  const atlas = typeof atlasOrPath === 'string' ? await Atlas.open(atlasOrPath) : atlasOrPath;
  const progress = opts.progress ?? silentProgress;
  const opened = new Map<string, Promise<InputDataset>>();
  const openFn = opts.openInput ?? (async (p, o) => (await import('./inputs/index.js')).openInput(p, o));
  const resolveInput = (x: string | InputDataset, format?: InputFormat): Promise<InputDataset> => {
    if (typeof x !== 'string') return Promise.resolve(x);
    let p = opened.get(x);
    if (!p) opened.set(x, (p = openFn(x, format ? { format } : {})));
    return p;
  };
  const warnings: string[] = [];
  try {
    if (opts.modalities.length === 0) throw new InvalidInputError('nothing to ingest: no modalities given');
    const fields = opts.modalities.map((m) => m.field);
    if (new Set(fields).size !== fields.length) throw new InvalidInputError(`pointer field given twice: ${fields.join(', ')}`);

    // 1. Plan every modality (reads only metadata).
    progress.phase('reading inputs');
    const plans: Plan[] = [];
    for (const m of opts.modalities) plans.push(await planModality(atlas, m, resolveInput, warnings));
    const primaryInput = await resolveInput(opts.modalities[0]!.input, opts.modalities[0]!.format);
    const obsNames = plans[0]!.obsNames;
    // The obs columns come from the input, the cells from its first layer, which may be another
    // file: taken by position, they must be the same cells in the same order.
    const d = firstDifference(primaryInput.obsNames, obsNames);
    if (d >= 0) {
      const at = (names: readonly string[]) => (d < names.length ? `'${names[d]}'` : 'nothing');
      throw new InvalidInputError(
        `the obs of ${primaryInput.source} (${primaryInput.obsNames.length} cells) are not the cells of layer '${plans[0]!.layers[0]!.layer}' from ${plans[0]!.layers[0]!.file} (${obsNames.length} cells) in the same order: row ${d} is ${at(primaryInput.obsNames)} in ${primaryInput.source}, ${at(obsNames)} in ${plans[0]!.layers[0]!.file}`,
        { where: `${primaryInput.source}: obs` },
      );
    }
    for (const p of plans.slice(1)) p.obsIndex = alignRows(p, obsNames, plans[0]!.layers[0]!.file);
    const aligned = alignObs({ ...primaryInput, obsNames }, atlas.obsDef, opts.obsMap);
    if (aligned.dropped.length) warnings.push(`obs columns not in the schema, dropped: ${aligned.dropped.join(', ')}`);
    if (aligned.droppedObsm.length) warnings.push(`obsm entries no embedding field takes, dropped: ${aligned.droppedObsm.join(', ')}`);
    progress.done();

    const sources = new Set<string>();
    for (const p of plans) for (const l of p.layers) sources.add(l.file);
    const sha = await sourceSha256([...sources]);
    const datasetName = opts.name ?? defaultName(plans[0]!.layers[0]!.file);
    await refuseRepeat(atlas, datasetName, sha, opts.allowDuplicate);

    // 2. Zarr: one new group per modality.
    const codecs = opts.codecs ?? (await loadWriterCodecs());
    const datasetUid = makeUid();
    const groups: string[] = [];
    const written: ModalityWriteResult[] = [];
    try {
      for (const p of plans) {
        const zarrGroup = makeUid();
        groups.push(zarrGroup);
        progress.phase(`writing ${p.field} (${p.spec.featureSpace})`, p.nRows, 'rows');
        written.push(
          await writeModality(
            atlas.zarrDir,
            { spec: p.spec, zarrGroup, layers: p.layers, nRows: p.nRows, nVar: p.nVar, obsNames: p.obsNames, varNames: p.varNames },
            { batchRows: opts.batchRows ?? DEFAULT_BATCH_ROWS, codecs, sizeHints: atlas.shardSizeHints, chunkElems: opts.chunkElems, shardElems: opts.shardElems, onRows: (n) => progress.advance(n) },
          ),
        );
        progress.done();
      }
      await opts.beforeCommit?.();
      await refuseRepeat(atlas, datasetName, sha, opts.allowDuplicate);
    } catch (err) {
      await Promise.all(groups.map((g) => removeGroup(atlas.zarrDir, g)));
      throw err;
    }

    // 3. Lance, last.
    progress.phase('committing tables');
    const result: IngestedModality[] = [];
    const createdAt = pythonUtcNow();
    const datasetRows: DatasetRow[] = [];
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i]!;
      let newFeatures = 0;
      let lid = '';
      if (p.spec.hasVarDf) {
        newFeatures = await registerFeatures(atlas, p.spec.featureSpace, p.featureUids, p.featureKeys);
        // the layouts this ingest has given other spaces count as taken too (its dataset rows come later)
        const taken = datasetRows.filter((d) => d.feature_space !== p.spec.featureSpace).map((d) => d.layout_uid);
        lid = await ensureLayout(atlas, p.spec.featureSpace, p.featureUids, taken);
      }
      datasetRows.push({
        dataset_uid: datasetUid,
        zarr_group: groups[i]!,
        feature_space: p.spec.featureSpace,
        layout_uid: lid,
        created_at: createdAt,
        dataset_name: datasetName,
        source: p.layers.map((l) => `${l.layer}=${l.file}#${l.matrix}`).join(';'),
        source_sha256: sha ?? null,
        n_rows: p.nRows,
      });
      result.push({
        field: p.field,
        featureSpace: p.spec.featureSpace,
        zarrGroup: groups[i]!,
        layoutUid: lid,
        layers: p.layers.map((l) => l.layer),
        nRows: p.nRows,
        nnz: written[i]!.nnz,
        nFeatures: p.nVar,
        newFeatures,
        bytes: written[i]!.bytes,
      });
    }
    const obsTable = buildObsTable(atlas, obsNames.length, datasetUid, aligned.columns, plans, written, groups);
    try {
      await addDatasetRows(atlas, datasetRows);
      await addObsRows(atlas, obsTable);
    } catch (err) {
      await atlas.datasets.delete(`dataset_uid = '${datasetUid}'`).catch(() => undefined);
      await Promise.all(groups.map((g) => removeGroup(atlas.zarrDir, g)));
      throw err;
    }
    await atlas.ensureHints();
    progress.done();
    for (const w of warnings) progress.note(`warning: ${w}`);
    return {
      datasetUid,
      datasetName,
      sourceSha256: sha,
      nObs: obsNames.length,
      modalities: result,
      droppedObsColumns: aligned.dropped,
      droppedObsm: aligned.droppedObsm,
      nullFilledObsColumns: aligned.nullFilled,
      warnings,
    };
  } finally {
    for (const p of opened.values()) await p.then((d) => d.close?.()).catch(() => undefined);
    if (typeof atlasOrPath === 'string') atlas.close();
  }
}

/**
 * How long after its dataset rows an ingest's obs commit may still come. The two commits are back to
 * back (the obs table is built before either), so a prior ingest with dataset rows and no cells
 * after this long was killed between them.
 */
const UNFINISHED_AFTER_MS = 60_000;

async function refuseRepeat(atlas: Atlas, name: string, sha: string | undefined, allow: boolean | undefined): Promise<void> {
  if (!sha || allow) return;
  const prior = await findSameIngest(atlas, name, sha);
  if (prior && (await isUnfinished(atlas, prior))) {
    // Its dataset rows alone (no cell points at them): this ingest takes their place. Its zarr
    // groups stay, orphaned (validate names them); a snapshot that recorded the rows keeps them.
    await withCommitRetry(`drop the unfinished ingest's dataset rows`, () => atlas.datasets.delete(`dataset_uid = ${sqlString(prior.dataset_uid)}`), () => atlas.datasets.checkoutLatest());
    return;
  }
  if (prior) {
    throw new InvalidInputError(
      `dataset '${name}' was already ingested from identical input (dataset_uid ${prior.dataset_uid}, ${prior.created_at}); ` +
        'ingesting it again would duplicate its cells. Use --allow-duplicate (allowDuplicate) to ingest it anyway, or --name to name it differently',
      { where: name },
    );
  }
}

/**
 * Whether `prior`'s rows are an ingest killed between its dataset commit and its obs commit: no obs
 * row carries its dataset_uid though its n_rows is not 0, and it is older than UNFINISHED_AFTER_MS. A younger one may still be
 * running: a clear error says so instead of a guess.
 */
async function isUnfinished(atlas: Atlas, prior: { dataset_uid: string; created_at: string; nRows?: number }): Promise<boolean> {
  if (prior.nRows === 0) return false; // an empty input's ingest: finished, with no cells by right
  await atlas.obs.checkoutLatest();
  if ((await atlas.obs.countRows(`dataset_uid = ${sqlString(prior.dataset_uid)}`)) > 0) return false;
  const age = Date.now() - Date.parse(`${prior.created_at.replace(' ', 'T').replace(/(\.\d{3})\d*/, '$1')}${/Z|[+-]\d\d:?\d\d$/.test(prior.created_at) ? '' : 'Z'}`);
  if (!(age < UNFINISHED_AFTER_MS)) return true; // also a date we cannot read: not a running ingest's
  throw new InvalidInputError(
    `an ingest of identical input as '${prior.dataset_uid}' started ${prior.created_at} and has no cells yet: it is still running, or was killed moments ago (then run again in a minute)`,
    { where: prior.dataset_uid },
  );
}

async function planModality(
  atlas: Atlas,
  m: ModalitySpec,
  resolveInput: (x: string | InputDataset, f?: InputFormat) => Promise<InputDataset>,
  warnings: string[],
): Promise<Plan> {
  const pointer = atlas.pointer(m.field);
  const spec = atlas.spec(pointer.featureSpace);
  if (spec.group.requiredArrays.some((a) => a.name === 'cell_sorted/chromosomes')) {
    // homeobox fills it from fragment files (FragmentConverter); a matrix's columns written as
    // its arrays would store gene indices as chromosomes
    throw new InvalidInputError(
      `feature space '${spec.featureSpace}' (field '${m.field}') holds fragments (chromosome, start and length per cell), which are not built from a matrix input; ingest a peak-by-cell matrix into a sparse feature space of its own (create --feature-space <name>:sparse:counts=uint32)`,
      { where: typeof m.input === 'string' ? m.input : m.input.source },
    );
  }
  const lspecs = layerSpecs(spec.group);
  const layerMap = m.layers ?? { [spec.group.layers.required[0]?.name ?? 'counts']: 'X' };
  const layers: LayerSource[] = [];
  const datasets: InputDataset[] = [];
  for (const [layer, refSpec] of Object.entries(layerMap)) {
    const known = spec.group.layers.allowed.length === 0 ? lspecs.has(layer) : spec.group.layers.allowed.some((a) => a.name === layer) || spec.group.layers.required.some((a) => a.name === layer);
    if (!known) throw new InvalidInputError(`feature space '${spec.featureSpace}' has no layer '${layer}'; allowed: ${[...lspecs.keys()].join(', ')}`);
    const r: LayerRef = typeof refSpec === 'string' ? parseLayerRef(refSpec, m.input, m.format) : refSpec;
    const ds = await resolveInput(r.input, r.format);
    layers.push({ layer, file: ds.source, matrix: r.matrix, source: matrixOf(ds, r.matrix) });
    datasets.push(ds);
  }
  const missing = spec.group.layers.required.filter((a) => !(a.name in layerMap)).map((a) => a.name);
  if (missing.length) throw new InvalidInputError(`feature space '${spec.featureSpace}' requires layer(s) ${missing.join(', ')} (use --layer ${missing[0]}=<matrix>)`);
  // The first layer is the reference: its matrix fixes the shape, its input the obs and var names.
  const ref = layers[0]!;
  const refDs = datasets[0]!;
  const [nRows, nVar] = ref.source.shape;
  // A layout without rows makes every query over the atlas fail (its remap cannot be read): refused
  // here, before anything is written, rather than stored.
  if (nVar === 0) throw new InvalidInputError(`the matrix has no features (${nRows} x 0): nothing to store in feature space '${spec.featureSpace}'`, { where: `${ref.file}: ${ref.matrix}` });
  const obsNames = refDs.obsNames;
  const varInfo = varOf(refDs, ref.matrix);
  layers.forEach((l, i) => {
    const [r, c] = l.source.shape;
    if (r !== nRows || c !== nVar) {
      throw new InvalidInputError(`layer '${l.layer}' is ${r} x ${c}, but layer '${ref.layer}' is ${nRows} x ${nVar}`, { where: `${l.file}: ${l.matrix}` });
    }
    if (firstDifference(datasets[i]!.obsNames, obsNames) >= 0) {
      throw new InvalidInputError(`layer '${l.layer}' has different obs names (cells) than layer '${ref.layer}'`, { where: `${l.file}: obs` });
    }
    // The reference's var names label every layer, so each layer's columns must be the same genes
    // in the same order (raw/X, or another file, may list them in another order).
    const vars = varOf(datasets[i]!, l.matrix).names;
    const k = vars === varInfo.names ? -1 : vars.findIndex((n, j) => n !== varInfo.names[j]);
    if (k >= 0) {
      throw new InvalidInputError(`layer '${l.layer}' has other var names (features) than layer '${ref.layer}', or the same in another order: column ${k} is '${vars[k]}' in layer '${l.layer}', '${varInfo.names[k]}' in layer '${ref.layer}'`, {
        where: `${l.file}: ${l.matrix}`,
      });
    }
  });
  if (obsNames.length !== nRows) throw new InvalidInputError(`${obsNames.length} obs names for a matrix of ${nRows} rows`, { where: `${ref.file}: ${ref.matrix}` });
  if (varInfo.names.length !== nVar) throw new InvalidInputError(`${varInfo.names.length} var names for a matrix of ${nVar} columns`, { where: `${ref.file}: ${ref.matrix}` });

  const otherTypes = nonGeneTypes(varInfo.cols);
  if (spec.featureSpace === 'gene_expression' && otherTypes.length) {
    // A Cell Ranger matrix of a CITE-seq or CRISPR run lists antibodies or guides beside the genes.
    warnings.push(
      `${m.field}: ${otherTypes.map(([t, n]) => `${n} feature(s) of type '${t}'`).join(', ')} are ingested as gene_expression features beside the genes (scanpy's read_10x_mtx keeps only 'Gene Expression'); ingest them as their own modality instead`,
    );
  }
  let keys: string[] = varInfo.names;
  if (m.varKey) {
    const col = varInfo.cols.find((c) => c.name === m.varKey);
    const unreadable = col ? undefined : refDs.unreadable?.[`${varInfo.path}/${m.varKey}`];
    if (unreadable) throw unreadable;
    if (!col) throw new InvalidInputError(`var column '${m.varKey}' not found (var columns: ${varInfo.cols.map((c) => c.name).join(', ') || 'none'})`, { where: ref.file });
    if (col.kind !== 'string' && col.kind !== 'categorical') throw new InvalidInputError(`var column '${m.varKey}' holds ${col.kind} values, not strings: feature keys are names`, { where: ref.file });
    keys = col.kind === 'string' ? col.values.map((v, i) => v ?? varInfo.names[i]!) : Array.from(col.codes, (k, i) => (k < 0 ? varInfo.names[i]! : col.categories[k]!));
    // a feature without a key keeps its var name as its identity: said, since it joins by that name
    const missing = col.kind === 'string' ? col.values.filter((v) => v === null).length : Array.from(col.codes).filter((k) => k < 0).length;
    if (missing > 0) warnings.push(`${m.field}: ${missing} feature(s) have no '${m.varKey}' value; their var names are their keys instead`);
  }
  const unique = makeUniqueNames(keys);
  if (unique.changed > 0) warnings.push(`${m.field}: ${unique.changed} duplicate feature name(s) made unique (anndata var_names_make_unique style)`);
  for (const note of refDs.notes ?? []) warnings.push(`${m.field}: ${note}`);
  keys = unique.names;
  return {
    field: m.field,
    spec,
    layers,
    nRows,
    nVar,
    obsNames,
    varNames: varInfo.names,
    featureKeys: spec.hasVarDf ? keys : [],
    featureUids: spec.hasVarDf ? keys.map((k) => makeStableUid(k)) : [],
    obsIndex: undefined,
  };
}

/** The var (features) a matrix of `ds` is labelled by: raw/var for raw/X, else var. */
function varOf(ds: InputDataset, matrix: string): { names: string[]; cols: ObsColumn[]; path: 'raw/var' | 'var' } {
  return matrix === 'raw/X' && ds.raw ? { names: ds.raw.varNames, cols: ds.raw.var, path: 'raw/var' } : { names: ds.varNames, cols: ds.var, path: 'var' };
}

function parseLayerRef(s: string, input: string | InputDataset, format?: InputFormat): LayerRef {
  const hash = s.lastIndexOf('#');
  if (hash > 0) return { input: s.slice(0, hash), matrix: s.slice(hash + 1) };
  return { input, matrix: s, ...(format ? { format } : {}) };
}

function matrixOf(ds: InputDataset, matrix: string): MatrixSource {
  const m =
    matrix === 'X' ? ds.X : matrix === 'raw/X' || matrix === 'raw.X' ? ds.raw?.X : matrix.startsWith('layers/') ? ds.layers[matrix.slice(7)] : undefined;
  if (!m) {
    const unreadable = ds.unreadable?.[matrix];
    if (unreadable) throw unreadable;
    const have = [ds.X ? 'X' : '', ds.raw ? 'raw/X' : '', ...Object.keys(ds.layers).map((l) => `layers/${l}`)].filter(Boolean);
    throw new InvalidInputError(`no matrix '${matrix}' in this input (it has: ${have.join(', ') || 'none'})`, { where: ds.source });
  }
  return m;
}

/** Counts of each feature_types value other than 'Gene Expression' (10x features.tsv, scanpy's var), by type. */
function nonGeneTypes(cols: ObsColumn[]): [string, number][] {
  const c = cols.find((x) => x.name === 'feature_types');
  if (!c || (c.kind !== 'string' && c.kind !== 'categorical')) return [];
  const counts = new Map<string, number>();
  const n = c.kind === 'string' ? c.values.length : c.codes.length;
  for (let i = 0; i < n; i++) {
    const t = c.kind === 'string' ? c.values[i] : c.codes[i]! < 0 ? null : c.categories[c.codes[i]!]!;
    if (t !== null && t !== undefined && t !== 'Gene Expression') counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return [...counts];
}

/** The first row where two lists of obs names differ (one ending early counts), or -1. */
function firstDifference(a: readonly string[], b: readonly string[]): number {
  if (a === b) return -1;
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) if (a[k] !== b[k]) return k;
  return a.length === b.length ? -1 : n;
}

/** Maps a secondary modality's rows onto the primary's obs rows by obs name. */
function alignRows(p: Plan, primary: readonly string[], primaryFile: string): Int32Array | undefined {
  if (firstDifference(p.obsNames, primary) < 0) return undefined;
  const pos = new Map<string, number>();
  primary.forEach((n, i) => {
    if (pos.has(n)) throw new InvalidInputError(`duplicate obs name '${n}': modalities cannot be aligned by name`, { where: primaryFile });
    pos.set(n, i);
  });
  const idx = new Int32Array(p.obsNames.length);
  const seen = new Set<number>();
  p.obsNames.forEach((n, i) => {
    const j = pos.get(n);
    if (j === undefined) throw new InvalidInputError(`cell '${n}' of modality '${p.field}' is not among the first modality's cells`, { where: `${p.layers[0]!.file}, row ${i}` });
    if (seen.has(j)) throw new InvalidInputError(`cell '${n}' appears twice in modality '${p.field}'`, { where: `${p.layers[0]!.file}, row ${i}` });
    seen.add(j);
    idx[i] = j;
  });
  return idx;
}

function buildObsTable(
  atlas: Atlas,
  n: number,
  datasetUid: string,
  obsCols: Map<string, arrow.Data>,
  plans: Plan[],
  written: ModalityWriteResult[],
  groups: string[],
): arrow.Table {
  const schema = obsSchema(atlas.obsDef);
  const uids = Array.from({ length: n }, makeUid);
  const cols: arrow.Data[] = [];
  for (const f of schema.fields) {
    if (f.name === 'uid') cols.push(utf8Data(uids));
    else if (f.name === 'dataset_uid') cols.push(repeatedUtf8Data(datasetUid, n));
    else if (obsCols.has(f.name)) cols.push(obsCols.get(f.name)!);
    else {
      const i = plans.findIndex((p) => p.field === f.name);
      cols.push(i < 0 ? nullData(f.type, n) : pointerData(f.type as arrow.Struct, n, groups[i]!, written[i]!.pointers, plans[i]!.obsIndex));
    }
  }
  return tableFromColumns(schema, cols);
}

/** Pointer struct column; rows the modality does not cover are null structs (pa.nulls). */
function pointerData(type: arrow.Struct, n: number, group: string, ptr: PointerColumns, obsIndex: Int32Array | undefined): arrow.Data {
  const valid = new Uint8Array(n);
  const scatter = (src: Float64Array): BigInt64Array => {
    const out = new BigInt64Array(n);
    for (let i = 0; i < src.length; i++) out[obsIndex ? obsIndex[i]! : i] = BigInt(src[i]!);
    return out;
  };
  const m = ptr.kind === 'sparse' ? ptr.start.length : ptr.position.length;
  for (let i = 0; i < m; i++) valid[obsIndex ? obsIndex[i]! : i] = 1;
  const zg = utf8Data(Array.from(valid, (v) => (v ? group : null)));
  const children =
    ptr.kind === 'sparse' ? [zg, int64Data(scatter(ptr.start), valid), int64Data(scatter(ptr.end), valid), int64Data(scatter(ptr.zarrRow), valid)] : [zg, int64Data(scatter(ptr.position), valid)];
  return structData(type, children, valid);
}

function defaultName(file: string): string {
  const b = basename(file.replace(/[\\/]+$/, ''));
  return b.endsWith('.zarr.zip') ? b.slice(0, -9) : b.slice(0, b.length - extname(b).length) || b;
}

/** anndata `make_index_unique` (the inputs' implementation), counting renamed entries. */
function makeUniqueNames(names: readonly string[]): { names: string[]; changed: number } {
  const out = makeUnique(names.slice());
  return { names: out, changed: out.reduce((a, v, i) => a + (v === names[i] ? 0 : 1), 0) };
}
