// Reads back sharded arrays of the shapes homeobox writes (1-D, or 2-D chunked along rows with
// whole rows per inner chunk), one inner chunk at a time. The companion needs this for the
// feature-oriented copy (add-csc streams csr/* several times with bounded memory) and for
// validation; the browser reader in src/zarr serves queries.
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptDataError, NotFoundError, UnsupportedError } from '../../errors.js';
import { decodeInnerChunk, type WriterCodecs } from '../codecs.js';
import { crc32c } from '../../codecs/crc32c.js';
import { allocTyped, type AnyTypedArray } from './array-writer.js';
import { chunkKey, DTYPE_BYTES, type DType, type InnerCodec } from './metadata.js';

export interface ArrayInfo {
  path: string;
  shape: number[];
  dtype: DType;
  shardShape: number[];
  chunkShape: number[];
  /** The compressor after `bytes`, or undefined when the inner chain is `bytes` only. */
  codec: InnerCodec | undefined;
}

/** Parses an array zarr.json (sharded, index at end, as homeobox writes); undefined for a group. */
export async function readArrayInfo(root: string, path: string): Promise<ArrayInfo | undefined> {
  const where = join(root, path, 'zarr.json');
  let raw: string;
  try {
    raw = await readFile(where, 'utf8');
  } catch {
    throw new NotFoundError(`no zarr node at ${path}`, { where });
  }
  const m = JSON.parse(raw) as Record<string, unknown>;
  if (m.node_type !== 'array') return undefined;
  const grid = (m.chunk_grid as { configuration?: { chunk_shape?: number[] } })?.configuration?.chunk_shape;
  const codecs = m.codecs as { name: string; configuration?: Record<string, unknown> }[];
  const sharding = codecs?.[0];
  if (!grid || sharding?.name !== 'sharding_indexed' || codecs.length !== 1) {
    throw new UnsupportedError(`array ${path} is not sharded the way homeobox writes arrays`, { feature: 'unsharded array', where });
  }
  const cfg = sharding.configuration as { chunk_shape: number[]; codecs: { name: string; configuration?: Record<string, unknown> }[]; index_location?: string };
  if ((cfg.index_location ?? 'end') !== 'end') throw new UnsupportedError('shard index at start', { feature: 'index_location start', where });
  const inner = cfg.codecs.filter((c) => c.name !== 'bytes');
  let codec: InnerCodec | undefined;
  const c = inner[0];
  if (inner.length > 1) throw new UnsupportedError(`inner codec chain ${inner.map((x) => x.name).join('+')}`, { feature: 'codec chain', where });
  if (c?.name === 'zstd') codec = { name: 'zstd', level: Number(c.configuration?.level ?? 0), checksum: Boolean(c.configuration?.checksum) };
  else if (c?.name === 'homeobox.bitpacking' || c?.name === 'lancell.bitpacking') {
    codec = {
      name: 'homeobox.bitpacking',
      transform: (c.configuration?.transform as 'none') ?? 'none',
      elementSize: (Number(c.configuration?.element_size ?? 4) as 4 | 8),
    };
  } else if (c) throw new UnsupportedError(`codec ${c.name}`, { feature: c.name, where });
  return { path, shape: m.shape as number[], dtype: m.data_type as DType, shardShape: grid, chunkShape: cfg.chunk_shape, codec };
}

export interface ChunkSlice {
  /** First row (axis 0) of this chunk. */
  rowStart: number;
  /** Rows of real data (the padded tail of the last chunk is cut off). */
  nRows: number;
  values: AnyTypedArray;
}

/**
 * Streams the array's inner chunks in row order (missing shards and empty chunks come back as
 * zeros). Requires inner chunks that span every trailing axis.
 */
