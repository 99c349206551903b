// ragged-atlas/codec: the Rust→WASM codec module (homeobox.bitpacking / BP-128 and zstd), its
// zarrita adapter, and small pure-TS helpers (LZ4 for Arrow IPC, CRC-32C for shard indexes).

export { loadCodecs, sharedCodecs, defaultWasmUrls } from './load.js';
export { chooseVariant, WASM_FILES } from './variant.js';
export { registerZarritaCodecs, type ZarritaLike, type RegisterOptions } from './zarrita.js';
export { decodeLz4Block, decodeLz4Frame, decodeArrowLz4Buffer, xxh32, type Lz4Options } from './lz4.js';
export { crc32c } from './crc32c.js';
export { installComlinkErrorTransfer } from '../workers/comlink-errors.js';
export { ErrorCode, type ErrorCodeName } from './error-codes.js';
export type { CodecWorkerApi } from './codec-worker.js';
export type {
  BitpackDecodeOptions,
  BitpackEncodeOptions,
  BitpackTransform,
  CallOptions,
  ChunkCodec,
  Codecs,
  ElementSize,
  FsstStrings,
  LanceMiniBlockPage,
  LoadOptions,
  RemapTable,
  RemappedChunk,
  Variant,
  ZstdCompressOptions,
  ZstdDecompressOptions,
} from './types.js';
