// Small test conveniences.

/** Plain array of any typed array (including bigint ones and unions of them). */
export function arr(x: ArrayLike<unknown>): unknown[] {
  return Array.from(x);
}

/** XORs one byte in place (corruption tests). */
export function flip(bytes: Uint8Array, i: number, mask = 0xff): void {
  bytes[i] = bytes[i]! ^ mask;
}
