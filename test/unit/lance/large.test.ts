// A 1M-row atlas obs table (one fragment, many pages and mini-block chunks): full scan, streaming,
// projection pushdown measured in bytes, and a bitmap-index lookup — all against LanceDB.
import * as lancedb from '@lancedb/lancedb';
import type * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpStore } from '../../../src/io/http.js';
import { withStats } from '../../../src/io/stats.js';
import { openTable, type LanceTable } from '../../../src/lance/index.js';
import { OFFLOAD_PAGE_BYTES, type PageDecoder, type PageJob } from '../../../src/lance/page-decoder.js';
import { CorruptDataError } from '../../../src/errors.js';
import { createDecoder } from '../../../src/workers/decode-pool.js';
import { createLanceTable, diffFlatColumn, encodingCensus, obsTable, serve, tempDir, testDecompressors } from './helpers.js';

const N = 1_000_000;
const FLAT = ['uid', 'dataset_uid', 'cell_type', 'n_genes', 'total_counts', 'pct_mito'];
const POINTER = ['zarr_group', 'start', 'end', 'zarr_row'];

interface Oracle {
  createIndex(col: string, o: { config: unknown }): Promise<void>;
  query(): {
    withRowId(): { toArrow(): Promise<arrow.Table> };
    where(s: string): { withRowId(): { select(c: string[]): { toArrow(): Promise<arrow.Table> } } };
  };
}

const dir = tempDir('lance-1m-');
let server: Awaited<ReturnType<typeof serve>>;
let tbl: Oracle;
let oracle: arrow.Table;
let table: LanceTable;

beforeAll(async () => {
  const db = await lancedb.connect(dir.path);
  tbl = await createLanceTable<Oracle>(db, 'obs', obsTable(N), '2.2');
  await tbl.createIndex('cell_type', { config: lancedb.Index.bitmap() });
  oracle = await tbl.query().withRowId().toArrow();
  server = await serve(dir.path);
  table = await openTable(`${server.url}/obs.lance`, { decompressors: await testDecompressors() });
});
afterAll(async () => {
  await server?.close();
  dir.remove();
  pool.close?.();
});

/** A decode worker (real worker thread) that counts the pages and bytes it was given. */
const pool = createDecoder({ workers: 1 });
const offloaded = { pages: 0, bytes: 0 };
const counting: PageDecoder = {
  lancePages(jobs, opts) {
    offloaded.pages += jobs.length;
    offloaded.bytes += jobs.reduce((n, j) => n + j.buffers.reduce((m, b) => m + b.length, 0), 0);
    return pool.lancePages!(jobs, opts);
  },
};

function diffAll(ours: arrow.Table, offset = 0): string[] {
  const theirs = offset || ours.numRows !== oracle.numRows ? oracle.slice(offset, offset + ours.numRows) : oracle;
  const out = FLAT.filter((c) => ours.getChild(c)).flatMap((c) => diffFlatColumn(ours.getChild(c)!, theirs.getChild(c)!, c));
  const a = ours.getChild('pointer');
  const b = theirs.getChild('pointer') as unknown as arrow.Vector<arrow.Struct>;
  if (a) for (const c of POINTER) out.push(...diffFlatColumn((a as arrow.Vector<arrow.Struct>).getChild(c)!, b.getChild(c)!, `pointer.${c}`));
  return out;
}

