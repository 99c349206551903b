// `homeobox.bitpacking` (alias `lancell.bitpacking`, the pre-rename id with the same wire format):
// a bytes → bytes codec that reinterprets the serialized chunk as LE u32 (element_size 4) or u64
// (element_size 8) words and packs them in BP-128 blocks. Only the configuration lives here; the
// decoder itself is the wasm module behind `ChunkDecoder` (src/codecs, spec §4).
//
//   [u8 transform][u32le N] then ceil(N/128) × [u8 bit_width][16·bit_width bytes]   (u64: lo blocks, then hi blocks)
//
// The in-band transform byte is authoritative for decoding; `transform` in the configuration only
// matters to writers, so it is validated but not used. `element_size` is NOT in the stream and must
// come from here. Stores written before homeobox v0.2.8 omit `element_size`; it was always 4 then.
// The codec is dtype-agnostic (a uint16 array packs as u32 word pairs): never derive the word size
// from the array's data type.

import { checkKeys, oneOf, type CodecSpec } from './spec.js';

export const BITPACKING_NAMES = ['homeobox.bitpacking', 'lancell.bitpacking'] as const;

export type BitpackTransform = 'none' | 'delta' | 'delta_zigzag';

export interface BitpackingCodec {
  name: 'homeobox.bitpacking';
  elementSize: 4 | 8;
  transform: BitpackTransform;
}

export function parseBitpackingCodec(spec: CodecSpec, where: string): BitpackingCodec {
  checkKeys(spec, ['transform', 'element_size'], where);
  return {
    name: 'homeobox.bitpacking',
    transform: oneOf(spec, 'transform', ['none', 'delta', 'delta_zigzag'] as const, where, 'none'),
    elementSize: oneOf(spec, 'element_size', [4, 8] as const, where, 4),
  };
}
