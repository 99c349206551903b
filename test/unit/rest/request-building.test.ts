// Pure parts of the client: JSON bodies (sorted keys, ryu floats, the i64::MAX literal), query-option
// validation, the db URI, hosts and headers, retry schedule, table-name paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonFloat, JsonLiteral, ryu, stringifyBody } from '../../../src/rest/json-body.js';
import { queryBody } from '../../../src/rest/query.js';
import { backoffDelay, resolveRetry } from '../../../src/rest/retry.js';
import { connectCloud, parseDbUri } from '../../../src/rest/index.js';
import { startFixture, type Fixture } from './fixture.js';

describe('JSON bodies', () => {
  it('sorts keys, drops undefined, writes literals verbatim', () => {
    expect(stringifyBody({ version: null, predicate: undefined, k: new JsonLiteral('9223372036854775807'), a: [true, 'x"y'] })).toBe(
      '{"a":[true,"x\\"y"],"k":9223372036854775807,"version":null}',
    );
  });

  it.each([
    [1, '1.0'], [-2.5, '-2.5'], [0, '0.0'], [0.1, '0.1'], [1e-5, '0.00001'], [1e-6, '1e-6'], [1.5e-7, '1.5e-7'],
    [123456789012345.6, '123456789012345.6'], [1e15, '1000000000000000.0'], [1e16, '1e16'], [1.5e16, '1.5e16'],
    [1e21, '1e21'], [3.4028234663852886e38, '3.4028234663852886e38'],
  ])('ryu(%d) = %s, as serde_json prints it', (x, s) => {
    expect(ryu(x)).toBe(s);
  });

  it('query vectors are float32: 0.1 is sent as the f64 it widens to', () => {
    expect(stringifyBody([new JsonFloat(0.1), new JsonFloat(2)])).toBe('[0.10000000149011612,2.0]');
  });
});

describe('query bodies', () => {
  it('scan without limit: k is i64::MAX; vector search without limit: k = 10', () => {
    expect(stringifyBody(queryBody({}, null))).toBe('{"k":9223372036854775807,"prefilter":true,"vector":[],"version":null}');
    expect(stringifyBody(queryBody({ vector: [1, 2] }, 3))).toBe(
      '{"ef":null,"k":10,"lower_bound":null,"maximum_nprobes":20,"minimum_nprobes":20,"nprobes":20,"prefilter":true,"refine_factor":null,"upper_bound":null,"vector":[1.0,2.0],"version":3}',
    );
    expect(stringifyBody(queryBody({ vector: [1], k: 4, version: 2, columns: { doubled: 'n_genes * 2' } }, null))).toContain('"columns":{"doubled":"n_genes * 2"}');
  });

  it.each([
    [{ k: 3 }, /`k` applies to vector searches/],
    [{ vector: [1], k: 3, limit: 4 }, /conflicting k/],
    [{ limit: -1 }, /limit must be a non-negative integer/],
    [{ offset: 1.5 }, /offset must be/],
    [{ vector: [] }, /query vector is empty/],
    [{ vector: [1, NaN] }, /element 1/],
    [{ vector: [1e39] }, /not a finite float32/],
    [{ distanceType: 'l2' as const }, /needs a query `vector`/],
    [{ columns: ['a', ''] }, /non-empty strings/],
  ])('%j is refused with QueryError', (opts, msg) => {
    expect(() => queryBody(opts, null)).toThrow(msg);
    try {
      queryBody(opts, null);
    } catch (e) {
      expect((e as { _tag: string })._tag).toBe('Query');
    }
  });
});

