// `npm run bench:query`: query latency, requests and bytes of ragged-atlas against AnnData-Zarr
// (CSR and CSC, read with zarrita the way Vitessce does), all in headless Chromium behind the same
// latency- and bandwidth-limited HTTP server, on SYNTHETIC data. See bench/query/README.md.
//
//   node --import tsx bench/query/run.ts [--cells 200000] [--genes 20000] [--density 0.05]
//        [--datasets 4] [--seed 1] [--latency-ms 20] [--bandwidth 50] [--reps 3] [--warmup 1] [--stream-reps 1]
//        [--batch-size 1024] [--limit 10000] [--workers N] [--fetch-workers N] [--fetch-per-worker N] [--only gene,celltype,stream]
//        [--stream-cells N] [--skip-csr-only] [--no-profile] [--cpu] [--coalesce-gap BYTES] [--concurrency N] [--http2]
//        [--engine chromium|firefox|webkit]
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeStableUid } from '../../src/companion/uids.js';
import type { BaselineResult } from './baseline.js';
import { CpuSampler, type CpuByParty } from './cpu.js';
import { startHarness, type Harness, type ProfileEntry, type ServerCounts } from './harness.js';
import { ENGINES, type Engine } from '../../test/helpers/browser.js';
import type { CellTypeCheck, GeneCheck, OursResult, StreamCheck } from './page.js';
import { ensureAnnData, ensureAtlas, ensureShardedIndptrAtlas } from './stores.js';
import { barcode, DEFAULT_SYNTH, ensureSynthetic, geneName, pickQueryCellType, pickQueryGenes, RawCsr, synthKey, type SynthMeta, type SynthParams } from './synthetic.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Flags {
  synth: SynthParams;
  latencyMs: number;
  bandwidthMBps: number;
  reps: number;
  /** Untimed rounds before the measured ones (measureInterleaved). */
  warmup: number;
  streamReps: number;
  batchSize: number;
  limit: number;
  workers?: number;
  only: Set<string>;
  streamCells?: number;
  /** Also measure the gene query on an atlas without CSC copies (CSR path). */
  csrOnly: boolean;
  profile: boolean;
  /** Sample the machine's CPU by party during every measured query (/proc, Linux). */
  cpu: boolean;
  /** Serve over HTTPS + HTTP/2 (a self-signed certificate) instead of HTTP/1.1. */
  http2: boolean;
  /** The browser engine (default Chromium, the issue's target; the others for cross-engine checks). */
  engine: Engine;
  /** Passed to RaggedAtlas: read tuning (undefined = library defaults). */
  tuning: { coalesceGapBytes?: number; concurrency?: number; fetchWorkers?: number; fetchPerWorker?: number };
}

function engineFlag(v: string | undefined): Engine {
  if (v === undefined) return 'chromium';
  if (!(ENGINES as readonly string[]).includes(v)) throw new Error(`--engine must be one of ${ENGINES.join(', ')}, got ${v}`);
  return v as Engine;
}

