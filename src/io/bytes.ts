// Joining byte buffers: the one helper every layer uses (Lance metadata reads, Arrow IPC
// rewriting, HDF5 output), so each does not keep its own copy loop.

/** `parts` back to back in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
