/**
 * A mock of the LanceDB Cloud REST service, for tests. The real service (`*.api.lancedb.com`) cannot
 * be reached from here, so this node:http server speaks its read protocol (lance-format.md §6,
 * environment-notes.md §2) and answers from a **real local LanceDB database** (@lancedb/lancedb on a
 * temp dir): a query body is replayed as `table.query().where().select().limit().offset()` (or
 * `vectorSearch`) on the checked-out local table, and the result goes back as Arrow IPC. Both the
 * official `@lancedb/lancedb` remote client (`hostOverride`) and our `src/rest` client are pointed at
 * it, every request is recorded, and tests diff the two clients' requests and compare results with
 * the local table's.
 *
 * Knobs: `framing` (stream / file / file bytes with no Content-Type), `compression: 'lz4'` (answers
 * carry LZ4_FRAME body compression, produced by the official client itself — see
 * `compressIpcWithLanceDb`), `intercept()` for injected failures, `take()` for the request log.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import * as lancedb from '@lancedb/lancedb';
import { DataType, TimeUnit, type Field, type Schema, type Table as ArrowTable } from 'apache-arrow';

// @lancedb/lancedb is CommonJS and loads apache-arrow's CJS build; its Tables fail the ESM build's
// instanceof checks (tableToIPC writes nothing), so they are serialised with the same CJS instance.
const arrowCjs = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');

export interface RecordedRequest {
  method: string;
  /** Path plus query string, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** 'headers': send the head and half the body, then hang; 'silence': never answer. */
  stall?: 'headers' | 'silence';
}

export type Interceptor = (req: RecordedRequest, mock: LanceDbCloudMock) => Reply | undefined | Promise<Reply | undefined>;

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
export const ARROW_FILE = 'application/vnd.apache.arrow.file';

export class LanceDbCloudMock {
  readonly requests: RecordedRequest[] = [];
  /** How query answers are framed; 'none' sends file bytes without a Content-Type. */
  framing: 'stream' | 'file' | 'none' = 'stream';
  compression: 'none' | 'lz4' = 'none';
  /** Page size for `GET /v1/table/` without `limit` (the service pages too). */
  defaultPageSize = 100;
  /**
   * Answer CORS preflights and allow any origin, for browser tests (the real service's CORS policy
   * is undocumented). `exposeVersion: false` leaves x-lancedb-version unreadable to pages.
   */
  cors: false | { exposeVersion: boolean } = false;
  #interceptors: { fn: Interceptor; once: boolean }[] = [];
  #server: http.Server;

  private constructor(
    readonly db: lancedb.Connection,
    server: http.Server,
  ) {
    this.#server = server;
  }

