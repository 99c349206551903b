// Which fetched buffers nobody but their reader holds, so the reader may transfer them to a
// worker instead of copying them first. A store marks a buffer it made for one answer and keeps
// no reference to (HttpStore: a fresh 206 or 200 body); any layer that keeps or shares the bytes
// (a cache that stores them, an in-flight dedupe with several waiters) takes the mark off. Only
// marked buffers are ever transferred: an unmarked one costs a copy, never a wrong result.

const owned = new WeakSet<ArrayBufferLike>();

/** Marks the buffer behind `bytes` (a view of the whole buffer) as held by this answer alone. */
export function markOwned(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) owned.add(bytes.buffer);
  return bytes;
}

/** Takes the mark off: the caller keeps or shares these bytes. */
export function disown(bytes: unknown): void {
  if (bytes instanceof Uint8Array) owned.delete(bytes.buffer);
}

/** Whether the buffer behind `bytes` may be transferred (detached) by its reader. */
export function isOwned(bytes: Uint8Array): boolean {
  return owned.has(bytes.buffer);
}
