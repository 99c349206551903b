// Plain zarrita 0.7.5 over @zarrita/storage's FileSystemStore: the independent reader every
// written array is checked with; `homeobox.bitpacking` is registered through the shared codec
// module's zarrita adapter (zstd stays numcodecs' own decoder, a second implementation).
import { FileSystemStore } from '@zarrita/storage';
import * as zarr from 'zarrita';
import { loadCodecs, registerZarritaCodecs } from '../../../../src/codecs/index.js';

let registered: Promise<void> | undefined;

export function registerBitpacking(): Promise<void> {
  registered ??= loadCodecs().then((c) => registerZarritaCodecs(zarr, c));
  return registered;
}

/** Reads a whole array with zarrita; returns its data and shape. */
export async function zarritaRead(root: string, path: string): Promise<{ data: ArrayLike<number | bigint>; shape: number[]; dtype: string }> {
  await registerBitpacking();
  const store = new FileSystemStore(root);
  const arr = await zarr.open.v3(zarr.root(store).resolve(path), { kind: 'array' });
  const chunk = await zarr.get(arr);
  return { data: chunk.data as ArrayLike<number | bigint>, shape: chunk.shape, dtype: arr.dtype };
}