function parseFlags(argv: string[]): Flags {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
    return v;
  };
  const num = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${v}`);
    return n;
  };
  const known = new Set(['cells', 'genes', 'density', 'datasets', 'seed', 'latency-ms', 'bandwidth', 'reps', 'warmup', 'stream-reps', 'batch-size', 'limit', 'workers', 'fetch-workers', 'fetch-per-worker', 'only', 'stream-cells', 'skip-csr-only', 'no-profile', 'cpu', 'coalesce-gap', 'concurrency', 'http2', 'engine', 'help']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a.slice(2))) throw new Error(`unknown flag ${a} (see bench/query/README.md)`);
  const synth: SynthParams = {
    ...DEFAULT_SYNTH,
    cells: Math.round(num('cells', DEFAULT_SYNTH.cells)),
    genes: Math.round(num('genes', DEFAULT_SYNTH.genes)),
    density: num('density', DEFAULT_SYNTH.density),
    datasets: Math.max(1, Math.round(num('datasets', DEFAULT_SYNTH.datasets))),
    seed: Math.round(num('seed', DEFAULT_SYNTH.seed)),
  };
  const only = new Set((get('only') ?? 'gene,celltype,stream').split(',').map((s) => s.trim()));
  return {
    synth,
    latencyMs: num('latency-ms', 20),
    bandwidthMBps: num('bandwidth', 50),
    reps: Math.max(1, Math.round(num('reps', 3))),
    warmup: Math.max(0, Math.round(num('warmup', 1))),
    streamReps: Math.max(1, Math.round(num('stream-reps', 1))),
    batchSize: Math.max(1, Math.round(num('batch-size', 1024))),
    limit: Math.max(1, Math.round(num('limit', 10_000))),
    workers: get('workers') === undefined ? undefined : Math.round(num('workers', 1)),
    only,
    streamCells: get('stream-cells') === undefined ? undefined : Math.round(num('stream-cells', 0)),
    csrOnly: !argv.includes('--skip-csr-only'),
    profile: !argv.includes('--no-profile'),
    cpu: argv.includes('--cpu'),
    http2: argv.includes('--http2'),
    engine: engineFlag(get('engine')),
    tuning: {
      coalesceGapBytes: get('coalesce-gap') === undefined ? undefined : num('coalesce-gap', 0),
      concurrency: get('concurrency') === undefined ? undefined : Math.max(1, Math.round(num('concurrency', 6))),
      fetchWorkers: get('fetch-workers') === undefined ? undefined : Math.max(0, Math.round(num('fetch-workers', 4))),
      fetchPerWorker: get('fetch-per-worker') === undefined ? undefined : Math.max(1, Math.round(num('fetch-per-worker', 2))),
    },
  };
}

// ---------------------------------------------------------------- formatting
const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v).toLocaleString('en-US')} ms`);
const mb = (b: number) => `${(b / 1e6).toFixed(b < 1e7 ? 2 : 1)}`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
/** "4.9× slower" / "3.8× faster" than ours (query time), with open + query in brackets when given. */
const versus = (theirs: number, ours: number, theirsTotal?: number, oursTotal?: number) => {
  const r = (a: number, b: number) => (a >= b ? `${(a / b).toFixed(1)}× slower` : `${(b / a).toFixed(1)}× faster`);
  return `${r(theirs, ours)}${theirsTotal !== undefined && oursTotal !== undefined ? ` (open + query: ${r(theirsTotal, oursTotal)})` : ''}`;
};
const int = (v: number) => Math.round(v).toLocaleString('en-US');
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** The run whose query time is the median one (its requests/breakdown are reported). */
function medianRun<T extends { queryMs: number }>(runs: T[]): T {
  const s = runs.slice().sort((a, b) => a.queryMs - b.queryMs);
  return s[Math.floor((s.length - 1) / 2)]!;
}

interface Measured<T> {
  runs: (T & { server: ServerCounts; cpu?: CpuByParty })[];
  med: T & { server: ServerCounts; cpu?: CpuByParty };
  queryMs: number;
  openMs: number;
  /** One extra run under Chromium's sampling profiler (main thread), when asked for. */
  profile?: { queryMs: number; top: ProfileEntry[] };
}

/** Set by main() with --cpu: every measured run is sampled. */
let sampler: CpuSampler | undefined;

type Timed = { queryMs: number; openMs: number; queryEndEpochMs: number };

/** One reader's runs: a module's exported function, its arguments, and the label it is logged under. */
interface Arm {
  module: string;
  fn: string;
  args: unknown;
  label: string;
  profile?: boolean;
}

async function measure<T extends Timed>(h: Harness, reps: number, module: string, fn: string, args: unknown, label: string, profile = false, warmup = 0): Promise<Measured<T>> {
  return (await measureInterleaved<T>(h, reps, [{ module, fn, args, label, profile }], warmup))[0]!;
}

/**
 * The arms' runs interleaved, one run of each per round, the first arm of a round rotating
 * (A B C, B C A, C A B, …). The VM's speed drifts by ±20 % within minutes; runs taken in blocks
 * (three of one reader, then three of the next) charge that drift to whichever reader it meets,
 * so the readers whose ratio is a target are measured side by side.
 */
async function measureInterleaved<T extends Timed>(h: Harness, reps: number, arms: Arm[], warmup = 0): Promise<Measured<T>[]> {
  // Untimed rounds first: the first runs of a bench also warm the server's and Vite's JIT and
  // Chromium's shared processes, costs a static host never charges a reader (each run still gets a
  // fresh browser context: empty HTTP cache, new workers, cold page code).
  for (let i = 0; i < warmup; i++) {
    for (const arm of arms) {
      const { result } = await h.run<T>(arm.module, arm.fn, arm.args);
      log(`    ${arm.label}, warm-up round ${i + 1} (not counted): query ${ms(result.queryMs)}`);
    }
  }
  const runs = arms.map((): (T & { server: ServerCounts; cpu?: CpuByParty })[] => []);
  for (let i = 0; i < reps; i++) {
    for (let k = 0; k < arms.length; k++) {
      const a = (i + k) % arms.length;
      const arm = arms[a]!;
      sampler?.start();
      const { result, server } = await h.run<T>(arm.module, arm.fn, arm.args).finally(() => sampler?.stop());
      const cpu = sampler?.window(result.queryEndEpochMs - result.queryMs, result.queryEndEpochMs);
      runs[a]!.push({ ...result, server, cpu });
      const cpuNote = cpu ? `, CPU ${ms(Object.values(cpu).reduce((x, y) => x + y, 0))}` : '';
      log(`    ${arm.label} #${i + 1}: open ${ms(result.openMs)}, query ${ms(result.queryMs)}, ${server.requests} requests, ${mb(server.bytes)} MB${cpuNote}`);
    }
  }
  const out: Measured<T>[] = [];
  for (const [a, arm] of arms.entries()) {
    const r = runs[a]!;
    const m: Measured<T> = { runs: r, med: medianRun(r), queryMs: median(r.map((x) => x.queryMs)), openMs: median(r.map((x) => x.openMs)) };
    if (arm.profile) {
      const p = await h.run<T>(arm.module, arm.fn, arm.args, { cpuProfile: true });
      m.profile = { queryMs: p.result.queryMs, top: p.profile ?? [] };
      log(`    ${arm.label} (profiled run): query ${ms(p.result.queryMs)}`);
    }
    out.push(m);
  }
  return out;
}

