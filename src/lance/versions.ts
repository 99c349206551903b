// Table versions: manifest naming and finding the latest version over plain HTTP.
//
// Two naming schemes live in `_versions/`:
//   V1  `{v}.manifest`                          (older tables)   e.g. 3.manifest
//   V2  `{u64::MAX - v:020}.manifest`           (lance ≥ 0.18)   e.g. v1 = 18446744073709551614.manifest
// (V2 sorts newest-first under lexical LIST.) `d{N}.manifest` files are detached versions; ignored.
//
// Discovery, cheapest first:
//   1. `_versions/latest_version_hint.json` = {"version": N}: check N exists, then probe N+1, N+2, …
//      until one is missing (the hint may be stale). Lance writes it for stores whose LIST is not
//      lexically ordered (local disk, S3 Express).
//   2. `store.list('_versions')` where the store can list (local files, S3 ListObjectsV2).
//   3. Probe versions 1, 2, 4, 8, … then bisect. Fails once version 1 has been cleaned up.
import { NotFoundError } from '../errors.js';
import type { ByteStore, ReadOptions } from '../io/types.js';

export type NamingScheme = 'v1' | 'v2';

const U64_MAX = (1n << 64n) - 1n;
const text = new TextDecoder();

export function manifestKey(version: number, scheme: NamingScheme): string {
  if (scheme === 'v1') return `_versions/${version}.manifest`;
  return `_versions/${(U64_MAX - BigInt(version)).toString().padStart(20, '0')}.manifest`;
}

/** Version and scheme of a manifest file name (no directory), or undefined if it is not one. */
export function parseManifestName(name: string): { version: number; scheme: NamingScheme } | undefined {
  const m = /^(\d+)\.manifest$/.exec(name);
  if (!m) return undefined;
  const digits = m[1]!;
  if (digits.length === 20) {
    const v = U64_MAX - BigInt(digits);
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    return { version: Number(v), scheme: 'v2' };
  }
  return { version: Number(digits), scheme: 'v1' };
}

export interface VersionRef {
  version: number;
  scheme: NamingScheme;
}

async function exists(store: ByteStore, key: string, opts: ReadOptions): Promise<boolean> {
  return (await store.size(key, opts)) !== undefined;
}

/** Which scheme (if any) has a manifest for `version`. V2 is tried first. */
export async function findVersion(store: ByteStore, version: number, opts: ReadOptions = {}, prefer?: NamingScheme): Promise<VersionRef | undefined> {
  const order: NamingScheme[] = prefer === 'v1' ? ['v1', 'v2'] : ['v2', 'v1'];
  for (const scheme of order) {
    if (await exists(store, manifestKey(version, scheme), opts)) return { version, scheme };
  }
  return undefined;
}

/** Every manifest the store can list, or undefined when it cannot list. */
export async function listManifests(store: ByteStore, opts: ReadOptions = {}): Promise<VersionRef[] | undefined> {
  if (!store.list) return undefined;
  const keys = await store.list('_versions', opts);
  if (!keys) return undefined;
  const out: VersionRef[] = [];
  for (const k of keys) {
    const p = parseManifestName(k.slice(k.lastIndexOf('/') + 1));
    if (p) out.push(p);
  }
  return out.sort((a, b) => a.version - b.version);
}

async function readHint(store: ByteStore, opts: ReadOptions): Promise<number | undefined> {
  const bytes = await store.get('_versions/latest_version_hint.json', opts).catch(() => undefined);
  if (!bytes) return undefined;
  try {
    const v = (JSON.parse(text.decode(bytes)) as { version?: unknown }).version;
    return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Probes upward from a known version until the next one is missing. */
async function probeUp(store: ByteStore, from: VersionRef, opts: ReadOptions): Promise<VersionRef> {
  let cur = from;
  for (;;) {
    const next = await findVersion(store, cur.version + 1, opts, cur.scheme);
    if (!next) return cur;
    cur = next;
  }
}

export async function latestVersion(store: ByteStore, opts: ReadOptions = {}): Promise<VersionRef> {
  const hint = await readHint(store, opts);
  if (hint !== undefined) {
    const at = await findVersion(store, hint, opts);
    if (at) return probeUp(store, at, opts);
  }
  const listed = await listManifests(store, opts);
  if (listed && listed.length > 0) return listed[listed.length - 1]!;
  // Gallop: 1, 2, 4, … until missing, then bisect between the last hit and the miss.
  let lo = await findVersion(store, 1, opts);
  if (!lo) {
    throw new NotFoundError('no table version found: no latest_version_hint.json, no listing, and no version 1 manifest', { where: `${store.url}/_versions` });
  }
  let step = 1;
  let hi: number | undefined;
  while (hi === undefined) {
    const probe = lo.version + step;
    const r = await findVersion(store, probe, opts, lo.scheme);
    if (r) {
      lo = r;
      step *= 2;
    } else hi = probe;
  }
  while (hi - lo.version > 1) {
    const mid = Math.floor((lo.version + hi) / 2);
    const r = await findVersion(store, mid, opts, lo.scheme);
    if (r) lo = r;
    else hi = mid;
  }
  return lo;
}

/** Versions present, oldest first: from a listing if possible, else walking down from `latest`. */
export async function presentVersions(store: ByteStore, latest: VersionRef, opts: ReadOptions = {}): Promise<VersionRef[]> {
  const listed = await listManifests(store, opts);
  if (listed) return listed;
  const out: VersionRef[] = [latest];
  for (let v = latest.version - 1; v >= 1; v--) {
    const r = await findVersion(store, v, opts, latest.scheme);
    if (!r) break;
    out.push(r);
  }
  return out.reverse();
}
