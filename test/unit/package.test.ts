// The package as npm publishes it: built (tsc + the browser build), packed with `npm pack`, unpacked
// elsewhere, and used from there with no TypeScript loader — the packed CLI writes an atlas from real
// data, the packed library reads it back in a plain Node process with its worker threads, and a Vite
// app bundles it as the README shows.
// Oracle: scipy's reading of the same 10x matrix.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { P3K } from '../fixtures/walkthrough.js';
import { REPO_ROOT } from '../helpers/browser.js';
import { pbmc3kCounts } from '../helpers/oracle-matrices.js';
import { stageBrowserPackage } from '../helpers/browser-package.js';

let dir: string;
let pkg: string;
let packed: string[];

const run = (args: string[], cwd = dir) => execFileSync(process.execPath, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-package-'));
  // A staging copy of what `files` names, built as `npm run build` builds (wasm already built).
  const stage = join(dir, 'stage');
  mkdirSync(stage);
  for (const f of ['package.json', 'README.md']) copyFileSync(join(REPO_ROOT, f), join(stage, f));
  cpSync(join(REPO_ROOT, 'bin'), join(stage, 'bin'), { recursive: true });
  run([join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], REPO_ROOT);
  await stageBrowserPackage(stage);
  const npm = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(npm.slice(npm.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  packed = info!.files.map((f) => f.path);
  execFileSync('tar', ['xzf', join(dir, info!.filename), '-C', dir]);
  pkg = join(dir, 'package');
  // Its dependencies, as an install would provide them (the repository's exact versions).
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(pkg, 'node_modules'));
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the tarball holds the builds, worker entries, wasm and CLI, and no sources or tests', () => {
  for (const f of ['bin/ragged-atlas.js', 'dist/index.js', 'dist/index.d.ts', 'dist/companion/cli.js', 'dist/workers/decode-worker.js', 'dist/workers/decode-worker.node.js', 'dist/browser/ragged-atlas.js', 'dist/browser/decode-worker.js', 'dist/browser-bundle.d.ts', 'wasm/dist/ragged_atlas_codec_simd.wasm', 'wasm/dist/ragged_atlas_codec_scalar.wasm', 'README.md']) {
    expect(packed, f).toContain(f);
  }
  expect(packed.filter((f) => /^(src|test|bench|demo)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
});

test('the packed CLI writes an atlas from 10x data, and the packed library reads it exactly in plain Node with worker threads', async () => {
  const atlas = join(dir, 'atlas');
  const cli = join(pkg, 'bin/ragged-atlas.js');
  run([cli, 'create', atlas, '--obs', 'barcode:string']);
  run([cli, 'ingest', atlas, P3K, '--name', 'pbmc3k', '--obs-map', '_index=barcode']);
  run([cli, 'snapshot', atlas]);
  // No tsx anywhere: the packed dist/ and its .js worker entry.
  const script = join(dir, 'read.mjs');
  writeFileSync(
    script,
    `import { RaggedAtlas, toH5ad, toH5mu } from ${JSON.stringify(join(pkg, 'dist/index.js'))};
if (typeof toH5ad !== 'function' || typeof toH5mu !== 'function') throw new Error('the package does not export toH5ad and toH5mu');
const a = await RaggedAtlas.checkoutLatest(process.argv[2], { workers: 2 });
const ad = await a.query().select(['barcode']).toAnnData();
a.close();
const cells = {};
const bc = ad.obs.getChild('barcode').toArray();
for (let i = 0; i < ad.shape[0]; i++) {
  let s = 0;
  for (let k = ad.X.indptr[i]; k < ad.X.indptr[i + 1]; k++) s += Number(ad.X.data[k]);
  cells[bc[i]] = [ad.X.indptr[i + 1] - ad.X.indptr[i], s];
}
console.log(JSON.stringify({ shape: ad.shape, cells }));
`,
  );
  const out = JSON.parse(run([script, atlas]).trim().split('\n').at(-1)!) as { shape: number[]; cells: Record<string, [number, number]> };
  const want = pbmc3kCounts(P3K);
  expect(out.shape).toEqual([want.obsNames.length, want.varNames.length]);
  want.obsNames.forEach((b, i) => {
    let s = 0;
    for (let k = want.indptr[i]!; k < want.indptr[i + 1]!; k++) s += want.data[k]!;
    expect(out.cells[b], b).toEqual([want.indptr[i + 1]! - want.indptr[i]!, s]);
  });
});

test("an app bundling the package with Vite, as the README shows: the worker and both wasm files are emitted, the worker self-contained", async () => {
  const app = join(dir, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(app, 'node_modules/ragged-atlas'));
  writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
  writeFileSync(
    join(app, 'main.js'),
    `import { RaggedAtlas } from 'ragged-atlas';
import workerUrl from 'ragged-atlas/worker?worker&url';
import simd from 'ragged-atlas/wasm/ragged_atlas_codec_simd.wasm?url';
import scalar from 'ragged-atlas/wasm/ragged_atlas_codec_scalar.wasm?url';
globalThis.openAtlas = (url) => RaggedAtlas.checkoutLatest(url, { workerUrl: new URL(workerUrl, location.href), wasmUrl: { simd, scalar } });
`,
  );
  const { build } = await import('vite');
  await build({ root: app, configFile: false, logLevel: 'error', build: { outDir: join(app, 'out'), target: 'es2022' }, worker: { format: 'es' } });
  const assets = readdirSync(join(app, 'out/assets'));
  expect(assets.filter((f) => /^ragged_atlas_codec_(simd|scalar)-.*\.wasm$/.test(f)).length).toBe(2);
  const worker = assets.filter((f) => f.startsWith('decode-worker') && f.endsWith('.js'));
  expect(worker.length).toBe(1);
  // Bundled with its dependencies: no bare import a browser could not resolve.
  const code = readFileSync(join(app, 'out/assets', worker[0]!), 'utf8');
  expect(code.match(/\bfrom\s*["'][^./"'][^"']*["']/g) ?? []).toEqual([]);
}, 300_000);
