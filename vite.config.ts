import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const repo = fileURLToPath(new URL('.', import.meta.url));
const shared = fileURLToPath(new URL('../shared', import.meta.url));

// One config for the demo (dev server and static build) and both test projects.
// Browser tests are ordinary vitest files that drive Debian's Chromium through playwright-core
// (its own browser download cannot work here); they load src/ through a Vite dev server.
export default defineConfig({
  // The library itself is built by tsc and scripts/build-browser.mjs; Vite builds the demo.
  build: { target: 'es2022' },
  worker: { format: 'es' },
  // Missing files must be 404s: Lance finds the newest table version by probing until one is missing,
  // and an SPA fallback (index.html with 200) would make every version look present.
  appType: 'mpa',
  // The demo (root demo/) imports ../src and fetches ../wasm/dist; tests read ../shared/data.
  server: { fs: { allow: [repo, shared] } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', pool: 'forks' } },
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], environment: 'node', pool: 'forks', fileParallelism: false } },
    ],
  },
});