/** In how many rounds of interleaved runs `fast` took less time than `slow`. */
function roundsFaster(fast: Measured<Timed>, slow: Measured<Timed>): string {
  const n = Math.min(fast.runs.length, slow.runs.length);
  let k = 0;
  for (let i = 0; i < n; i++) if (fast.runs[i]!.queryMs < slow.runs[i]!.queryMs) k++;
  return `faster in ${k} of ${n} rounds`;
}

// ---------------------------------------------------------------- checks
function checkGenes(meta: SynthMeta, genes: number[], got: Record<string, [number, number]>, key: (g: number) => string): string {
  const bad: string[] = [];
  for (const g of genes) {
    const v = got[key(g)];
    const want: [number, number] = [meta.geneSum[g]!, meta.geneNnz[g]!];
    if (!v || v[0] !== want[0] || v[1] !== want[1]) bad.push(`${geneName(g)}: got ${v ? `sum ${v[0]}, nnz ${v[1]}` : 'nothing'}, want sum ${want[0]}, nnz ${want[1]}`);
  }
  return bad.length ? `✗ ${bad.length}/${genes.length} genes differ (${bad.slice(0, 3).join('; ')})` : `✓ ${genes.length}/${genes.length} genes (sum, nnz)`;
}

interface CellOracle {
  barcodes: string[];
  rowSums: number[];
  rowNnz: number[];
}

function cellTypeOracle(dir: string, meta: SynthMeta, code: number, limit: number): CellOracle {
  const raw = new RawCsr(dir);
  try {
    const out: CellOracle = { barcodes: [], rowSums: [], rowNnz: [] };
    for (let r = 0; r < raw.cellType.length && out.barcodes.length < limit; r++) {
      if (raw.cellType[r] !== code) continue;
      const d = meta.datasets.findIndex((ds) => r >= ds.rowStart && r < ds.rowStart + ds.nRows);
      out.barcodes.push(barcode(d, r - meta.datasets[d]!.rowStart));
      const { data } = raw.read(raw.indptr[r]!, raw.indptr[r + 1]!);
      out.rowSums.push(data.reduce((a, b) => a + b, 0));
      out.rowNnz.push(data.length);
    }
    return out;
  } finally {
    raw.close();
  }
}

function checkCells(want: CellOracle, got: CellTypeCheck, cellType: string): string {
  if (got.cellTypes.some((c) => c !== cellType)) return `✗ rows of other cell types: ${got.cellTypes.join(', ')}`;
  if (got.barcodes.length !== want.barcodes.length) return `✗ ${got.barcodes.length} rows, want ${want.barcodes.length}`;
  const byBarcode = new Map(want.barcodes.map((b, i) => [b, i]));
  let sameOrder = true;
  let bad = 0;
  got.barcodes.forEach((b, i) => {
    const j = byBarcode.get(b);
    if (j !== i) sameOrder = false;
    if (j === undefined || want.rowSums[j] !== got.rowSums[i] || want.rowNnz[j] !== got.rowNnz[i]) bad++;
  });
  if (bad) return `✗ ${bad}/${got.barcodes.length} rows differ (barcode, sum, nnz)`;
  return `✓ ${got.barcodes.length} rows (barcode, sum, nnz)${sameOrder ? '' : ', different order'}`;
}

