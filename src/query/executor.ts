// Runs AtlasQuery terminals against one checked-out atlas: obs selection (obs-select), per-field
// matrix reads (read-field), and assembly into AnnData / MuData / Arrow results.
import type * as arrow from 'apache-arrow';
import { QueryError, UnsupportedError, throwIfAborted } from '../errors.js';
import type { AnnData, MuData } from '../anndata/types.js';
import type { AtlasCatalog } from '../atlas/catalog.js';
import { absentGroupCode, nonAnnDataForm, type PointerField } from '../atlas/pointer-fields.js';
import { UNSUPPORTED_META, type StructChildren } from '../lance/index.js';
import type { QueryExecutor, QueryProgress, RunOptions } from './atlas-query.js';
import { groupCount } from './group-count.js';
import { annData, lazyObsNames, obsFrame, type ObsFrame } from './obs-frame.js';
import { copyTable } from '../arrow/copy.js';
import { countObs, selectObs, selectObsStream, type ObsTable, type SelectOptions } from './obs-select.js';
import type { ObsMemo } from './obs-memo.js';
import { splitRows, unitsOf, type BatchInfo } from './batch-units.js';
import { concatTables } from './arrow-rows.js';
import { numbersAt, stringCodes } from '../arrow/columns.js';
import { quoteIdent } from './predicate/index.js';
import { child, type FieldReadContext } from './read-context.js';
import { prefetchCscColumns } from './read-csc.js';
import { readField } from './read-field.js';
import { featuresOf, type QuerySpec } from './spec.js';

/**
 * toBatches: units (batch-units.ts) whose matrices are read ahead of the consumer, by default.
 * Measured on bench:query's stream (200k cells, 2-core VM, medians of 3 interleaved runs): 3 →
 * 32,800 cells/s, 4 → 34,000, 6 → 34,300, 8 → 35,900, 10 → 37,500 (each response is slow in the
 * browser; more in flight add up). 8 units are ~32 M stored entries: ~64 MB encoded in flight and
 * at most ~256 MB decoded (a uint32 count layer) if the consumer stalls; toBatches({readAhead})
 * lowers it.
 */
const READ_AHEAD = 8;
/** toBatches: stored entries (CSR) or rows (dense) per unit: ~4 MB per CSR array and request. */
const UNIT_BUDGET = 4 << 20;
/** toBatches: obs rows per Lance scan batch (small, so the first matrices are requested early). */
const STREAM_SCAN_ROWS = 16_384;

export type ReadContextFactory = (opts: RunOptions, progress: QueryProgress) => FieldReadContext;

export class AtlasExecutor implements QueryExecutor {
  constructor(
    private readonly catalog: AtlasCatalog,
    private readonly readContext: ReadContextFactory,
    /** The atlas's decoded obs selections (toArrow / toAnnData / toMuData reuse them); none: always read. */
    private readonly obsMemo?: ObsMemo,
    /** Aborted when the atlas closes. */
    readonly closed?: AbortSignal,
  ) {}

