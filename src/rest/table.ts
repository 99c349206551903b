// One LanceDB Cloud table: describe, count, query, versions, indices — each a single read request
// (listIndices adds one stats request per index the list does not type).
//
// A CloudTable either follows the latest version (from openTable) or is pinned to one (from
// checkout). Requests carry `"version": null` or the pinned number; a per-call `version` option
// overrides either. Handles are immutable: checkout returns a new one instead of mutating, so a
// pinned handle can be shared without surprises.
//
// Read-your-reads, as in the official client 0.39: a latest handle remembers the highest version it
// has seen (describe bodies, `x-lancedb-version` answer headers) and sends it as
// `x-lancedb-min-read-version`, so a load balancer cannot route a later read to a replica that is
// further behind. Pinned reads send no such header.

import type { Schema, Table } from 'apache-arrow';
import type { IpcCodecName, IpcCodecs } from '../arrow/ipc-decompress.js';
import { describeArgument, isRaggedAtlasError, QueryError } from '../errors.js';
import { stringifyBody } from './json-body.js';
import { decodeArrowAnswer } from './arrow-response.js';
import { answerJson, answerText, unexpectedAnswer, type Answer } from './errors.js';
import { queryBody, type QueryOptions } from './query.js';
import { schemaFromJson } from './schema-json.js';
import type { Call, Transport } from './transport.js';

export interface ReadOptions {
  signal?: AbortSignal;
}

export interface VersionedReadOptions extends ReadOptions {
  /** Read this version instead of the handle's own. */
  version?: number;
}

export interface TableDescription {
  version: number;
  schema: Schema;
  /** Storage location, when the service reports it. */
  location?: string;
}

export interface TableVersion {
  version: number;
  timestamp: Date;
  metadata: Record<string, string>;
}

export interface IndexInfo {
  name: string;
  columns: string[];
  /** As the service spells it, e.g. "BTREE", "BITMAP", "IVF_PQ". */
  indexType: string;
  indexUuid?: string;
  numIndexedRows?: number;
  numUnindexedRows?: number;
  distanceType?: string;
}

/** What a table handle shares with its database: the transport and the IPC codec loader. */
export interface CloudContext {
  transport: Transport;
  /** Decoders for the codecs a compressed answer uses (loaded on demand). */
  codecs: (needed: IpcCodecName[]) => Promise<IpcCodecs>;
}

export class CloudTable {
  readonly name: string;
  /** The version this handle reads; undefined means the latest. */
  readonly pinnedVersion: number | undefined;
  readonly #ctx: CloudContext;
  #seen = 0;

  /** Use CloudDatabase.openTable / CloudTable.checkout. */
  constructor(ctx: CloudContext, name: string, pinnedVersion?: number, seenVersion = 0) {
    this.#ctx = ctx;
    this.name = name;
    this.pinnedVersion = pinnedVersion;
    this.#seen = seenVersion;
  }

  /** Version and schema (converted from the service's JSON types). */
  async describe(options: VersionedReadOptions = {}): Promise<TableDescription> {
    const { raw, answer } = await this.#describe(options);
    return { version: raw.version, schema: schemaFromJson(raw.schema, answer.url), ...(raw.location ? { location: raw.location } : {}) };
  }

