// decompressArrowIpc on compressed Arrow IPC written by real writers: Lance deletion files (ZSTD, IPC
// file, arrow-rs) and the official LanceDB client's createTable body (LZ4_FRAME, IPC stream).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decompressArrowIpc, inspectArrowIpc, type IpcCodecs } from '../../../src/arrow/ipc-decompress.js';
import { defaultIpcCodecs } from '../../../src/rest/ipc-codecs.js';
import { isRaggedAtlasError } from '../../../src/errors.js';
import { compressIpcWithLanceDb } from '../../helpers/lancedb-cloud-mock.js';
import { cellRows, plainRows } from '../rest/fixture.js';

// @lancedb/lancedb loads apache-arrow's CommonJS build; its inputs are built with the same instance.
const A = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');

let codecs: IpcCodecs;
let dir: string;
let deletionFile: Uint8Array; // rows with id % 7 = 3 of 3000 deleted
let lz4Stream: Uint8Array; // createTable body for `cellsInput`, three record batches
let cellsInput: import('apache-arrow').Table;

beforeAll(async () => {
  codecs = await defaultIpcCodecs(['zstd', 'lz4_frame']);
  dir = mkdtempSync(join(tmpdir(), 'ra-ipc-'));
  const db = await lancedb.connect(dir);
  const t = await db.createTable('t', Array.from({ length: 3000 }, (_, id) => ({ id, s: `row ${id}` })));
  await t.delete('id % 7 = 3');
  const dels = join(dir, 't.lance', '_deletions');
  deletionFile = new Uint8Array(readFileSync(join(dels, readdirSync(dels).find((f) => f.endsWith('.arrow'))!)));
  const schema = new A.Schema([
    new A.Field('id', new A.Int64(), false), new A.Field('cell_type', new A.Utf8(), true), new A.Field('n_genes', new A.Int32(), true),
    new A.Field('score', new A.Float64(), true),
    new A.Field('pointer', new A.Struct([new A.Field('zarr_group', new A.Utf8(), true), new A.Field('start', new A.Int64(), true), new A.Field('end', new A.Int64(), true)]), true),
    new A.Field('embedding', new A.FixedSizeList(4, new A.Field('item', new A.Float32(), true)), true),
    new A.Field('tags', new A.List(new A.Field('item', new A.Utf8(), true)), true),
  ]);
  const parts = [cellRows(0, 1500), cellRows(1500, 10), cellRows(1510, 700)].map((rows) => lancedb.makeArrowTable(rows, { schema }));
  cellsInput = new A.Table(parts.flatMap((p) => p.batches));
  lz4Stream = await compressIpcWithLanceDb(cellsInput);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function attempt(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    return e;
  }
}

describe('real compressed IPC', () => {
  it('a Lance deletion file (ZSTD, IPC file): apache-arrow 18 refuses it, the rewrite reads', () => {
    expect(inspectArrowIpc(deletionFile)).toEqual({ format: 'file', codecs: ['zstd'] });
    expect(() => tableFromIPC(deletionFile)).toThrow(/Record batch compression not implemented/);
    const out = decompressArrowIpc(deletionFile, codecs);
    expect(inspectArrowIpc(out)).toEqual({ format: 'stream', codecs: [] });
    const t = tableFromIPC(out);
    expect(String(t.schema)).toBe('Schema<{ 0: row_id: Uint32 }>');
    const deleted = [...t.getChild('row_id')!.toArray()].sort((a, b) => a - b);
    expect(deleted).toEqual(Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 7 === 3));
  });

  it('the official client\'s createTable body (LZ4_FRAME, IPC stream, 3 batches, nested types): same rows and schema', () => {
    expect(inspectArrowIpc(lz4Stream)).toEqual({ format: 'stream', codecs: ['lz4_frame'] });
    expect(() => tableFromIPC(lz4Stream)).toThrow(/Record batch compression not implemented/);
    const t = tableFromIPC(decompressArrowIpc(lz4Stream, codecs));
    expect(t.batches.length).toBeGreaterThanOrEqual(2);
    expect(String(t.schema)).toBe(String(cellsInput.schema));
    expect(t.schema.fields.map((f) => f.nullable)).toEqual(cellsInput.schema.fields.map((f) => f.nullable));
    expect(plainRows(t)).toEqual(plainRows(cellsInput));
  });

  it('dictionary batches are rewritten too', async () => {
    const dict = new A.Dictionary(new A.Utf8(), new A.Int32());
    const labels = A.vectorFromArray(Array.from({ length: 5000 }, (_, i) => ['T cell', 'B cell', 'NK cell'][i % 3]!), dict);
    const input = new A.Table({ label: labels, n: A.vectorFromArray(Int32Array.from({ length: 5000 }, (_, i) => i)) });
    const body = await compressIpcWithLanceDb(input);
    expect(inspectArrowIpc(body).codecs).toEqual(['lz4_frame']);
    const t = tableFromIPC(decompressArrowIpc(body, codecs));
    expect(String(t.schema)).toBe('Schema<{ 0: label: Dictionary<Int32, Utf8>, 1: n: Int32 }>');
    expect(plainRows(t)).toEqual(plainRows(input));
  });

  it('a wide batch (metadata far beyond the writer\'s first buffer) keeps every buffer', async () => {
    // Regression: child writes that grew the flatbuffer used to patch offsets into the old buffer.
    const cols = Object.fromEntries(Array.from({ length: 120 }, (_, c) => [`c${c}`, A.vectorFromArray(Float64Array.from({ length: 300 }, (_, i) => i * c))]));
    const input = new A.Table(cols);
    const t = tableFromIPC(decompressArrowIpc(await compressIpcWithLanceDb(input), codecs));
    expect(t.numCols).toBe(120);
    expect(plainRows(t)).toEqual(plainRows(input));
  });

  it('uncompressed IPC passes through untouched (same bytes object), stream or file', () => {
    const t = new A.Table({ x: A.vectorFromArray([1, 2, 3]) });
    for (const format of ['stream', 'file'] as const) {
      const bytes = A.tableToIPC(t, format);
      expect(inspectArrowIpc(bytes)).toEqual({ format, codecs: [] });
      expect(decompressArrowIpc(bytes, codecs)).toBe(bytes);
    }
  });
});

