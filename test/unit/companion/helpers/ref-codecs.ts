// Test-only reference codecs, written from homeobox-format.md §4 (BP-128) and RFC 8878 (zstd
// frames made of raw blocks). They let the companion's writer be tested independently of the
// wasm codec module, and they cross-check it: BP-128 here must reproduce the 144 vectors from
// homeobox's Rust encoder, and any zstd decoder must accept the raw-block frames.
import type { WriterCodecs } from '../../../../src/companion/codecs.js';

type Transform = 'none' | 'delta' | 'delta_zigzag';
const T_BYTE: Record<Transform, number> = { none: 0, delta: 1, delta_zigzag: 2 };

export function bp128Encode(raw: Uint8Array, transform: Transform): Uint8Array {
  if (raw.length % 4 !== 0) throw new Error('bp128: length not a multiple of 4');
  const n = raw.length / 4;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const t = new Uint32Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const v = dv.getUint32(4 * i, true);
    if (transform === 'none') t[i] = v;
    else {
      const d = (v - prev) | 0;
      t[i] = transform === 'delta' ? d >>> 0 : ((d << 1) ^ (d >> 31)) >>> 0;
    }
    prev = v;
  }
  const nb = Math.ceil(n / 128);
  const out = new Uint8Array(5 + nb * 513);
  const odv = new DataView(out.buffer);
  out[0] = T_BYTE[transform];
  odv.setUint32(1, n, true);
  let pos = 5;
  const block = new Uint32Array(128);
  for (let b = 0; b < nb; b++) {
    block.fill(0);
    block.set(t.subarray(128 * b, Math.min(n, 128 * b + 128)));
    let or = 0;
    for (let i = 0; i < 128; i++) or |= block[i]!;
    const bits = or === 0 ? 0 : 32 - Math.clz32(or);
    out[pos++] = bits;
    if (bits === 0) continue;
    const W = new Uint32Array(4 * bits);
    for (let i = 0; i < 128; i++) {
      const v = block[i]!;
      const lane = i & 3;
      const bit = (i >> 2) * bits;
      const w = bit >>> 5;
      const s = bit & 31;
      W[4 * w + lane] = (W[4 * w + lane]! | (v << s)) >>> 0;
      if (s + bits > 32) W[4 * (w + 1) + lane] = (W[4 * (w + 1) + lane]! | (v >>> (32 - s))) >>> 0;
    }
    for (let k = 0; k < W.length; k++) odv.setUint32(pos + 4 * k, W[k]!, true);
    pos += 16 * bits;
  }
  return out.slice(0, pos);
}

export function bp128Decode(buf: Uint8Array): Uint8Array {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tb = buf[0]!;
  const n = dv.getUint32(1, true);
  const out = new Uint32Array(Math.ceil(n / 128) * 128);
  let pos = 5;
  for (let b = 0; b * 128 < n; b++) {
    const bits = buf[pos++]!;
    if (bits > 32) throw new Error('bp128: bad width');
    if (bits === 0) continue;
    const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
    for (let i = 0; i < 128; i++) {
      const lane = i & 3;
      const bit = (i >> 2) * bits;
      const w = bit >>> 5;
      const s = bit & 31;
      let v = dv.getUint32(pos + 4 * (4 * w + lane), true) >>> s;
      if (s + bits > 32) v |= dv.getUint32(pos + 4 * (4 * (w + 1) + lane), true) << (32 - s);
      out[128 * b + i] = (v & mask) >>> 0;
    }
    pos += 16 * bits;
  }
  const vals = out.subarray(0, n);
  if (tb === 2) for (let i = 0; i < n; i++) vals[i] = ((vals[i]! >>> 1) ^ -(vals[i]! & 1)) >>> 0;
  if (tb >= 1) for (let i = 1; i < n; i++) vals[i] = (vals[i]! + vals[i - 1]!) >>> 0;
  return new Uint8Array(vals.slice().buffer);
}

/** A valid zstd frame holding `data` in raw (stored) blocks of at most 128 KiB. */
export function zstdRawFrame(data: Uint8Array): Uint8Array {
  const BLOCK = 128 * 1024;
  const nBlocks = Math.max(1, Math.ceil(data.length / BLOCK));
  const out = new Uint8Array(4 + 1 + 4 + nBlocks * 3 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xfd2fb528, true);
  out[4] = 0xa0; // FCS field 4 bytes, single segment, no checksum, no dictionary
  dv.setUint32(5, data.length, true);
  let pos = 9;
  for (let b = 0; b < nBlocks; b++) {
    const chunk = data.subarray(b * BLOCK, Math.min(data.length, (b + 1) * BLOCK));
    const header = (chunk.length << 3) | (0 << 1) | (b === nBlocks - 1 ? 1 : 0);
    out[pos] = header & 0xff;
    out[pos + 1] = (header >> 8) & 0xff;
    out[pos + 2] = (header >> 16) & 0xff;
    out.set(chunk, pos + 3);
    pos += 3 + chunk.length;
  }
  return out;
}

/** Decodes frames made of raw and RLE blocks (what zstdRawFrame writes). */
export function zstdRawDecode(buf: Uint8Array): Uint8Array {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint32(0, true) !== 0xfd2fb528) throw new Error('zstd: bad magic');
  const fhd = buf[4]!;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  let pos = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]!;
  pos += [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
  const parts: Uint8Array[] = [];
  for (;;) {
    const h = buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16);
    pos += 3;
    const type = (h >> 1) & 3;
    const size = h >>> 3;
    if (type === 0) {
      parts.push(buf.subarray(pos, pos + size));
      pos += size;
    } else if (type === 1) {
      parts.push(new Uint8Array(size).fill(buf[pos]!));
      pos += 1;
    } else throw new Error('zstd: compressed blocks are not supported by the test decoder');
    if (h & 1) break;
  }
  return Buffer.concat(parts);
}

/** WriterCodecs built from the reference codecs above. */
export const refCodecs: WriterCodecs = {
  bitpackEncode: (data, { transform, elementSize }) => {
    if (elementSize !== 4) throw new Error('reference codec: u32 only');
    return bp128Encode(data, transform);
  },
  bitpackDecode: (data) => bp128Decode(data),
  zstdCompress: (data) => zstdRawFrame(data),
  zstdDecompress: (data) => zstdRawDecode(data),
};
