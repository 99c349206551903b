export { WorkerPool, type PoolOptions } from './pool.js';
export { createDecoder, inThreadDecoder, defaultDecodeWorkerUrl, type DecodePoolOptions } from './decode-pool.js';
export type { ChunkDecoder, DecodeApi, DecodeJob, InnerCodec, CodecLoadOptions } from './protocol.js';
