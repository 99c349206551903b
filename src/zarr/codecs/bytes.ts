// `bytes` (array → bytes serializer): the chunk's elements in C order, each `itemSize` bytes,
// little- or big-endian. Decoding is a no-op for little-endian data (our typed arrays are LE views)
// and an in-place byte swap for big-endian data. One-byte types carry no `endian` (zarr-python
// writes `{"name":"bytes"}` for uint8/bool); multi-byte types must say which.
//
//   endian little, uint32 [1, 258]:  01 00 00 00 | 02 01 00 00
//   endian big,    uint32 [1, 258]:  00 00 00 01 | 00 00 01 02

import { CorruptDataError } from '../../errors.js';
import { checkKeys, oneOf, type CodecSpec } from './spec.js';

export type Endian = 'little' | 'big';

export function parseBytesCodec(spec: CodecSpec, itemSize: number, where: string): Endian {
  checkKeys(spec, ['endian'], where);
  if (spec.configuration.endian === undefined) {
    if (itemSize === 1) return 'little';
    throw new CorruptDataError(`codec bytes: "endian" is required for ${itemSize}-byte elements`, { where });
  }
  return oneOf(spec, 'endian', ['little', 'big'] as const, where);
}

/** Reverses the byte order of every `itemSize`-byte element in place (big-endian → little-endian). */
export function byteSwapInPlace(bytes: Uint8Array, itemSize: number): void {
  if (itemSize === 1) return;
  if (bytes.length % itemSize !== 0) {
    throw new CorruptDataError(`codec bytes: ${bytes.length} bytes is not a whole number of ${itemSize}-byte elements`);
  }
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}
