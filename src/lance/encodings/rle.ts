// RLE: runs of equal fixed-width values as (value, run length) pairs.
//
// Mini-block form: two chunk buffers, [values][run lengths]. Block form (rep/def levels, constant
// layouts): one buffer `[u64 LE values_size][values][run lengths]`. Values are Flat of the column
// width; run lengths are Flat u8 (runs longer than 255 are split) or u16/u32 in newer writers.
// Example, i32 [7,7,7,9]: values `07000000 09000000`, lengths `03 01`.
import { CorruptDataError, UnsupportedError } from '../../errors.js';
import type { Block } from '../blocks.js';
import type { Compressive } from '../proto/encodings21.js';

function flatBits(e: Compressive | undefined, what: string, where: string): number {
  if (e?.kind !== 'flat' || e.data) {
    throw new UnsupportedError(`RLE ${what} encoded as ${e?.kind ?? 'nothing'}`, { feature: `Rle.${what}=${e?.kind}`, where });
  }
  return e.bitsPerValue;
}

export function decodeRle(
  values: Uint8Array,
  lengths: Uint8Array,
  enc: Extract<Compressive, { kind: 'rle' }>,
  numValues: number,
  where: string,
): Block {
  const vbits = flatBits(enc.values, 'values', where);
  const lbits = flatBits(enc.runLengths, 'run_lengths', where);
  if (vbits % 8 !== 0 || ![8, 16, 32].includes(lbits)) {
    throw new UnsupportedError(`RLE with ${vbits}-bit values and ${lbits}-bit run lengths`, { feature: `Rle(${vbits},${lbits})`, where });
  }
  const width = vbits / 8;
  const lw = lbits / 8;
  const runs = Math.floor(values.length / width);
  if (Math.floor(lengths.length / lw) < runs) throw new CorruptDataError(`RLE has ${runs} values but fewer run lengths`, { where });
  const lv = new DataView(lengths.buffer, lengths.byteOffset, lengths.byteLength);
  const runLen = lw === 1 ? (i: number) => lengths[i]! : lw === 2 ? (i: number) => lv.getUint16(i * 2, true) : (i: number) => lv.getUint32(i * 4, true);
  const out = new Uint8Array(numValues * width);
  const vv = new DataView(values.buffer, values.byteOffset, values.byteLength);
  // Typed views fill a run in one call; 8-byte values fill as two u32 halves.
  const typed = width === 2 ? new Uint16Array(out.buffer) : width === 4 || width === 8 ? new Uint32Array(out.buffer) : out;
  let at = 0;
  for (let r = 0; r < runs && at < numValues; r++) {
    const n = Math.min(runLen(r), numValues - at);
    if (width === 1) out.fill(values[r]!, at, at + n);
    else if (width === 2) typed.fill(vv.getUint16(r * 2, true), at, at + n);
    else if (width === 4) typed.fill(vv.getUint32(r * 4, true), at, at + n);
    else if (width === 8) {
      const lo = vv.getUint32(r * 8, true);
      const hi = vv.getUint32(r * 8 + 4, true);
      for (let k = at; k < at + n; k++) {
        typed[2 * k] = lo;
        typed[2 * k + 1] = hi;
      }
    } else {
      const v = values.subarray(r * width, r * width + width);
      for (let k = 0; k < n; k++) out.set(v, (at + k) * width);
    }
    at += n;
  }
  if (at !== numValues) throw new CorruptDataError(`RLE runs cover ${at} of ${numValues} values`, { where });
  return { kind: 'fixed', width, data: out, length: numValues };
}

/** Block form: `[u64 values_size][values][lengths]`. */
export function decodeRleBlock(buffer: Uint8Array, enc: Extract<Compressive, { kind: 'rle' }>, numValues: number, where: string): Block {
  if (buffer.length < 8) throw new CorruptDataError('RLE block shorter than its header', { where });
  const size = Number(new DataView(buffer.buffer, buffer.byteOffset, 8).getBigUint64(0, true));
  if (8 + size > buffer.length) throw new CorruptDataError(`RLE values size ${size} runs past the block`, { where });
  return decodeRle(buffer.subarray(8, 8 + size), buffer.subarray(8 + size), enc, numValues, where);
}
