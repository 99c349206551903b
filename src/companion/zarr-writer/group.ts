// Zarr v3 groups on a local directory store: homeobox writes a group zarr.json for the zarr
// root, for each dataset group, and for every intermediate group `require_group` creates
// (`csr/`, `csr/layers/`, `csc/`, `layers/` …). Readers such as zarrita open arrays by path, but
// zarr-python's `group[...]` walks the hierarchy, so every level needs its document.
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { groupMetadataJson } from './metadata.js';

/** Writes group zarr.json for `path` and every ancestor under `root` that lacks one. */
export async function ensureGroup(root: string, path: string): Promise<void> {
  const parts = path.split('/').filter((p) => p.length > 0);
  for (let i = 0; i <= parts.length; i++) {
    const dir = join(root, ...parts.slice(0, i));
    const file = join(dir, 'zarr.json');
    if (await exists(file)) continue;
    await mkdir(dir, { recursive: true });
    await writeFile(file, groupMetadataJson(), { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err; // a concurrent ingest created the same ancestor
    });
  }
}

/** Removes a group directory and everything in it (used to undo a failed ingest). */
export async function removeGroup(root: string, path: string): Promise<void> {
  if (!path || path.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    throw new Error(`refusing to remove suspicious zarr group path ${JSON.stringify(path)}`);
  }
  await rm(join(root, path), { recursive: true, force: true });
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
