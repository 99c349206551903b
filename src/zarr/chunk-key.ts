// Where a chunk (or shard) of an array is stored, relative to the array's own path.
//
//   default, separator "/":  coords (3, 0) → "c/3/0"     0-d array → "c"
//   default, separator ".":  coords (3, 0) → "c.3.0"
//   v2,      separator ".":  coords (3, 0) → "3.0"        0-d array → "0"
//   v2,      separator "/":  coords (3, 0) → "3/0"
//
// homeobox always writes default + "/" (spec §3.1).

import { CorruptDataError, UnsupportedError } from '../errors.js';

export interface ChunkKeyEncoding {
  name: 'default' | 'v2';
  separator: '/' | '.';
}

export function parseChunkKeyEncoding(raw: unknown, where: string): ChunkKeyEncoding {
  const spec = typeof raw === 'string' ? { name: raw } : raw;
  if (typeof spec !== 'object' || spec === null || typeof (spec as { name?: unknown }).name !== 'string') {
    throw new CorruptDataError(`"chunk_key_encoding" must be an object with a name, got ${JSON.stringify(raw)}`, { where });
  }
  const { name, configuration } = spec as { name: string; configuration?: { separator?: unknown } };
  if (name !== 'default' && name !== 'v2') {
    throw new UnsupportedError(`chunk key encoding "${name}" is not supported`, { feature: `chunk_key_encoding ${name}`, where });
  }
  const sep = configuration?.separator ?? (name === 'default' ? '/' : '.');
  if (sep !== '/' && sep !== '.') {
    throw new CorruptDataError(`chunk key separator must be "/" or ".", got ${JSON.stringify(sep)}`, { where });
  }
  return { name, separator: sep };
}

/** The key of the chunk at `coords`, relative to the array path. */
export function chunkKey(enc: ChunkKeyEncoding, coords: readonly number[]): string {
  if (enc.name === 'v2') return coords.length === 0 ? '0' : coords.join(enc.separator);
  return coords.length === 0 ? 'c' : `c${enc.separator}${coords.join(enc.separator)}`;
}
