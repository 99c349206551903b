// `npm run bench:codec`: BP-128 and zstd decode throughput, all measured in one run, printed as
// markdown tables.
//
// BP-128: the TypeScript reference (ts-reference.ts) vs the wasm module (SIMD and scalar builds) in
// Node and in headless Chromium, Firefox and WebKit (a module worker in each), vs a native x86_64
// build of the same Rust code.
// zstd: the wasm module vs numcodecs' zstd on real 40,960-element chunks (Node).
// Inputs are written to .cache/bench-codec/ (gitignored) so that every runtime reads the same bytes.

import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadCodecs } from '../../src/codecs/index.js';
import { ENGINES, startBrowser, type Engine } from '../../test/helpers/browser.js';
import { buildBitpackSets, pbmc3kCsr, pbmc68kFloats, toChunks } from './data.js';
import { buildNative, runNative } from './native.js';
import { instantiateCodecs, parseChunkFile, runBitpackSuite, type BitpackResult, type DatasetInfo } from './suite.js';
import { runZstdSuite } from './zstd-suite.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = `${ROOT}.cache/bench-codec`;
const WASM = { simd: `${ROOT}wasm/dist/ragged_atlas_codec_simd.wasm`, scalar: `${ROOT}wasm/dist/ragged_atlas_codec_scalar.wasm` };
const log = (s: string) => process.stderr.write(`${s}\n`);

const M = (v: number) => (v / 1e6).toFixed(0);
const GB = (valuesPerSec: number) => ((valuesPerSec * 4) / 1e9).toFixed(2);
const x = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

