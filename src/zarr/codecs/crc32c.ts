// `crc32c` (bytes → bytes): appends the CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of
// the preceding bytes as a little-endian u32. zarr v3 uses it to protect every shard index:
//
//   [payload ... ][crc32c(payload) as u32le]
//
// Decoding verifies and strips the 4 bytes; a mismatch is CorruptDataError naming the object.
// The checksum itself is the codec module's pure-TS implementation (no wasm needed).

import { crc32c } from '../../codecs/crc32c.js';
import { CorruptDataError } from '../../errors.js';

export { crc32c };

/** Verifies the trailing checksum and returns the payload (a view, no copy). */
export function stripCrc32c(bytes: Uint8Array, where: string): Uint8Array {
  if (bytes.length < 4) throw new CorruptDataError(`crc32c: ${bytes.length} bytes is too short to hold a checksum`, { where });
  const n = bytes.length - 4;
  const payload = bytes.subarray(0, n);
  const stored = (bytes[n]! | (bytes[n + 1]! << 8) | (bytes[n + 2]! << 16) | (bytes[n + 3]! << 24)) >>> 0;
  const actual = crc32c(payload);
  if (stored !== actual) {
    throw new CorruptDataError(
      `crc32c mismatch: stored 0x${stored.toString(16).padStart(8, '0')}, computed 0x${actual.toString(16).padStart(8, '0')}`,
      { where },
    );
  }
  return payload;
}