  async count(spec: QuerySpec, opts: RunOptions): Promise<number> {
    throwIfAborted(opts.signal); // also when the count comes from metadata alone
    const n = await countObs(this.#table(spec), spec, opts.signal);
    report(opts, newProgress(), 'obs', { rows: n });
    return n;
  }

  async countBy(spec: QuerySpec, groupBy: string[], opts: RunOptions): Promise<arrow.Table> {
    const table = this.#table(spec);
    this.#checkColumns(table, groupBy);
    const rows = await selectObs(table, spec, { columns: groupBy, signal: opts.signal });
    report(opts, newProgress(), 'obs', { rows: rows.numRows });
    return groupCount(rows, groupBy);
  }

  async toArrow(spec: QuerySpec, opts: RunOptions): Promise<arrow.Table> {
    const table = this.#table(spec);
    const pointers = new Set(this.catalog.pointerFields(spec.obsTable).map((p) => p.name));
    const select = { columns: this.#metadataColumns(table, spec), signal: opts.signal };
    const rows = await this.#selectRows(table, spec, select, () => selectObs(table, spec, select));
    report(opts, newProgress(), 'obs', { rows: rows.numRows });
    // homeobox's to_polars: exactly the selected columns, in select() order (uid only when chosen),
    // pointer columns left out; a search adds its _distance
    const names = spec.select
      ? [...new Set(spec.select.filter((n) => !pointers.has(n))), ...(rows.schema.fields.some((f) => f.name === '_distance') ? ['_distance'] : [])]
      : rows.schema.fields.map((f) => f.name).filter((n) => !pointers.has(n) && n !== '_rowaddr');
    return this.#own(rows, rows.select(names));
  }

  async toAnnData(spec: QuerySpec, opts: RunOptions): Promise<AnnData> {
    const progress = newProgress();
    const table = this.#table(spec);
    const field = this.#anndataField(spec, 'toAnnData()');
    const columns = [...this.#metadataColumns(table, spec), ...(field ? [field.name] : [])];
    const extraWhere = field ? [presenceFilter(field)] : [];
    this.#prefetchCatalog(field);
    const ctx = this.readContext(opts, progress);
    // A features() query over whole groups: its CSC columns are read while obs rows are selected,
    // and obs selection starts at once, betting on the CSC path (its pointer needs zarr_row, not
    // start/end). Waiting until the layouts and zarr.json showed every group has a CSC copy held
    // the obs read back ~250 ms, the longest chain of a cold gene query; when the bet is lost,
    // #completePointers takes start/end by row address (one more read, no wrong result).
    const cscLikely = !spec.where?.length && !spec.search && !spec.balanced && spec.limit === undefined && !spec.offset;
    if (field && cscLikely) prefetchCscColumns(ctx, field, spec);
    if (field) this.#completePointers(table, field, ctx, opts.signal);
    const select = { columns, extraWhere, structChildren: field && pointerChildren(field, spec, cscLikely), signal: opts.signal };
    const rows = await this.#selectRows(table, spec, select, async () => {
      // One filtered scan when only the presence filter applies (selectObsStream), not a match pass + take.
      const parts: arrow.Table[] = [];
      for await (const t of selectObsStream(table, spec, select)) parts.push(t);
      return parts.length ? concatTables(parts) : await selectObs(table, spec, select);
    });
    report(opts, progress, 'obs', { rows: rows.numRows });
    return this.#assemble(rows, field, spec, opts, progress, true, ctx);
  }

  async *toBatches(spec: QuerySpec, batchSize: number, opts: RunOptions & { readAhead?: number }): AsyncIterable<AnnData> {
    const table = this.#table(spec);
    const field = this.#anndataField(spec, 'toBatches()');
    const columns = [...this.#metadataColumns(table, spec), ...(field ? [field.name] : [])];
    const extraWhere = field ? [presenceFilter(field)] : [];
    const progress = newProgress();
    // Obs rows stream in (selectObsStream) and are cut into batches; consecutive batches of the
    // same zarr groups are read as one unit (bigger requests, same joins: batch-units.ts), and the
    // matrices of the next READ_AHEAD units are read while the caller works on the current one.
    this.#prefetchCatalog(field);
    const structChildren = field && pointerChildren(field, spec, false);
    const slices = batchesOf(selectObsStream(table, spec, { columns, extraWhere, structChildren, signal: opts.signal, batchRows: Math.max(STREAM_SCAN_ROWS, batchSize) }), batchSize);
    const units = field ? unitsOf(slices, UNIT_BUDGET, (t) => batchInfo(t, field)) : unitsOf(slices, 1, () => ({ key: '', weight: 1 }));
    const pending: Promise<AnnData[]>[] = [];
    let next = units.next();
    let done = false;
    try {
      for (;;) {
        while (!done && pending.length < (opts.readAhead ?? READ_AHEAD)) {
          const r = await next;
          if (r.done) {
            done = true;
            break;
          }
          const unit = r.value;
          const rows = concatTables(unit);
          report(opts, progress, 'obs', { rows: rows.numRows });
          const p = this.#assemble(rows, field, spec, opts, progress, false).then((ad) => splitRows(ad, unit.map((t) => t.numRows)));
          p.catch(() => undefined); // surfaced when awaited
          pending.push(p);
          next = units.next(); // the next unit (and its obs read) is prepared while this one is consumed
        }
        const current = pending.shift();
        if (!current) return;
        throwIfAborted(opts.signal);
        for (const batch of await current) {
          throwIfAborted(opts.signal);
          yield batch;
        }
      }
    } finally {
      // A consumer that stops early (break, abort) also stops the obs scan behind the batches.
      if (!done) await units.return(undefined).catch(() => undefined);
    }
  }

  async toMuData(spec: QuerySpec, opts: RunOptions): Promise<MuData> {
    const table = this.#table(spec);
    // Fields without an AnnData form (fragments, images) are left out, as homeobox's to_mudata drops them.
    const fields = this.#activeFields(spec).filter((f) => !nonAnnDataForm(f));
    const pointers = this.catalog.pointerFields(spec.obsTable);
    const columns = [...this.#metadataColumns(table, spec), ...fields.map((f) => f.name)];
    for (const f of fields) this.#prefetchCatalog(f);
    const select = { columns, signal: opts.signal };
    const rows = await this.#selectRows(table, spec, select, () => selectObs(table, spec, select));
    const progress = newProgress();
    report(opts, progress, 'obs', { rows: rows.numRows });
    const shared = this.#frame(rows, pointers);
    const results = await Promise.all(fields.map((f) => readField({ ...this.readContext(opts, progress), sortIndices: opts.sortIndices ?? true }, f, rows, spec)));
    // Modalities in the obs schema's field order, whichever read finished first (it is the .h5mu mod-order).
    const mod: Record<string, AnnData> = {};
    const present: Record<string, Uint8Array> = {};
    fields.forEach((f, k) => {
      const res = results[k]!;
      if (!res.present.length) return; // a modality no row has is left out, as homeobox does
      const mask = new Uint8Array(rows.numRows);
      for (const i of res.present) mask[i] = 1;
      present[f.name] = mask;
      const frame = this.#frame(rows, pointers, res.present);
      const { [res.xLayer]: X, ...layers } = res.layers;
      mod[f.name] = annData(frame, { var: res.var, varNames: res.varNames, X: X ?? null, layers, shape: [res.present.length, res.joined.length] });
    });
    report(opts, progress, 'assemble', {});
    return lazyObsNames({ obs: shared.obs, mod, present }, shared.names);
  }

  /** `sortIndices`: the terminal's default when opts leave it open. */
  async #assemble(rows: arrow.Table, field: PointerField | undefined, spec: QuerySpec, opts: RunOptions, progress: QueryProgress, sortIndices = true, ctx = this.readContext(opts, progress)): Promise<AnnData> {
    const pointers = this.catalog.pointerFields(spec.obsTable);
    if (!field) {
      const frame = this.#frame(rows, pointers);
      const empty = new (await import('apache-arrow')).Table();
      return annData(frame, { var: empty, varNames: [], X: null, layers: {}, shape: [rows.numRows, 0] });
    }
    const res = await readField({ ...ctx, sortIndices: opts.sortIndices ?? sortIndices }, field, rows, spec);
    report(opts, progress, 'assemble', {});
    const frame = this.#frame(rows, pointers, res.present);
    const { [res.xLayer]: X, ...layers } = res.layers;
    return annData(frame, { var: res.var, varNames: res.varNames, X: X ?? null, layers, shape: [res.present.length, res.joined.length] });
  }

  /**
   * Starts the catalog reads a field read needs whichever rows are chosen (the datasets table and
   * the feature registry), so they overlap obs selection instead of following it. The catalog
   * caches both; no signal is passed, so an aborted query cannot leave a rejected entry behind.
   */
  #prefetchCatalog(field: PointerField | undefined): void {
    if (!field || field.kind === 'spatial') return;
    this.catalog.datasetRows().catch(() => undefined);
    this.catalog.prefetchLayouts()?.catch(() => undefined);
    if (this.catalog.registries.has(field.featureSpace)) this.catalog.registry(field.featureSpace).catch(() => undefined);
  }

  /** Lets a read path that needs pointer children the selection left out take them by row address. */
  #completePointers(table: ObsTable, field: PointerField, ctx: FieldReadContext, signal?: AbortSignal): void {
    ctx.wholePointer = async (rows) => {
      const addr = rows.getChild('_rowaddr');
      if (!addr) throw new QueryError(`pointer column ${field.name} was read without row addresses; cannot complete it`);
      const whole = await table.take(BigUint64Array.from(addr as Iterable<bigint>), { columns: [field.name], signal });
      return whole.getChild(field.name)!;
    };
  }