describe('1M-row table', () => {
  it('scans every cell in LanceDB row order (RLE, dictionary, FSST, bit-packing at scale)', async () => {
    const used = await encodingCensus(`${dir.path}/obs.lance`);
    for (const e of ['rle', 'miniBlock+dictionary', 'fsst', 'inlineBitpacking', 'general(lz4)']) expect(used).toContain(e);
    const ours = await table.scan({ withRowAddress: true });
    expect(ours.numRows).toBe(N);
    expect(diffAll(ours)).toEqual([]);
    expect(diffFlatColumn(ours.getChild('_rowaddr')!, oracle.getChild('_rowid')!, 'rowaddr')).toEqual([]);
  });

  it('reads the same strings with the TypeScript FSST decoder as with the codec module', async () => {
    const dec = await testDecompressors();
    expect(dec.fsst).toBeTypeOf('function');
    const { fsst: _, ...typescriptOnly } = dec;
    const ts = await openTable(`${server.url}/obs.lance`, { decompressors: typescriptOnly });
    const cols = ['uid', 'dataset_uid', 'cell_type'];
    const ours = await ts.scan({ columns: cols });
    expect(cols.flatMap((c) => diffFlatColumn(ours.getChild(c)!, oracle.getChild(c)!, c))).toEqual([]);
  });

  it('streams batches and skips to an offset', async () => {
    let rows = 0;
    let batches = 0;
    for await (const b of table.scanBatches({ columns: ['uid', 'n_genes'], batchSize: 131_072 })) {
      rows += b.numRows;
      batches++;
    }
    expect([rows, batches]).toEqual([N, 8]);
    const tail = await table.scan({ offset: N - 1234, limit: 5000 });
    expect(tail.numRows).toBe(1234);
    expect(diffAll(tail, N - 1234)).toEqual([]);
  });

  it('fetches only the projected columns (projection pushdown)', async () => {
    const store = withStats(new HttpStore(`${server.url}/obs.lance`));
    const t = await openTable(store, { decompressors: await testDecompressors() });
    const afterOpen = store.stats.bytes;
    await t.scan({ columns: ['n_genes'] });
    const oneColumn = store.stats.bytes - afterOpen;
    // What the file says n_genes occupies (its pages' buffers).
    const frag = t.manifest.fragments[0]!;
    const file = frag.files[0]!;
    const col = file.columnIndices[file.fields.indexOf(t.fields.find((f) => f.name === 'n_genes')!.id)]!;
    const { TableContext } = await import('../../../src/lance/context.js');
    const meta = await new TableContext(store, (await testDecompressors())).fileMetadata(`data/${file.path}`, file.fileSizeBytes);
    const pageBytes = meta.columns[col]!.pages.reduce((s, p) => s + p.bufferSizes.reduce((a, b) => a + b, 0), 0);
    const tail = Math.min(64 * 1024, file.fileSizeBytes);
    expect(oneColumn).toBeGreaterThanOrEqual(pageBytes);
    expect(oneColumn).toBeLessThanOrEqual(pageBytes + tail + 64 * 1024 * meta.columns[col]!.pages.length);
    const before = store.stats.bytes;
    await t.scan();
    expect(oneColumn * 5).toBeLessThan(store.stats.bytes - before);
  });

  it('reads a data file without a size in the manifest from its tail: one suffix-range request', async () => {
    const t = await openTable(`${server.url}/obs.lance`, { decompressors: await testDecompressors() });
    const file = t.manifest.fragments[0]!.files[0]!;
    const { TableContext } = await import('../../../src/lance/context.js');
    const dec = await testDecompressors();
    const read = async (sizeHint: number, suffixRanges: 'auto' | 'never') => {
      const sent: string[] = [];
      const fetchLogged: typeof fetch = (u, i) => (sent.push(`${i?.method} ${new Headers(i?.headers).get('range') ?? ''}`), fetch(u, i));
      const meta = await new TableContext(new HttpStore(`${server.url}/obs.lance`, { suffixRanges, fetch: fetchLogged }), dec).fileMetadata(`data/${file.path}`, sizeHint);
      return { meta, sent };
    };
    const hinted = await read(file.fileSizeBytes, 'auto');
    const size = file.fileSizeBytes;
    expect(hinted.sent).toEqual([`GET bytes=${size - 65536}-${size - 1}`]);
    // Node has no CORS: the tail and the size in one request; with suffix ranges off, a HEAD first.
    const auto = await read(0, 'auto');
    expect(auto.meta).toEqual(hinted.meta);
    expect(auto.sent).toEqual(['GET bytes=-65536']);
    const never = await read(0, 'never');
    expect(never.meta).toEqual(hinted.meta);
    expect(never.sent).toEqual(['HEAD ', `GET bytes=${size - 65536}-${size - 1}`]);
  });

  it('big pages decoded in a worker thread give the same table, scanned whole and streamed', async () => {
    const t = await openTable(`${server.url}/obs.lance`, { decompressors: await testDecompressors(), pageDecoder: counting });
    const ours = await t.scan({ withRowAddress: true });
    expect(diffAll(ours)).toEqual([]);
    expect(offloaded.pages).toBeGreaterThan(0);
    expect(offloaded.bytes / offloaded.pages).toBeGreaterThanOrEqual(OFFLOAD_PAGE_BYTES);
    let rows = 0;
    let uids = 0;
    for await (const b of t.scanBatches({ columns: ['uid', 'pointer'], batchSize: 200_000 })) {
      expect(diffAll(b as unknown as arrow.Table, rows)).toEqual([]);
      rows += b.numRows;
      uids += b.getChild('uid')!.length;
    }
    expect([rows, uids]).toEqual([N, N]);
  });

  it('a corrupt page decoded in the worker is a CorruptDataError naming the page', async () => {
    const frag = table.manifest.fragments[0]!;
    const { TableContext } = await import('../../../src/lance/context.js');
    const meta = await new TableContext(new HttpStore(`${server.url}/obs.lance`), await testDecompressors()).fileMetadata(`data/${frag.files[0]!.path}`, frag.files[0]!.fileSizeBytes);
    const page = meta.columns[0]!.pages[0]!;
    const job: PageJob = { encoding: page.encoding, buffers: page.bufferSizes.map((n) => new Uint8Array(n).fill(0xff)), rows: page.length, kind: { kind: 'var' }, where: 'obs column 0 page 0' };
    const err = await pool.lancePages!([job]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as CorruptDataError).where).toBe('obs column 0 page 0');
  });

  it('looks up cell_type through the bitmap index', async () => {
    const hit = await table.indexLookup('cell_type', { op: 'eq', value: 'monocyte' });
    const theirs = await tbl.query().where("cell_type = 'monocyte'").withRowId().select(['cell_type']).toArrow();
    expect(hit!.coveredFragments).toEqual(new Set([0]));
    expect([...hit!.rows].map(String)).toEqual([...theirs.getChild('_rowid')!].map(String).sort((a, b) => Number(BigInt(a) - BigInt(b))));
    const rows = await table.take(hit!.rows.subarray(0, 1000), { columns: ['cell_type', 'uid'] });
    expect(new Set(rows.getChild('cell_type')!.toArray())).toEqual(new Set(['monocyte']));
  });
});
