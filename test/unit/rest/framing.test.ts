// Query answers in every framing the service (and the official client) allow: IPC stream, IPC file,
// file bytes without a Content-Type, mislabelled framing, schema-only answers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as lancedb from '@lancedb/lancedb';
import { lanceDeletionFile, plainRows, startFixture, type Fixture } from './fixture.js';
import { ARROW_FILE, ARROW_STREAM } from '../../helpers/lancedb-cloud-mock.js';
import { defaultIpcCodecs } from '../../../src/rest/ipc-codecs.js';
import { inspectArrowIpc } from '../../../src/arrow/ipc-decompress.js';

let fx: Fixture;
let local: lancedb.Table;
beforeAll(async () => {
  fx = await startFixture();
  local = await fx.local.openTable('cells');
});
afterAll(() => fx.close());
afterEach(() => {
  fx.mock.clearInterceptors();
  fx.mock.framing = 'stream';
  fx.mock.compression = 'none';
});

describe('query answer framing', () => {
  it.each(['stream', 'file', 'none'] as const)('%s: same rows as local LanceDB, for us and the official client', async (framing) => {
    fx.mock.framing = framing;
    const ours = await fx.ours().openTable('cells');
    const official = await (await fx.official()).openTable('cells');
    const expected = plainRows(await local.query().where('n_genes > 700').toArrow());
    expect(expected.length).toBeGreaterThan(10);
    expect(plainRows(await ours.query({ filter: 'n_genes > 700' }))).toEqual(expected);
    expect(plainRows(await official.query().where('n_genes > 700').toArrow())).toEqual(expected);
  });

  it('file bytes labelled as a stream still decode (the bytes say which framing they are)', async () => {
    fx.mock.framing = 'file';
    fx.mock.intercept(async (req, mock) => {
      if (!req.path.endsWith('/query/')) return undefined;
      const a = await mock.answer(req);
      return { ...a, headers: { ...a.headers, 'content-type': `${ARROW_STREAM}; charset=binary` } };
    });
    const ours = await fx.ours().openTable('cells');
    expect(plainRows(await ours.query({ limit: 5 }))).toEqual(plainRows(await local.query().limit(5).toArrow()));
  });

  it('LZ4_FRAME-compressed answers (written by LanceDB itself) decode with the default codecs', async () => {
    fx.mock.compression = 'lz4';
    const codecsSeen: string[][] = [];
    fx.mock.intercept(async (req, mock) => {
      if (!req.path.endsWith('/query/')) return undefined;
      const answer = await mock.answer(req);
      codecsSeen.push(inspectArrowIpc(answer.body as Uint8Array).codecs);
      return answer;
    });
    const ours = await fx.ours().openTable('cells');
    const official = await (await fx.official()).openTable('cells');
    const filter = 'n_genes > 300';
    const expected = plainRows(await local.query().where(filter).withRowId().toArrow());
    expect(plainRows(await ours.query({ filter, withRowId: true }))).toEqual(expected);
    expect(plainRows(await official.query().where(filter).withRowId().toArrow())).toEqual(expected);
    expect(codecsSeen).toEqual([['lz4_frame'], ['lz4_frame']]);
  });

  it('a ZSTD-compressed answer (a Lance deletion file) decodes, loading the wasm zstd on demand', async () => {
    const file = await lanceDeletionFile(500, 5);
    fx.mock.intercept((req) => (req.path.endsWith('/query/') ? { status: 200, headers: { 'content-type': ARROW_FILE }, body: file } : undefined));
    const t = await (await fx.ours().openTable('cells')).query();
    expect([...t.getChild('row_id')!.toArray()].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i * 5));
    // A caller-supplied loader is asked for exactly the codecs the answer uses.
    const asked: string[][] = [];
    const custom = fx.ours({ codecs: async (needed) => (asked.push(needed), defaultIpcCodecs(needed)) });
    expect((await (await custom.openTable('cells')).query()).numRows).toBe(100);
    expect(asked).toEqual([['zstd']]);
  });

  it('a query matching nothing returns an empty table with the projected schema', async () => {
    const ours = await fx.ours().openTable('cells');
    const t = await ours.query({ filter: 'id < 0', columns: ['id', 'embedding'] });
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => String(f))).toEqual(['id: Int64', 'embedding: FixedSizeList[4]<Float32>']);
  });
});
