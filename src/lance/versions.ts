// Table versions: manifest naming and finding the latest version over plain HTTP.
//
// Two naming schemes live in `_versions/`:
//   V1  `{v}.manifest`                          (older tables)   e.g. 3.manifest
//   V2  `{u64::MAX - v:020}.manifest`           (lance ≥ 0.18)   e.g. v1 = 18446744073709551614.manifest
// (V2 sorts newest-first under lexical LIST.) `d{N}.manifest` files are detached versions; ignored.
//
// Discovery, cheapest first:
//   1. `_versions/latest_version_hint.json` = {"version": N}: fetch manifest N while probing N+1,
//      then probe upward if N+1 exists (the hint may be stale). Lance writes it for stores whose
//      LIST is not lexically ordered (local disk, S3 Express).
//   2. `store.list('_versions')` where the store can list (local files, S3 ListObjectsV2).
//   3. Version 1, then probe upward. Fails once version 1 has been cleaned up.
//
// Probing upward gallops (k+1, k+2, k+4, k+8, … while they exist) and then bisects, so a hint
// 1000 versions stale costs ~20 probes. It never looks more than MAX_VERSIONS_AHEAD past the
// version it started from: a server that claims every manifest exists ends in CorruptDataError.
//
// A manifest that "exists" is believed only if its last 16 bytes are a manifest tail (`LANC`
// magic, a position inside the file). Many static hosts (SPA fallbacks such as Vite's dev server,
// Netlify/GitHub Pages rewrites) answer a missing path with 200 and an HTML page; such an answer
// counts as missing, and is named in the NotFoundError when no version is found at all. Which of
// the two it is, is asked once: a path no table has (`_versions/<ABSENT>`) answering 404 means the
// host reports missing files, so the non-manifest answer is a damaged manifest (a torn upload, a
// truncated copy): a CorruptDataError, never a silently older version.
import { CorruptDataError, HttpError, NotFoundError, throwIfAborted } from '../errors.js';
import type { ByteStore, ReadOptions } from '../io/types.js';

export type NamingScheme = 'v1' | 'v2';

const U64_MAX = (1n << 64n) - 1n;
const text = new TextDecoder();

/** How far past its starting version one upward probe may go (2^20: ~20 gallop steps). */
export const MAX_VERSIONS_AHEAD = 1 << 20;

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
  /** The whole manifest file, when discovery already fetched it. */
  bytes?: Uint8Array;
}

/** What one discovery call has seen (for error messages). */
interface Probe {
  opts: ReadOptions;
  /** The first manifest path that answered with something that is not a manifest. */
  fallback?: { key: string; size: number };
  /** Whether the host answers missing paths with 404 (asked once, at the first non-manifest answer). */
  reportsMissing?: Promise<boolean>;
}

/** A manifest name no Lance table uses: what the host answers for it is what it answers for missing files. */
const ABSENT = '_versions/ragged-atlas-absent-probe.manifest';

/**
 * `key` answered `size` bytes that are not a manifest. On a host that answers missing paths with
 * 404, that is a damaged manifest: CorruptDataError. On an SPA-fallback host it means "missing".
 */
async function notAManifest(store: ByteStore, key: string, size: number, p: Probe): Promise<undefined> {
  p.fallback ??= { key, size };
  p.reportsMissing ??= store.size(ABSENT, p.opts).then((s) => s === undefined);
  if (await p.reportsMissing) {
    // Over HTTP a page in place of the file was possible, and this says why it is not that.
    const why = /^https?:/i.test(store.url) ? ' (the host answers 404 for missing files, so it is no fallback page)' : '';
    throw new CorruptDataError(`version manifest of ${size} bytes is not a Lance manifest: truncated or damaged${why}`, {
      where: `${store.url}/${key}`,
    });
  }
  return undefined;
}

const TAIL = 16;

/**
 * Whether `tail` (the last 16 bytes of a file of `size` bytes) is a manifest tail:
 * `u64 manifest_pos | u16 major | u16 minor | "LANC"`, with the position inside the file.
 */
export function isManifestTail(tail: Uint8Array, size: number): boolean {
  if (tail.length !== TAIL || size < TAIL + 4) return false;
  if (tail[12] !== 0x4c || tail[13] !== 0x41 || tail[14] !== 0x4e || tail[15] !== 0x43) return false;
  const v = new DataView(tail.buffer, tail.byteOffset, TAIL);
  const pos = v.getBigUint64(0, true);
  return pos + 4n <= BigInt(size - TAIL);
}

