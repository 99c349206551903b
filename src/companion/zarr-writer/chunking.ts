// Chunk and shard sizes exactly as homeobox chooses them (ingestion/writers.py and
// ingestor.py `_writer_create_kwargs`), plus zarr-python 3.1.5's "auto" heuristics, which
// homeobox uses for `csc/indptr` (`create_array(..., chunks="auto", shards="auto")`).

export const CHUNK_ELEMS = 40_960;
export const CHUNKS_PER_SHARD = 1024;
export const SHARD_ELEMS = CHUNK_ELEMS * CHUNKS_PER_SHARD; // 41_943_040

export interface RowChunking {
  chunkRows: number;
  shardRows: number;
}

/** Sparse 1-D arrays: 40,960-element chunks, 1,024 chunks per shard. */
export function sparseChunking(chunkElems = CHUNK_ELEMS, shardElems = SHARD_ELEMS): RowChunking {
  return { chunkRows: chunkElems, shardRows: shardElems };
}

/** Dense (N, F): `chunk_rows = max(1, 40960 // F)`, shard rows a whole number of chunks near 41.9M elements. */
export function denseChunking(nFeatures: number, chunkElems = CHUNK_ELEMS, shardElems = SHARD_ELEMS): RowChunking {
  const f = Math.max(1, nFeatures);
  const chunkRows = Math.max(1, Math.floor(chunkElems / f));
  const shardRows = Math.max(chunkRows, Math.floor(Math.max(1, Math.floor(shardElems / f)) / chunkRows) * chunkRows);
  return { chunkRows, shardRows };
}

/** zarr-python `_guess_chunks` (adapted from h5py), 1-D case used for csc/indptr. */
export function guessChunks(shape: readonly number[], typesize: number, maxBytes = 64 * 1024 * 1024): number[] {
  const increment = 256 * 1024;
  const minBytes = 128 * 1024;
  const chunks = shape.map((s) => Math.max(s, 1));
  const prod = () => chunks.reduce((a, b) => a * b, 1);
  const dset = prod() * typesize;
  let target = increment * 2 ** Math.log10(dset / (1024 * 1024));
  if (target > maxBytes) target = maxBytes;
  else if (target < minBytes) target = minBytes;
  for (let idx = 0; ; idx++) {
    const bytes = prod() * typesize;
    if ((bytes < target || Math.abs(bytes - target) / target < 0.5) && bytes < maxBytes) break;
    if (prod() === 1) break;
    const axis = idx % chunks.length;
    chunks[axis] = Math.ceil(chunks[axis]! / 2);
  }
  return chunks;
}

/**
 * `_auto_partition(chunks="auto", shards="auto")` with zarr 3.1.5 defaults (no
 * `target_shard_size_bytes`): chunks aimed at 1 KiB, shards of 2 chunks along every axis that
 * holds more than 8 chunks.
 */
export function autoPartition(shape: readonly number[], itemSize: number): { chunks: number[]; shards: number[] } {
  const chunks = guessChunks(shape, itemSize, 1024);
  const shards = shape.map((a, i) => (Math.floor(a / chunks[i]!) > 8 ? chunks[i]! * 2 : chunks[i]!));
  return { chunks, shards };
}
