// Lance reader benchmark: `npm run bench:lance`.
//
// 1. Full scan of a 1M-row obs table (uid, dataset_uid, cell_type, three numeric columns, a
//    pointer struct) over localhost HTTP (serveDirectory) vs @lancedb/lancedb (native, local disk).
// 2. `cell_type = '…'` through the bitmap index vs a full scan of the column.
// 3. Decode kernels (FastLanes unpack, FSST) in isolation, to judge whether WASM would pay.
// Prints markdown tables. The table is generated once into .cache/bench-lance (gitignored).
import * as lancedb from '@lancedb/lancedb';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { serveDirectory } from '../../src/companion/serve.js';
import { HttpStore } from '../../src/io/http.js';
import { withStats } from '../../src/io/stats.js';
import { unpackInline } from '../../src/lance/encodings/fastlanes.js';
import { fsstDecode, parseSymbolTable } from '../../src/lance/encodings/fsst.js';
import { openTable } from '../../src/lance/index.js';
import { createLanceTable, obsTable, rng } from '../../test/unit/lance/helpers.js';

const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const root = resolve(process.env.BENCH_DIR ?? `.cache/bench-lance-${N}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (b: number) => (b / 1e6).toFixed(1);
const ms = (t: number) => t.toFixed(0);

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

async function ensureTable(): Promise<void> {
  if (existsSync(`${root}/obs.lance`)) return;
  mkdirSync(root, { recursive: true });
  console.error(`generating ${N} rows into ${root} …`);
  const db = await lancedb.connect(root);
  const t = await createLanceTable<{ createIndex(c: string, o: unknown): Promise<void> }>(db, 'obs', obsTable(N), '2.2');
  await t.createIndex('cell_type', { config: lancedb.Index.bitmap() });
}

async function main() {
  await ensureTable();
  const server = await serveDirectory(root);
  const url = `${server.url}/obs.lance`;
  try {
    // ---- 1. full scan ----
    const db = await lancedb.connect(root);
    const native = await db.openTable('obs');
    await native.query().toArrow(); // warm the page cache / file handles
    const nativeTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) nativeTimes.push((await time(() => native.query().toArrow()))[0]);

    const oursTimes: number[] = [];
    let bytes = 0;
    let requests = 0;
    for (let i = 0; i < RUNS + 1; i++) {
      const store = withStats(new HttpStore(url));
      const [t, table] = await time(async () => {
        const tb = await openTable(store);
        const out = await tb.scan();
        if (out.numRows !== N) throw new Error(`scanned ${out.numRows} rows`);
        return tb;
      });
      void table;
      if (i > 0) oursTimes.push(t); // first run warms the JIT
      bytes = store.stats.bytes;
      requests = store.stats.requests;
    }
    const streamStore = withStats(new HttpStore(url));
    const [streamT] = await time(async () => {
      const tb = await openTable(streamStore);
      let n = 0;
      for await (const b of tb.scanBatches({ batchSize: 65_536 })) n += b.numRows;
      if (n !== N) throw new Error('short stream');
    });

    const projStore = withStats(new HttpStore(url));
    const projTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const before = projStore.stats.bytes;
      projTimes.push((await time(async () => (await openTable(projStore)).scan({ columns: ['cell_type', 'n_genes'] })))[0]);
      void before;
    }
    const projBytes = projStore.stats.bytes / RUNS;
    const nativeProj: number[] = [];
    for (let i = 0; i < RUNS; i++) nativeProj.push((await time(() => native.query().select(['cell_type', 'n_genes']).toArrow()))[0]);

    const o = median(oursTimes);
    const nat = median(nativeTimes);
    console.log(`\n### Full scan, ${N.toLocaleString('en')} rows, 7 columns (incl. 4-field pointer struct)\n`);
    console.log('| reader | where | median ms | rows/s | MB fetched | requests | vs native |');
    console.log('|---|---|---:|---:|---:|---:|---:|');
    console.log(`| @lancedb/lancedb ${'0.39'} (native) | local disk | ${ms(nat)} | ${(N / nat * 1000 / 1e6).toFixed(2)} M | – | – | 1.00× |`);
    console.log(`| ragged-atlas scan() | localhost HTTP | ${ms(o)} | ${(N / o * 1000 / 1e6).toFixed(2)} M | ${mb(bytes)} | ${requests} | ${(o / nat).toFixed(2)}× time |`);
    console.log(`| @lancedb/lancedb, select(cell_type, n_genes) | local disk | ${ms(median(nativeProj))} | ${(N / median(nativeProj) * 1000 / 1e6).toFixed(2)} M | – | – | 1.00× |`);
    console.log(`| ragged-atlas scan(cell_type, n_genes) | localhost HTTP | ${ms(median(projTimes))} | ${(N / median(projTimes) * 1000 / 1e6).toFixed(2)} M | ${mb(projBytes)} | ${projStore.stats.requests / RUNS} | ${(median(projTimes) / median(nativeProj)).toFixed(2)}× time |`);
    console.log(`| ragged-atlas scanBatches(64k) | localhost HTTP | ${ms(streamT)} | ${(N / streamT * 1000 / 1e6).toFixed(2)} M | ${mb(streamStore.stats.bytes)} | ${streamStore.stats.requests} | ${(streamT / nat).toFixed(2)}× time |`);

    // ---- 2. index lookup vs scan ----
    const value = 'monocyte';
    const lookupStore = withStats(new HttpStore(url));
    const lt = await openTable(lookupStore);
    const afterOpen = lookupStore.stats.bytes;
    const [lookupT, hit] = await time(() => lt.indexLookup('cell_type', { op: 'eq', value }));
    const lookupBytes = lookupStore.stats.bytes - afterOpen;
    const beforeTake = lookupStore.stats.bytes;
    const [takeT, taken] = await time(() => lt.take(hit!.rows, { columns: ['uid', 'cell_type'] }));
    const takeBytes = lookupStore.stats.bytes - beforeTake;

    const scanStore = withStats(new HttpStore(url));
    const st = await openTable(scanStore);
    const afterOpen2 = scanStore.stats.bytes;
    const [scanT, matches] = await time(async () => {
      const t = await st.scan({ columns: ['cell_type'], withRowAddress: true });
      const c = t.getChild('cell_type')!;
      let n = 0;
      for (let i = 0; i < t.numRows; i++) if (c.get(i) === value) n++;
      return n;
    });
    const scanBytes = scanStore.stats.bytes - afterOpen2;
    const [nativeWhereT, nw] = await time(() => native.query().where(`cell_type = '${value}'`).select(['uid', 'cell_type']).toArrow());
    if (matches !== hit!.rows.length || nw.numRows !== matches || taken.numRows !== matches) throw new Error('index and scan disagree');

    console.log(`\n### \`cell_type = '${value}'\` (${matches.toLocaleString('en')} rows)\n`);
    console.log('| method | ms | MB fetched | vs scan (time / bytes) |');
    console.log('|---|---:|---:|---:|');
    console.log(`| scan cell_type + filter (ours, HTTP) | ${ms(scanT)} | ${mb(scanBytes)} | 1.00× / 1.00× |`);
    console.log(`| bitmap index lookup → row addresses (ours, HTTP) | ${ms(lookupT)} | ${mb(lookupBytes)} | ${(lookupT / scanT).toFixed(2)}× / ${(lookupBytes / scanBytes).toFixed(3)}× |`);
    console.log(`| + take(uid, cell_type) of the hits (ours, HTTP) | ${ms(takeT)} | ${mb(takeBytes)} | – |`);
    console.log(`| LanceDB where + select (native, disk) | ${ms(nativeWhereT)} | – | – |`);

    // ---- 3. kernels ----
    console.log('\n### Decode kernels (pure TypeScript, this machine)\n');
    console.log('| kernel | input | M values/s | MB/s out |');
    console.log('|---|---|---:|---:|');
    for (const [T, W] of [[32, 13], [64, 17], [64, 52]] as const) {
      const chunks = 1024;
      const per = (1024 * W) / T;
      const buf = new Uint8Array(chunks * (1 + per) * (T / 8));
      const r = rng(T + W);
      for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(r() * 256);
      const dv = new DataView(buf.buffer);
      for (let c = 0; c < chunks; c++) {
        dv.setUint32(c * (1 + per) * (T / 8), W, true);
        if (T === 64) dv.setUint32(c * (1 + per) * 8 + 4, 0, true);
      }
      unpackInline(buf, T, chunks * 1024, 'bench');
      const ts: number[] = [];
      for (let k = 0; k < 5; k++) ts.push((await time(async () => unpackInline(buf, T, chunks * 1024, 'bench')))[0]);
      const t = median(ts);
      console.log(`| FastLanes unpack T=${T} W=${W} | ${chunks * 1024} values | ${(chunks * 1024 / t / 1e3).toFixed(0)} | ${(chunks * 1024 * T / 8 / t / 1e3).toFixed(0)} |`);
    }
    {
      // FSST: a table of 200 symbols of 1–8 bytes, 4 MB of codes in 100k strings.
      const r = rng(3);
      const n = 200;
      const table = new Uint8Array(8 + n * 9);
      table.set([n, 0, 0, 1, 0x54, 0x53, 0x53, 0x46]);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 8; k++) table[8 + i * 8 + k] = 97 + Math.floor(r() * 26);
        table[8 + n * 8 + i] = 1 + Math.floor(r() * 8);
      }
      const len = 4_000_000;
      const strings = 100_000;
      const data = Uint8Array.from({ length: len }, () => Math.floor(r() * n));
      const offsets = Uint32Array.from({ length: strings + 1 }, (_, s) => Math.floor((s * len) / strings));
      const st = parseSymbolTable(table, 'bench');
      const input = { kind: 'var' as const, offsets, data, length: strings };
      const outBytes = (fsstDecode(input, st, 'bench') as { data: Uint8Array }).data.length;
      const ts: number[] = [];
      for (let k = 0; k < 5; k++) ts.push((await time(async () => fsstDecode(input, st, 'bench')))[0]);
      const t = median(ts);
      console.log(`| FSST decode | ${mb(len)} MB codes, ${strings / 1000}k strings | ${(len / t / 1e3).toFixed(0)} codes | ${(outBytes / t / 1e3).toFixed(0)} |`);
    }
  } finally {
    await server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