  /** obsFrame, with its obs the caller's own (see #own). */
  #frame(rows: arrow.Table, pointers: PointerField[], keep?: Uint32Array): ObsFrame {
    const frame = obsFrame(rows, pointers, keep);
    return { ...frame, obs: this.#own(rows, frame.obs) };
  }

  /**
   * `result` (columns of `rows`) as the caller's own: a copy when `rows` is kept in the memo, so
   * that writing into a result never changes what a later query returns (~2.5 ms for 200,000 uids).
   */
  #own(rows: arrow.Table, result: arrow.Table): arrow.Table {
    return this.obsMemo?.kept(rows) ? copyTable(result) : result;
  }

  /** The rows `select` chooses: from the memo when an earlier query of this checkout chose them. */
  async #selectRows(table: ObsTable, spec: QuerySpec, select: SelectOptions, read: () => Promise<arrow.Table>): Promise<arrow.Table> {
    // Vector searches are not kept: their key would be the vector, and they are rarely repeated.
    const key = this.obsMemo && !spec.search && !table.pushdown ? obsKey(spec, select) : undefined;
    const hit = key === undefined ? undefined : this.obsMemo!.get(key);
    if (hit) {
      throwIfAborted(select.signal);
      return hit;
    }
    const rows = await read();
    if (key !== undefined) this.obsMemo!.set(key, rows);
    return rows;
  }

  #table(spec: QuerySpec): ObsTable {
    return this.catalog.obsTable(spec.obsTable);
  }

  #checkColumns(table: ObsTable, cols: string[]): void {
    const names = new Set(table.schema.fields.map((f) => f.name));
    const missing = cols.filter((c) => !names.has(c));
    if (missing.length) throw new QueryError(`no column ${missing.map((m) => `"${m}"`).join(', ')} in the obs table`, { columns: [...names] });
  }

  /** select() columns (always with uid), or every non-pointer column. */
  #metadataColumns(table: ObsTable, spec: QuerySpec): string[] {
    const pointers = new Set(this.catalog.pointerFields(spec.obsTable).map((p) => p.name));
    if (spec.select) {
      this.#checkColumns(table, spec.select);
      return [...new Set(['uid', ...spec.select.filter((c) => !pointers.has(c))])];
    }
    // Columns the Lance reader cannot decode (marked, not dropped) are left out unless selected by name.
    return table.schema.fields.filter((f) => !pointers.has(f.name) && !f.metadata.has(UNSUPPORTED_META)).map((f) => f.name);
  }

  /**
   * features() and layers() must name a feature space some pointer field of the table holds: a
   * misspelt or foreign space would otherwise leave the query unpinned (every feature, the
   * default layers) and return the wrong matrix without a word (homeobox raises too).
   */
  #checkSpaces(spec: QuerySpec): void {
    const have = [...new Set(this.catalog.pointerFields(spec.obsTable).map((f) => f.featureSpace))];
    const named: [string, string][] = [...Object.keys(spec.features ?? {}).map((s): [string, string] => ['features', s]), ...Object.keys(spec.layers).map((s): [string, string] => ['layers', s])];
    for (const [call, space] of named) {
      if (!have.includes(space)) {
        throw new QueryError(`${call}() names feature space "${space}", which no pointer field of the obs table holds (have: ${have.join(', ') || 'none'})`);
      }
    }
  }

  /**
   * The pointer fields a terminal reconstructs, chosen as homeobox's `_active_pointer_fields` does:
   * selectFields() if given, else featureSpaces(), else the spaces features() names, else all.
   * features() for a space none of them holds is an error (homeobox raises too), not an unpinned
   * matrix or a silently ignored filter.
   */
  #activeFields(spec: QuerySpec): PointerField[] {
    this.#checkSpaces(spec);
    const all = this.catalog.pointerFields(spec.obsTable);
    let fields = all;
    if (spec.fields) {
      const unknown = spec.fields.filter((s) => !all.some((f) => f.name === s));
      if (unknown.length) throw new QueryError(`no pointer field named ${unknown.join(', ')} (have ${all.map((f) => f.name).join(', ')})`);
      fields = all.filter((f) => spec.fields!.includes(f.name));
    } else if (spec.featureSpaces) {
      const unknown = spec.featureSpaces.filter((s) => !all.some((f) => f.featureSpace === s));
      if (unknown.length) throw new QueryError(`no pointer field in feature space ${unknown.join(', ')} (have ${all.map((f) => f.featureSpace).join(', ')})`);
      fields = all.filter((f) => spec.featureSpaces!.includes(f.featureSpace));
    } else if (spec.features) {
      fields = all.filter((f) => featuresOf(spec, f.featureSpace));
    }
    const selected = new Set(fields.map((f) => f.featureSpace));
    const mismatched = Object.keys(spec.features ?? {}).filter((s) => !selected.has(s));
    if (mismatched.length) {
      throw new QueryError(`features() was set for feature space ${mismatched.join(', ')}, but the selected pointer fields are in ${[...selected].join(', ') || 'none'}`);
    }
    return fields;
  }

  /**
   * The one field toAnnData / toBatches reconstruct: the active fields that have an AnnData form
   * (homeobox's `_resolve_single_anndata_field`). None active: obs only. Active fields of which
   * none is a matrix (fragments, images) is an error, as is more than one matrix.
   */
  #anndataField(spec: QuerySpec, terminal: string): PointerField | undefined {
    const active = this.#activeFields(spec);
    const matrices = active.filter((f) => !nonAnnDataForm(f));
    if (active.length && !matrices.length) {
      throw new UnsupportedError(`${terminal} cannot reconstruct ${active.map((f) => `${f.name}: it holds ${nonAnnDataForm(f)}`).join('; ')}; these have no AnnData form`, { feature: `${active[0]!.featureSpace} as AnnData` });
    }
    if (matrices.length > 1) {
      throw new QueryError(
        `${terminal} needs exactly one active pointer field with an AnnData form; this query has ${matrices.map((f) => `${f.name} (${f.featureSpace})`).join(', ')}: narrow it with selectFields(), featureSpaces() or features(), or use toMuData()`,
      );
    }
    return matrices[0];
  }
}

