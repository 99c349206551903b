// Deletion files: which row offsets of a fragment are deleted.
//
//   _deletions/{fragment_id}-{read_version}-{id}.arrow   < 5000 deletions: Arrow IPC file, one
//       UInt32 column `row_id` (offsets in no particular order), ZSTD body compression
//   _deletions/{fragment_id}-{read_version}-{id}.bin     otherwise: portable Roaring32 bitmap
// `id` is a u64 that routinely exceeds 2^53 (e.g. 9953040212288499183): it is kept as BigInt and
// printed in decimal. Example: fragment 0, read version 3, id 42 → `_deletions/0-3-42.arrow`.
import { CorruptDataError } from '../errors.js';
import { readIpcUint32Column } from './arrow-ipc.js';
import type { Decompressors } from './decompressors.js';
import type { DeletionFileProto } from './proto/table.js';
import { decodeRoaring } from './roaring.js';

export function deletionKey(fragmentId: number, d: DeletionFileProto): string {
  const ext = d.fileType === 1 ? 'bin' : 'arrow';
  return `_deletions/${fragmentId}-${d.readVersion}-${d.id}.${ext}`;
}

/** Sorted, de-duplicated deleted row offsets. */
export function parseDeletionFile(bytes: Uint8Array, d: DeletionFileProto, dec: Decompressors, where: string): Uint32Array {
  const rows = d.fileType === 1 ? decodeRoaring(bytes, where) : readIpcUint32Column(bytes, dec, where).sort();
  let n = 0;
  for (let i = 0; i < rows.length; i++) if (i === 0 || rows[i] !== rows[i - 1]) rows[n++] = rows[i]!;
  const out = rows.subarray(0, n);
  if (d.numDeletedRows && out.length !== d.numDeletedRows) {
    throw new CorruptDataError(`deletion file lists ${out.length} rows, manifest says ${d.numDeletedRows}`, { where });
  }
  return out;
}

/** Physical row of the k-th surviving row (k counts non-deleted rows from 0). */
export function visibleToPhysical(k: number, deleted: Uint32Array): number {
  let p = k;
  for (let i = 0; i < deleted.length && deleted[i]! <= p; i++) p++;
  return p;
}
