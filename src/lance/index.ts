// ragged-atlas/lance — a static Lance table reader for the browser and Node.
//
// Opens LanceDB tables (file formats 2.0, 2.1, 2.2) from any ByteStore — plain HTTP(S) with
// Range requests, S3-style buckets, local files — and returns apache-arrow Tables:
//
//   const table = await openTable('https://example.org/atlas/cells.lance');
//   const obs = await table.scan({ columns: ['uid', 'cell_type', 'pointer'], limit: 1000 });
//   for await (const batch of table.scanBatches({ batchSize: 65536 })) { … }
//   const hit = await table.indexLookup('cell_type', { op: 'eq', value: 'B cell' });
//   const rows = await table.take(hit.rows, { columns: ['uid'] });
export { openTable, LanceTable, type OpenTableOptions, type FragmentInfo, type VersionInfo } from './table.js';
export type { ScanOptions, TakeOptions } from './scan.js';
export type { StructChildren } from './projection.js';
export type { IndexInfo, IndexLookupResult, IndexQuery, IndexValue, IndexType } from './indices/index.js';
export { builtinDecompressors, defaultDecompressors, type Decompressors } from './decompressors.js';
export type { IoOptions } from './context.js';
export { ROW_ADDRESS } from './projection.js';
export { manifestKey, parseManifestName, MAX_VERSIONS_AHEAD, type NamingScheme } from './versions.js';
export { UNSUPPORTED_META, LOGICAL_TYPE_META } from './schema.js';
export { READER_FLAGS } from './manifest.js';
