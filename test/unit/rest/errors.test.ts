// Failure paths of the REST client against the mock: every one ends in a tagged error, retries
// follow the policy, and aborts stop work at once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './fixture.js';
import { isRaggedAtlasError } from '../../../src/errors.js';
import type { RecordedRequest, Reply } from '../../helpers/lancedb-cloud-mock.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(() => fx.close());
afterEach(() => {
  fx.mock.clearInterceptors();
  fx.mock.framing = 'stream';
});

const fast = { backoffMs: 1, jitterMs: 0 };
const on = (suffix: string, reply: Reply) => (req: RecordedRequest) => (req.path.endsWith(suffix) ? reply : undefined);

async function caught(p: Promise<unknown>): Promise<Error & { _tag?: string; fields?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('status codes', () => {
  it('404 on a table endpoint is NotFoundError naming the table; on checkout it names the version', async () => {
    const t = await fx.ours().openTable('cells');
    fx.mock.intercept(on('/count_rows/', { status: 404, body: '{"error":"Table cells not found"}' }), { once: true });
    const err = await caught(t.countRows());
    expect(isRaggedAtlasError(err, 'NotFound')).toBe(true);
    expect(err.fields).toMatchObject({ table: 'cells', status: 404 });
    const v = await caught(t.checkout(99));
    expect(v._tag).toBe('NotFound');
    expect(v.message).toMatch(/table 'cells' version 99 was not found/);
    expect(v.fields).toMatchObject({ table: 'cells', version: 99 });
  });

  it('400 (bad filter) is an HttpError with the service text, not retried', async () => {
    const t = await fx.ours({ retries: { retries: 3, ...fast } }).openTable('cells');
    fx.mock.take();
    const err = await caught(t.query({ filter: 'no_such_column > 3' }));
    expect(err._tag).toBe('Http');
    expect(err.fields).toMatchObject({ status: 400 });
    expect(err.message).toMatch(/^400 Bad Request: .*no_such_column/);
    expect(fx.mock.take()).toHaveLength(1);
  });

  it('503 then success: retried with the same x-request-id', async () => {
    const t = await fx.ours({ retries: { retries: 2, ...fast } }).openTable('cells');
    fx.mock.intercept(on('/count_rows/', { status: 503, body: 'busy' }), { once: true });
    fx.mock.take();
    expect(await t.countRows()).toBe(await (await fx.local.openTable('cells')).countRows());
    const sent = fx.mock.take();
    expect(sent).toHaveLength(2);
    expect(sent[1]!.headers['x-request-id']).toBe(sent[0]!.headers['x-request-id']);
    expect(sent[1]!.text).toBe(sent[0]!.text);
  });

  it.each([409, 429, 500, 502, 504])('%i is retried', async (status) => {
    const t = await fx.ours({ retries: { retries: 1, ...fast } }).openTable('cells');
    fx.mock.intercept(on('/describe/', { status, body: 'try again' }), { once: true });
    expect(await t.version()).toBe(4);
  });

  it('503 forever: gives up after retries + 1 attempts with HttpError(status 503)', async () => {
    const t = await fx.ours({ retries: { retries: 2, ...fast } }).openTable('cells');
    fx.mock.intercept(on('/query/', { status: 503, body: 'overloaded' }));
    fx.mock.take();
    const err = await caught(t.query({ limit: 1 }));
    expect(err._tag).toBe('Http');
    expect(err.fields).toMatchObject({ status: 503, attempts: 3 });
    expect(err.message).toMatch(/gave up after 3 attempts; last: 503 Service Unavailable: overloaded/);
    expect(fx.mock.take()).toHaveLength(3);
  });

  it('retries: 0 sends once and surfaces the status error itself', async () => {
    const t = await fx.ours({ retries: 0 }).openTable('cells');
    fx.mock.intercept(on('/describe/', { status: 502, body: 'bad gateway' }));
    fx.mock.take();
    const err = await caught(t.version());
    expect(err.message).toMatch(/^502 Bad Gateway: bad gateway/);
    expect(fx.mock.take()).toHaveLength(1);
  });
});

describe('answers that are not what was asked for', () => {
  it('JSON where Arrow IPC was expected', async () => {
    const t = await fx.ours().openTable('cells');
    fx.mock.intercept(on('/query/', { status: 200, headers: { 'content-type': 'application/json' }, body: '{"error":"upstream said no"}' }));
    const err = await caught(t.query());
    expect(err._tag).toBe('Http');
    expect(err.message).toMatch(/expected Arrow IPC .* got application\/json: \{"error":"upstream said no"\}/);
  });

  it.each(['stream', 'file'] as const)('truncated Arrow IPC (%s framing) is CorruptDataError', async (framing) => {
    const t = await fx.ours().openTable('cells');
    fx.mock.framing = framing;
    for (const keep of [0.1, 0.5, 0.9]) {
      fx.mock.intercept(
        async (req, mock) => {
          if (!req.path.endsWith('/query/')) return undefined;
          const full = await mock.answer(req);
          const body = full.body as Uint8Array;
          return { ...full, body: body.subarray(0, Math.floor(body.length * keep)) };
        },
        { once: true },
      );
      const err = await caught(t.query());
      expect(err._tag, `${framing} cut at ${keep}`).toBe('CorruptData');
    }
  });

  it('an empty 200 body is CorruptDataError', async () => {
    const t = await fx.ours().openTable('cells');
    fx.mock.intercept(on('/query/', { status: 200, headers: { 'content-type': 'application/vnd.apache.arrow.stream' }, body: '' }));
    expect((await caught(t.query()))._tag).toBe('CorruptData');
  });

  it('describe without version/schema, a count that is not a number, a listing without tables', async () => {
    const db = fx.ours();
    const t = await db.openTable('cells');
    fx.mock.intercept(on('/describe/', { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }), { once: true });
    expect((await caught(t.describe())).message).toMatch(/expected \{"version", "schema"\}/);
    fx.mock.intercept(on('/count_rows/', { status: 200, body: '"5"' }), { once: true });
    expect((await caught(t.countRows())).message).toMatch(/expected a row count/);
    fx.mock.intercept((req) => (req.path === '/v1/table/' ? { status: 200, body: '<html>login</html>' } : undefined), { once: true });
    expect((await caught(db.tableNames())).message).toMatch(/expected a table list.*<html>login/);
  });
});

describe('aborts, timeouts, network errors', () => {
  it('abort while waiting for the answer', async () => {
    const t = await fx.ours().openTable('cells');
    fx.mock.intercept(on('/query/', { status: 200, stall: 'silence' }));
    const ctrl = new AbortController();
    const started = Date.now();
    setTimeout(() => ctrl.abort(), 50);
    const err = await caught(t.query({ signal: ctrl.signal }));
    expect(err._tag).toBe('Aborted');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('abort mid-body (headers and half the body sent)', async () => {
    const t = await fx.ours().openTable('cells');
    fx.mock.intercept(async (req, mock) => (req.path.endsWith('/query/') ? { ...(await mock.answer(req)), stall: 'headers' } : undefined));
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(new Error('user navigated away')), 50);
    const err = await caught(t.query({ signal: ctrl.signal }));
    expect(err._tag).toBe('Aborted');
    expect(err.fields).toMatchObject({ reason: 'Error: user navigated away' });
  });

  it('an already-aborted signal sends nothing; abort during backoff stops retrying', async () => {
    const db = fx.ours({ retries: { retries: 5, backoffMs: 10_000, jitterMs: 0 } });
    const t = await db.openTable('cells');
    fx.mock.take();
    expect((await caught(t.countRows(undefined, { signal: AbortSignal.abort() })))._tag).toBe('Aborted');
    expect(fx.mock.take()).toHaveLength(0);
    fx.mock.intercept(on('/count_rows/', { status: 503 }));
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 100);
    const started = Date.now();
    expect((await caught(t.countRows(undefined, { signal: ctrl.signal })))._tag).toBe('Aborted');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fx.mock.take()).toHaveLength(1);
  });

  it('timeoutMs bounds each attempt; a timed-out attempt is retried', async () => {
    const t = await fx.ours({ timeoutMs: 100, retries: { retries: 1, ...fast } }).openTable('cells');
    fx.mock.intercept(on('/describe/', { status: 200, stall: 'silence' }));
    fx.mock.take();
    const err = await caught(t.version());
    expect(err._tag).toBe('Http');
    expect(err.message).toMatch(/no complete answer within 100 ms/);
    expect(fx.mock.take()).toHaveLength(2);
  });

  it('connection refused is an HttpError after retries', async () => {
    const { connectCloud } = await import('../../../src/rest/index.js');
    const db = connectCloud({ db: 'db://mydb', hostOverride: 'http://127.0.0.1:9', retries: { retries: 1, ...fast } });
    const err = await caught(db.tableNames());
    expect(err._tag).toBe('Http');
    expect(err.message).toMatch(/gave up after 2 attempts; last: request failed/);
  });
});