describe('connection', () => {
  it('parses db URIs like the official client', () => {
    expect(parseDbUri('db://mydb')).toEqual({ name: 'mydb' });
    expect(parseDbUri('db://mydb/')).toEqual({ name: 'mydb' });
    expect(parseDbUri('db://my-db/team/atlas')).toEqual({ name: 'my-db', prefix: 'team/atlas' });
    expect(parseDbUri('db://my-db/team/')).toEqual({ name: 'my-db', prefix: 'team/' }); // rust/lancedb/src/remote/client.rs parse_db_url
    expect(() => parseDbUri('s3://bucket/x')).toThrow(/not a LanceDB Cloud URI/);
    expect(() => parseDbUri('db://')).toThrow(/not a LanceDB Cloud URI/);
  });

  it('default host per region; no x-lancedb-database without hostOverride; no x-api-key when the key is empty', async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const fetch: typeof globalThis.fetch = async (url, init) => {
      seen.push({ url: String(url), headers: init?.headers as Record<string, string> });
      return new Response('{"tables":[]}', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    await connectCloud({ db: 'db://mydb/p', apiKey: 'k', fetch }).tableNames({ limit: 5, startAfter: 'a b' });
    await connectCloud({ db: 'db://mydb', region: 'eu-west-2', fetch, headers: { 'x-extra': '1' } }).tableNames();
    await connectCloud({ db: 'db://mydb', hostOverride: '/lancedb-proxy/', fetch }).tableNames();
    expect(seen.map((s) => s.url)).toEqual([
      'https://mydb.us-east-1.api.lancedb.com/v1/table/?limit=5&page_token=a+b',
      'https://mydb.eu-west-2.api.lancedb.com/v1/table/',
      '/lancedb-proxy/v1/table/',
    ]);
    const names = seen.map((s) => Object.keys(s.headers).sort());
    expect(names).toEqual([
      ['x-api-key', 'x-lancedb-database-prefix', 'x-request-id'],
      ['x-extra', 'x-request-id'],
      ['x-lancedb-database', 'x-request-id'],
    ]);
    expect(seen[0]!.headers['x-lancedb-database-prefix']).toBe('p');
    expect(connectCloud({ db: 'db://mydb', region: 'ap-southeast-1' }).host).toBe('https://mydb.ap-southeast-1.api.lancedb.com');
    expect(() => connectCloud({ db: 'db://mydb', region: 'evil.com/x' })).toThrow(/region/);
  });

  it('extra headers replace defaults of the same name in any letter case; an unbounded timeout is no limit', async () => {
    const seen: Record<string, string>[] = [];
    const fetch: typeof globalThis.fetch = async (_url, init) => {
      seen.push(Object.fromEntries(new Headers(init?.headers as Record<string, string>)));
      await new Promise((r) => setTimeout(r, 20)); // longer than the 1 ms an overflowing timer would allow
      return new Response('{"tables":[]}', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const headers = { 'X-Api-Key': 'sk_b', 'X-Request-Id': 'mine' };
    await connectCloud({ db: 'db://mydb', apiKey: 'sk_a', fetch, headers, timeoutMs: Infinity }).tableNames();
    await connectCloud({ db: 'db://mydb', apiKey: 'sk_a', fetch, timeoutMs: 2 ** 31 }).tableNames();
    expect(seen[0]!['x-api-key']).toBe('sk_b'); // not "sk_a, sk_b", which the service would refuse
    expect(seen[0]!['x-request-id']).toMatch(/^[0-9a-f-]{36}$/); // one value: the request's own id wins
    expect(seen[1]!['x-api-key']).toBe('sk_a');
  });

  it('retry schedule: backoff · 2^n + jitter, the official defaults', () => {
    const p = resolveRetry(undefined);
    expect(p).toMatchObject({ retries: 2, backoffMs: 250, jitterMs: 250 });
    expect([...p.statuses]).toEqual([409, 429, 500, 502, 503, 504]);
    expect([1, 2, 3].map((n) => backoffDelay(p, n, () => 0))).toEqual([500, 1000, 2000]);
    expect(backoffDelay(p, 1, () => 0.999)).toBeCloseTo(749.75);
    expect(resolveRetry(5).retries).toBe(5);
    expect(() => resolveRetry({ retries: -1 })).toThrow(/non-negative/);
  });
});

describe('table-name paging against the mock', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(() => fx.close());

  it('iterTableNames follows page_token, with and without a page size', async () => {
    fx.mock.defaultPageSize = 2;
    const db = fx.ours();
    fx.mock.take();
    const all: string[] = [];
    for await (const name of db.iterTableNames()) all.push(name);
    expect(all).toEqual(['cells', 'genes', 'zz_last']);
    expect(fx.mock.take().map((r) => r.url)).toEqual(['/v1/table/', '/v1/table/?page_token=genes']);
    const paged: string[] = [];
    for await (const name of db.iterTableNames({ pageSize: 1, startAfter: 'cells' })) paged.push(name);
    expect(paged).toEqual(['genes', 'zz_last']);
    expect(fx.mock.take().map((r) => r.url)).toEqual(['/v1/table/?limit=1&page_token=cells', '/v1/table/?limit=1&page_token=genes']);
  });

  it('a service that repeats its page_token is caught instead of looping forever', async () => {
    fx.mock.intercept((req) => (req.path === '/v1/table/' ? { status: 200, body: '{"tables":["a"],"page_token":"a"}' } : undefined));
    const names: string[] = [];
    await expect(
      (async () => {
        for await (const n of fx.ours().iterTableNames()) names.push(n);
      })(),
    ).rejects.toMatchObject({ _tag: 'Query' });
    expect(names).toEqual(['a', 'a']);
    fx.mock.clearInterceptors();
  });
});
