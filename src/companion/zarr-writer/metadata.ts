// zarr.json documents byte-identical to what zarr-python 3.1.5 writes for homeobox:
// `json.dumps(meta.to_dict(), indent=2, allow_nan=True)` (config `json_indent` = 2), keys in
// dataclass-field order, no trailing newline, floats printed Python-style (`0.0`, not `0`).
// Byte identity matters because homeobox atlases are content-addressed by nobody, but diffed,
// checksummed and mirrored by people; a writer that agrees byte for byte removes a whole class
// of "is this the same atlas?" questions.

export type DType = 'bool' | 'uint8' | 'uint16' | 'uint32' | 'int32' | 'int64' | 'float32' | 'float64';

export const DTYPE_BYTES: Record<DType, number> = {
  bool: 1,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  int32: 4,
  int64: 8,
  float32: 4,
  float64: 8,
};

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** A bytes→bytes compressor inside `sharding_indexed` (what homeobox specs can declare). */
export type InnerCodec =
  | { name: 'homeobox.bitpacking'; transform: 'none' | 'delta' | 'delta_zigzag'; elementSize: 4 | 8 }
  | { name: 'zstd'; level: number; checksum: boolean };

/** zarr-python's default compressor when a spec declares none: `ZstdCodec()` = level 0, no checksum. */
export const DEFAULT_ZSTD: InnerCodec = { name: 'zstd', level: 0, checksum: false };

export interface ArrayMetadataInput {
  shape: readonly number[];
  dtype: DType;
  /** Shard shape = the zarr chunk grid; absent for an unsharded array (the grid is `chunkShape`). */
  shardShape?: readonly number[];
  /** Inner chunk shape inside each shard, or the chunk shape of an unsharded array. */
  chunkShape: readonly number[];
  codec: InnerCodec;
  /** zarr.json `attributes` (homeobox writes none; the companion may record shard sizes). */
  attributes?: { [key: string]: PyJson };
}

/** A JSON float that must print with a decimal point, as Python's `repr(float)` does. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyJson = null | boolean | number | string | PyFloat | PyJson[] | { [key: string]: PyJson };

export function groupMetadataJson(): string {
  return pyJsonDumps({ attributes: {}, zarr_format: 3, node_type: 'group' });
}

export function arrayMetadataJson(m: ArrayMetadataInput): string {
  // One-byte dtypes have no endianness: zarr-python drops the `configuration` of `bytes`.
  const serializer: PyJson =
    m.dtype === 'bool' || m.dtype === 'uint8' ? { name: 'bytes' } : { name: 'bytes', configuration: { endian: 'little' } };
  const compressor: PyJson =
    m.codec.name === 'zstd'
      ? { name: 'zstd', configuration: { level: m.codec.level, checksum: m.codec.checksum } }
      : { name: 'homeobox.bitpacking', configuration: { transform: m.codec.transform, element_size: m.codec.elementSize } };
  const fill: PyJson = m.dtype === 'bool' ? false : isFloat(m.dtype) ? new PyFloat(0) : 0;
  // Unsharded (zarr-python's `create_array` without `shards`): the two codecs at array level.
  const codecs: PyJson[] = m.shardShape
    ? [
        {
          name: 'sharding_indexed',
          configuration: {
            chunk_shape: [...m.chunkShape],
            codecs: [serializer, compressor],
            index_codecs: [{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'crc32c' }],
            index_location: 'end',
          },
        },
      ]
    : [serializer, compressor];
  return pyJsonDumps({
    shape: [...m.shape],
    data_type: m.dtype,
    chunk_grid: { name: 'regular', configuration: { chunk_shape: [...(m.shardShape ?? m.chunkShape)] } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    fill_value: fill,
    codecs,
    attributes: m.attributes ?? {},
    zarr_format: 3,
    node_type: 'array',
    storage_transformers: [],
  });
}

/** Key of shard `coords` under the default encoding with `/` separator: `c/3` or `c/3/0`. */
export function chunkKey(coords: readonly number[]): string {
  return ['c', ...coords.map(String)].join('/');
}

/** Python `json.dumps(obj, indent=2)` with `ensure_ascii=True` and Python float formatting. */
export function pyJsonDumps(value: PyJson, indent = 2): string {
  return dump(value, indent, 0);
}

function dump(v: PyJson, indent: number, level: number): string {
  if (v === null) return 'null';
  if (v instanceof PyFloat) return pyFloat(v.value);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : pyFloat(v);
  if (typeof v === 'string') return pyString(v);
  const pad = '\n' + ' '.repeat(indent * (level + 1));
  const end = '\n' + ' '.repeat(indent * level);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + v.map((x) => pad + dump(x, indent, level + 1)).join(',') + end + ']';
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  return '{' + keys.map((k) => `${pad}${pyString(k)}: ${dump(v[k]!, indent, level + 1)}`).join(',') + end + '}';
}

function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  // Both print the shortest round-tripping digits; Python pads the exponent to two digits.
  return String(x).replace(/e([+-])(\d)$/, 'e$10$2');
}

function pyString(s: string): string {
  // JSON.stringify escapes like Python except that Python (ensure_ascii) escapes all non-ASCII.
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
