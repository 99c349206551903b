// ragged-atlas: open and query homeobox ragged atlases client-side.
export { RaggedAtlas, type AtlasOptions, type AtlasVersion, type AtlasLocation, type CloudAtlasLocation } from './atlas/atlas.js';
export type { PointerField, PointerKind } from './atlas/pointer-fields.js';
export type { SnapshotRecord } from './atlas/snapshot-record.js';
export { AtlasQuery, type QueryProgress, type RunOptions } from './query/atlas-query.js';
export type { QuerySpec, FeatureJoin, DistanceMetric } from './query/spec.js';
export type { AnnData, MuData, Matrix, CsrMatrix, DenseMatrix, NumericArray } from './anndata/types.js';
export { toH5ad, type H5adOptions } from './anndata/h5ad-write.js';
export { toH5mu, type H5muOptions } from './anndata/h5mu-write.js';
export { HttpStore, type HttpStoreOptions } from './io/http.js';
export { MemoryCache, IndexedDbCache, withCache, type ByteCache } from './io/cache.js';
export { withVersionPin } from './io/version-pin.js';
export { withStats, type IoStats } from './io/stats.js';
export type { ByteStore, ByteRange } from './io/types.js';
export { createDecoder, inThreadDecoder, type DecodePoolOptions } from './workers/decode-pool.js';
export { createWorkerFetch, type WorkerFetch, type WorkerFetchOptions } from './workers/fetch-pool.js';
export type { ChunkDecoder } from './workers/protocol.js';
export * from './errors.js';
