// The parts of the package a page loads without a bundler, laid out as the package has them:
// dist/browser/ (the self-contained build) beside wasm/dist/*.wasm, under `root`.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './browser.js';
// @ts-expect-error: a plain .mjs build script without types
import { buildBrowserBundle } from '../../scripts/build-browser.mjs';

export async function stageBrowserPackage(root: string): Promise<void> {
  await buildBrowserBundle(join(root, 'dist/browser'));
  mkdirSync(join(root, 'wasm/dist'), { recursive: true });
  for (const f of readdirSync(join(REPO_ROOT, 'wasm/dist')).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(REPO_ROOT, 'wasm/dist', f), join(root, 'wasm/dist', f));
}