describe('damaged input ends in a tagged error', () => {
  it('every truncation of the deletion file is CorruptDataError', () => {
    for (let n = 0; n < deletionFile.length; n++) {
      const e = attempt(() => decompressArrowIpc(deletionFile.subarray(0, n), codecs));
      expect(isRaggedAtlasError(e, 'CorruptData'), `cut at ${n}: ${e}`).toBe(true);
    }
  });

  it('a truncated LZ4 stream fails with a tagged error or, cut between messages, decodes fewer rows', () => {
    for (let n = 0; n < lz4Stream.length; n += 97) {
      const r = attempt(() => tableFromIPC(decompressArrowIpc(lz4Stream.subarray(0, n), codecs)));
      if (r instanceof Error) expect(isRaggedAtlasError(r, 'CorruptData', 'Codec'), `cut at ${n}: ${r}`).toBe(true);
      else expect((r as Table).numRows).toBeLessThan(cellsInput.numRows);
    }
  });

  it('single-byte corruption never escapes as an untagged error', () => {
    for (let i = 0; i < deletionFile.length; i++) {
      const bad = deletionFile.slice();
      bad[i]! ^= 0x5a;
      const r = attempt(() => decompressArrowIpc(bad, codecs));
      if (r instanceof Error) expect(isRaggedAtlasError(r), `byte ${i}: ${r}`).toBe(true);
    }
  });

  it('a hostile uncompressed-length prefix is refused before any codec allocates', () => {
    const at = zstdMagic(deletionFile) - 8;
    const bad = deletionFile.slice();
    new DataView(bad.buffer).setBigInt64(at, 2n ** 40n, true);
    let called = false;
    const e = attempt(() => decompressArrowIpc(bad, { ...codecs, zstd: () => ((called = true), new Uint8Array()) }));
    expect(e).toMatchObject({ _tag: 'CorruptData' });
    expect(String(e)).toMatch(/declares 1099511627776 bytes/);
    expect(called).toBe(false);
    expect(attempt(() => decompressArrowIpc(deletionFile, codecs, { maxOutputBytes: 100 }))).toMatchObject({ _tag: 'CorruptData' });
  });

  it('codec misbehaviour: wrong output length is CorruptDataError, a plain throw becomes CodecError', () => {
    expect(attempt(() => decompressArrowIpc(deletionFile, { ...codecs, zstd: (_d, n) => new Uint8Array(n + 1) }))).toMatchObject({ _tag: 'CorruptData' });
    const e = attempt(() =>
      decompressArrowIpc(deletionFile, {
        ...codecs,
        zstd: () => {
          throw new Error('boom');
        },
      }),
    );
    expect(e).toMatchObject({ _tag: 'Codec', fields: { codec: 'zstd' } });
  });

  it('bytes that are not Arrow IPC', () => {
    for (const junk of [new Uint8Array(0), new TextEncoder().encode('{"error":"nope"}'), new Uint8Array(64).fill(0xff), tableToIPC(tableFromIPC(A.tableToIPC(new A.Table({ x: A.vectorFromArray([1]) }), 'file')), 'file').subarray(0, 30)]) {
      expect(isRaggedAtlasError(attempt(() => inspectArrowIpc(junk)), 'CorruptData')).toBe(true);
    }
  });
});

function zstdMagic(b: Uint8Array): number {
  for (let i = 0; i + 4 <= b.length; i++) if (b[i] === 0x28 && b[i + 1] === 0xb5 && b[i + 2] === 0x2f && b[i + 3] === 0xfd) return i;
  throw new Error('no zstd frame');
}
