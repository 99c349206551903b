// An atlas whose Lance tables name their manifests the V1 way (`{v}.manifest`, what LanceDB wrote
// before V2 paths became its default). A checkout learns the scheme from the snapshot table and asks
// the pinned tables' manifests in it first, instead of a missed V2 name before each one; the atlas
// reads the same as its V2-named original.
import { cpSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaggedAtlas, inThreadDecoder } from '../../../src/index.js';
import { FsStore } from '../../../src/io/fs-store.js';
import type { ByteStore } from '../../../src/io/types.js';
import { parseManifestName, manifestKey } from '../../../src/lance/versions.js';
import { buildWalkthroughAtlas } from '../../fixtures/walkthrough.js';

let dir: string;
let v2Root: string;
let v1Root: string;

/** Renames every table's manifests to V1 names (the content does not name the file). */
function toV1Names(root: string): void {
  const db = join(root, 'lance_db');
  for (const table of readdirSync(db).filter((t) => t.endsWith('.lance'))) {
    const versions = join(db, table, '_versions');
    for (const f of readdirSync(versions)) {
      const parsed = parseManifestName(f);
      if (parsed?.scheme === 'v2') renameSync(join(versions, f), join(db, table, manifestKey(parsed.version, 'v1')));
    }
  }
}

/** A store over local files that records every key asked for. */
function recording(root: string): ByteStore & { keys: string[] } {
  const inner = new FsStore(root);
  const keys: string[] = [];
  return {
    url: inner.url,
    keys,
    get: (k, o) => (keys.push(k), inner.get(k, o)),
    getRange: (k, r, o) => (keys.push(k), inner.getRange(k, r, o)),
    size: (k, o) => (keys.push(k), inner.size(k, o)),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-naming-'));
  v2Root = join(dir, 'v2');
  v1Root = join(dir, 'v1');
  await buildWalkthroughAtlas(v2Root);
  cpSync(v2Root, v1Root, { recursive: true });
  toV1Names(v1Root);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an atlas with V1-named manifests', () => {
  it('asks each pinned table for its V1 manifest first, and reads like its V2-named original', async () => {
    const store = recording(v1Root);
    const v1 = await RaggedAtlas.checkoutLatest(store, { decoder: inThreadDecoder(), cache: 'none' });
    const v2 = await RaggedAtlas.checkoutLatest(v2Root, { decoder: inThreadDecoder(), cache: 'none' });
    try {
      const manifests = store.keys.filter((k) => k.endsWith('.manifest'));
      const pinned = manifests.filter((k) => !k.includes('atlas_versions.lance/'));
      expect(pinned.length).toBeGreaterThan(0);
      // Every pinned table's manifest is asked once, by its V1 name.
      expect(pinned.filter((k) => parseManifestName(k.slice(k.lastIndexOf('/') + 1))?.scheme !== 'v1')).toEqual([]);
      expect(v1.version).toBe(v2.version);
      expect(await v1.query().count({ groupBy: 'cell_type' })).toEqual(await v2.query().count({ groupBy: 'cell_type' }));
      const genes = (await v2.featureRegistry('gene_expression')).getChild('uid')!.toArray().slice(0, 5) as string[];
      const [a, b] = await Promise.all([v1, v2].map((x) => x.query().features(genes, 'gene_expression').toAnnData()));
      expect(a!.shape).toEqual(b!.shape);
      expect(Array.from(a!.X!.data as ArrayLike<number>)).toEqual(Array.from(b!.X!.data as ArrayLike<number>));
    } finally {
      v1.close();
      v2.close();
    }
  });
});
