// Queries of one checkout run at once (an explorer aborts the last gene's query as the next one
// starts, a filter box aborts on every keystroke), and they share the checkout's loads: file
// metadata, deletion files, catalog rows, opened zarr arrays, shard indexes. Aborting one query
// must stop only that query: every other query finishes with exactly what it returns alone, and
// nothing rejected stays cached for later ones. Query A is aborted at several moments of its life
// while B, started at the same time, reads the same files; B is compared with a fresh checkout.
import { mkdtempSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RaggedAtlas, type AnnData } from '../../../src/index.js';
import { serveDirectory, type RunningServer } from '../../../src/companion/serve.js';
import { buildWalkthroughAtlas } from '../../fixtures/walkthrough.js';
import { gateway } from '../../helpers/gateway.js';

let dir: string;
let server: RunningServer;
let genes: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-concurrent-abort-'));
  await buildWalkthroughAtlas(join(dir, 'atlas'));
  // A little latency per request, so that an abort lands while reads are in flight.
  server = await serveDirectory(join(dir, 'atlas'), { latencyMs: 15 });
  const a = await RaggedAtlas.checkoutLatest(server.url, { workers: 0, cache: 'none' });
  genes = ((await a.featureRegistry('gene_expression')).getChild('uid')!.toArray() as string[]).filter((_, i) => i % 997 === 0).slice(0, 8);
  a.close();
}, 600_000);

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

type Run = (a: RaggedAtlas, signal?: AbortSignal) => Promise<unknown>;

const anndata = (ad: AnnData) => {
  const X = ad.X as { indptr: ArrayLike<number>; indices: ArrayLike<number>; data: ArrayLike<number> };
  return { shape: ad.shape, obsNames: ad.obsNames, varNames: ad.varNames, indptr: Array.from(X.indptr), indices: Array.from(X.indices), data: Array.from(X.data, Number) };
};
const rows = (t: arrow.Table) => t.toArray().map((r) => JSON.stringify(r.toJSON(), (_, v) => (typeof v === 'bigint' ? String(v) : v)));

/** Pairs of queries (A is aborted, B must finish) that share files but not results. */
const PAIRS: Record<string, [Run, Run, (x: unknown) => unknown]> = {
  'gene queries': [
    (a, signal) => a.query().select(['uid']).features(genes.slice(0, 4), 'gene_expression').toAnnData({ signal }),
    (a) => a.query().select(['uid']).features(genes.slice(4), 'gene_expression').toAnnData(),
    (x) => anndata(x as AnnData),
  ],
  'predicate queries (indexed column)': [
    (a, signal) => a.query().where("cell_type = '3'").toAnnData({ signal }),
    (a) => a.query().where("cell_type = '4'").toAnnData(),
    (x) => anndata(x as AnnData),
  ],
  'count, group-by and arrow': [
    (a, signal) => a.query().where("cell_type IN ('1', '2')").count({ groupBy: 'cell_type', signal }),
    (a) => a.query().where("cell_type = '5'").select(['barcode', 'cell_type']).toArrow(),
    (x) => rows(x as arrow.Table),
  ],
  'a stream and a gene query': [
    async (a, signal) => {
      for await (const _ of a.query().toBatches({ batchSize: 256, signal })) void _;
    },
    (a) => a.query().where("cell_type = '2'").features(genes.slice(2, 6), 'gene_expression').toAnnData(),
    (x) => anndata(x as AnnData),
  ],
};

describe.each(Object.entries(PAIRS))('%s', (_, [runA, runB, summary]) => {
  let want: unknown;
  beforeAll(async () => {
    const fresh = await RaggedAtlas.checkoutLatest(server.url, { cache: 'none' });
    try {
      want = summary(await runB(fresh));
    } finally {
      fresh.close();
    }
  }, 120_000);

  test.each([0, 10, 40, 120])('A aborted after %i ms: B returns what it returns alone, and A again after it', async (delay) => {
    const a = await RaggedAtlas.checkoutLatest(server.url, { cache: 'none' });
    try {
      const ac = new AbortController();
      const pa = runA(a, ac.signal).then(() => 'finished', (e: { _tag?: string }) => e._tag);
      const pb = runB(a);
      await new Promise((r) => setTimeout(r, delay));
      ac.abort();
      expect(['Aborted', 'finished']).toContain(await pa);
      expect(summary(await pb)).toEqual(want);
      // Nothing A left behind fails a later query on the same checkout.
      await runA(a);
      expect(summary(await runB(a))).toEqual(want);
    } finally {
      a.close();
    }
  }, 120_000);
});

