// The fluent query over a checked-out atlas, mirroring homeobox's AtlasQuery in camelCase.
// Unlike homeobox, every builder method returns a new query (the receiver is unchanged), so a base
// query can be reused and forked safely. Terminals run the query through an executor.
import type { Table } from 'apache-arrow';
import { AbortedError, QueryError, describeArgument } from '../errors.js';
import { followSignal } from '../io/abortable.js';
import { checkNumberOption, checkOptionNames, optionNames } from '../options.js';
import type { AnnData, MuData } from '../anndata/types.js';
import type { DistanceMetric, FeatureJoin, QuerySpec } from './spec.js';

/**
 * Progress of a running terminal: cumulative counts. `phase`: 'obs' once obs rows are chosen
 * (`rows` of them; toBatches reports each read unit's rows as they stream), 'read' as matrix chunks
 * arrive, 'assemble' when the result is put together. `requests` / `bytes` / `chunks` count the
 * matrix (zarr) reads; the whole checkout's traffic, Lance reads included, is `atlas.stats`.
 */
export interface QueryProgress {
  phase: 'obs' | 'read' | 'assemble';
  rows: number;
  requests: number;
  bytes: number;
  chunks: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: QueryProgress) => void;
  /**
   * Sort column indices within each CSR row (canonical CSR, scipy's has_sorted_indices). Default
   * true for toAnnData / toMuData; false for toBatches, which keeps homeobox's stored order (its
   * loader's) because sorting is most of a streaming read's CPU. Every CSR result says which it
   * got in `hasSortedIndices`.
   */
  sortIndices?: boolean;
}

/** The option names every terminal takes (RunOptions). */
const RUN_OPTIONS = optionNames<RunOptions>()(['signal', 'onProgress', 'sortIndices']);

export interface QueryExecutor {
  count(spec: QuerySpec, opts: RunOptions): Promise<number>;
  countBy(spec: QuerySpec, groupBy: string[], opts: RunOptions): Promise<Table>;
  toArrow(spec: QuerySpec, opts: RunOptions): Promise<Table>;
  toAnnData(spec: QuerySpec, opts: RunOptions): Promise<AnnData>;
  toBatches(spec: QuerySpec, batchSize: number, opts: RunOptions & { readAhead?: number }): AsyncIterable<AnnData>;
  toMuData(spec: QuerySpec, opts: RunOptions): Promise<MuData>;
  /** Aborted when the atlas closes: running terminals stop, with an AbortedError saying so. */
  readonly closed?: AbortSignal;
}

export class AtlasQuery {
  readonly #spec: QuerySpec;
  readonly #exec: QueryExecutor;

  /** @internal Created by `RaggedAtlas.query()`. */
  constructor(exec: QueryExecutor, spec: QuerySpec) {
    this.#exec = exec;
    this.#spec = spec;
  }

  /** The accumulated query, as plain data (for logging or a REST pass-through). */
  get spec(): Readonly<QuerySpec> {
    return this.#spec;
  }

  #with(patch: Partial<QuerySpec>): AtlasQuery {
    return new AtlasQuery(this.#exec, { ...this.#spec, ...patch });
  }

  /** A LanceDB/DataFusion SQL filter, e.g. `cell_type = 'CD4 T cells' AND n_genes > 500`. Several calls AND together. */
  where(sql: string): AtlasQuery {
    if (typeof sql !== 'string' || !sql.trim()) throw new QueryError('where() needs a non-empty SQL predicate');
    return this.#with({ where: [...(this.#spec.where ?? []), sql] });
  }

  /** Metadata columns to return (pointer columns are added internally when data is read). */
  select(columns: string[]): AtlasQuery {
    if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')) throw new QueryError('select() takes a list of column names');
    return this.#with({ select: [...columns] });
  }

