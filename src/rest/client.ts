// connectCloud(): a LanceDB Cloud client in plain TypeScript over fetch, speaking the same REST
// protocol as the official @lancedb/lancedb remote client (lance-format.md §6), for pages and
// workers where the native client cannot run. Read-only: list tables, describe, count, query,
// versions, indices, checkout.
//
// Differences from the official client, on purpose:
//   - `retries` counts re-sends (see retry.ts); the defaults give the same three attempts.
//   - openTable always sends its describe; the official client skips it for names returned by an
//     earlier tableNames() (a client-side cache we do not keep, so a handle always proves the table
//     existed when it was opened).
//   - Namespaces (`/v1/namespace/...`) and branches are not supported.
//
// Browser notes (for the README):
//   - CORS: x-api-key and the other x-lancedb-* headers are not CORS-safelisted, and POST bodies are
//     application/json, so every request is preceded by an OPTIONS preflight. The service must
//     answer it with Access-Control-Allow-Origin for the page's origin and Allow-Headers listing
//     x-api-key, x-request-id, x-lancedb-database, x-lancedb-database-prefix,
//     x-lancedb-min-read-version, content-type; whether *.api.lancedb.com does is undocumented.
//     To read `x-lancedb-version` the answer must also Expose-Headers it (without it reads still work,
//     they just lose the read-your-reads watermark).
//   - API keys: any key given to code in a page is readable by everyone who loads the page. Prefer
//     a same-origin proxy that adds the key server-side: `connectCloud({db, hostOverride:
//     '/lancedb-proxy'})` with no apiKey (no x-api-key is sent when the key is empty; a relative
//     hostOverride works in browsers), or short-lived, read-only keys.

import type { IpcCodecName, IpcCodecs } from '../arrow/ipc-decompress.js';
import { QueryError } from '../errors.js';
import { answerJson, unexpectedAnswer } from './errors.js';
import { defaultIpcCodecs } from './ipc-codecs.js';
import { resolveRetry, type RetryOptions } from './retry.js';
import { CloudTable, type CloudContext, type ReadOptions } from './table.js';
import { Transport } from './transport.js';

export interface ConnectCloudOptions {
  /** `db://{database}` or `db://{database}/{prefix}`. */
  db: string;
  /** Sent as x-api-key; leave empty when a proxy adds it. */
  apiKey?: string;
  /** Picks the host `https://{database}.{region}.api.lancedb.com`. Default us-east-1. */
  region?: string;
  /**
   * Replaces that host: an origin with optional path prefix (`http://127.0.0.1:8080`,
   * `https://proxy.example/lancedb`, or `/lancedb` relative to the page). The database name then
   * travels in x-lancedb-database, as with the official client.
   */
  hostOverride?: string;
  /** Extra headers on every request (they override the defaults, not x-request-id). */
  headers?: Record<string, string>;
  /** Re-sends after a failure (number) or the full retry policy. Default 2 re-sends, 250 ms backoff unit. */
  retries?: number | RetryOptions;
  /** Per-attempt limit in ms, body included. Default 300 000 (the official read timeout); 0 disables. */
  timeoutMs?: number;
  /** fetch to use (tests, instrumentation). Default globalThis.fetch. */
  fetch?: typeof fetch;
  /**
   * Decoders for query answers that use Arrow IPC body compression (LZ4_FRAME, ZSTD), or a loader
   * called with the codecs an answer needs, for each such answer (cache inside it if loading is
   * costly). Default: ragged-atlas's codec module (TypeScript LZ4; zstd from its wasm, loaded once,
   * on the first ZSTD answer).
   */
  codecs?: IpcCodecs | ((needed: IpcCodecName[]) => Promise<IpcCodecs>);
  /** Source of retry jitter in [0, 1); tests pin it. */
  random?: () => number;
}

export interface TableNamesOptions extends ReadOptions {
  /** Start after this name (the service's page_token). */
  startAfter?: string;
  /** At most this many names. Without it the service picks its page size. */
  limit?: number;
}

export interface ParsedDbUri {
  name: string;
  prefix?: string;
}

/** Creates a client; sends nothing until the first call (like the official connect). */
export function connectCloud(options: ConnectCloudOptions): CloudDatabase {
  return new CloudDatabase(options);
}

/**
 * Splits `db://name[/prefix]` by hand: browsers disagree on the host of non-special-scheme URLs
 * (older Chromium reports none), and the official client takes host and path verbatim.
 */