  static async start(db: lancedb.Connection): Promise<LanceDbCloudMock> {
    const server = http.createServer();
    const mock = new LanceDbCloudMock(db, server);
    // A mock that throws still answers (500 naming the error): a request left unanswered would
    // show up only as a test timing out.
    server.on('request', (req, res) =>
      void mock.#serve(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, json(500, { error: `mock failed: ${String((err as Error)?.stack ?? err)}` }));
        else res.destroy();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return mock;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Returns the requests recorded since the last take() and forgets them. */
  take(): RecordedRequest[] {
    return this.requests.splice(0);
  }

  /** Runs `fn` before routing; a Reply it returns is sent instead of the real answer. */
  intercept(fn: Interceptor, options: { once?: boolean } = {}): void {
    this.#interceptors.push({ fn, once: options.once ?? false });
  }

  clearInterceptors(): void {
    this.#interceptors = [];
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const u = new URL(req.url ?? '/', 'http://mock');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', path: u.pathname, query: u.searchParams, headers, body, text: body.toString('utf8') };
    this.requests.push(rec);
    if (this.cors) {
      res.setHeader('access-control-allow-origin', headers.origin ?? '*');
      if (this.cors.exposeVersion) res.setHeader('access-control-expose-headers', 'x-lancedb-version');
      if (rec.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': headers['access-control-request-headers'] ?? '',
          'access-control-max-age': '0',
        });
        res.end();
        return;
      }
    }
    let reply: Reply | undefined;
    for (const it of [...this.#interceptors]) {
      reply = await it.fn(rec, this);
      if (reply) {
        if (it.once) this.#interceptors.splice(this.#interceptors.indexOf(it), 1);
        break;
      }
    }
    reply ??= await this.answer(rec);
    send(res, reply);
  }

  /** The answer the service would give (interceptors can call this and then damage the result). */
  async answer(req: RecordedRequest): Promise<Reply> {
    try {
      if (req.method === 'GET' && req.path === '/v1/table/') return await this.#list(req);
      const m = /^\/v1\/table\/([^/]+)\/(describe|count_rows|query|version\/list|index\/list|index\/([^/]+)\/stats)\/$/.exec(req.path);
      if (req.method !== 'POST' || !m) return json(404, { error: `no route ${req.method} ${req.path}` });
      const name = decodeURIComponent(m[1]!);
      if (!(await this.db.tableNames()).includes(name)) return json(404, { error: `Table ${name} not found` });
      const args = req.text ? (JSON.parse(req.text) as Record<string, unknown>) : {};
      const table = await this.db.openTable(name);
      if (typeof args.version === 'number') {
        const versions = (await table.listVersions()).map((v) => v.version);
        if (!versions.includes(args.version)) return json(404, { error: `Table ${name} version ${args.version} not found` });
        await table.checkout(args.version);
      }
      const version = await table.version();
      switch (m[2]) {
        case 'describe':
          return json(200, { table: name, version, schema: schemaToLanceJson(await table.schema()) });
        case 'count_rows': {
          const n = await table.countRows(typeof args.predicate === 'string' ? args.predicate : undefined);
          return { status: 200, headers: { 'content-type': 'application/json', 'x-lancedb-version': String(version) }, body: String(n) };
        }
        case 'query':
          return await this.#query(table, args, version);
        case 'version/list':
          return json(200, {
            versions: (await table.listVersions()).map((v) => ({ version: v.version, timestamp: new Date(v.timestamp).toISOString(), metadata: v.metadata })),
          });
        case 'index/list':
          return json(200, {
            indexes: (await table.listIndices()).map((i) => ({ index_name: i.name, index_uuid: i.indexUuid ?? null, columns: i.columns, index_status: 'done' })),
          });
        default: {
          const stats = await table.indexStats(decodeURIComponent(m[3]!));
          if (!stats) return json(404, { error: 'index not found' });
          return json(200, {
            num_indexed_rows: stats.numIndexedRows,
            num_unindexed_rows: stats.numUnindexedRows,
            index_type: stats.indexType,
            ...(stats.distanceType ? { distance_type: stats.distanceType } : {}),
          });
        }
      }
    } catch (err) {
      // What the service does with a query LanceDB rejects (bad filter, unknown column): 400.
      return json(400, { error: String((err as Error).message ?? err) });
    }
  }

  async #list(req: RecordedRequest): Promise<Reply> {
    const names = (await this.db.tableNames()).sort();
    const limit = Number(req.query.get('limit') ?? this.defaultPageSize);
    const after = req.query.get('page_token');
    const rest = after ? names.filter((n) => n > after) : names;
    const page = rest.slice(0, limit);
    return json(200, rest.length > limit ? { tables: page, page_token: page.at(-1) } : { tables: page });
  }

  async #query(table: lancedb.Table, args: Record<string, unknown>, version: number): Promise<Reply> {
    const vector = args.vector as number[] | undefined;
    // k is i64::MAX (9223372036854775807 → a float here) when the caller set no limit.
    const k = typeof args.k === 'number' && args.k < Number.MAX_SAFE_INTEGER ? args.k : undefined;
    let q: lancedb.Query | lancedb.VectorQuery;
    if (vector && vector.length) {
      let v = table.vectorSearch(Float32Array.from(vector));
      if (typeof args.distance_type === 'string') v = v.distanceType(args.distance_type as 'l2');
      if (typeof args.vector_column === 'string') v = v.column(args.vector_column);
      if (typeof args.minimum_nprobes === 'number') v = v.nprobes(args.minimum_nprobes);
      if (typeof args.refine_factor === 'number') v = v.refineFactor(args.refine_factor);
      if (typeof args.ef === 'number') v = v.ef(args.ef);
      if (args.bypass_vector_index === true) v = v.bypassVectorIndex();
      if (args.prefilter === false) v = v.postfilter();
      q = v;
    } else {
      q = table.query();
    }
    if (typeof args.filter === 'string') q = q.where(args.filter);
    if (Array.isArray(args.columns)) q = q.select(args.columns as string[]);
    if (k !== undefined) q = q.limit(k);
    if (typeof args.offset === 'number') q = q.offset(args.offset);
    if (args.with_row_id === true) q = q.withRowId();
    if (args.fast_search === true) q = q.fastSearch();
    let result = await q.toArrow();
    // The Node binding builds an empty schema for an empty result; the service still sends the schema.
    if (result.numRows === 0) result = new arrowCjs.Table(await q.outputSchema());
    const body = this.compression === 'lz4' ? await compressIpcWithLanceDb(result) : arrowCjs.tableToIPC(result, this.framing === 'stream' ? 'stream' : 'file');
    const headers: Record<string, string> = { 'x-lancedb-version': String(version) };
    if (this.compression === 'lz4') headers['content-type'] = ARROW_STREAM;
    else if (this.framing !== 'none') headers['content-type'] = this.framing === 'stream' ? ARROW_STREAM : ARROW_FILE;
    return { status: 200, headers, body };
  }
}

