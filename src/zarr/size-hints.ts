// Shard sizes recorded by the ragged-atlas companion in an array's zarr.json attributes:
//   "attributes": {"ragged_atlas": {"shard_nbytes": {"c/0": 99889252, "c/1": 18991097}}}
// With the size known, the index at a shard's end is one plain range request. Without it, a reader
// must learn the size first: a HEAD cross-origin (a suffix range is not CORS-safelisted, so it
// would cost a preflight instead). Lance manifests record their data files' sizes for the same
// reason. Attributes are free-form in zarr v3: homeobox and zarr-python ignore these.
//
// A hint is advice, not truth: the shard may have been rewritten by a writer that did not update
// it. It is used only when the index carries a CRC32C, so a stale hint fails the checksum (or the
// range) and the reader falls back to asking for the size (sharding.ts).

/** The attribute namespace the companion writes under. */
export const HINTS_ATTRIBUTE = 'ragged_atlas';

/** The recorded size of the shard at `chunkKey` (relative to the array, e.g. `c/0`), if any. */
export function shardSizeHint(attributes: Record<string, unknown>, chunkKey: string): number | undefined {
  const ns = attributes[HINTS_ATTRIBUTE] as { shard_nbytes?: unknown } | undefined;
  const sizes = ns && typeof ns === 'object' ? ns.shard_nbytes : undefined;
  if (!sizes || typeof sizes !== 'object') return undefined;
  const n = (sizes as Record<string, unknown>)[chunkKey];
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