function fallbackNote(store: ByteStore, p: Probe): string {
  if (!p.fallback) return '';
  return `; ${store.url}/${p.fallback.key} answered with ${p.fallback.size} bytes that are not a Lance manifest — the server seems to answer missing files with a fallback page (e.g. an SPA index.html); serve the table from a host that returns 404 for missing files`;
}

/** Manifest `version` under `scheme` if the store has one there (validated by its tail). */
async function probeKey(store: ByteStore, version: number, scheme: NamingScheme, p: Probe): Promise<VersionRef | undefined> {
  const key = manifestKey(version, scheme);
  const size = await store.size(key, p.opts);
  if (size === undefined) return undefined;
  let tail: Uint8Array | undefined;
  if (size >= TAIL + 4) {
    try {
      tail = await store.getRange(key, { offset: size - TAIL, length: TAIL }, p.opts);
    } catch (e) {
      // The host says the manifest is there (a size) and then will not send it (404 or 403 to the
      // GET): an answer that says nothing about its bytes, so neither "missing" (which could end
      // discovery at an older version) nor "damaged".
      if (e instanceof NotFoundError) {
        throw new HttpError(`the host reports ${size} bytes for this manifest but refuses to send them: ${e.detail}`, { url: `${store.url}/${key}` }, { cause: e });
      }
      throw e;
    }
  }
  if (tail && isManifestTail(tail, size)) return { version, scheme };
  return notAManifest(store, key, size, p);
}

/** Like probeKey, but fetches the whole manifest (when it will be read anyway). */
async function fetchKey(store: ByteStore, version: number, scheme: NamingScheme, p: Probe): Promise<VersionRef | undefined> {
  const key = manifestKey(version, scheme);
  const bytes = await store.get(key, p.opts);
  if (!bytes) return undefined;
  if (bytes.length >= TAIL && isManifestTail(bytes.subarray(bytes.length - TAIL), bytes.length)) return { version, scheme, bytes };
  return notAManifest(store, key, bytes.length, p);
}

type Lookup = (v: number, s: NamingScheme) => Promise<VersionRef | undefined>;

const schemeOrder = (prefer: NamingScheme | undefined): NamingScheme[] => (prefer === 'v1' ? ['v1', 'v2'] : ['v2', 'v1']);

/** `version` in the preferred scheme, then the other: for a version expected to exist (its GET usually hits first). */
async function inSchemes(version: number, prefer: NamingScheme | undefined, f: Lookup): Promise<VersionRef | undefined> {
  for (const scheme of schemeOrder(prefer)) {
    const r = await f(version, scheme);
    if (r) return r;
  }
  return undefined;
}

/**
 * `version` in both schemes at once, answered in preference order: for probes, which mostly miss
 * (the last step of every upward probe does), and a miss must ask both schemes — in turn, a round
 * trip each. Both settle before the answer, so a failure of either is never left unhandled.
 */
async function inBothSchemes(version: number, prefer: NamingScheme | undefined, f: Lookup): Promise<VersionRef | undefined> {
  const settled = await Promise.allSettled(schemeOrder(prefer).map((s) => f(version, s)));
  for (const r of settled) {
    if (r.status === 'rejected') throw r.reason;
    if (r.value) return r.value;
  }
  return undefined;
}

/** Which scheme (if any) has a manifest for `version`. V2 is tried first. */
export async function findVersion(store: ByteStore, version: number, opts: ReadOptions = {}, prefer?: NamingScheme): Promise<VersionRef | undefined> {
  const p: Probe = { opts };
  return inSchemes(version, prefer, (v, s) => probeKey(store, v, s, p));
}