function checkStream(meta: SynthMeta, cells: number, got: StreamCheck, streamAll: boolean): string {
  if (got.cells !== cells) return `✗ ${got.cells} cells, want ${cells}`;
  if (!streamAll) return `✓ ${int(got.cells)} cells (totals not checked: --stream-cells)`;
  if (got.nnz !== meta.nnz || got.sum !== meta.totalCounts) return `✗ nnz ${got.nnz} / sum ${got.sum}, want ${meta.nnz} / ${meta.totalCounts}`;
  return `✓ ${int(cells)} cells, nnz and sum`;
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    process.stdout.write('see bench/query/README.md\n');
    return;
  }
  const f = parseFlags(argv);
  const key = synthKey(f.synth);
  const dir = join(ROOT, '.cache/bench-query', key);
  mkdirSync(dir, { recursive: true });
  const load0 = loadavg()[0]!;
  log(`bench:query — synthetic ${key} in ${dir}`);

  // 1. Data (cached).
  const fresh = !existsSync(join(dir, 'raw', 'meta.json'));
  const meta = ensureSynthetic(dir, f.synth, log);
  log(`  synthetic matrix: ${int(meta.nnz)} non-zeros (${((meta.nnz / f.synth.cells / f.synth.genes) * 100).toFixed(2)} % dense)${fresh ? `, generated in ${(meta.generateSeconds).toFixed(1)} s` : ' (cached)'}`);
  const ann = ensureAnnData(dir, log);
  const t = performance.now();
  const atlasInfo = await ensureAtlas(dir, meta, { csc: true }, log);
  log(`  atlas ready (${((performance.now() - t) / 1000).toFixed(1)} s this run; ingest ${atlasInfo.ingestSeconds.toFixed(1)} s, add-csc ${atlasInfo.cscSeconds.toFixed(1)} s when built)`);
  const atlasDir = 'atlas';
  // The same ingests without add-csc: the gene query then takes the library's CSR path.
  const csrOnlyInfo = f.csrOnly && (f.only.has('gene') || f.only.has('build')) ? await ensureAtlas(dir, meta, { csc: false }, log) : undefined;

  const genes = pickQueryGenes(meta);
  const ctCode = pickQueryCellType(meta, f.limit);
  const cellType = meta.cellTypes[ctCode]!;
  const streamAll = f.streamCells === undefined || f.streamCells >= f.synth.cells;
  const streamCellsN = streamAll ? f.synth.cells : f.streamCells!;

  if (!['gene', 'celltype', 'stream', 'ceiling'].some((q) => f.only.has(q))) {
    log('nothing to measure (--only has none of gene, celltype, stream, ceiling): stores are ready');
    return;
  }

  // 2. Browser + server.
  if (f.cpu) {
    if (CpuSampler.available()) sampler = new CpuSampler();
    else log('  --cpu: no /proc on this system; CPU is not sampled');
  }
  const h = await startHarness(dir, { latencyMs: f.latencyMs, bytesPerSecond: f.bandwidthMBps * 1e6, http2: f.http2, engine: f.engine });
  const url = (store: string) => `${h.serverUrl}/${store}`;
  const results: Record<string, unknown> = {};
  const lines: string[] = [];
  const breakdowns: string[] = [];
  try {
    log(`  ${h.browserVersion}, server ${h.serverUrl} (+${f.latencyMs} ms per request, ${f.bandwidthMBps} MB/s per response)`);
    const rows: string[][] = [];
    const push = (...r: string[]) => rows.push(r);

    if (f.only.has('gene')) {
      log(`  gene query: ${genes.map(geneName).join(', ')}`);
      const uids = genes.map((g) => makeStableUid(geneName(g)));
      const uidToGene = new Map(uids.map((u, i) => [u, genes[i]!]));
      // The cold readers whose ratios are targets, interleaved (measureInterleaved). The CSC matrix
      // alone, without the cell names Vitessce's loader reads with it, was the baseline of the
      // sessions before the nineteenth; kept so their numbers stay comparable.
      const [ours, csc, cscBare, csr] = (await measureInterleaved<OursResult & BaselineResult & GeneCheck>(h, f.reps, [
        { module: '/bench/query/page.ts', fn: 'oursGeneQuery', args: { url: url(atlasDir), uids, workers: f.workers, ...f.tuning }, label: 'ours', profile: f.profile },
        { module: '/bench/query/baseline.ts', fn: 'baselineGeneCsc', args: { url: url('anndata-csc.zarr'), genes: genes.map(geneName) }, label: 'anndata csc' },
        { module: '/bench/query/baseline.ts', fn: 'baselineGeneCsc', args: { url: url('anndata-csc.zarr'), genes: genes.map(geneName), obsIndex: false }, label: 'anndata csc, matrix only' },
        { module: '/bench/query/baseline.ts', fn: 'baselineGeneCsr', args: { url: url('anndata-csr.zarr'), genes: genes.map(geneName) }, label: 'anndata csr' },
      ], f.warmup)) as [Measured<OursResult & GeneCheck>, Measured<BaselineResult & GeneCheck>, Measured<BaselineResult & GeneCheck>, Measured<BaselineResult & GeneCheck>];
      // Warm: the same genes as an explorer's second query, after 10 others on the same open atlas /
      // open zarr arrays (each reader keeps what it keeps; untimed warm-up, then the timed query).
      const warmGenes = pickQueryGenes(meta, genes.length, genes);
      const oursWarm = await measure<OursResult & GeneCheck>(h, f.reps, '/bench/query/page.ts', 'oursGeneQuery', { url: url(atlasDir), uids, warmUp: warmGenes.map((g) => makeStableUid(geneName(g))), workers: f.workers, ...f.tuning }, 'ours, warm');
      const cscWarm = await measure<BaselineResult & GeneCheck>(h, f.reps, '/bench/query/baseline.ts', 'baselineGeneCsc', { url: url('anndata-csc.zarr'), genes: genes.map(geneName), warmUp: warmGenes.map(geneName) }, 'anndata csc, warm');
      const csrOnly = csrOnlyInfo
        ? await measure<OursResult & GeneCheck>(h, f.reps, '/bench/query/page.ts', 'oursGeneQuery', { url: url('atlas-nocsc'), uids, workers: f.workers, ...f.tuning }, 'ours, no CSC copy')
        : undefined;
      // The same atlas with csc/indptr as homeobox 0.2.4+ shards it (~1 KiB chunks, a shard object per 256 genes).
      await ensureShardedIndptrAtlas(dir, atlasInfo);
      const headLayout = await measure<OursResult & GeneCheck>(h, f.reps, '/bench/query/page.ts', 'oursGeneQuery', { url: url('atlas-indptr-sharded'), uids, workers: f.workers, ...f.tuning }, 'ours, sharded csc/indptr');
      const byGene = (m: Measured<OursResult & GeneCheck>) => checkGenes(meta, genes, Object.fromEntries(Object.entries(m.med.perFeature).map(([u, v]) => [geneName(uidToGene.get(u)!), v])), geneName);
      const q = `10 genes × all ${int(f.synth.cells)} cells`;
      push(q, `ragged-atlas (${ours.med.matrixPath} path)`, ms(ours.openMs), ms(ours.queryMs), int(ours.med.server.requests), mb(ours.med.server.bytes), byGene(ours), '—');
      push(q, `ragged-atlas, csc/indptr sharded as homeobox 0.2.4+ writes it`, ms(headLayout.openMs), ms(headLayout.queryMs), int(headLayout.med.server.requests), mb(headLayout.med.server.bytes), byGene(headLayout), versus(headLayout.queryMs, ours.queryMs, headLayout.openMs + headLayout.queryMs, ours.openMs + ours.queryMs));
      if (csrOnly) {
        push(q, `ragged-atlas without add-csc (${csrOnly.med.matrixPath} path)`, ms(csrOnly.openMs), ms(csrOnly.queryMs), int(csrOnly.med.server.requests), mb(csrOnly.med.server.bytes), byGene(csrOnly), versus(csrOnly.queryMs, ours.queryMs, csrOnly.openMs + csrOnly.queryMs, ours.openMs + ours.queryMs));
      }
      for (const [name, m] of [['AnnData-Zarr CSR', csr], ['AnnData-Zarr CSC', csc], ['AnnData-Zarr CSC, matrix only (no obs names)', cscBare]] as const) {
        push(q, name, ms(m.openMs), ms(m.queryMs), int(m.med.server.requests), mb(m.med.server.bytes), checkGenes(meta, genes, m.med.perFeature, geneName), versus(m.queryMs, ours.queryMs, m.openMs + m.queryMs, ours.openMs + ours.queryMs));
      }
      const qw = `the same 10 genes, second query (warm)`;
      push(qw, `ragged-atlas, after 10 other genes on the same checkout`, '—', ms(oursWarm.queryMs), int(oursWarm.med.server.requests), mb(oursWarm.med.server.bytes), byGene(oursWarm), '—');
      push(qw, `AnnData-Zarr CSC, arrays, obs and var names and indptr kept from 10 other genes`, '—', ms(cscWarm.queryMs), int(cscWarm.med.server.requests), mb(cscWarm.med.server.bytes), checkGenes(meta, genes, cscWarm.med.perFeature, geneName), versus(cscWarm.queryMs, oursWarm.queryMs));
      lines.push(`- warm gene query (a second query on an open atlas; the targets are stated for the cold one): vs CSC ${ratio(cscWarm.queryMs, oursWarm.queryMs)}`);
      lines.push(`- gene query vs CSR: ${ratio(csr.queryMs, ours.queryMs)} (target ≥ 10×: ${csr.queryMs / ours.queryMs >= 10 ? 'met' : 'MISSED'}); vs CSC: ${ratio(csc.queryMs, ours.queryMs)} (target ≥ 2×: ${csc.queryMs / ours.queryMs >= 2 ? 'met' : 'MISSED'}; ${roundsFaster(ours, csc)}; vs the CSC matrix alone, without obs names: ${ratio(cscBare.queryMs, ours.queryMs)}); with homeobox 0.2.4+'s sharded csc/indptr: ${ratio(csr.queryMs, headLayout.queryMs)} vs CSR, ${ratio(csc.queryMs, headLayout.queryMs)} vs CSC${csrOnly ? `; an atlas without CSC copies (CSR path) vs AnnData CSR: ${ratio(csr.queryMs, csrOnly.queryMs)}` : ''}`);
      breakdowns.push(breakdownTable(`gene query (ragged-atlas, median run: ${ms(ours.med.queryMs)})`, ours.med, false, ours.profile));
      breakdowns.push(breakdownTable(`gene query (AnnData-Zarr CSR, median run: ${ms(csr.med.queryMs)})`, csr.med, true));
      breakdowns.push(breakdownTable(`gene query (AnnData-Zarr CSC, median run: ${ms(csc.med.queryMs)})`, csc.med, true));
      if (sampler) breakdowns.push(cpuTable('gene query', [['ragged-atlas', ours], ['AnnData-Zarr CSC', csc], ['AnnData-Zarr CSC, matrix only', cscBare], ['AnnData-Zarr CSR', csr], ['ragged-atlas, warm', oursWarm], ['AnnData-Zarr CSC, warm', cscWarm]]));
      results.gene = { genes: genes.map(geneName), warmUpGenes: warmGenes.map(geneName), ours: strip(ours), oursWarm: strip(oursWarm), cscWarm: strip(cscWarm), oursShardedIndptr: strip(headLayout), oursCsrOnly: csrOnly ? strip(csrOnly) : undefined, csr: strip(csr), csc: strip(csc), cscMatrixOnly: strip(cscBare) };
      if (csrOnly) breakdowns.splice(1, 0, breakdownTable(`gene query (ragged-atlas without CSC copies, median run: ${ms(csrOnly.med.queryMs)})`, csrOnly.med));
    }

    if (f.only.has('celltype')) {
      log(`  cell-type query: cell_type = '${cellType}' (${int(meta.cellTypeCounts[ctCode]!)} cells), limit ${f.limit}`);
      const oracle = cellTypeOracle(dir, meta, ctCode, f.limit);
      const ours = await measure<OursResult & CellTypeCheck>(h, f.reps, '/bench/query/page.ts', 'oursCellTypeQuery', { url: url(atlasDir), cellType, limit: f.limit, workers: f.workers, ...f.tuning }, 'ours', f.profile);
      const csr = await measure<BaselineResult & CellTypeCheck>(h, f.reps, '/bench/query/baseline.ts', 'baselineCellType', { url: url('anndata-csr.zarr'), cellType, limit: f.limit }, 'anndata csr');
      const q = `cell_type = '${cellType}' limit ${int(f.limit)}, all genes`;
      push(q, 'ragged-atlas', ms(ours.openMs), ms(ours.queryMs), int(ours.med.server.requests), mb(ours.med.server.bytes), checkCells(oracle, ours.med, cellType), '—');
      push(q, 'AnnData-Zarr CSR', ms(csr.openMs), ms(csr.queryMs), int(csr.med.server.requests), mb(csr.med.server.bytes), checkCells(oracle, csr.med, cellType), versus(csr.queryMs, ours.queryMs, csr.openMs + csr.queryMs, ours.openMs + ours.queryMs));
      lines.push(`- cell-type query vs CSR: ${ratio(csr.queryMs, ours.queryMs)}`);
      breakdowns.push(breakdownTable(`cell-type query (ragged-atlas, median run: ${ms(ours.med.queryMs)})`, ours.med, false, ours.profile));
      breakdowns.push(breakdownTable(`cell-type query (AnnData-Zarr CSR, median run: ${ms(csr.med.queryMs)})`, csr.med, true));
      if (sampler) breakdowns.push(cpuTable('cell-type query', [['ragged-atlas', ours], ['AnnData-Zarr CSR', csr]]));
      results.cellType = { cellType, ours: strip(ours), csr: strip(csr) };
    }

    if (f.only.has('ceiling')) {
      // What the browser itself moves here: plain 4 MiB range GETs of the atlas's CSR shards, no
      // decoding, from the page's thread vs from dedicated workers (why the library fetches in workers).
      const shards = readdirSync(join(dir, atlasDir, 'zarr_store')).flatMap((g) => [`${atlasDir}/zarr_store/${g}/csr/indices/c/0`, `${atlasDir}/zarr_store/${g}/csr/layers/counts/c/0`]);
      const base = { base: h.serverUrl, paths: shards.slice(0, 6), bytes: 4 << 20, total: 100e6 };
      for (const [label, fn, extra] of [
        ['page thread, 1 in flight', 'rawThroughput', { parallel: 1 }],
        ['page thread, 6 in flight', 'rawThroughput', { parallel: 6 }],
        ['2 workers × 3 in flight', 'rawThroughputWorkers', { parallel: 3, workers: 2 }],
        ['6 workers × 1 in flight', 'rawThroughputWorkers', { parallel: 1, workers: 6 }],
      ] as const) {
        const { result } = await h.run<{ mbPerS: number }>('/bench/query/page.ts', fn, { ...base, ...extra });
        log(`  fetch ceiling, ${label}: ${result.mbPerS.toFixed(1)} MB/s`);
        lines.push(`- fetch ceiling (4 MiB range GETs, no decoding), ${label}: ${result.mbPerS.toFixed(1)} MB/s`);
      }
    }

    if (f.only.has('stream')) {
      log(`  streaming ${int(streamCellsN)} cells, batches of ${f.batchSize}`);
      const args = { batchSize: f.batchSize, limitCells: streamAll ? undefined : streamCellsN };
      const ours = await measure<OursResult & StreamCheck>(h, f.streamReps, '/bench/query/page.ts', 'oursStream', { ...args, url: url(atlasDir), workers: f.workers, ...f.tuning }, 'ours', f.profile, f.warmup);
      const csr = await measure<BaselineResult & StreamCheck>(h, f.streamReps, '/bench/query/baseline.ts', 'baselineStream', { ...args, url: url('anndata-csr.zarr') }, 'anndata csr');
      const q = `stream ${int(streamCellsN)} cells (batches of ${f.batchSize})`;
      const cps = (m: Measured<StreamCheck & { queryMs: number }>) => int(streamCellsN / (m.queryMs / 1000));
      push(q, 'ragged-atlas', ms(ours.openMs), `${ms(ours.queryMs)} = **${cps(ours)} cells/s**`, int(ours.med.server.requests), mb(ours.med.server.bytes), checkStream(meta, streamCellsN, ours.med, streamAll), '—');
      push(q, 'AnnData-Zarr CSR', ms(csr.openMs), `${ms(csr.queryMs)} = ${cps(csr)} cells/s`, int(csr.med.server.requests), mb(csr.med.server.bytes), checkStream(meta, streamCellsN, csr.med, streamAll), versus(csr.queryMs, ours.queryMs));
      const oc = streamCellsN / (ours.queryMs / 1000);
      lines.push(`- streaming: ${int(oc)} cells/s in one tab (target ≥ 40,000: ${oc >= 40_000 ? 'met' : 'MISSED'}); consumer wait per batch median ${ms(ours.med.waitMs.median)}, p90 ${ms(ours.med.waitMs.p90)}`);
      breakdowns.push(breakdownTable(`streaming (ragged-atlas, median run: ${ms(ours.med.queryMs)})`, ours.med, false, ours.profile));
      breakdowns.push(breakdownTable(`streaming (AnnData-Zarr CSR, median run: ${ms(csr.med.queryMs)})`, csr.med, true));
      if (sampler) breakdowns.push(cpuTable('streaming', [['ragged-atlas', ours], ['AnnData-Zarr CSR', csr]]));
      results.stream = { ours: strip(ours), csr: strip(csr) };
    }

    // 3. Report.
    const load1 = loadavg()[0]!;
    const header = [
      `## Query benchmark (SYNTHETIC data) — ${new Date().toISOString().slice(0, 10)}`,
      '',
      `Synthetic matrix (not real cells): ${int(f.synth.cells)} cells × ${int(f.synth.genes)} genes, ${int(meta.nnz)} non-zeros (${((meta.nnz / f.synth.cells / f.synth.genes) * 100).toFixed(2)} %), counts 1+Geometric(q_g), ${f.synth.datasets} datasets with gene panels of ${meta.datasets.map((d) => int(d.panel.length)).join(' / ')} genes, ${meta.cellTypes.length} cell types (Zipf). Seed ${f.synth.seed}.`,
      `Stores: ragged atlas ${mb(atlasInfo.bytes)} MB (of which CSC copies ${mb(atlasInfo.cscBytes)} MB; ingest ${atlasInfo.ingestSeconds.toFixed(0)} s + add-csc ${atlasInfo.cscSeconds.toFixed(0)} s + optimize ${atlasInfo.optimizeSeconds.toFixed(0)} s)${csrOnlyInfo ? ` and the same without CSC copies (${mb(csrOnlyInfo.bytes)} MB)` : ''}; AnnData-Zarr CSR ${mb(ann.csr.bytes)} MB, CSC ${mb(ann.csc.bytes)} MB (zarr v2, ${ann.csr.compressor}, ${int(ann.csr.chunkElements)}-element chunks).`,
      `Network: companion serveDirectory, +${f.latencyMs} ms per request, ${f.bandwidthMBps} MB/s per response (a per-connection cap: parallel requests add up), ${f.http2 ? 'HTTPS with HTTP/2 (self-signed certificate)' : 'HTTP/1.1'} over loopback. ${h.browserVersion} headless (navigator.hardwareConcurrency = ${(results.gene as any)?.ours?.med?.hardwareConcurrency ?? (results.cellType as any)?.ours?.med?.hardwareConcurrency ?? (results.stream as any)?.ours?.med?.hardwareConcurrency ?? '?'}), fresh browser context per query (cold HTTP cache), ragged-atlas with cache: 'none'. Query times are medians of ${f.reps} cold runs (streaming: ${f.streamReps}); requests and MB are server-side counts of the median run; "open" = RaggedAtlas.checkoutLatest / opening the AnnData root group.`,
      `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${load0.toFixed(1)} at start, ${load1.toFixed(1)} at end (shared machine).`,
      '',
      '| query | reader | open | query | requests | MB transferred | result check | query time vs ragged-atlas |',
      '|---|---|---:|---:|---:|---:|---|---|',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
      'Targets:',
      ...lines,
      '',
      '### Where the time goes',
      '',
      ...breakdowns,
    ].join('\n');
    process.stdout.write(`${header}\n`);
    const suffix = f.engine === 'chromium' ? '' : `-${f.engine}`;
    writeFileSync(join(dir, `report${suffix}.md`), `${header}\n`);
    writeFileSync(join(dir, `results${suffix}.json`), JSON.stringify({ flags: { ...f, only: [...f.only] }, meta: { nnz: meta.nnz, datasets: meta.datasets.map((d) => ({ name: d.name, nRows: d.nRows, genes: d.panel.length })) }, atlas: atlasInfo, anndata: ann, results }, null, 2));
    log(`report written to ${join(dir, `report${suffix}.md`)}`);
  } finally {
    await h.close();
  }
}