// abort(reason): the caller gets an AbortedError whose cause is that reason (it was dropped), at
// whatever moment the abort lands, for every terminal.
test.each([0, 20, 60])('an abort reason reaches the caller as the AbortedError\'s cause (%i ms in)', async (delay) => {
  const a = await RaggedAtlas.checkoutLatest(server.url, { cache: 'none' });
  try {
    const terminals: [string, (signal: AbortSignal) => Promise<unknown>][] = [
      ['toAnnData', (signal) => a.query().features(genes.slice(0, 3), 'gene_expression').toAnnData({ signal })],
      ['count', (signal) => a.query().where("cell_type = '1'").count({ groupBy: 'cell_type', signal })],
      ['toArrow', (signal) => a.query().select(['barcode']).toArrow({ signal })],
      ['toBatches', async (signal) => {
        for await (const _ of a.query().toBatches({ batchSize: 256, signal })) void _;
      }],
    ];
    for (const [name, run] of terminals) {
      const ac = new AbortController();
      const reason = new Error(`user left ${name}`);
      const p = run(ac.signal).then(() => 'finished', (e: unknown) => e);
      await new Promise((r) => setTimeout(r, delay));
      ac.abort(reason);
      const got = await p;
      if (got === 'finished') continue; // done before the abort landed
      expect([name, (got as { _tag?: string })._tag, (got as Error).cause]).toEqual([name, 'Aborted', reason]);
    }
  } finally {
    a.close();
  }
}, 120_000);

// close() ends a checkout: running terminals stop with an AbortedError saying so (not a stopped
// worker pool's WorkerError, which would read as a broken worker script), or finish if they were
// done; a query(), listDatasets() or featureRegistry() afterwards is a QueryError.
test.each([
  [0, 0],
  [0, 40],
  [1, 0],
  [1, 40],
  [1, 150],
])('close() with %i decode workers, %i ms into two running queries', async (workers, delay) => {
  const a = await RaggedAtlas.checkoutLatest(server.url, { workers, cache: 'none' });
  const outcome = (e: { _tag?: string; message?: string }) => `${e._tag}: ${e.message}`;
  const built = a.query().where("cell_type = '1'"); // built now, run after close()
  const matrix = a.query().toAnnData().then((ad) => ad.shape, outcome);
  const stream = (async () => {
    let rows = 0;
    for await (const b of a.query().toBatches({ batchSize: 500 })) rows += b.shape[0];
    return rows;
  })().catch(outcome);
  await new Promise((r) => setTimeout(r, delay));
  a.close();
  const closed = 'Aborted: the atlas was closed while this query ran';
  expect([[3400, 32738], closed]).toContainEqual(await matrix);
  expect([3400, closed]).toContain(await stream);
  expect(() => a.query()).toThrow(expect.objectContaining({ _tag: 'Query', message: expect.stringContaining('closed') }));
  // A query built before close() and run after it never ran: refused the same way, not "closed while it ran".
  const refused = { _tag: 'Query', message: 'this atlas is closed: check it out again to query it' };
  await expect(built.count()).rejects.toMatchObject(refused);
  await expect(built.toAnnData()).rejects.toMatchObject(refused);
  await expect(built.toBatches()[Symbol.asyncIterator]().next()).rejects.toMatchObject(refused);
  // The catalog reads too: a closed atlas reads nothing more (its fetch workers are gone).
  await expect(a.listDatasets()).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('closed') });
  await expect(a.featureRegistry('gene_expression')).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('closed') });
}, 60_000);

