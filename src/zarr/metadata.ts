// Strict parsing of zarr v3 `zarr.json` documents (arrays and groups).
//
// Array document (what homeobox / zarr-python 3 write; spec §3.2):
//   { "zarr_format": 3, "node_type": "array", "shape": [N], "data_type": "uint32",
//     "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [C]}},
//     "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
//     "fill_value": 0, "codecs": [...], "attributes": {}, "storage_transformers": [],
//     "dimension_names": [...]? }
//
// Anything malformed is CorruptDataError naming the file; anything well-formed that we do not read
// (other grids, storage transformers, data types, codecs, must_understand extensions) is
// UnsupportedError naming the feature. Nothing is guessed.

import { CorruptDataError, UnsupportedError } from '../errors.js';
import { parseChunkKeyEncoding, type ChunkKeyEncoding } from './chunk-key.js';
import { parseCodecs, type ArrayCodecs } from './codecs/chain.js';
import { BIG_FILL, itemSize, parseDataType, parseFillValue, type DataType, type FillValue } from './dtype.js';

export interface ArrayMetadata<D extends DataType = DataType> {
  shape: number[];
  dataType: D;
  /** Regular grid: the shape of each stored object (a shard, when sharded). */
  chunkShape: number[];
  chunkKeyEncoding: ChunkKeyEncoding;
  fillValue: FillValue;
  codecs: ArrayCodecs;
  attributes: Record<string, unknown>;
  dimensionNames?: (string | null)[];
}

export interface GroupMetadata {
  attributes: Record<string, unknown>;
  /** Inline consolidated metadata, when present (zarr-python extension); kept raw. */
  consolidatedMetadata?: unknown;
}

const ARRAY_KEYS = ['zarr_format', 'node_type', 'shape', 'data_type', 'chunk_grid', 'chunk_key_encoding', 'fill_value', 'codecs', 'attributes', 'storage_transformers', 'dimension_names'];
const GROUP_KEYS = ['zarr_format', 'node_type', 'attributes', 'consolidated_metadata'];

/** Decodes and parses a `zarr.json` body as an array document. */
export function parseArrayMetadata(doc: unknown, where: string): ArrayMetadata {
  const o = asObject(doc, where);
  checkNode(o, 'array', where);
  checkExtensions(o, ARRAY_KEYS, where);
  const shape = o.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new CorruptDataError(`"shape" must be a list of non-negative integers, got ${JSON.stringify(shape)}`, { where });
  }
  const dataType = parseDataType(o.data_type, where);
  const grid = asObject(o.chunk_grid, where, 'chunk_grid');
  if (grid.name !== 'regular') {
    throw new UnsupportedError(`chunk grid "${String(grid.name)}" is not supported (regular only)`, { feature: `chunk_grid ${String(grid.name)}`, where });
  }
  const chunkShape = asObject(grid.configuration, where, 'chunk_grid.configuration').chunk_shape;
  if (!Array.isArray(chunkShape) || chunkShape.length !== shape.length || !chunkShape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new CorruptDataError(`chunk_shape ${JSON.stringify(chunkShape)} does not match shape ${JSON.stringify(shape)}`, { where });
  }
  const st = o.storage_transformers;
  if (st !== undefined && !(Array.isArray(st) && st.length === 0)) {
    throw new UnsupportedError('storage transformers are not supported', { feature: 'storage_transformers', where });
  }
  const codecs = parseCodecs(o.codecs, { rank: shape.length, itemSize: itemSize(dataType), where, allowSharding: true });
  if (codecs.kind === 'sharded') {
    const inner = codecs.sharding.chunkShape;
    chunkShape.forEach((d: number, i) => {
      if (d % inner[i]! !== 0) {
        throw new CorruptDataError(`sharding chunk_shape ${JSON.stringify(inner)} does not divide the shard shape ${JSON.stringify(chunkShape)}`, { where });
      }
    });
  }
  const dn = o.dimension_names;
  if (dn !== undefined && !(Array.isArray(dn) && dn.length === shape.length && dn.every((d) => d === null || typeof d === 'string'))) {
    throw new CorruptDataError(`"dimension_names" must list ${shape.length} names or nulls`, { where });
  }
  return {
    shape: shape as number[],
    dataType,
    chunkShape: chunkShape as number[],
    chunkKeyEncoding: parseChunkKeyEncoding(o.chunk_key_encoding, where),
    fillValue: parseFillValue(o.fill_value, dataType, where),
    codecs,
    attributes: o.attributes === undefined ? {} : asObject(o.attributes, where, 'attributes'),
    ...(dn === undefined ? {} : { dimensionNames: dn as (string | null)[] }),
  };
}

export function parseGroupMetadata(doc: unknown, where: string): GroupMetadata {
  const o = asObject(doc, where);
  checkNode(o, 'group', where);
  checkExtensions(o, GROUP_KEYS, where);
  return {
    attributes: o.attributes === undefined ? {} : asObject(o.attributes, where, 'attributes'),
    ...(o.consolidated_metadata === undefined ? {} : { consolidatedMetadata: o.consolidated_metadata }),
  };
}

/**
 * Parses JSON bytes; a syntax error is CorruptDataError naming the file. An integer `fill_value`
 * too long for a double (int64 / uint64 fills beyond 2^53, e.g. numpy's max sentinels) is kept as
 * its exact digits (a BIG_FILL-tagged string; parseFillValue reads it): JSON.parse would round it.
 */
export function parseJsonBytes(bytes: Uint8Array, where: string): unknown {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return JSON.parse(text.replace(/("fill_value"\s*:\s*)(-?\d{16,})(?=\s*[,}])/g, `$1"${BIG_FILL}$2"`));
  } catch (err) {
    throw new CorruptDataError(`not valid JSON: ${(err as Error).message}`, { where }, { cause: err });
  }
}

function asObject(v: unknown, where: string, field?: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new CorruptDataError(`${field ? `"${field}"` : 'document'} must be a JSON object`, { where });
  }
  return v as Record<string, unknown>;
}

function checkNode(o: Record<string, unknown>, nodeType: 'array' | 'group', where: string): void {
  if (o.zarr_format !== 3) {
    if (o.zarr_format === undefined) throw new CorruptDataError('"zarr_format" is missing', { where });
    throw new UnsupportedError(`zarr_format ${JSON.stringify(o.zarr_format)} is not supported (v3 only)`, { feature: `zarr_format ${String(o.zarr_format)}`, where });
  }
  if (o.node_type !== nodeType) {
    throw new CorruptDataError(`expected node_type "${nodeType}", found ${JSON.stringify(o.node_type)}`, { where });
  }
}

/** Unknown top-level keys are allowed only as extensions marked `"must_understand": false`. */
function checkExtensions(o: Record<string, unknown>, known: string[], where: string): void {
  for (const [k, v] of Object.entries(o)) {
    if (known.includes(k)) continue;
    const optional = typeof v === 'object' && v !== null && (v as { must_understand?: unknown }).must_understand === false;
    if (!optional) throw new UnsupportedError(`metadata key "${k}" is not understood`, { feature: `metadata ${k}`, where });
  }
}