  async version(options: VersionedReadOptions = {}): Promise<number> {
    return (await this.#describe(options)).raw.version;
  }

  async schema(options: VersionedReadOptions = {}): Promise<Schema> {
    return (await this.describe(options)).schema;
  }

  /** Rows matching `filter` (SQL), or all rows. */
  async countRows(filter?: string, options: VersionedReadOptions = {}): Promise<number> {
    // LanceDB's client takes countRows(filter?: string); an object was sent as the predicate
    if (filter !== undefined && typeof filter !== 'string') throw new QueryError(`countRows takes a SQL filter string, got ${describeArgument(filter)}`);
    const version = this.#version(options);
    const a = await this.#send('count_rows', options, { json: stringifyBody({ predicate: filter, version }) });
    const text = answerText(a).trim();
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n)) throw unexpectedAnswer(a, 'a row count (a bare JSON integer)');
    return n;
  }

  /** Runs a scan or vector search on the service; the rows come back as one apache-arrow Table. */
  async query(options: QueryOptions = {}): Promise<Table> {
    const body = stringifyBody(queryBody(options, this.#version(options)));
    const a = await this.#send('query', options, { json: body });
    return decodeArrowAnswer(a, this.#ctx.codecs);
  }

  async listVersions(options: ReadOptions = {}): Promise<TableVersion[]> {
    const a = await this.#send('version/list', options, {}); // the official client sends no body here
    const json = answerJson(a, 'a version list');
    if (!isObject(json) || !Array.isArray(json.versions)) throw unexpectedAnswer(a, '{"versions": [...]}');
    return json.versions.map((v) => {
      const ms = isObject(v) ? (typeof v.timestamp === 'string' ? Date.parse(v.timestamp) : v.timestamp_millis) : undefined;
      if (!isObject(v) || !isCount(v.version) || typeof ms !== 'number' || !Number.isFinite(ms)) {
        throw unexpectedAnswer(a, 'versions as {version, timestamp | timestamp_millis, metadata}');
      }
      return { version: v.version, timestamp: new Date(ms), metadata: isObject(v.metadata) ? (v.metadata as Record<string, string>) : {} };
    });
  }

  /** Indices on the table. Entries the list leaves untyped (older services) are typed via their stats. */
  async listIndices(options: VersionedReadOptions = {}): Promise<IndexInfo[]> {
    const version = this.#version(options);
    const a = await this.#send('index/list', options, { json: stringifyBody({ version }) });
    const json = answerJson(a, 'an index list');
    if (!isObject(json) || !Array.isArray(json.indexes)) throw unexpectedAnswer(a, '{"indexes": [...]}');
    const entries = json.indexes.map((e): IndexInfo => {
      if (!isObject(e) || typeof e.index_name !== 'string' || !Array.isArray(e.columns)) throw unexpectedAnswer(a, 'indexes as {index_name, columns}');
      return {
        name: e.index_name,
        columns: e.columns.map(String),
        indexType: typeof e.index_type === 'string' ? e.index_type : '',
        ...optional(e),
      };
    });
    const typed = await Promise.all(entries.map((e) => (e.indexType ? e : this.#withStats(e, version, options))));
    return typed.filter((e): e is IndexInfo => e !== undefined);
  }

  /** A handle pinned to `version`, after checking with the service that it exists (404 → NotFoundError). */
  async checkout(version: number, options: ReadOptions = {}): Promise<CloudTable> {
    // Like the official client: a describe of that version, without the read-your-reads header.
    await this.#describe({ ...options, version }, false);
    return new CloudTable(this.#ctx, this.name, version);
  }

  /** A handle on the latest version (no request). */
  checkoutLatest(): CloudTable {
    return new CloudTable(this.#ctx, this.name, undefined, this.pinnedVersion === undefined ? this.#seen : 0);
  }

  async #withStats(e: IndexInfo, version: number | null, options: ReadOptions): Promise<IndexInfo | undefined> {
    const path = `index/${encodeURIComponent(e.name)}/stats`;
    let a: Answer;
    try {
      a = await this.#send(path, options, { json: stringifyBody({ version }) });
    } catch (err) {
      if (isRaggedAtlasError(err, 'NotFound')) return undefined; // dropped since it was listed
      throw err;
    }
    const s = answerJson(a, 'index statistics');
    if (!isObject(s) || typeof s.index_type !== 'string') throw unexpectedAnswer(a, 'index statistics with index_type');
    return { ...e, indexType: s.index_type, ...optional(s) };
  }

  async #describe(options: VersionedReadOptions, freshness = true): Promise<{ raw: { version: number; schema: unknown; location?: string }; answer: Answer }> {
    const version = this.#version(options);
    const a = await this.#send('describe', options, { json: stringifyBody({ version }), version: options.version }, freshness);
    const json = answerJson(a, 'a table description');
    if (!isObject(json) || !isCount(json.version) || !isObject(json.schema)) throw unexpectedAnswer(a, '{"version", "schema"}');
    if (version === null) this.#see(json.version);
    return { raw: { version: json.version, schema: json.schema, ...(typeof json.location === 'string' ? { location: json.location } : {}) }, answer: a };
  }

  #version(options: VersionedReadOptions): number | null {
    const v = options.version;
    if (v !== undefined && !isCount(v)) throw new QueryError(`version must be a non-negative integer, got ${v}`);
    return v ?? this.pinnedVersion ?? null;
  }

  async #send(endpoint: string, options: VersionedReadOptions, call: Partial<Call>, freshness = true): Promise<Answer> {
    const latest = this.#version(options) === null;
    const headers: Record<string, string> = freshness && latest && this.#seen > 0 ? { 'x-lancedb-min-read-version': String(this.#seen) } : {};
    const a = await this.#ctx.transport.send({
      method: 'POST',
      path: `/v1/table/${encodeURIComponent(this.name)}/${endpoint}/`,
      headers,
      signal: options.signal,
      table: this.name,
      ...call,
      version: call.version ?? options.version ?? this.pinnedVersion,
    });
    const served = Number(a.headers.get('x-lancedb-version'));
    if (latest && isCount(served)) this.#see(served);
    return a;
  }

  #see(version: number): void {
    if (version > this.#seen) this.#seen = version;
  }
}

function optional(e: Record<string, unknown>): Partial<IndexInfo> {
  const out: Partial<IndexInfo> = {};
  if (typeof e.index_uuid === 'string') out.indexUuid = e.index_uuid;
  if (isCount(e.num_indexed_rows)) out.numIndexedRows = e.num_indexed_rows;
  if (isCount(e.num_unindexed_rows)) out.numUnindexedRows = e.num_unindexed_rows;
  if (typeof e.distance_type === 'string') out.distanceType = e.distance_type;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
