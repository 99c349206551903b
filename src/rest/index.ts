// LanceDB Cloud over REST: a browser-safe, read-only client speaking the official client's protocol.
export { connectCloud, parseDbUri, CloudDatabase } from './client.js';
export type { ConnectCloudOptions, ParsedDbUri, TableNamesOptions } from './client.js';
export { CloudTable } from './table.js';
export type { IndexInfo, ReadOptions, TableDescription, TableVersion, VersionedReadOptions } from './table.js';
export type { DistanceType, QueryOptions } from './query.js';
export type { RetryOptions } from './retry.js';
export { schemaFromJson } from './schema-json.js';
export type { JsonDataType, JsonField, JsonSchema } from './schema-json.js';
export type { IpcCodecs } from '../arrow/ipc-decompress.js';
