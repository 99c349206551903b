// Public types of `ragged-atlas/codec`.

/** Which build of the wasm module runs: with SIMD128 kernels, or the scalar fallback. */
export type Variant = 'simd' | 'scalar';

export type BitpackTransform = 'none' | 'delta' | 'delta_zigzag';

export type ElementSize = 4 | 8;

/** The inner-chunk codecs `decodeChunkInto` understands (the zarr chains homeobox writes). */
export type ChunkCodec = { name: 'homeobox.bitpacking'; elementSize: ElementSize } | { name: 'zstd' };

export interface LoadOptions {
  /**
   * Where the .wasm file is: one URL, or one per variant so that feature detection still chooses
   * (bundlers: `import simd from 'ragged-atlas/wasm/ragged_atlas_codec_simd.wasm?url'`).
   * Default: `wasm/dist/ragged_atlas_codec_<variant>.wasm` of this package, next to this module.
   */
  wasmUrl?: string | URL | Partial<Record<Variant, string | URL>>;
  /** `auto` (default) picks `simd` when the engine validates a SIMD128 module. */
  variant?: Variant | 'auto';
  /** The module's bytes, when the caller already has them (takes precedence over `wasmUrl`). */
  wasmBytes?: Uint8Array | ArrayBuffer;
}

/** Common to every call: `where` names the chunk or array in error messages. */
export interface CallOptions {
  where?: string;
}

export interface BitpackDecodeOptions extends CallOptions {
  elementSize: ElementSize;
  /** Refuse (CodecError) a chunk whose header declares more decoded bytes than this. */
  maxOutputBytes?: number;
}

export interface BitpackEncodeOptions extends CallOptions {
  transform: BitpackTransform;
  elementSize: ElementSize;
}

export interface ZstdDecompressOptions extends CallOptions {
  /** Hard cap on the decompressed size: larger frames fail before anything that size is allocated. */
  maxOutputBytes: number;
}

export interface ZstdCompressOptions extends CallOptions {
  /** zstd level; default 3. 0 means the library default (3); negative levels are the fast modes. */
  level?: number;
}

/**
 * A local → output column table for `decodeIndicesInto`: an immutable copy, built once per read
 * and shared by all its chunks (the module keeps it resident between calls).
 */
export interface RemapTable {
  /** Number of local features (valid local indices are `0 … length − 1`). */
  readonly length: number;
}

/** What `decodeIndicesInto` wrote. */
export interface RemappedChunk {
  /** Bytes written (4 per index). */
  bytes: number;
  /** Smallest column written (`2^31 − 1` for none): ≥ 0 means no index was dropped or outside the table. */
  min: number;
}

/**
 * A Lance mini-block page for `lanceMiniBlock`: buffers 0 (chunk words) and 1 (chunks) of a page
 * of one value buffer and no levels, and what that buffer holds.
 */
export interface LanceMiniBlockPage {
  meta: Uint8Array;
  data: Uint8Array;
  /** The layout's has_large_chunk (u32 chunk words and buffer sizes). */
  largeChunk: boolean;
  items: number;
  /**
   * flat / inline bit-packed values of `bits` (8, 16, 32, 64); RLE values of `bits` with run lengths of
   * `lengthBits` (8, 16, 32; two buffers per chunk); or strings (FSST with `symbols`: the table body).
   */
  values: { kind: 'flat' | 'inline'; bits: number } | { kind: 'rle'; bits: number; lengthBits: number } | { kind: 'strings'; symbols?: Uint8Array };
}

/** Strings decoded by `fsstDecode`: `offsets` (length + 1, starting at 0) into `data`. */
export interface FsstStrings {
  data: Uint8Array;
  offsets: Uint32Array;
}

/**
 * The codec module, loaded and ready. Every call is synchronous, copies its input into wasm memory
 * and returns fresh JS memory (never a view into wasm memory). Failures throw CodecError.
 */
