// One table of an atlas kept in LanceDB Cloud, pinned to the Lance version a snapshot recorded, behind
// the table surface the query engine reads (ObsTable, src/query/obs-select.ts). Everything goes
// through ragged-atlas/rest; every request carries the pinned version.
//
// On the server (one request each):
//   where        → `filter` (the service evaluates the SQL; we parse and bind it first, so a malformed
//                  predicate is our PredicateSyntaxError and an unknown column our QueryError, and
//                  nothing is sent)
//   select       → `columns`;  limit / offset → `k` / `offset`
//   count()      → `count_rows` with the predicate (offset/limit then applied to the number)
//   search()     → `vector` + `vector_column` + `distance_type` + `bypass_vector_index` (exact kNN,
//                  as the static path computes it), prefiltered by `filter`
// Here, because the REST protocol has no way to express it:
//   balancedLimit  the matching rows' output columns come back in one query; groups are picked here
//   count({groupBy}) the group columns of the matching rows come back; groupCount counts here
//   a search's offset: the service returns the offset+limit nearest and we drop the first `offset`
//   take(rows)     a `_rowid IN (...)` filter per block of ids (there is no take endpoint); rows are
//                  put back in the order asked for here
//   scanBatches    one limit/offset page per batch
// Lance fragments and index files are not visible through the service: `fragments` and `indices()`
// are empty and `indexLookup` finds nothing; the service uses the table's scalar indices itself
// when it evaluates a filter.
//
// `_rowaddr` in results is the service's `_rowid`: the row address, unless the table was written
// with stable row ids, in which case it is the stable id. Either way it identifies the row for take().
import * as arrow from 'apache-arrow';
import { CorruptDataError, NotFoundError, QueryError, UnsupportedError } from '../errors.js';
import type { IndexInfo, ScanOptions } from '../lance/index.js';
import type { CloudDatabase } from '../rest/client.js';
import type { CloudTable, QueryOptions } from '../rest/index.js';
import { pickRows } from '../query/arrow-rows.js';
import { balancedPick, inferVectorColumn, searchRanks, type ObsPushdown, type ObsTable, type SelectOptions } from '../query/obs-select.js';
import { parseConjunction, preparePredicate, toSql } from '../query/predicate/index.js';
import type { QuerySpec } from '../query/spec.js';

const ROW_ID = '_rowid';
const ROW_ADDRESS = '_rowaddr';
const DISTANCE = '_distance';
/** Row ids per `_rowid IN (…)` request of take(): keeps each filter well under typical body limits. */
const TAKE_BLOCK = 2048;

interface Shape {
  /** Output columns, in this order. */
  columns: string[];
  rowAddress: boolean;
  distance: boolean;
}

/** The balanced pick of `t`'s rows (in `t`'s order per group), then offset / limit, with `keep` columns. */
function balancedRows(t: arrow.Table, spec: QuerySpec, keep: string[]): arrow.Table {
  const picked = balancedPick(t.getChild(spec.balanced!.column)!, spec.balanced!.n);
  const start = spec.offset ?? 0;
  return pickRows(t, picked.slice(start, spec.limit === undefined ? undefined : start + spec.limit)).select(keep);
}

export class CloudAtlasTable implements ObsTable {
  readonly name: string;
  readonly version: number;
  readonly schema: arrow.Schema;
  readonly numRows: number;
  /** The service does not expose Lance fragments. */
  readonly fragments: readonly { id: number }[] = [];
  readonly pushdown: ObsPushdown;
  readonly #t: CloudTable;

