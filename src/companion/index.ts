// ragged-atlas/companion: the Node ingest companion. Writes atlases homeobox (Python) opens:
// Lance tables through @lancedb/lancedb and sharded zarr v3 arrays through the shared wasm
// codecs. Node only (node:fs, native lancedb); the browser library never imports this.
export { Atlas, CONFIG_FILE, type AtlasConfig, type CreateAtlasOptions } from './atlas.js';
export { ingest, DEFAULT_BATCH_ROWS, type IngestOptions, type IngestResult, type IngestedModality, type ModalitySpec, type LayerRef } from './ingest.js';
export { optimize, reindexRegistry, syncLayoutsGlobalIndex, type OptimizeResult } from './optimize.js';
export { snapshot, listVersions, type AtlasVersionRecord, type SnapshotResult } from './snapshot.js';
export { registerFeatureNames as registerFeatures } from './tables/writes.js';
export { validateAtlas, validateGroup, findOrphans, type ValidationReport, type ValidateOptions } from './validate.js';
export { addCsc, type AddCscOptions, type AddCscResult, type IndptrLayout } from './csc.js';
export { serveDirectory, parseRange, type ServeOptions, type RunningServer } from './serve.js';
export {
  FeatureSpaceRegistry,
  BUILTIN_FEATURE_SPACES,
  parseFeatureSpaceArg,
  pythonSpecSnippet,
  specFromUserDef,
  type FeatureSpaceSpec,
  type UserFeatureSpaceDef,
  type ArraySpec,
  type ZarrGroupSpec,
  type PointerKind,
} from './feature-spaces.js';
export type { ObsSchemaDef, ObsColumnDef, ObsType, EmbeddingDef, PointerDef } from './tables/schemas.js';
export { makeUid, makeStableUid, layoutUid, pythonUtcNow } from './uids.js';
export { stderrProgress, silentProgress, type Progress } from './progress.js';
export { loadWriterCodecs, type WriterCodecs } from './codecs.js';
export { ShardedArrayWriter, type ShardedArrayOptions } from './zarr-writer/array-writer.js';
export { readArrayInfo, readChunks, readWhole, type ArrayInfo } from './zarr-writer/array-reader.js';
export { sparseChunking, denseChunking, autoPartition, CHUNK_ELEMS, CHUNKS_PER_SHARD, SHARD_ELEMS } from './zarr-writer/chunking.js';
export { main as cli } from './cli.js';