export interface Codecs {
  readonly variant: Variant;
  /** Decodes a `homeobox.bitpacking` chunk to raw little-endian bytes (`N · elementSize`). */
  bitpackDecode(data: Uint8Array, opts: BitpackDecodeOptions): Uint8Array;
  /** Encodes raw little-endian words exactly as homeobox does. */
  bitpackEncode(data: Uint8Array, opts: BitpackEncodeOptions): Uint8Array;
  bitpackDecodeU32(data: Uint8Array, opts?: Omit<BitpackDecodeOptions, 'elementSize'>): Uint32Array;
  bitpackDecodeU64(data: Uint8Array, opts?: Omit<BitpackDecodeOptions, 'elementSize'>): BigUint64Array;
  bitpackEncodeU32(values: Uint32Array, transform: BitpackTransform): Uint8Array;
  bitpackEncodeU64(values: BigUint64Array, transform: BitpackTransform): Uint8Array;
  /** Decompresses all frames of `data`, streamed frames (no declared size) included. */
  zstdDecompress(data: Uint8Array, opts: ZstdDecompressOptions): Uint8Array;
  zstdCompress(data: Uint8Array, opts?: ZstdCompressOptions): Uint8Array;
  /**
   * Decodes one encoded inner chunk into `out`; returns the bytes written. Throws CodecError when
   * the decoded chunk would not fit in `out.length` bytes.
   */
  decodeChunkInto(encoded: Uint8Array, codec: ChunkCodec, out: Uint8Array, opts?: CallOptions): number;
  /** Copies `table` (`table[local]` = output column, −1 = dropped) for `decodeIndicesInto`. */
  remapTable(table: Int32Array): RemapTable;
  /**
   * `decodeChunkInto` for a chunk of uint32 local feature indices, each mapped through `table` as
   * it is decoded: `out` receives int32 columns, −1 for a dropped feature and −2^31
   * (`OUT_OF_LAYOUT`) for a local index outside the table (the caller decides whether that entry
   * matters: a chunk also holds entries it may not read).
   */
  decodeIndicesInto(encoded: Uint8Array, codec: ChunkCodec, table: RemapTable, out: Uint8Array, opts?: CallOptions): RemappedChunk;
  /**
   * FSST-decodes `length` strings, `offsets` (length + 1) into `codes`, with the symbol table body
   * `symbols` as Lance stores it after its 8-byte header (count × 8 symbol bytes, then count lengths).
   * Code 255 escapes one literal byte. Corrupt input (unknown codes, an escape ending a string,
   * offsets outside `codes`) throws CodecError.
   */
  fsstDecode(codes: Uint8Array, offsets: Uint32Array, length: number, symbols: Uint8Array, opts?: CallOptions): FsstStrings;
  /**
   * A whole Lance mini-block page in one call (wasm/src/miniblock.rs): fixed-width (and RLE) values as their
   * little-endian bytes (`offsets` absent), strings as bytes and `items + 1` offsets. Corrupt pages
   * throw CodecError.
   */
  lanceMiniBlock(page: LanceMiniBlockPage, opts?: CallOptions): { data: Uint8Array; offsets?: Uint32Array };
  /**
   * CSC → CSR assembly (the feature-oriented read path, src/reconstruct/csc.ts) for row maps that
   * are one-to-one: counts each output row's entries, then places every entry and scatters each
   * layer's values (`layers[l][g]`: layer l of group g, all of layer l one typed-array type).
   * Undefined when wasm memory cannot hold the job; bad indices throw CodecError.
   */
  assembleCsc(groups: readonly CscAssemblyGroup[], nRows: number, layers: readonly (readonly TypedValues[])[], opts?: CallOptions): CscAssemblyResult | undefined;
  /** Current size of the wasm linear memory (it only ever grows). */
  memoryBytes(): number;
}

/** A typed array of values the kernels move as bytes. */
export type TypedValues = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** One dataset's CSC columns for `assembleCsc`. */
export interface CscAssemblyGroup {
  /** zarr_row of every entry (the columns' csc/indices, concatenated). */
  rows: Uint32Array;
  /** zarr_row → output row; −1 (or past the end) = not queried. */
  one: Int32Array;
  /** (from, to, output column) per column, in ascending output column. */
  plan: Uint32Array;
}

export interface CscAssemblyResult {
  indptr: Int32Array;
  indices: Int32Array;
  /** Per layer, of the layer's typed-array type. */
  data: TypedValues[];
}
