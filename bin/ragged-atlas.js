#!/usr/bin/env node
// The companion CLI. Runs the compiled build when the package has been built (dist/), else the
// TypeScript sources through tsx (development checkouts).
import { existsSync } from 'node:fs';

const dist = new URL('../dist/companion/cli.js', import.meta.url);
let cli;
if (existsSync(dist)) {
  cli = await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/companion/cli.ts', import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