/** The manifest of `version` (fetched), or NotFoundError. `prefer`: the naming scheme tried first (default V2). */
export async function requireVersion(store: ByteStore, version: number, opts: ReadOptions = {}, prefer?: NamingScheme): Promise<VersionRef> {
  const p: Probe = { opts };
  const ref = await inSchemes(version, prefer, (v, s) => fetchKey(store, v, s, p));
  if (!ref) throw new NotFoundError(`table version ${version} does not exist${fallbackNote(store, p)}`, { where: `${store.url}/_versions` });
  return ref;
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
  // Any failure (403 from a bucket, network) only means "no hint"; cancellation still cancels.
  const bytes = await store.get('_versions/latest_version_hint.json', opts).catch(() => {
    throwIfAborted(opts.signal);
    return undefined;
  });
  if (!bytes) return undefined;
  try {
    const v = (JSON.parse(text.decode(bytes)) as { version?: unknown }).version;
    return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
  } catch {
    return undefined; // not JSON: e.g. a fallback page
  }
}

/**
 * The newest version at or above `from`, which exists: gallops upward while versions exist,
 * then bisects. Assumes the versions above `from` are contiguous (Lance never skips a number;
 * cleanup removes only old versions). `known`: a version above `from` already found to exist.
 */
async function probeUp(store: ByteStore, from: VersionRef, p: Probe, known: VersionRef = from): Promise<VersionRef> {
  let lo = known;
  let hi: number | undefined;
  while (hi === undefined) {
    const next = lo.version + Math.max(1, lo.version - from.version);
    if (next - from.version > MAX_VERSIONS_AHEAD) {
      throw new CorruptDataError(
        `manifests for versions ${from.version} to ${lo.version} all answer: more than ${MAX_VERSIONS_AHEAD} versions past ${from.version} is not a real table — the server seems to answer every path with the same file`,
        { where: `${store.url}/${manifestKey(lo.version, lo.scheme)}` },
      );
    }
    const r = await inBothSchemes(next, lo.scheme, (v, s) => probeKey(store, v, s, p));
    if (r) lo = r;
    else hi = next;
  }
  while (hi - lo.version > 1) {
    const mid = Math.floor((lo.version + hi) / 2);
    const r = await inBothSchemes(mid, lo.scheme, (v, s) => probeKey(store, v, s, p));
    if (r) lo = r;
    else hi = mid;
  }
  return lo;
}

export async function latestVersion(store: ByteStore, opts: ReadOptions = {}): Promise<VersionRef> {
  const p: Probe = { opts };
  const hint = await readHint(store, opts);
  if (hint !== undefined) {
    // The hint is usually current: its manifest and the absence of the next version are asked
    // together, one round trip instead of three (manifest, then the next version in each scheme).
    const next = inBothSchemes(hint + 1, undefined, (v, s) => probeKey(store, v, s, p));
    next.catch(() => undefined); // awaited below in either case; never an unhandled rejection
    const at = await inSchemes(hint, undefined, (v, s) => fetchKey(store, v, s, p));
    if (at) {
      const above = await next;
      return above ? probeUp(store, at, p, above) : at;
    }
    // The hinted version is gone (cleaned up since the hint was written): the next one may not be.
    const above = await next.catch(() => undefined);
    if (above) return probeUp(store, above, p);
  }
  const listed = await listManifests(store, opts);
  if (listed && listed.length > 0) return listed[listed.length - 1]!;
  const first = await inSchemes(1, undefined, (v, s) => probeKey(store, v, s, p));
  if (!first) {
    throw new NotFoundError(`no table version found: no latest_version_hint.json, no listing, and no version 1 manifest${fallbackNote(store, p)}`, {
      where: `${store.url}/_versions`,
    });
  }
  return probeUp(store, first, p);
}

/**
 * Versions present, oldest first: from a listing if possible, else walking down from `latest`
 * (which exists) until a version is missing — at most `latest` probes, `window` at a time.
 */
export async function presentVersions(store: ByteStore, latest: VersionRef, opts: ReadOptions = {}, window = 8): Promise<VersionRef[]> {
  const listed = await listManifests(store, opts);
  if (listed) return listed;
  const p: Probe = { opts };
  const out: VersionRef[] = [latest];
  for (let top = latest.version - 1; top >= 1; top -= window) {
    const batch = Array.from({ length: Math.min(window, top) }, (_, i) => top - i);
    const found = await Promise.all(batch.map((v) => inSchemes(v, latest.scheme, (x, s) => probeKey(store, x, s, p))));
    const gap = found.findIndex((r) => r === undefined);
    out.push(...(found.slice(0, gap < 0 ? found.length : gap) as VersionRef[]));
    if (gap >= 0) break;
  }
  return out.reverse();
}