/**
 * The rows that have this modality: `zarr_group IS NOT NULL`, and for homeobox 0.2.0–0.2.3 structs
 * also not "" (absentGroupCode).
 */
function presenceFilter(field: PointerField): string {
  const zg = `${quoteIdent(field.name)}.zarr_group`;
  return field.legacyFeatureSpaceChild ? `${zg} IS NOT NULL AND ${zg} <> ''` : `${zg} IS NOT NULL`;
}

/** Everything that decides which obs rows and columns a selection returns, as a string. */
function obsKey(spec: QuerySpec, select: SelectOptions): string {
  const { obsTable, where, limit, offset, balanced } = spec;
  return JSON.stringify([obsTable ?? null, where ?? null, limit ?? null, offset ?? null, balanced ?? null, select.columns, select.extraWhere ?? [], select.structChildren ?? null]);
}

/**
 * Pointer children to read when the read path is known before the rows are: the CSR path (no
 * features() in this space) uses zarr_group, start and end; the CSC path zarr_group and zarr_row
 * (leaving out start and end is 30 % of a big obs read). CSC is only likely (`cscLikely`: a
 * features() query over whole groups, decided before any group's arrays are seen), not certain: a
 * group without a CSC copy, or a result with no more rows than features, goes CSR, and
 * FieldReadContext.wholePointer then takes the left-out children by row address.
 */