// Many at once: twelve queries of every kind on one checkout, a seeded random 40 % of them aborted at
// random moments. Each one either returns exactly what it returns alone or is Aborted, and only if
// it was aborted. With and without decode workers (an abort mid-decode restarts a worker).
describe('twelve concurrent queries, some aborted at random', () => {
  const shapeOf = (ad: AnnData) => {
    const X = ad.X as { indices: ArrayLike<number>; data: ArrayLike<number> };
    let weighted = 0;
    for (let k = 0; k < X.data.length; k++) weighted += Number(X.data[k]) * (X.indices[k]! + 1);
    return [ad.shape, ad.obsNames.length, ad.obsNames.slice(0, 3), weighted];
  };
  const kinds: ((a: RaggedAtlas, i: number, signal?: AbortSignal) => Promise<unknown>)[] = [
    (a, i, signal) => a.query().where(`cell_type = '${i % 8}'`).toAnnData({ signal }).then(shapeOf),
    (a, i, signal) => a.query().select(['uid']).features(genes.slice(i % 5, (i % 5) + 3), 'gene_expression').toAnnData({ signal }).then(shapeOf),
    (a, i, signal) => a.query().where(`cell_type = '${i % 8}'`).features(genes.slice(i % 5, (i % 5) + 3), 'gene_expression').toAnnData({ signal }).then(shapeOf),
    (a, _, signal) => a.query().count({ groupBy: 'cell_type', signal }).then(rows),
    async (a, i, signal) => {
      let cells = 0;
      let stored = 0;
      for await (const b of a.query().where(`cell_type != '${i % 8}'`).toBatches({ batchSize: 300, signal })) {
        cells += b.shape[0];
        stored += (b.X as { data: ArrayLike<number> }).data.length;
      }
      return [cells, stored];
    },
    (a, i, signal) => a.query().where(`cell_type = '${i % 8}'`).limit(50).offset(10).toMuData({ signal }).then((m) => Object.values(m.mod).map(shapeOf)),
  ];
  const run = (a: RaggedAtlas, i: number, signal?: AbortSignal) => kinds[i % kinds.length]!(a, i, signal);
  const alone: unknown[] = [];
  beforeAll(async () => {
    const fresh = await RaggedAtlas.checkoutLatest(server.url, { cache: 'none' });
    try {
      for (let i = 0; i < 12; i++) alone.push(await run(fresh, i));
    } finally {
      fresh.close();
    }
  }, 120_000);

  test.each([1, 2, 3, 4])('round %i', async (round) => {
    let seed = round * 7919;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const a = await RaggedAtlas.checkoutLatest(server.url, { cache: 'none', workers: round % 2 });
    try {
      const outcomes = await Promise.all(
        alone.map((_, i) => {
          const ac = new AbortController();
          const aborted = random() < 0.4;
          if (aborted) setTimeout(() => ac.abort(), Math.floor(random() * 150));
          return run(a, i, ac.signal).then(
            (value) => ({ aborted, value }),
            (e: { _tag?: string; message?: string }) => ({ aborted, error: `${e._tag}: ${e.message}` }),
          );
        }),
      );
      outcomes.forEach((o, i) => {
        if ('error' in o) expect({ i, aborted: o.aborted, tag: o.error.split(':')[0] }, o.error).toEqual({ i, aborted: true, tag: 'Aborted' });
        else expect(o.value, `query ${i}`).toEqual(alone[i]);
      });
    } finally {
      a.close();
    }
  }, 120_000);
});

// An aborted query's requests are cancelled at the network, not left to run: on a browser's six
// HTTP/1.1 connections they would queue ahead of the next query's (bench: the next 10-gene query
// took 600 instead of 430 ms). A host that holds matrix-chunk answers sees them dropped.
test('aborting a query cancels its requests in flight: the host sees their connections closed unanswered', async () => {
  let pending = 0;
  let dropped = 0;
  let firstChunk!: () => void;
  const chunkAsked = new Promise<void>((done) => (firstChunk = done));
  const gate = await gateway(server.url, (req, res, pass) => {
    // A matrix chunk: a range of a shard that does not reach its end (where the shard index is).
    const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    const path = join(dir, 'atlas', decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const isChunk = /\/zarr_store\/.*\/c\//.test(req.url ?? '') && range !== null && Number(range[2]) < statSync(path).size - 1;
    if (isChunk) firstChunk();
    pending++;
    req.on('close', () => {
      pending--;
      if (!res.writableEnded) dropped++;
    });
    setTimeout(() => void pass(), isChunk ? 400 : 0);
  });
  const a = await RaggedAtlas.checkoutLatest(gate.url, { workers: 0, cache: 'none' });
  try {
    const ac = new AbortController();
    const query = a.query().select(['uid']).features(genes.slice(0, 6), 'gene_expression').toAnnData({ signal: ac.signal });
    query.catch(() => undefined);
    await chunkAsked;
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await expect(query).rejects.toMatchObject({ _tag: 'Aborted' });
    for (let i = 0; i < 100 && pending > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(dropped).toBeGreaterThan(0);
    expect(pending).toBe(0);
  } finally {
    a.close();
    gate.close();
  }
}, 60_000);