export function parseDbUri(uri: string): ParsedDbUri {
  const m = /^db:\/\/([^/?#]+)\/*([^?#]*)$/.exec(uri);
  if (!m) throw new QueryError(`not a LanceDB Cloud URI (db://name[/prefix]): ${uri}`);
  // As the official parse_db_url: leading slashes go, a trailing one stays (`db://n/pre/` → `pre/`).
  const prefix = m[2]!;
  return prefix ? { name: m[1]!, prefix } : { name: m[1]! };
}

export class CloudDatabase {
  readonly name: string;
  readonly prefix: string | undefined;
  readonly #ctx: CloudContext;

  constructor(options: ConnectCloudOptions) {
    const { name, prefix } = parseDbUri(options.db);
    this.name = name;
    this.prefix = prefix;
    const region = options.region ?? 'us-east-1';
    if (!/^[a-z0-9-]+$/i.test(region)) throw new QueryError(`region must be a DNS label, got ${region}`);
    const base = options.hostOverride?.replace(/\/+$/, '') ?? `https://${name}.${region}.api.lancedb.com`;
    const headers: Record<string, string> = {};
    if (options.apiKey) headers['x-api-key'] = options.apiKey;
    if (options.hostOverride !== undefined) headers['x-lancedb-database'] = name;
    if (prefix) headers['x-lancedb-database-prefix'] = prefix;
    // After the defaults: the transport merges names case-insensitively, so these replace them.
    Object.assign(headers, options.headers);
    const timeoutMs = options.timeoutMs ?? 300_000;
    if (!(timeoutMs >= 0)) throw new QueryError(`timeoutMs must be ≥ 0, got ${timeoutMs}`);
    this.#ctx = {
      transport: new Transport({
        base,
        headers,
        fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
        retry: resolveRetry(options.retries),
        timeoutMs,
        random: options.random,
      }),
      codecs: codecLoader(options.codecs),
    };
  }

  /** The origin (and path prefix) requests go to. */
  get host(): string {
    return this.#ctx.transport.base;
  }

  /** One page of table names (`GET /v1/table/?limit&page_token`), like the official tableNames(). */
  async tableNames(options: TableNamesOptions = {}): Promise<string[]> {
    return (await this.#page(options)).tables;
  }

  /** Every table name, following the service's page_token from page to page. */
  async *iterTableNames(options: Omit<TableNamesOptions, 'limit'> & { pageSize?: number } = {}): AsyncGenerator<string> {
    let token = options.startAfter;
    const seen = new Set<string>();
    for (;;) {
      const page = await this.#page({ startAfter: token, limit: options.pageSize, signal: options.signal });
      yield* page.tables;
      if (!page.next) return;
      if (seen.has(page.next)) throw new QueryError(`table listing repeats page_token ${JSON.stringify(page.next)}`);
      seen.add(page.next);
      token = page.next;
    }
  }

  /** Checks the table exists (describe; 404 → NotFoundError) and returns a handle on its latest version. */
  async openTable(name: string, options: ReadOptions = {}): Promise<CloudTable> {
    if (!name) throw new QueryError('table name is empty');
    // The official client sends this describe with no body and no content-type.
    const a = await this.#ctx.transport.send({ method: 'POST', path: `/v1/table/${encodeURIComponent(name)}/describe/`, signal: options.signal, table: name });
    const json = a.body.length ? answerJson(a, 'a table description') : {};
    const version = (json as { version?: unknown }).version;
    const seen = typeof version === 'number' && Number.isSafeInteger(version) && version > 0 ? version : 0;
    return new CloudTable(this.#ctx, name, undefined, seen);
  }

  /**
   * A handle on `name` (pinned to `version` when given) without sending anything: a missing table or
   * version shows up as a NotFoundError on the first call. For callers that know the table exists,
   * e.g. versions recorded in an atlas snapshot, whose first call is a describe anyway.
   */
  table(name: string, version?: number): CloudTable {
    if (!name) throw new QueryError('table name is empty');
    if (version !== undefined && !(Number.isSafeInteger(version) && version >= 0)) throw new QueryError(`version must be a non-negative integer, got ${version}`);
    return new CloudTable(this.#ctx, name, version);
  }

  async #page(options: TableNamesOptions): Promise<{ tables: string[]; next?: string }> {
    if (options.limit !== undefined && !(Number.isSafeInteger(options.limit) && options.limit > 0)) {
      throw new QueryError(`limit must be a positive integer, got ${options.limit}`);
    }
    const a = await this.#ctx.transport.send({
      method: 'GET',
      path: '/v1/table/',
      query: [['limit', options.limit], ['page_token', options.startAfter]],
      signal: options.signal,
    });
    const json = answerJson(a, 'a table list') as { tables?: unknown; page_token?: unknown };
    if (!Array.isArray(json?.tables) || !json.tables.every((t) => typeof t === 'string')) throw unexpectedAnswer(a, '{"tables": [names]}');
    const next = typeof json.page_token === 'string' && json.page_token ? json.page_token : undefined;
    return next ? { tables: json.tables, next } : { tables: json.tables };
  }
}

function codecLoader(codecs: ConnectCloudOptions['codecs']): (needed: IpcCodecName[]) => Promise<IpcCodecs> {
  if (typeof codecs === 'function') return codecs;
  if (codecs) return () => Promise.resolve(codecs);
  return defaultIpcCodecs;
}
