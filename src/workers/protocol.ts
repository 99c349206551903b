// The one protocol between the library and its decode workers. Everything that crosses is plain
// data; big buffers are transferred (never cloned) in both directions.
import type { PageJob } from '../lance/page-decoder.js';
import type { LeafSlots } from '../lance/slots.js';
import type { CsrMatrix } from '../reconstruct/csr.js';
import type { DataType } from '../zarr/dtype.js';
import type { EncodedRead } from '../zarr/encoded-read.js';
import type { WorkerFetchAnswer, WorkerFetchInit } from './fetch-core.js';

/** The inner codec chains homeobox writes after the `bytes` serializer inside `sharding_indexed`. */
export type InnerCodec =
  | { name: 'homeobox.bitpacking'; elementSize: 4 | 8 }
  | { name: 'zstd' }
  | { name: 'bytes' };

export interface DecodeJob {
  /** One encoded inner chunk. */
  encoded: Uint8Array;
  codec: InnerCodec;
  /** Exact decoded size in bytes (full chunk shape × element size); a chunk decoding to more is corrupt. */
  outBytes: number;
}

export interface CodecLoadOptions {
  /** Absolute URL of the .wasm file, or one per variant (so that feature detection still chooses). */
  wasmUrl?: string | Partial<Record<'simd' | 'scalar', string>>;
  variant?: 'simd' | 'scalar' | 'auto';
}

/**
 * One zarr group's share of a sparse CSR read, done where the values are decoded: decode the
 * fetched csr/indices and csr/layers/* bytes, remap local features to output columns, drop the
 * unwanted ones, sort each row by column and cast to the output dtypes. The answer is the group's
 * rows as a CSR matrix in read order (reconstruct/csr.ts assembleGroupCsr), ready to be placed.
 */
export interface CsrGroupJob {
  indices: EncodedRead;
  /** One per layer, in `layers` order. */
  values: EncodedRead[];
  layers: string[];
  outDtypes: DataType[];
  /** Entries per read row. */
  lengths: Int32Array | Float64Array;
  /** Effective remap: local feature → output column, −1 = drop. */
  remap: Int32Array;
  nCols: number;
  sortIndices: boolean;
}

/** The API a decode worker exposes through comlink. */
export interface DecodeApi {
  init(opts: CodecLoadOptions): Promise<{ variant: string }>;
  /** Decodes every job; results line up with `jobs` and are transferred back. Throws a wire error. */
  decode(jobs: DecodeJob[]): Promise<Uint8Array[]>;
  /** Decodes and assembles one group's CSR rows; the matrix's arrays are transferred back. */
  csrGroup(job: CsrGroupJob): Promise<CsrMatrix>;
  /** Decodes Lance 2.1+ pages (lance/page-decoder.ts); the slots' arrays are transferred back. */
  lancePages(jobs: PageJob[]): Promise<LeafSlots[]>;
  /** One HTTP request from the worker thread, body read whole and transferred back (fetch-pool.ts). */
  fetch(url: string, init: WorkerFetchInit): Promise<WorkerFetchAnswer>;
  /** Cancels the request of this worker that `fetch` was given this `id` for (a no-op once it ended). */
  cancelFetch(id: number): void;
}

/** What readers decode through: a worker pool, or the same code in-thread. */
export interface ChunkDecoder {
  decode(jobs: DecodeJob[], opts?: { signal?: AbortSignal }): Promise<Uint8Array[]>;
  /** Optional: readers fall back to decode() + main-thread assembly without it. Takes ownership of the job's buffers. */
  csrGroup?(job: CsrGroupJob, opts?: { signal?: AbortSignal }): Promise<CsrMatrix>;
  /** Optional: Lance pages are decoded on the reading thread without it (lance/page-decoder.ts PageDecoder). */
  lancePages?(jobs: PageJob[], opts?: { signal?: AbortSignal }): Promise<LeafSlots[]>;
  close?(): void;
}