async function browserSuite(datasets: { info: DatasetInfo; path: string }[], engine: Engine): Promise<{ results: BitpackResult[]; version: string }> {
  const h = await startBrowser({ engine });
  try {
    const page = await h.newPage();
    const rel = (p: string) => p.slice(ROOT.length - 1);
    const spec = {
      origin: h.origin,
      wasm: { simd: rel(WASM.simd), scalar: rel(WASM.scalar) },
      datasets: datasets.map((d) => ({ info: d.info, url: rel(d.path) })),
    };
    const source = `
      import { parseChunkFile, runBitpackSuite } from '${h.origin}/bench/codec/suite.ts';
      const spec = ${JSON.stringify(spec)};
      const bytes = async (u) => new Uint8Array(await (await fetch(spec.origin + u)).arrayBuffer());
      try {
        const wasm = { simd: await bytes(spec.wasm.simd), scalar: await bytes(spec.wasm.scalar) };
        const sets = [];
        for (const d of spec.datasets) sets.push({ info: d.info, file: parseChunkFile(await bytes(d.url)) });
        postMessage({ results: await runBitpackSuite(wasm, sets) });
      } catch (err) {
        postMessage({ error: String(err && err.stack || err) });
      }`;
    const reply = await page.evaluate(
      (src) =>
        new Promise<{ results?: BitpackResult[]; error?: string }>((resolve) => {
          const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
          w.onmessage = (e) => resolve(e.data);
          w.onerror = (e) => resolve({ error: e.message });
        }),
      source,
    );
    if (!reply.results) throw new Error(`browser suite failed: ${reply.error}`);
    return { results: reply.results, version: h.version };
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const started = loadavg()[0]!.toFixed(1);
  const codecs = await loadCodecs({ variant: 'simd' });
  log('building inputs…');
  const sets = buildBitpackSets(codecs, CACHE);
  const files = sets.map((s) => ({ info: s.info, file: parseChunkFile(new Uint8Array(readFileSync(s.path))) }));
  const wasmBytes = { simd: new Uint8Array(readFileSync(WASM.simd)), scalar: new Uint8Array(readFileSync(WASM.scalar)) };

  log('native build + run…');
  const native = buildNative();
  const nativeResults = native.binary ? runNative(native.binary, sets.map((s) => s.path)) : new Map();

  log('Node…');
  const node = await runBitpackSuite(wasmBytes, files, log);

  const browsers: { engine: Engine; results: BitpackResult[]; version: string }[] = [];
  const browserNotes: string[] = [];
  for (const engine of ENGINES) {
    log(`${engine}…`);
    try {
      browsers.push({ engine, ...(await browserSuite(sets, engine)) });
    } catch (err) {
      browserNotes.push(`${engine} run failed: ${String(err)}`);
    }
  }

  log('zstd…');
  const { instance } = await instantiateCodecs(wasmBytes.simd);
  const floats = await pbmc68kFloats();
  const zstdSets = [
    { name: 'pbmc68k raw/X/data float32 (log1p)', chunks: toChunks(floats.rawData) },
    { name: 'pbmc68k X float32 (dense, scaled)', chunks: toChunks(floats.denseX) },
    { name: 'pbmc3k counts uint32', chunks: toChunks(pbmc3kCsr().counts) },
  ];
  const zstd = await runZstdSuite(codecs, instance, zstdSets);

  // ---- report ----
  const lines: string[] = [];
  const p = (s = '') => lines.push(s);
  p('## Codec benchmark');
  p();
  p(`Node ${process.version}, ${browsers.map((b) => `${b.engine} ${b.version}`).join(', ')}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; load average ${started} at start, ${loadavg()[0]!.toFixed(1)} at end (shared machine: expect ±15 % noise).`);
  p(`${native.note}. Best of 100 trials ≥ 5 ms each, in every runtime. 40,960-element u32 chunks, encoded byte-identically to homeobox.`);
  for (const note of browserNotes) p(note);
  p();
  p('### BP-128 (`homeobox.bitpacking`) decode, million values/s (output GB/s)');
  p();
  p('| data | transform | avg bits | runtime | TS reference | wasm SIMD kernel | wasm scalar kernel | wasm SIMD decodeChunkInto | native x86_64 | SIMD kernel ÷ TS | SIMD kernel ÷ native |');
  p('|---|---|---|---|---|---|---|---|---|---|---|');
  const rows: [string, BitpackResult[]][] = [['Node', node]];
  for (const b of browsers) rows.push([b.engine, b.results]);
  for (const [i, s] of sets.entries()) {
    const nat = nativeResults.get(s.path);
    for (const [env, results] of rows) {
      const r = results[i]!;
      if (nat && nat.checksum !== r.checksum) throw new Error(`${s.info.name}: native checksum ${nat.checksum} != ${r.checksum}`);
      p(`| ${s.info.name} | ${s.info.transform} | ${r.avgBits.toFixed(1)} | ${env} | ${M(r.ts)} (${GB(r.ts)}) | **${M(r.simdKernel)}** (${GB(r.simdKernel)}) | ${M(r.scalarKernel)} (${GB(r.scalarKernel)}) | ${M(r.simdInto)} (${GB(r.simdInto)}) | ${nat ? `${M(nat.values_per_sec)} (${GB(nat.values_per_sec)})` : 'n/a'} | ${x(r.simdKernel, r.ts)} | ${nat ? x(r.simdKernel, nat.values_per_sec) : 'n/a'} |`);
    }
  }
  p();
  p('Data: ' + sets.map((s) => `${s.info.name} = ${s.info.source}`).join('; ') + '.');
  p('"kernel" = chunks already in wasm memory, only the decode export timed (what the native binary times); "decodeChunkInto" = the public API: copy in, decode, copy out into a reused buffer.');
  p();
  p('### zstd decode (level 3 frames of 40,960-element chunks), MB/s of output');
  p();
  p('| data | chunks | ratio | wasm kernel | wasm decodeChunkInto | wasm zstdDecompress | numcodecs 0.3.2 | zstdDecompress ÷ numcodecs | decodeChunkInto ÷ numcodecs |');
  p('|---|---|---|---|---|---|---|---|---|');
  for (const z of zstd) {
    p(`| ${z.dataset} | ${z.chunks} | ${z.ratio.toFixed(2)} | ${(z.kernel / 1e6).toFixed(0)} | ${(z.into / 1e6).toFixed(0)} | ${(z.e2e / 1e6).toFixed(0)} | ${(z.numcodecs / 1e6).toFixed(0)} | ${x(z.e2e, z.numcodecs)} | ${x(z.into, z.numcodecs)} |`);
  }
  p();
  p('Real data only in the zstd table (pbmc68k_reduced h5ad, pbmc3k matrix.mtx). numcodecs is timed through its async `decode` (its only API).');
  const report = lines.join('\n');
  console.log(report);
  writeFileSync(`${CACHE}/report.md`, `${report}\n`);
  writeFileSync(`${CACHE}/results.json`, JSON.stringify({ node, browsers, native: [...nativeResults.values()], zstd }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
