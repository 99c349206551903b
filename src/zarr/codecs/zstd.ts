// `zstd` (bytes → bytes): one zstd frame per chunk. zarr-python writes
// `{"level": 0, "checksum": false}`; the level only matters to writers. With `checksum: true` the
// frame carries its own XXH64 content checksum, which libzstd verifies while decoding.
// The decoder is the wasm module behind `ChunkDecoder` (src/codecs).

import { CorruptDataError } from '../../errors.js';
import { checkKeys, type CodecSpec } from './spec.js';

export interface ZstdCodec {
  name: 'zstd';
  level: number;
  checksum: boolean;
}

export function parseZstdCodec(spec: CodecSpec, where: string): ZstdCodec {
  checkKeys(spec, ['level', 'checksum'], where);
  const { level = 0, checksum = false } = spec.configuration;
  if (!Number.isInteger(level)) throw new CorruptDataError(`codec zstd: "level" must be an integer, got ${JSON.stringify(level)}`, { where });
  if (typeof checksum !== 'boolean') throw new CorruptDataError(`codec zstd: "checksum" must be a boolean`, { where });
  return { name: 'zstd', level: level as number, checksum };
}
