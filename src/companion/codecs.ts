// The two encoders the atlas writer needs, taken from the shared codec module (src/codecs,
// Rust→wasm: BP-128 `homeobox.bitpacking` and libzstd) rather than re-implemented here, so the
// bytes the companion writes are produced by the same code the browser reader decodes with.
import type { InnerCodec } from './zarr-writer/metadata.js';

export type BitpackTransform = 'none' | 'delta' | 'delta_zigzag';

/** The subset of `Codecs` (src/codecs) the companion uses; tests may inject their own. */
export interface WriterCodecs {
  /** `data` is raw little-endian element bytes; returns one homeobox BP-128 stream. */
  bitpackEncode(data: Uint8Array, opts: { transform: BitpackTransform; elementSize: 4 | 8 }): Uint8Array;
  /** One zstd frame; `level` 0 means libzstd's default (3), as numcodecs/zarr-python use it. */
  zstdCompress(data: Uint8Array, opts: { level: number }): Uint8Array;
  /** Inverse of bitpackEncode (transform read from the stream header); raw LE element bytes. */
  bitpackDecode(data: Uint8Array, opts: { elementSize: 4 | 8 }): Uint8Array;
  zstdDecompress(data: Uint8Array, opts: { maxOutputBytes: number }): Uint8Array;
}

let shared: Promise<WriterCodecs> | undefined;

/** Loads (once) the wasm codec module. */
export function loadWriterCodecs(): Promise<WriterCodecs> {
  shared ??= import('../codecs/index.js').then((m) => m.loadCodecs() as Promise<WriterCodecs>);
  return shared;
}

/** Applies the inner compressor of a sharded array to one serialized (LE bytes) inner chunk. */
/** Inverse of encodeInnerChunk; `rawBytes` is the exact decoded size of a full inner chunk. */
export function decodeInnerChunk(codecs: WriterCodecs, codec: InnerCodec, encoded: Uint8Array, rawBytes: number): Uint8Array {
  const out =
    codec.name === 'zstd'
      ? codecs.zstdDecompress(encoded, { maxOutputBytes: rawBytes })
      : codecs.bitpackDecode(encoded, { elementSize: codec.elementSize });
  if (out.length !== rawBytes) throw new Error(`${codec.name}: decoded ${out.length} bytes, expected ${rawBytes}`);
  return out;
}

export function encodeInnerChunk(codecs: WriterCodecs, codec: InnerCodec, raw: Uint8Array): Uint8Array {
  if (codec.name === 'zstd') return codecs.zstdCompress(raw, { level: codec.level });
  return codecs.bitpackEncode(raw, { transform: codec.transform, elementSize: codec.elementSize });
}