  private constructor(table: CloudTable, version: number, schema: arrow.Schema, numRows: number) {
    this.#t = table;
    this.name = table.name;
    this.version = version;
    this.schema = schema;
    this.numRows = numRows;
    this.pushdown = { select: (spec, opts) => this.#select(spec, opts), count: (spec, signal) => this.#count(spec, signal) };
  }

  /**
   * `name` at Lance version `version`: a describe of that version (schema; a missing table or
   * version is the rest module's NotFoundError naming both) and its row count.
   */
  static async open(db: CloudDatabase, name: string, version: number, signal?: AbortSignal): Promise<CloudAtlasTable> {
    const t = db.table(name, version);
    const [desc, n] = await Promise.all([t.describe({ signal }), t.countRows(undefined, { signal })]);
    if (desc.version !== version) {
      throw new CorruptDataError(`asked for version ${version} of table '${name}', the service described version ${desc.version}`, { where: db.host, table: name });
    }
    return new CloudAtlasTable(t, version, desc.schema, n);
  }

  async scan(opts: ScanOptions = {}): Promise<arrow.Table> {
    this.#noFragments(opts.fragments);
    return this.#query({ columns: opts.columns, offset: opts.offset, limit: opts.limit, signal: opts.signal }, this.#shape(opts.columns, !!opts.withRowAddress, false));
  }

  async *scanBatches(opts: ScanOptions & { batchSize?: number } = {}): AsyncGenerator<arrow.RecordBatch> {
    this.#noFragments(opts.fragments);
    const size = opts.batchSize ?? 65_536;
    if (!(Number.isSafeInteger(size) && size > 0)) throw new QueryError(`batchSize must be a positive integer, got ${size}`);
    const shape = this.#shape(opts.columns, !!opts.withRowAddress, false);
    const first = opts.offset ?? 0;
    const stop = opts.limit === undefined ? Infinity : first + opts.limit;
    for (let at = first; at < stop; at += size) {
      const n = Math.min(size, stop - at);
      const page = await this.#query({ columns: opts.columns, offset: at, limit: n, signal: opts.signal }, shape);
      for (const b of page.batches) if (b.numRows) yield b;
      if (page.numRows < n) return;
    }
  }

  async take(rowAddresses: BigUint64Array | bigint[], opts: { columns?: string[]; withRowAddress?: boolean; signal?: AbortSignal } = {}): Promise<arrow.Table> {
    const out = this.#shape(opts.columns, !!opts.withRowAddress, false);
    const ids = [...new Set(Array.from(rowAddresses, (a) => BigInt.asUintN(64, BigInt(a))))];
    const parts: arrow.Table[] = [];
    for (let i = 0; i < ids.length; i += TAKE_BLOCK) {
      const block = ids.slice(i, i + TAKE_BLOCK);
      parts.push(await this.#query({ filter: `${ROW_ID} IN (${block.join(', ')})`, columns: out.columns, signal: opts.signal }, { ...out, rowAddress: true }));
    }
    const all = parts.length ? parts.slice(1).reduce((t, p) => t.concat(p), parts[0]!) : this.#empty({ ...out, rowAddress: true });
    const got = all.getChild(ROW_ADDRESS)!;
    const pos = new Map<bigint, number>();
    for (let i = 0; i < all.numRows; i++) pos.set(got.get(i) as bigint, i);
    const idx = Array.from(rowAddresses, (a) => {
      const p = pos.get(BigInt.asUintN(64, BigInt(a)));
      if (p === undefined) throw new NotFoundError(`row ${a} is not in version ${this.version} of table '${this.name}'`, { where: this.name, table: this.name });
      return p;
    });
    const picked = idx.length === all.numRows && idx.every((v, i) => v === i) ? all : pickRows(all, idx);
    return out.rowAddress ? picked : picked.select(out.columns);
  }

  /** None: the service applies the table's indices itself when it evaluates a filter. */
  indices(): readonly Pick<IndexInfo, 'type' | 'columns'>[] {
    return [];
  }

  async indexLookup(): Promise<undefined> {
    return undefined;
  }

  // ---- pushdown: selectObs / countObs with the semantics of src/query/obs-select.ts ----

  async #select(spec: QuerySpec, opts: SelectOptions): Promise<arrow.Table> {
    const filter = this.#validate([...(spec.where ?? []), ...(opts.extraWhere ?? [])]);
    const columns = [...new Set(opts.columns)];
    if (spec.search && spec.balanced) return this.#searchBalanced(spec, filter, columns, opts.signal);
    if (spec.search) return this.#search(spec, filter, columns, opts.signal);
    if (spec.balanced) return this.#balanced(spec, filter, columns, opts.signal);
    return this.#query({ filter, columns, offset: spec.offset, limit: spec.limit, signal: opts.signal }, this.#shape(columns, true, false));
  }

  async #count(spec: QuerySpec, signal?: AbortSignal): Promise<number> {
    if (spec.search || spec.balanced) {
      // Which rows a search or balanced limit keeps is decided by the select path; count them.
      const column = spec.balanced?.column ?? this.schema.fields[0]?.name;
      return (await this.#select(spec, { columns: column ? [column] : [], signal })).numRows;
    }
    const filter = this.#validate(spec.where ?? []);
    const n = filter === undefined ? this.numRows : await this.#t.countRows(filter, { signal });
    const left = Math.max(0, n - (spec.offset ?? 0));
    return spec.limit === undefined ? left : Math.min(left, spec.limit);
  }

  /**
   * Parses and binds the predicates against the schema (our typed errors, nothing sent). The service
   * gets one text: a single predicate as written, several as the SQL of their parsed AND (never
   * their texts joined, where a comment or a stray `)` in one would swallow the next).
   */
  #validate(parts: string[]): string | undefined {
    const expr = parseConjunction(parts);
    if (!expr) return undefined;
    preparePredicate(expr, this.schema);
    return parts.length === 1 ? parts[0] : toSql(expr);
  }

