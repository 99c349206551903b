// The one protocol between the library and its decode workers. Everything that crosses is plain
// data; big buffers are transferred (never cloned) in both directions.

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
  wasmUrl?: string;
  variant?: 'simd' | 'scalar' | 'auto';
}

/** The API a decode worker exposes through comlink. */
export interface DecodeApi {
  init(opts: CodecLoadOptions): Promise<{ variant: string }>;
  /** Decodes every job; results line up with `jobs` and are transferred back. Throws a wire error. */
  decode(jobs: DecodeJob[]): Promise<Uint8Array[]>;
}

/** What readers decode through: a worker pool, or the same code in-thread. */
export interface ChunkDecoder {
  decode(jobs: DecodeJob[], opts?: { signal?: AbortSignal }): Promise<Uint8Array[]>;
  close?(): void;
}
