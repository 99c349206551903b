// The README's companion walkthrough, run as written (but for `serve`, which does not return): its
// second ingest once failed as printed (a required `barcode` field it did not map), and nothing
// noticed, because the tests run their own copy of the flow (test/fixtures/walkthrough.ts).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cli } from './helpers/cli.js';
import { RaggedAtlas } from '../../../src/index.js';

const REPO = resolve(import.meta.dirname, '../../..');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-readme-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The commands of the first sh block under "## The ingest companion", continuations joined, comments dropped. */
function readmeCommands(): string[][] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The ingest companion'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s#.*$/, '').trim())
    .filter(Boolean)
    .map((line) => line.split(/\s+/));
}

test('the README companion walkthrough runs as written and gives the atlas it describes', async () => {
  const commands = readmeCommands();
  expect(commands.length).toBeGreaterThanOrEqual(8);
  const atlas = join(dir, 'my-atlas');
  const ran: string[] = [];
  for (const words of commands) {
    expect(words.slice(0, 2)).toEqual(['npx', 'ragged-atlas']);
    if (words[2] === 'serve') continue;
    // `my-atlas` goes to a scratch folder; input paths stay relative to the checkout, as printed.
    const argv = words.slice(2).map((w) => (w === 'my-atlas' ? atlas : w.replace(/^\.\.\/shared\//, `${resolve(REPO, '../shared')}/`)));
    const { code, out, err } = await cli(...argv);
    expect([words.join(' '), code, code ? out + err : '']).toEqual([words.join(' '), 0, '']);
    ran.push(words[2]!);
  }
  expect(ran).toEqual(expect.arrayContaining(['create', 'ingest', 'snapshot', 'add-csc', 'versions', 'validate']));
  // What the README's library section says of this atlas: v0 holds pbmc3k (2,700 cells), v1 both (3,400).
  const versions = await RaggedAtlas.listVersions(atlas);
  expect(versions.map((v) => [v.version, v.totalRows])).toEqual([[0, 2700], [1, 3400]]);
  const a = await RaggedAtlas.checkoutLatest(atlas, { workers: 0 });
  try {
    expect(await a.query().count()).toBe(3400);
  } finally {
    a.close();
  }
}, 600_000);
