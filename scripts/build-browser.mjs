// The self-contained browser build, for pages without a bundler (Observable, a <script type=module>
// from a CDN): dist/browser/ragged-atlas.js, its decode/fetch worker decode-worker.js beside it, and
// the chunks they share, with every dependency (apache-arrow, comlink, zarrita) inside.
//
// Layout matters, not just content: the library finds its worker as ./decode-worker.js next to the
// module that starts it, and the wasm module at ../../wasm/dist/ (this package's wasm/dist), so the
// files must stay flat in one folder two levels below the package root.
//
//   node scripts/build-browser.mjs [outdir]      (npm run build runs it)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Writes the build to `outdir` (default dist/browser); returns esbuild's metafile. */
export async function buildBrowserBundle(outdir = `${root}dist/browser`, { minify = true } = {}) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [
      { in: 'src/browser-bundle.ts', out: 'ragged-atlas' },
      { in: 'src/workers/decode-worker.ts', out: 'decode-worker' },
    ],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    keepNames: true, // error classes and stack frames keep their names in consoles
    sourcemap: 'linked',
    chunkNames: 'chunk-[hash]',
    // Node's modules are behind runtime checks (workers, local files) that are false in a page.
    external: ['node:*'],
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const meta = await buildBrowserBundle(process.argv[2]);
  const outs = Object.entries(meta.outputs).filter(([f]) => !f.endsWith('.map'));
  const kb = outs.reduce((s, [, o]) => s + o.bytes, 0) / 1024;
  console.log(`browser build: ${outs.length} files, ${kb.toFixed(0)} KiB`);
}
