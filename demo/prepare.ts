// `npm run demo` step 1: write the bundled atlas (the seed walkthrough, from ../shared/data) into
// demo/public/atlas, which Vite serves as static files with Range support. Skipped when present.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildWalkthroughAtlas } from '../test/fixtures/walkthrough.js';

const root = fileURLToPath(new URL('./public/atlas', import.meta.url));
if (existsSync(`${root}/lance_db/atlas_versions.lance`) && !process.argv.includes('--force')) {
  console.log(`demo atlas present at ${root} (rebuild it: node --import tsx demo/prepare.ts --force)`);
} else {
  const t0 = Date.now();
  console.log('writing the demo atlas from ../shared/data (pbmc3k → v0, pbmc68k_reduced → v1)…');
  await buildWalkthroughAtlas(root);
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