function json(status: number, value: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function send(res: http.ServerResponse, reply: Reply): void {
  if (reply.stall === 'silence') return;
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : Buffer.from(reply.body ?? new Uint8Array());
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
  if (reply.stall === 'headers') {
    res.write(body.subarray(0, body.length >> 1));
    return;
  }
  res.end(body);
}

/**
 * Arrow IPC stream with LZ4_FRAME body compression, written by LanceDB itself: the official client
 * compresses `createTable` bodies (`stream_as_ipc`, arrow-rs writer), so we send `table` through it
 * to a throwaway capture server and keep the body.
 */
export async function compressIpcWithLanceDb(table: ArrowTable): Promise<Uint8Array> {
  let captured: Buffer | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.includes('/create/')) captured = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const remote = await lancedb.connect('db://capture', {
      apiKey: 'capture',
      hostOverride: `http://127.0.0.1:${port}`,
      clientConfig: { retryConfig: { retries: 0 } },
    });
    await remote.createTable('capture', table);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (!captured) throw new Error('the official client sent no create body');
  return new Uint8Array(captured);
}

// ---------------------------------------------------------------------------------------------
// Arrow schema → the service's JSON schema (Lance `JsonSchema`, rust/lance/src/arrow/json.rs)

export function schemaToLanceJson(schema: Schema): unknown {
  const meta = Object.fromEntries(schema.metadata);
  return { fields: schema.fields.map(fieldJson), ...(schema.metadata.size ? { metadata: meta } : {}) };
}

function fieldJson(f: Field): unknown {
  return {
    name: f.name,
    type: typeJson(f.type),
    nullable: f.nullable,
    ...(f.metadata.size ? { metadata: Object.fromEntries(f.metadata) } : {}),
  };
}

const UNITS: Record<number, string> = { [TimeUnit.SECOND]: 's', [TimeUnit.MILLISECOND]: 'ms', [TimeUnit.MICROSECOND]: 'us', [TimeUnit.NANOSECOND]: 'ns' };

function logical(t: DataType): string {
  if (DataType.isNull(t)) return 'null';
  if (DataType.isBool(t)) return 'bool';
  if (DataType.isInt(t)) return `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}`;
  if (DataType.isFloat(t)) return ['halffloat', 'float', 'double'][t.precision]!;
  if (DataType.isUtf8(t)) return 'string';
  if (DataType.isLargeUtf8(t)) return 'large_string';
  if (DataType.isBinary(t)) return 'binary';
  if (DataType.isLargeBinary(t)) return 'large_binary';
  if (DataType.isDate(t)) return t.unit === 0 ? 'date32:day' : 'date64:ms';
  if (DataType.isTime(t)) return `time${t.bitWidth}:${UNITS[t.unit]}`;
  if (DataType.isTimestamp(t)) return `timestamp:${UNITS[t.unit]}:${t.timezone ?? '-'}`;
  if (DataType.isDuration(t)) return `duration:${UNITS[t.unit]}`;
  if (DataType.isDecimal(t)) return `decimal:${t.bitWidth}:${t.precision}:${t.scale}`;
  if (DataType.isDictionary(t)) return `dict:${logical(t.dictionary)}:${logical(t.indices)}:false`;
  throw new Error(`mock: no Lance JSON type for ${t}`);
}

function typeJson(t: DataType): unknown {
  if (DataType.isList(t)) return { type: 'list', fields: [fieldJson(t.children[0]!)] };
  if (DataType.isFixedSizeList(t)) return { type: 'fixed_size_list', fields: [fieldJson(t.children[0]!)], length: t.listSize };
  if (DataType.isFixedSizeBinary(t)) return { type: 'fixed_size_binary', length: t.byteWidth };
  if (DataType.isStruct(t)) return { type: 'struct', fields: t.children.map(fieldJson) };
  return { type: logical(t) };
}
