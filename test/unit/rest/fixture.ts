// Shared setup for the REST tests: a real local LanceDB database in a temp dir, the Cloud mock in
// front of it, and both clients (official @lancedb/lancedb remote, ours) pointed at the mock.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { LanceDbCloudMock, type RecordedRequest } from '../../helpers/lancedb-cloud-mock.js';
import { connectCloud, type CloudDatabase, type ConnectCloudOptions } from '../../../src/rest/index.js';

// @lancedb/lancedb loads apache-arrow's CommonJS build; build its input with the same instance.
const A = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');

export const API_KEY = 'sk_test_123';
export const DB_URI = 'db://mydb/atlas-prefix';

export interface Fixture {
  local: lancedb.Connection;
  mock: LanceDbCloudMock;
  official(): Promise<lancedb.Connection>;
  ours(options?: Partial<ConnectCloudOptions>): CloudDatabase;
  close(): Promise<void>;
}

const CELL_SCHEMA = new A.Schema([
  new A.Field('id', new A.Int64(), false),
  new A.Field('cell_type', new A.Utf8(), true),
  new A.Field('n_genes', new A.Int32(), true),
  new A.Field('score', new A.Float64(), true),
  new A.Field(
    'pointer',
    new A.Struct([new A.Field('zarr_group', new A.Utf8(), true), new A.Field('start', new A.Int64(), true), new A.Field('end', new A.Int64(), true)]),
    true,
  ),
  new A.Field('embedding', new A.FixedSizeList(4, new A.Field('item', new A.Float32(), true)), true),
  new A.Field('tags', new A.List(new A.Field('item', new A.Utf8(), true)), true),
]);

export function cellRows(from: number, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      id: BigInt(i),
      cell_type: ['T cell', 'B cell', 'NK cell', null][i % 4],
      n_genes: 100 + ((i * 37) % 900),
      score: i / 7,
      pointer: { zarr_group: `shard_${i % 5}`, start: BigInt(i * 10), end: BigInt(i * 10 + 10) },
      embedding: [i % 7, (i * 3) % 11, 1, i % 2],
      tags: i % 3 ? [`t${i % 3}`, 'x'] : [],
    };
  });
}

/**
 * Table `cells` has four versions: 1 create (200 rows), 2 add (20 rows), 3 btree index on id,
 * 4 delete `n_genes < 150`. Tables `genes` and `zz_last` exist for listings.
 */
export async function startFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ra-rest-'));
  const local = await lancedb.connect(dir);
  const cells = await local.createTable('cells', lancedb.makeArrowTable(cellRows(0, 200), { schema: CELL_SCHEMA }));
  await cells.add(lancedb.makeArrowTable(cellRows(200, 20), { schema: CELL_SCHEMA }));
  await cells.createIndex('id', { config: lancedb.Index.btree() });
  await cells.delete('n_genes < 150');
  await local.createTable('genes', [{ gene: 'CD3E', chrom: '11' }, { gene: 'MS4A1', chrom: '11' }]);
  await local.createTable('zz_last', [{ x: 1 }]);
  const mock = await LanceDbCloudMock.start(local);
  return {
    local,
    mock,
    official: () =>
      lancedb.connect(DB_URI, { apiKey: API_KEY, hostOverride: mock.url, clientConfig: { retryConfig: { retries: 0 } } }),
    ours: (options = {}) => connectCloud({ db: DB_URI, apiKey: API_KEY, hostOverride: mock.url, retries: 0, ...options }),
    async close() {
      await mock.close();
      local.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The parts of a request the protocol fixes (x-request-id only as "is a UUID"). */
export function protocolView(r: RecordedRequest): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if ((k.startsWith('x-') && k !== 'x-request-id') || k === 'content-type') headers[k] = v;
  return {
    method: r.method,
    url: r.url,
    body: r.text,
    headers,
    requestId: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(r.headers['x-request-id'] ?? '') ? 'uuid-v4' : r.headers['x-request-id'],
  };
}

/** Rows as plain JSON-comparable values, whichever apache-arrow instance built the table. */
export function plainRows(t: { toArray(): unknown[] }): unknown[] {
  return t.toArray().map((row) => plain((row as { toJSON(): unknown }).toJSON()));
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, plain);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof (v as { toArray?: unknown }).toArray === 'function' && typeof (v as { get?: unknown }).get === 'function') {
    return Array.from((v as { toArray(): ArrayLike<unknown> }).toArray(), plain);
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return plain((v as { toJSON(): unknown }).toJSON());
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

/**
 * A real ZSTD-compressed Arrow IPC answer: the deletion file LanceDB writes when it deletes every
 * `step`-th of `rows` ids (its `row_id` column lists the deleted rows).
 */
export async function lanceDeletionFile(rows: number, step: number): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'ra-zstd-'));
  try {
    const db = await lancedb.connect(dir);
    await (await db.createTable('t', Array.from({ length: rows }, (_, id) => ({ id })))).delete(`id % ${step} = 0`);
    const dels = join(dir, 't.lance', '_deletions');
    return readFileSync(join(dels, readdirSync(dels)[0]!));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
