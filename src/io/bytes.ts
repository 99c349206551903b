// Joining typed arrays: the one helper every layer uses (Lance metadata reads, levels and
// deletion rows, Arrow IPC rewriting, HDF5 output), so each does not keep its own copy loop.

type Joinable = Uint8Array | Uint16Array | Uint32Array;

/** `parts` back to back in one new array made by `make`. */
export function concatArrays<T extends Joinable>(parts: readonly T[], make: new (length: number) => T): T {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new make(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte arrays back to back in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return concatArrays(parts, Uint8Array);
}
