// Identifiers exactly as homeobox computes them (homeobox/schema/definitions.py and
// feature_layouts.py), so rows written here and rows written by Python agree byte for byte:
// a gene registered by either side gets the same uid, and two datasets with the same ordered
// var share one `_feature_layouts` layout.
import { createHash, randomUUID } from 'node:crypto';

/** `uuid.uuid4().hex[:16]`: 16 lowercase hex chars (the 13th is always the version nibble 4). */
export function makeUid(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16);
}

const HOX_NAMESPACE = uuidBytes('b3e7a9f1-6c2d-4a8b-9f01-3d5e7a2b8c4f');

/**
 * `uuid.uuid5(_HOX_NS, "|".join(values)).hex[:16]`. uuid5 is SHA-1 over namespace ‖ name with
 * the version (5) and RFC 4122 variant bits set; only the first 8 bytes survive `[:16]`, so the
 * variant byte (index 8) never shows, but the version nibble (byte 6) does.
 */
export function makeStableUid(...identityValues: string[]): string {
  const digest = createHash('sha1').update(HOX_NAMESPACE).update(identityValues.join('|'), 'utf8').digest();
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  return digest.subarray(0, 8).toString('hex');
}

/** `_stable_uid_identity_str`: an integral float is written as an int (`2.0` → `"2"`). */
export function stableUidIdentity(value: string | number | bigint | boolean): string {
  if (typeof value === 'number' && Number.isInteger(value)) return value.toFixed(0);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** `compute_layout_uid`: SHA-256 over every uid followed by a NUL byte, first 16 hex chars. */
export function layoutUid(featureUids: readonly string[], featureSpace?: string): string {
  const h = createHash('sha256');
  const nul = Buffer.from([0]);
  for (const uid of featureUids) {
    h.update(uid, 'utf8');
    h.update(nul);
  }
  // Only when homeobox's id is already another space's layout (writes.ts ensureLayout): the same
  // ordered uids in two spaces must not share layout rows, which hold one global_index per uid.
  if (featureSpace !== undefined) h.update(`\u0001feature_space=${featureSpace}`, 'utf8');
  return h.digest('hex').slice(0, 16);
}

/**
 * `datetime.now(timezone.utc).isoformat()`: `2026-11-21T06:11:00.123000+00:00`. Python prints
 * microseconds (omitted when zero) and `+00:00`, not JavaScript's `Z`; homeobox stores the string.
 */
export function pythonUtcNow(date: Date = new Date()): string {
  const iso = date.toISOString(); // 2026-11-21T06:11:00.123Z
  const ms = date.getUTCMilliseconds();
  const base = iso.slice(0, 19);
  return ms === 0 ? `${base}+00:00` : `${base}.${String(ms * 1000).padStart(6, '0')}+00:00`;
}

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}