export async function* readChunks(root: string, info: ArrayInfo, codecs: WriterCodecs): AsyncGenerator<ChunkSlice> {
  const [rows = 0, ...trailing] = info.shape;
  const rowElems = trailing.reduce((a, b) => a * b, 1);
  if (info.chunkShape.slice(1).some((d, i) => d !== trailing[i]) || info.shardShape.slice(1).some((d, i) => d !== trailing[i])) {
    throw new UnsupportedError(`array ${info.path}: chunks must span all trailing axes`, { feature: 'multi-dimensional chunk grid' });
  }
  const chunkRows = info.chunkShape[0]!;
  const shardRows = info.shardShape[0]!;
  const perShard = shardRows / chunkRows;
  const itemBytes = DTYPE_BYTES[info.dtype];
  const chunkBytes = chunkRows * rowElems * itemBytes;
  const nShards = Math.ceil(rows / shardRows);
  for (let s = 0; s < nShards; s++) {
    const file = join(root, info.path, chunkKey([s, ...trailing.map(() => 0)]));
    const fh = await open(file, 'r').catch(() => undefined);
    let index: DataView | undefined;
    try {
      if (fh) {
        const size = (await fh.stat()).size;
        const indexBytes = 16 * perShard + 4;
        if (size < indexBytes) throw new CorruptDataError(`shard shorter than its index`, { where: file });
        const buf = new Uint8Array(indexBytes);
        await fh.read(buf, 0, indexBytes, size - indexBytes);
        const dv = new DataView(buf.buffer);
        if (crc32c(buf.subarray(0, 16 * perShard)) !== dv.getUint32(16 * perShard, true)) {
          throw new CorruptDataError('shard index checksum mismatch', { where: file });
        }
        index = dv;
      }
      for (let c = 0; c < perShard; c++) {
        const rowStart = s * shardRows + c * chunkRows;
        if (rowStart >= rows) break;
        const nRows = Math.min(chunkRows, rows - rowStart);
        let values: AnyTypedArray;
        const off = index?.getBigUint64(16 * c, true);
        const len = index?.getBigUint64(16 * c + 8, true);
        if (!fh || off === undefined || len === undefined || off === 0xffff_ffff_ffff_ffffn) {
          values = allocTyped(info.dtype, nRows * rowElems);
        } else {
          const enc = new Uint8Array(Number(len));
          await fh.read(enc, 0, enc.length, Number(off));
          const raw = info.codec ? decodeInnerChunk(codecs, info.codec, enc, chunkBytes) : enc;
          const full = typedView(info.dtype, raw);
          values = full.subarray(0, nRows * rowElems) as AnyTypedArray;
        }
        yield { rowStart, nRows, values };
      }
    } finally {
      await fh?.close();
    }
  }
}

/** The whole array in memory (tests and small arrays such as csc/indptr). */
export async function readWhole(root: string, info: ArrayInfo, codecs: WriterCodecs): Promise<AnyTypedArray> {
  const total = info.shape.reduce((a, b) => a * b, 1);
  const out = allocTyped(info.dtype, total);
  const rowElems = info.shape.slice(1).reduce((a, b) => a * b, 1);
  for await (const ch of readChunks(root, info, codecs)) (out as Uint8Array).set(ch.values as Uint8Array, ch.rowStart * rowElems);
  return out;
}

function typedView(dtype: DType, raw: Uint8Array): AnyTypedArray {
  const bytes = DTYPE_BYTES[dtype];
  const aligned = raw.byteOffset % bytes === 0 ? raw : raw.slice();
  const n = aligned.byteLength / bytes;
  switch (dtype) {
    case 'uint32':
      return new Uint32Array(aligned.buffer, aligned.byteOffset, n);
    case 'int32':
      return new Int32Array(aligned.buffer, aligned.byteOffset, n);
    case 'int64':
      return new BigInt64Array(aligned.buffer, aligned.byteOffset, n);
    case 'float32':
      return new Float32Array(aligned.buffer, aligned.byteOffset, n);
    case 'float64':
      return new Float64Array(aligned.buffer, aligned.byteOffset, n);
    case 'uint16':
      return new Uint16Array(aligned.buffer, aligned.byteOffset, n);
    default:
      return aligned;
  }
}
