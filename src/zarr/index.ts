// Public surface of the zarr v3 read path.
export { openArray, openGroup, hasDataType, type ZarrArray, type ZarrGroup, type OpenOptions } from './array.js';
export { readRanges, readRows, readAll, fetchRangesEncoded, prefetchShardIndexes, type ArrayReadOptions, type ReadProgress, type RangesResult } from './read.js';
export { planRanges, planShardFetch, rowRanges, type RangePlan, type ShardPlan, type ChunkPlan, type Strip, type RangesInput, type ShardFetchPlan, type ShardRequest } from './plan.js';
export { inThreadChunkDecoder, planChunkDecode, decodeChunks, type ChunkDecoder, type DecodeJob, type InnerCodec, type ChunkCodecs } from './chunk-decoder.js';
export { ShardIndexCache, DEFAULT_INDEX_CACHE_SIZE } from './shard-index-cache.js';
export { parseArrayMetadata, parseGroupMetadata, type ArrayMetadata, type GroupMetadata } from './metadata.js';
export { layoutOf, type ChunkLayout } from './grid.js';
export { chunkKey, type ChunkKeyEncoding } from './chunk-key.js';
export type { ArrayCodecs, ChunkCodecChain, BytesToBytesCodec } from './codecs/chain.js';
export type { ShardingCodec, ShardIndex } from './codecs/sharding.js';
export type { DataType, TypedArrayFor, ZarrTypedArray, FillValue } from './dtype.js';
export { decodeEncodedRead, decodeEncodedIndices, OUT_OF_LAYOUT, type EncodedRead, type MappedColumns } from './encoded-read.js';
