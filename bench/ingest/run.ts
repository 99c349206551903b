// `npm run bench:ingest [-- --cells 200000 --genes 20000 --density 0.05]`
//
// Ingest throughput (nnz/s, cells/s), peak memory (RSS high-water of this process, which only
// ingests during that phase) and bytes on disk of a SYNTHETIC count matrix, against the same
// matrix as h5ad (anndata, compressed) and as AnnData-Zarr v3 (sharded, zstd). Prints markdown.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Atlas } from '../../src/companion/atlas.js';
import { loadWriterCodecs } from '../../src/companion/codecs.js';
import { ingest } from '../../src/companion/ingest.js';
import { stderrProgress } from '../../src/companion/progress.js';
import { writeBaselines, writeH5ad } from './baselines.js';
import { generatorClock, synthInput, synthMatrix } from './synthetic.js';

const { values: args } = parseArgs({
  options: {
    cells: { type: 'string', default: '200000' },
    genes: { type: 'string', default: '20000' },
    density: { type: 'string', default: '0.05' },
    'batch-rows': { type: 'string', default: '8192' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'no-baselines': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const cells = Number(args.cells);
const genes = Number(args.genes);
const density = Number(args.density);
const batchRows = Number(args['batch-rows']);
const dir = args.out ?? (await mkdtemp(join(tmpdir(), 'ra-bench-ingest-')));
const progress = stderrProgress({ quiet: args.quiet });

async function du(path: string): Promise<number> {
  const s = await stat(path).catch(() => undefined);
  if (!s) return 0;
  if (!s.isDirectory()) return s.size;
  let n = 0;
  for (const e of await readdir(path)) n += await du(join(path, e));
  return n;
}
const mb = (b: number) => (b / 2 ** 20).toFixed(1);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

const codecs = await loadWriterCodecs();
const opts = { cells, genes, density };

// 1. Ingest into a fresh atlas (the generator times itself: generatorClock).
const root = join(dir, 'atlas');
const atlas = await Atlas.create(root);
const rssBefore = process.memoryUsage().rss;
let rssPeak = rssBefore;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
generatorClock.ms = 0;
const t = performance.now();
const res = await ingest(atlas, { modalities: [{ field: 'gene_expression', input: synthInput(opts) }], batchRows, progress, codecs, name: 'synthetic' });
const ingestSecs = (performance.now() - t) / 1000;
const genSecs = generatorClock.ms / 1000;
const nnz = res.modalities[0]!.nnz;
clearInterval(sampler);
const maxRss = process.resourceUsage().maxRSS * 1024;
atlas.close();
const zg = res.modalities[0]!.zarrGroup;
const atlasZarr = await du(join(root, 'zarr_store', zg));
const atlasLance = await du(join(root, 'lance_db'));

// 2. Baselines (a second pass of the same generator).
const rows: [string, number, string][] = [];
let h5Note = 'skipped (--no-baselines)';
if (!args['no-baselines']) {
  progress.phase('writing baselines: AnnData-Zarr v3 (zstd) + raw CSR for Python');
  const { zarrDir, rawDir } = await writeBaselines(synthMatrix(opts), dir, codecs, batchRows);
  progress.done();
  rows.push(['AnnData-Zarr v3, X only (sharded, bytes+zstd level 0)', await du(join(zarrDir, 'X')), 'written by this benchmark with the companion\'s zarr writer (anndata 0.8 writes zarr v2 only)']);
  progress.phase('writing baseline: h5ad via /usr/bin/python3 anndata');
  const h5 = writeH5ad(rawDir, join(dir, 'synthetic.h5ad'), cells, genes);
  progress.done();
  if (h5.ok) {
    h5Note = h5.compression;
    rows.push([`h5ad (anndata ${pyVersion()}, h5py ${h5.compression})`, await du(join(dir, 'synthetic.h5ad')), h5.compression.startsWith('gzip') ? 'Debian 12 h5py has no zstd filter: gzip used instead' : '']);
  } else h5Note = `failed: ${h5.error}`;
  await rm(rawDir, { recursive: true, force: true });
}

const out: string[] = [];
out.push(`## Ingest benchmark — SYNTHETIC data (not a real dataset)`, '');
out.push(`${fmt(cells)} cells × ${fmt(genes)} genes, density ${density} (Bernoulli per gene), counts 1+Geometric(0.3); nnz ${fmt(nnz)}.`);
out.push(`Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${mb(totalmem())} MiB RAM, Node ${process.version}, codecs: wasm ${(codecs as { variant?: string }).variant ?? ''}. Batch ${fmt(batchRows)} rows. Load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (a shared machine: timings are noisy).`, '');
out.push('| measure | value |', '| --- | --- |');
out.push(`| ingest wall time (incl. generating the input) | ${ingestSecs.toFixed(1)} s |`);
out.push(`| of which generating the synthetic input | ${genSecs.toFixed(1)} s |`);
out.push(`| throughput | ${fmt(nnz / ingestSecs)} nnz/s, ${fmt(cells / ingestSecs)} cells/s |`);
out.push(`| throughput of the writer alone (wall minus generation) | ${fmt(nnz / Math.max(1e-9, ingestSecs - genSecs))} nnz/s, ${fmt(cells / Math.max(1e-9, ingestSecs - genSecs))} cells/s |`);
out.push(`| peak RSS (process high-water) | ${mb(maxRss)} MiB (sampled during ingest: ${mb(rssPeak)} MiB, before: ${mb(rssBefore)} MiB) |`, '');
out.push('| format | bytes on disk | vs atlas zarr | notes |', '| --- | ---: | ---: | --- |');
out.push(`| atlas zarr group (csr/indices bitpacking delta + counts bitpacking none) | ${fmt(atlasZarr)} (${mb(atlasZarr)} MiB) | 1.00 | homeobox layout |`);
out.push(`| atlas lance_db (obs ${fmt(cells)} rows, registry, layouts, datasets) | ${fmt(atlasLance)} (${mb(atlasLance)} MiB) | ${(atlasLance / atlasZarr).toFixed(2)} | |`);
for (const [name, bytes, note] of rows) out.push(`| ${name} | ${fmt(bytes)} (${mb(bytes)} MiB) | ${(bytes / atlasZarr).toFixed(2)} | ${note} |`);
if (args['no-baselines'] || !rows.some((r) => r[0].startsWith('h5ad'))) out.push('', `h5ad baseline: ${h5Note}`);
process.stdout.write(out.join('\n') + '\n');
if (!args.keep && !args.out) await rm(dir, { recursive: true, force: true });
else process.stdout.write(`\n(files kept in ${dir})\n`);

function pyVersion(): string {
  try {
    return execFileSync('/usr/bin/python3', ['-c', 'import anndata; print(anndata.__version__)'], { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}