  limit(n: number): AtlasQuery {
    checkCount(n, 'limit');
    if (this.#spec.balanced) throw new QueryError('limit() cannot be combined with balancedLimit()');
    return this.#with({ limit: n });
  }

  offset(n: number): AtlasQuery {
    checkCount(n, 'offset');
    return this.#with({ offset: n });
  }

  /** Up to n rows spread evenly over the distinct values of `column` (n // groups per value). */
  balancedLimit(n: number, column: string): AtlasQuery {
    checkCount(n, 'balancedLimit');
    if (this.#spec.limit !== undefined) throw new QueryError('balancedLimit() cannot be combined with limit()');
    return this.#with({ balanced: { n, column } });
  }

  /** Exact nearest-neighbour search over a fixed_size_list<float32> column (prefilter: `where` applies first). */
  search(vector: ArrayLike<number>, options: { column?: string; metric?: DistanceMetric; k?: number } = {}): AtlasQuery {
    const metric = options.metric ?? 'l2';
    if (!['l2', 'cosine', 'dot'].includes(metric)) throw new QueryError(`unknown distance metric "${metric}" (l2, cosine, dot)`);
    // LanceDB: "k must be positive"; a search for no neighbours is a mistake, not an empty answer
    if (options.k !== undefined && (!Number.isSafeInteger(options.k) || options.k < 1)) throw new QueryError(`search k must be a positive integer, got ${describeArgument(options.k)}`);
    return this.#with({ search: { vector: Float32Array.from(vector), column: options.column, metric, k: options.k } });
  }

  /**
   * Pins the output features of `featureSpace` to these registry uids (sorted by global_index in the
   * result). One list per feature space, as in homeobox: a second call for the same space replaces
   * the first, a call for another space adds to it. Without selectFields() / featureSpaces(), the
   * spaces given here also choose the pointer fields a terminal reconstructs (homeobox ≥ 0.2.5).
   */
  features(uids: string[], featureSpace: string): AtlasQuery {
    if (!Array.isArray(uids) || !uids.length) throw new QueryError('features() needs a non-empty list of feature uids');
    checkNames(uids, 'features() takes feature uids as strings');
    if (typeof featureSpace !== 'string' || !featureSpace) throw new QueryError('features() needs a feature space name');
    return this.#with({ features: { ...this.#spec.features, [featureSpace]: [...uids] } });
  }

  featureJoin(mode: FeatureJoin): AtlasQuery {
    if (mode !== 'union' && mode !== 'intersection') throw new QueryError(`featureJoin must be "union" or "intersection", not "${mode}"`);
    return this.#with({ featureJoin: mode });
  }

  /** Layers to read for a feature space; the first becomes X. Default: the space's required layers. */
  layers(featureSpace: string, names: string[]): AtlasQuery {
    if (typeof featureSpace !== 'string' || !featureSpace) throw new QueryError('layers() needs a feature space name');
    // A bare string would be read as a list of one-letter layer names.
    if (!Array.isArray(names) || !names.length) throw new QueryError('layers() needs a list of at least one layer name');
    checkNames(names, 'layers() takes layer names as strings');
    return this.#with({ layers: { ...this.#spec.layers, [featureSpace]: [...names] } });
  }

  /** Restricts reconstruction to pointer fields in these feature spaces. */
  featureSpaces(...spaces: string[]): AtlasQuery {
    checkNames(spaces, 'featureSpaces() takes feature space names as strings');
    return this.#with({ featureSpaces: spaces });
  }

  /** Restricts reconstruction to these pointer columns. */
  selectFields(...fields: string[]): AtlasQuery {
    checkNames(fields, 'selectFields() takes pointer column names as strings');
    return this.#with({ fields });
  }

  /** Number of rows, or a table of counts per group (sorted by the group columns). */
  count(options?: RunOptions): Promise<number>;
  count(options: RunOptions & { groupBy: string | string[] }): Promise<Table>;
  count(options: RunOptions & { groupBy?: string | string[] } = {}): Promise<number | Table> {
    checkOptionNames(options, [...RUN_OPTIONS, 'groupBy'], 'count()');
    const { groupBy, ...run } = options;
    if (groupBy === undefined) return this.#run(run, (o) => this.#exec.count(this.#spec, o));
    const cols = Array.isArray(groupBy) ? groupBy : [groupBy];
    if (!cols.length) throw new QueryError('count({groupBy}) needs at least one column');
    return this.#run(run, (o) => this.#exec.countBy(this.#spec, cols, o));
  }

  /** The obs rows (metadata only, pointer columns removed) as an Arrow table. */
  toArrow(options: RunOptions = {}): Promise<Table> {
    checkOptionNames(options, RUN_OPTIONS, 'toArrow()');
    return this.#run(options, (o) => this.#exec.toArrow(this.#spec, o));
  }

  /** One AnnData for the active pointer field (exactly one must be active, or none for obs-only). */
  toAnnData(options: RunOptions = {}): Promise<AnnData> {
    checkOptionNames(options, RUN_OPTIONS, 'toAnnData()');
    return this.#run(options, (o) => this.#exec.toAnnData(this.#spec, o));
  }

  /**
   * Streams the result as AnnData batches of `batchSize` rows, each with its own feature join.
   * `readAhead`: read units (~4 M stored entries each, ~32 MB decoded for a count layer) fetched
   * ahead of the consumer; default 8. Lower it to bound memory, raise it for high-latency hosts.
   */
  toBatches(options: RunOptions & { batchSize?: number; readAhead?: number } = {}): AsyncIterable<AnnData> {
    checkOptionNames(options, [...RUN_OPTIONS, 'batchSize', 'readAhead'], 'toBatches()');
    const { batchSize = 1024, ...run } = options;
    checkNumberOption(batchSize, 'batchSize', { min: 1, integer: true });
    checkNumberOption(run.readAhead, 'readAhead', { min: 1, integer: true });
    return this.#stream(batchSize, run);
  }

  /** Every active pointer field as its own modality, with presence masks over the shared obs. */
  toMuData(options: RunOptions = {}): Promise<MuData> {
    checkOptionNames(options, RUN_OPTIONS, 'toMuData()');
    return this.#run(options, (o) => this.#exec.toMuData(this.#spec, o));
  }

  /** Runs a terminal on a signal of its own that follows the caller's (io/abortable.ts followSignal). */
  async #run<T>(options: RunOptions, terminal: (o: RunOptions) => Promise<T>): Promise<T> {
    this.#refuseIfClosed();
    const { signal, release } = followSignal(options.signal, this.#exec.closed);
    try {
      return await terminal({ ...options, signal });
    } catch (err) {
      throw this.#closedError(err);
    } finally {
      release();
    }
  }

  async *#stream(batchSize: number, options: RunOptions & { readAhead?: number }): AsyncGenerator<AnnData> {
    this.#refuseIfClosed();
    const { signal, release } = followSignal(options.signal, this.#exec.closed);
    try {
      yield* this.#exec.toBatches(this.#spec, batchSize, { ...options, signal });
    } catch (err) {
      throw this.#closedError(err);
    } finally {
      release();
    }
  }

  /** A query built before its atlas closed and run after: refused like query() on a closed atlas, not "closed while it ran". */
  #refuseIfClosed(): void {
    if (this.#exec.closed?.aborted) throw new QueryError('this atlas is closed: check it out again to query it');
  }

  /** Whatever a terminal failed with once its atlas closed (an abort, a stopped worker pool) is that. */
  #closedError(err: unknown): unknown {
    return this.#exec.closed?.aborted ? new AbortedError('the atlas was closed while this query ran', {}, { cause: err }) : err;
  }
}

export function checkNames(names: unknown[], message: string): void {
  const bad = names.findIndex((n) => typeof n !== 'string');
  if (bad >= 0) throw new QueryError(`${message}; item ${bad} is ${describeArgument(names[bad])}`);
}

function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new QueryError(`${what} must be a non-negative integer, got ${describeArgument(n)}`);
}
