// Content hash of an ingest's input files, stored with the dataset rows (`source_sha256`).
// Re-running the same ingest (same bytes, same dataset name) is recognised by it and refused,
// whatever the files are called or where they sit. A directory input (10x) hashes every regular
// file under it (symlinks followed), in sorted relative-path order, with each path mixed in.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

export async function sourceSha256(paths: readonly string[]): Promise<string | undefined> {
  const files: { key: string; path: string }[] = [];
  for (const p of [...new Set(paths)].sort()) {
    const info = await stat(p).catch(() => undefined);
    if (!info) return undefined; // an in-memory input: no content hash
    if (info.isDirectory()) for (const f of await walk(p)) files.push({ key: relative(p, f), path: f });
    else files.push({ key: '', path: p });
  }
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f.key + '\0');
    for await (const chunk of createReadStream(f.path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
    h.update('\0');
  }
  return h.digest('hex');
}

/**
 * Regular files under `dir`, sorted, symlinks followed: pipelines (Nextflow, Snakemake) stage a
 * sample's files as links, and skipping them hashed nothing, so every staged sample looked alike.
 * A directory reached twice (a link cycle) is walked once; a dangling link is skipped.
 */
async function walk(dir: string, seen = new Set<string>()): Promise<string[]> {
  const real = await realpath(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    const kind = e.isSymbolicLink() ? await stat(p).catch(() => undefined) : e;
    if (kind?.isDirectory()) out.push(...(await walk(p, seen)));
    else if (kind?.isFile()) out.push(p);
  }
  return out;
}