function strip<T extends { runs: unknown[] }>(m: T): unknown {
  // Keep timings and I/O, drop the bulky check arrays.
  const drop = (r: any) => {
    const { perFeature, barcodes, rowSums, rowNnz, ...rest } = r;
    return rest;
  };
  return { ...m, runs: (m.runs as any[]).map(drop), med: drop((m as any).med) };
}

/**
 * CPU of the whole machine during each reader's median run, by party (--cpu): on a machine whose
 * cores are all busy during a query, the wall time follows this total.
 */
function cpuTable(title: string, readers: [string, Measured<{ queryMs: number }>][]): string {
  const parties = [...new Set(readers.flatMap(([, m]) => Object.keys(m.med.cpu ?? {})))].sort();
  const head = `| reader | query | CPU (all parties) | cores busy | ${parties.join(' | ')} |\n|---|${'---:|'.repeat(3 + parties.length)}`;
  const body = readers.map(([name, m]) => {
    const c = m.med.cpu ?? {};
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    return `| ${name} | ${ms(m.med.queryMs)} | ${ms(total)} | ${(total / m.med.queryMs).toFixed(2)} | ${parties.map((p) => ms(c[p] ?? 0)).join(' | ')} |`;
  });
  return [`**${title}: CPU during the median run** (sampled from /proc every 20 ms; the sampler's own reads count as this Node process)`, '', head, ...body].join('\n');
}

