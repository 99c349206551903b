// Process-level safety: two ingest processes into one atlas at once both land; an ingest killed
// with SIGKILL leaves earlier snapshots readable and `validate` names its orphaned zarr group.
import { spawn, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Atlas } from '../../../src/companion/atlas.js';
import { ingest } from '../../../src/companion/ingest.js';
import { optimize } from '../../../src/companion/optimize.js';
import { listVersions, snapshot } from '../../../src/companion/snapshot.js';
import { validateAtlas } from '../../../src/companion/validate.js';
import { tableRows } from './helpers/atlas-read.js';
import { DATA } from './helpers/oracles.js';
import { small10x } from './helpers/small10x.js';

const BIN = fileURLToPath(new URL('../../../bin/ragged-atlas.js', import.meta.url));
let dir: string;
let small: string;

function run(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((ok) => child.on('exit', (code, signal) => ok({ code, signal, stderr })));
  return { child, done };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-safety-'));
  small = await small10x(join(dir, 'small10x'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('concurrent ingests', () => {
  it('two processes ingesting into one atlas at once both land', async () => {
    const root = join(dir, 'concurrent');
    (await Atlas.create(root)).close();
    const a = run(['ingest', root, small, '--name', 'first', '--quiet']);
    const b = run(['ingest', root, small, '--name', 'second', '--quiet']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const ds = await tableRows(root, 'datasets');
    expect(ds.map((d) => d.dataset_name).sort()).toEqual(['first', 'second']);
    expect((await tableRows(root, 'cells')).length).toBe(160);
    expect((await readdir(join(root, 'zarr_store'))).filter((n) => n !== 'zarr.json').sort()).toEqual(ds.map((d) => d.zarr_group).sort());
    const atlas = await Atlas.open(root);
    await optimize(atlas); // removes duplicate registry rows both writers may have inserted
    const { record } = await snapshot(atlas);
    atlas.close();
    expect(record.total_rows).toBe(160);
    const reg = await tableRows(root, 'gene_expression_registry');
    expect(reg.length).toBe(230);
    expect(new Set(reg.map((r) => r.global_index)).size).toBe(230);
  });
});

describe('SIGKILL during an ingest', () => {
  it('leaves the earlier snapshot readable and validate names the orphaned group', async () => {
    const root = join(dir, 'killed');
    const atlas = await Atlas.create(root);
    await ingest(atlas, { modalities: [{ field: 'gene_expression', input: small }], name: 'small' });
    await optimize(atlas);
    await snapshot(atlas);
    atlas.close();
    const [ds0] = await tableRows(root, 'datasets');

    const zs = join(root, 'zarr_store');
    const proc = run(['ingest', root, join(DATA, 'eccite_cite_500/RNA'), '--batch-rows', '1', '--quiet']);
    const watcher = watch(zs, (_event, name) => {
      if (name && name !== 'zarr.json' && name !== ds0!.zarr_group) proc.child.kill('SIGKILL');
    });
    const res = await proc.done;
    watcher.close();
    expect(res.signal).toBe('SIGKILL');

    const groups = (await readdir(zs)).filter((n) => n !== 'zarr.json' && n !== ds0!.zarr_group);
    expect(groups).toHaveLength(1);
    // nothing reached the tables …
    expect((await tableRows(root, 'datasets')).length).toBe(1);
    // … the snapshot still opens at its pinned versions …
    const check = await Atlas.open(root);
    const [v0] = await listVersions(check);
    expect(v0!.total_rows).toBe(80);
    expect((await tableRows(root, 'cells', { version: (JSON.parse(v0!.obs_table_versions) as { cells: number }).cells })).length).toBe(80);
    // … and validate names the orphan (a warning: the atlas itself is consistent).
    const rep = await validateAtlas(check);
    expect(rep.errors).toEqual([]);
    expect(rep.orphanedGroups).toEqual(groups);
    expect(rep.warnings.join('\n')).toContain(`orphaned zarr group '${groups[0]}'`);
    const { record } = await snapshot(check);
    expect(record.version).toBe(1);
    check.close();
  });
});
