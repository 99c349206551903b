// General-purpose buffer compression (`General{compression}` and `BufferCompression`).
//
// Framing written by lance-encoding's `physical/block.rs`:
//   LZ4 : [u32 LE uncompressed size][LZ4 block]
//   ZSTD: [u64 LE uncompressed size][zstd frame]
// Legacy writers stored a bare zstd frame (magic 28 B5 2F FD at offset 0); we accept both.
// Example: `05000000 50 68656c6c6f` is LZ4 for "hello" (size 5, one literal-only sequence).
import { CorruptDataError, UnsupportedError } from '../../errors.js';
import type { Decompressors } from '../decompressors.js';

export const Scheme = { Unspecified: 0, Lz4: 1, Zstd: 2 } as const;

/** The largest output we let one length prefix ask for (guards against corrupt prefixes). */
const MAX_OUTPUT = 1 << 30;

export function decompressBuffer(scheme: number, bytes: Uint8Array, dec: Decompressors, where: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (scheme) {
    case Scheme.Lz4: {
      if (bytes.length < 4) throw new CorruptDataError('LZ4 buffer shorter than its size prefix', { where });
      const size = view.getUint32(0, true);
      if (size > MAX_OUTPUT) throw new CorruptDataError(`LZ4 size prefix ${size} is implausible`, { where });
      return dec.lz4Block(bytes.subarray(4), size);
    }
    case Scheme.Zstd: {
      if (bytes.length >= 4 && view.getUint32(0, true) === 0xfd2fb528) {
        return dec.zstd(bytes, MAX_OUTPUT);
      }
      if (bytes.length < 8) throw new CorruptDataError('ZSTD buffer shorter than its size prefix', { where });
      const size = view.getBigUint64(0, true);
      if (size > BigInt(MAX_OUTPUT)) throw new CorruptDataError(`ZSTD size prefix ${size} is implausible`, { where });
      const out = dec.zstd(bytes.subarray(8), Number(size));
      if (out.length !== Number(size)) {
        throw new CorruptDataError(`ZSTD output has ${out.length} bytes, prefix said ${size}`, { where });
      }
      return out;
    }
    default:
      throw new UnsupportedError(`general compression scheme ${scheme}`, { feature: `CompressionScheme(${scheme})`, where });
  }
}
