// An unsharded 1-D zarr v3 array written whole from memory: one object per chunk (`c/<i>`), as
// zarr-python's `create_array(name, data=…)` without `shards` writes it. For small arrays that
// readers take whole (csc/indptr): one GET per chunk, where a sharded array costs a shard index
// (a HEAD and a range, or a suffix range) plus a request per touched shard.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeInnerChunk, type WriterCodecs } from '../codecs.js';
import { allocTyped, isFillChunk, type AnyTypedArray } from './array-writer.js';
import { arrayMetadataJson, chunkKey, type DType, type InnerCodec } from './metadata.js';

export interface ChunkedArrayOptions {
  /** Directory of the zarr store root (the atlas's `zarr_store/`). */
  root: string;
  /** Array path relative to the root, e.g. `3f2a…/csc/indptr`. */
  path: string;
  dtype: DType;
  chunkRows: number;
  codec: InnerCodec;
  codecs: WriterCodecs;
}

/** Writes the chunks (the last one padded with the fill value, fill-only chunks omitted), then zarr.json. Returns bytes written. */
export async function writeChunkedArray(o: ChunkedArrayOptions, values: AnyTypedArray): Promise<number> {
  if (!(o.chunkRows > 0)) throw new RangeError(`chunk rows ${o.chunkRows} must be positive`);
  const dir = join(o.root, o.path);
  await mkdir(join(dir, 'c'), { recursive: true });
  let bytes = 0;
  for (let i = 0, start = 0; start < values.length; i++, start += o.chunkRows) {
    const chunk = allocTyped(o.dtype, o.chunkRows);
    (chunk as Uint8Array).set((values as Uint8Array).subarray(start, start + o.chunkRows));
    if (isFillChunk(chunk, o.dtype)) continue;
    const encoded = encodeInnerChunk(o.codecs, o.codec, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    await writeFile(join(dir, chunkKey([i])), encoded);
    bytes += encoded.length;
  }
  // zarr.json last: until it exists, zarr readers see no array.
  await writeFile(join(dir, 'zarr.json'), arrayMetadataJson({ shape: [values.length], dtype: o.dtype, codec: o.codec, chunkShape: [o.chunkRows] }));
  return bytes;
}
