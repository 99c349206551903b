// Finding the newest version of a table costs round trips before anything else can be read (an
// atlas's open waits on it). These tests count them — the longest chain of requests that each
// started after the previous one answered — on real LanceDB tables, over a store that cannot list
// (a static host), and check the answer against LanceDB's own version number.
import * as lancedb from '@lancedb/lancedb';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsStore } from '../../../src/io/fs-store.js';
import type { ByteStore } from '../../../src/io/types.js';
import { latestVersion, parseManifestName } from '../../../src/lance/versions.js';
import { appendRows, atlasTable, createLanceTable, tempDir } from './helpers.js';

interface Oracle {
  version(): Promise<number>;
  optimize(o: { cleanupOlderThan: Date }): Promise<unknown>;
}

/** A store over local files that cannot list, recording each request's depth in the chain of round trips. */
function chainStore(root: string): ByteStore & { rounds(): number; requests(): number } {
  const inner = new FsStore(root);
  let answered = 0; // the deepest request that has answered
  let deepest = 0;
  let requests = 0;
  const track = async <T>(f: () => Promise<T>): Promise<T> => {
    const depth = answered + 1;
    deepest = Math.max(deepest, depth);
    requests++;
    await new Promise((r) => setTimeout(r, 5)); // a network's latency: concurrent requests overlap
    try {
      return await f();
    } finally {
      answered = Math.max(answered, depth);
    }
  };
  return {
    url: inner.url,
    get: (k, o) => track(() => inner.get(k, o)),
    getRange: (k, r, o) => track(() => inner.getRange(k, r, o)),
    size: (k, o) => track(() => inner.size(k, o)),
    rounds: () => deepest,
    requests: () => requests,
  };
}

const dir = tempDir('lance-rounds-');
afterAll(() => dir.remove());

async function tableWithVersions(name: string, extra: Record<string, string> = {}): Promise<{ oracle: Oracle; path: string }> {
  const db = await lancedb.connect(dir.path);
  const oracle = await createLanceTable<Oracle>(db, name, atlasTable({ rows: 30, seed: 3 }), '2.2', extra);
  for (let i = 0; i < 5; i++) await appendRows(oracle, atlasTable({ rows: 10, seed: 40 + i, startId: 100 + 10 * i }));
  return { oracle, path: join(dir.path, `${name}.lance`) };
}

const hint = (path: string, version: number) => writeFileSync(join(path, '_versions', 'latest_version_hint.json'), JSON.stringify({ version }));

describe('finding the newest version without a listing', () => {
  it('takes two round trips with a current hint: the hint, then its manifest and the next version together', async () => {
    const { oracle, path } = await tableWithVersions('current');
    const latest = await oracle.version();
    hint(path, latest); // LanceDB writes it on local disks; written here so the test does not depend on that
    const store = chainStore(path);
    const ref = await latestVersion(store);
    expect(ref.version).toBe(latest);
    expect(ref.bytes).toBeDefined(); // the manifest came with it: no second read
    expect(store.rounds()).toBe(2);
    expect(store.requests()).toBe(4); // hint, manifest, next version in both naming schemes
  });

  it('probes upward from a stale hint, in both naming schemes', async () => {
    for (const [name, extra] of [['stale-v2', {}], ['stale-v1', { new_table_enable_v2_manifest_paths: 'false' }]] as const) {
      const { oracle, path } = await tableWithVersions(name, extra);
      const latest = await oracle.version();
      const scheme = name.endsWith('v1') ? 'v1' : 'v2';
      expect(readdirSync(join(path, '_versions')).filter((f) => f.endsWith('.manifest')).every((f) => parseManifestName(f)?.scheme === scheme)).toBe(true);
      for (const stale of [1, 2, latest - 1]) {
        hint(path, stale);
        const ref = await latestVersion(chainStore(path));
        expect([name, stale, ref.version, ref.scheme]).toEqual([name, stale, latest, scheme]);
      }
    }
  });

  it('goes past a hint whose version was cleaned up (LanceDB cleanup), when the next version is still there', async () => {
    const { oracle, path } = await tableWithVersions('cleaned');
    const before = await oracle.version();
    await oracle.optimize({ cleanupOlderThan: new Date(Date.now() + 1000) });
    const latest = await oracle.version();
    const left = readdirSync(join(path, '_versions')).map(parseManifestName).filter((r) => r !== undefined).map((r) => r.version);
    expect(left).not.toContain(before - 1); // really cleaned up
    const oldest = Math.min(...left);
    hint(path, oldest - 1);
    expect((await latestVersion(chainStore(path))).version).toBe(latest);
    // Without a hint, version 1 is gone and nothing can list: a NotFoundError, as documented.
    rmSync(join(path, '_versions', 'latest_version_hint.json'));
    await expect(latestVersion(chainStore(path))).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