  async #search(spec: QuerySpec, filter: string | undefined, columns: string[], signal?: AbortSignal): Promise<arrow.Table> {
    const s = spec.search!;
    const column = s.column ?? inferVectorColumn(this.schema);
    const field = this.#field(column);
    if (!arrow.DataType.isFixedSizeList(field.type)) throw new QueryError(`column "${column}" is not a fixed_size_list vector column`);
    if (s.vector.length !== field.type.listSize) throw new QueryError(`search vector has ${s.vector.length} dimensions, the column has ${field.type.listSize}`);
    const shape = this.#shape(columns, true, true);
    const { start, end } = searchRanks(spec);
    if (end <= start) return this.#empty(shape); // the service refuses k = 0
    // The `end` nearest come back nearest first (rows with a null vector are never results); the
    // offset is dropped here, since what the service's vector `offset` skips has varied by version.
    const t = await this.#query(
      { vector: s.vector, vectorColumn: column, distanceType: s.metric, limit: end, bypassVectorIndex: true, filter, columns, signal },
      shape,
    );
    return start ? t.slice(start) : t;
  }

  /** A search with balancedLimit: the ⌊n / groups⌋ nearest of each group (see obs-select.ts chooseRows). */
  async #searchBalanced(spec: QuerySpec, filter: string | undefined, columns: string[], signal?: AbortSignal): Promise<arrow.Table> {
    const { column } = spec.balanced!;
    this.#field(column);
    const wide = [...new Set([...columns, column])];
    const nearest = await this.#search({ ...spec, balanced: undefined, offset: undefined, limit: undefined }, filter, wide, signal);
    return balancedRows(nearest, spec, [...columns, ROW_ADDRESS, DISTANCE]);
  }

  async #balanced(spec: QuerySpec, filter: string | undefined, columns: string[], signal?: AbortSignal): Promise<arrow.Table> {
    const { column } = spec.balanced!;
    this.#field(column);
    // No grouping in the protocol: every matching row's output columns come back, groups are cut here.
    const all = await this.#query({ filter, columns: [...new Set([...columns, column])], signal }, this.#shape([...new Set([...columns, column])], true, false));
    return balancedRows(all, spec, [...columns, ROW_ADDRESS]);
  }

  // ---- requests and answers ----

  async #query(q: QueryOptions, shape: Shape): Promise<arrow.Table> {
    const t = await this.#t.query({ ...q, columns: shape.columns, withRowId: shape.rowAddress || undefined });
    return this.#reshape(t, shape);
  }

  #shape(columns: string[] | undefined, rowAddress: boolean, distance: boolean): Shape {
    const names = columns ?? this.schema.fields.map((f) => f.name);
    for (const c of names) {
      const top = c.split('.')[0]!;
      const f = this.schema.fields.find((x) => x.name === c) ?? this.schema.fields.find((x) => x.name === top && arrow.DataType.isStruct(x.type) && c !== top);
      if (!f) throw new QueryError(`no column named "${c}"`, { where: c });
    }
    return { columns: names, rowAddress, distance };
  }

  #field(name: string): arrow.Field {
    const f = this.schema.fields.find((x) => x.name === name);
    if (!f) throw new QueryError(`no column "${name}" in the obs table`, { columns: this.schema.fields.map((x) => x.name) });
    return f;
  }

  /** The answer's columns in the order asked for, `_rowid` renamed `_rowaddr`, then `_distance`. */
  #reshape(t: arrow.Table, shape: Shape): arrow.Table {
    const wanted: [string, string][] = shape.columns.map((c) => [c, c]);
    if (shape.rowAddress) wanted.push([ROW_ID, ROW_ADDRESS]);
    if (shape.distance) wanted.push([DISTANCE, DISTANCE]);
    const at = wanted.map(([from]) => {
      const i = t.schema.fields.findIndex((f) => f.name === from);
      if (i < 0) {
        if (t.numRows === 0 && t.schema.fields.length === 0) return -1; // an empty answer without a schema
        throw new CorruptDataError(`the service's answer lacks column "${from}" (got ${t.schema.fields.map((f) => f.name).join(', ') || 'none'})`, { where: this.name, table: this.name });
      }
      return i;
    });
    if (at.includes(-1)) return this.#empty(shape);
    const fields = wanted.map(([, to], k) => {
      const f = t.schema.fields[at[k]!]!;
      return f.name === to ? f : new arrow.Field(to, f.type, f.nullable, f.metadata);
    });
    const schema = new arrow.Schema(fields, t.schema.metadata);
    // No rows: no batches (a zero-length batch may come with struct columns that lack their children).
    if (t.numRows === 0) return new arrow.Table(schema);
    const type = new arrow.Struct(fields);
    const batches = t.batches
      .filter((b) => b.numRows > 0)
      .map((b) => new arrow.RecordBatch(schema, arrow.makeData({ type, length: b.numRows, nullCount: 0, children: at.map((i) => b.data.children[i]!) })));
    return new arrow.Table(schema, batches);
  }

  #empty(shape: Shape): arrow.Table {
    const fields = shape.columns.map((c) => this.schema.fields.find((f) => f.name === c) ?? new arrow.Field(c, new arrow.Null(), true));
    if (shape.rowAddress) fields.push(new arrow.Field(ROW_ADDRESS, new arrow.Uint64(), false));
    if (shape.distance) fields.push(new arrow.Field(DISTANCE, new arrow.Float32(), true));
    return new arrow.Table(new arrow.Schema(fields, this.schema.metadata));
  }

  #noFragments(fragments: Iterable<number> | undefined): void {
    if (fragments !== undefined) throw new UnsupportedError(`table '${this.name}' is read through LanceDB Cloud, which does not expose Lance fragments`, { feature: 'fragment scan', table: this.name });
  }
}

/** Opens the tables a snapshot pins, from a LanceDB Cloud database. */
export function cloudTableOpener(db: CloudDatabase): (name: string, version: number, signal?: AbortSignal) => Promise<ObsTable> {
  return (name, version, signal) => CloudAtlasTable.open(db, name, version, signal);
}