function breakdownTable(title: string, r: { queryMs: number; breakdown: OursResult['breakdown']; longTaskMs?: number }, brief = false, profile?: { queryMs: number; top: ProfileEntry[] }): string {
  const b = r.breakdown;
  const ex = Object.entries(b.exclusive).filter(([, v]) => !(brief && Math.round(v) === 0));
  const io = Object.entries(b.io).filter(([k, v]) => k !== 'all' && v.requests > 0).map(([k, v]) => `${k} ${v.requests} req / ${mb(v.bytes)} MB`).join(', ');
  const lines = [
    `**${title}**`,
    '',
    '| phase (exclusive wall time) | ms | % |',
    '|---|---:|---:|',
    ...ex.map(([k, v]) => `| ${k} | ${int(v)} | ${((v / r.queryMs) * 100).toFixed(0)} |`),
    '',
    `Busy (overlapping): ${Object.entries(b.busy).filter(([, v]) => !(brief && Math.round(v) === 0)).map(([k, v]) => `${k} ${int(v)} ms`).join(', ')}${b.decodeCalls ? `; decode calls ${b.decodeCalls} (${b.decodeJobs} chunks)` : ''}; chunk requests in flight ${(b.chunkConcurrency ?? 0).toFixed(1)} on average while any is. Page-side I/O: ${io}.`,
    '',
  ];
  if (profile) {
    const top = profile.top.filter((p) => !/^\((idle|program|garbage collector)\)/.test(p.fn)).slice(0, 12);
    const gc = profile.top.find((p) => p.fn.startsWith('(garbage collector)'));
    lines.push(
      `Main-thread CPU profile (separate profiled run, query ${ms(profile.queryMs)}), top self time: ${top.map((p) => `${p.fn.replace(/^(\S+) (.*)$/, '`$1` ($2)')} ${int(p.selfMs)} ms`).join('; ')}${gc ? `; GC ${int(gc.selfMs)} ms` : ''}.`,
      '',
    );
  }
  return lines.join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