function pointerChildren(field: PointerField, spec: QuerySpec, cscLikely: boolean): StructChildren | undefined {
  if (field.kind !== 'sparse') return undefined;
  if (!featuresOf(spec, field.featureSpace)) return { [field.name]: ['zarr_group', 'start', 'end'] };
  return cscLikely ? { [field.name]: ['zarr_group', 'zarr_row'] } : undefined;
}

export function newProgress(): QueryProgress {
  return { phase: 'obs', rows: 0, requests: 0, bytes: 0, chunks: 0 };
}

function report(opts: RunOptions, p: QueryProgress, phase: QueryProgress['phase'], delta: Partial<QueryProgress>): void {
  p.phase = phase;
  if (delta.rows) p.rows += delta.rows;
  opts.onProgress?.({ ...p });
}

/**
 * Re-cuts a stream of obs tables into tables of exactly `size` rows (the last may be shorter),
 * keeping one source table read ahead so Lance I/O overlaps the batches cut from the previous one.
 */
async function* batchesOf(source: AsyncGenerator<arrow.Table>, size: number): AsyncGenerator<arrow.Table> {
  let ahead = source.next();
  ahead.catch(() => undefined);
  let carry: arrow.Table | undefined;
  for (;;) {
    const r = await ahead;
    if (r.done) break;
    ahead = source.next();
    ahead.catch(() => undefined);
    const t = carry ? carry.concat(r.value) : r.value;
    carry = undefined;
    let at = 0;
    for (; t.numRows - at >= size; at += size) yield t.slice(at, at + size);
    if (at < t.numRows) carry = t.slice(at);
  }
  if (carry?.numRows) yield carry;
}

/** A batch's zarr groups and how much it reads (CSR: stored entries, end − start; else rows). */
function batchInfo(t: arrow.Table, field: PointerField): BatchInfo {
  const ptr = t.getChild(field.name);
  if (!ptr || ptr.data.length === 0) return { key: '', weight: t.numRows };
  const zg = stringCodes(child(ptr, 'zarr_group'));
  const used = new Set<number>();
  const present: number[] = [];
  const absent = absentGroupCode(field, zg.values);
  zg.codes.forEach((c, i) => {
    if (c >= 0 && c !== absent) {
      used.add(c);
      present.push(i);
    }
  });
  const key = [...used].map((c) => zg.values[c]!).sort().join('\u0000');
  if (field.kind !== 'sparse') return { key, weight: t.numRows };
  const ignore = () => undefined; // a null or unsafe pointer is reported by the read itself
  const starts = numbersAt(child(ptr, 'start'), present, ignore);
  const ends = numbersAt(child(ptr, 'end'), present, ignore);
  let weight = 0;
  for (let i = 0; i < present.length; i++) weight += Math.max(0, ends[i]! - starts[i]!) || 0;
  return { key, weight };
}
