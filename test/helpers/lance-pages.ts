// Lance mini-block pages built by hand (format reference: src/lance/structural/miniblock.ts), for
// tests of the codec module's whole-page decoder: what LanceDB does not write on its own (large
// chunks, every bit width) and random but well-formed pages to corrupt.
import type { Rng } from '../unit/codecs/helpers.js';

const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * A Lance mini-block page: per chunk its item count, its buffer sizes (u32 when `large`), each
 * buffer padded to 8; one chunk word each (u32 when `large`). No levels.
 */
export function miniBlockPage(chunks: { buf: Uint8Array | Uint8Array[]; items: number }[], large = false): { meta: Uint8Array; data: Uint8Array } {
  const parts: Uint8Array[] = [];
  const meta = large ? new Uint32Array(chunks.length) : new Uint16Array(chunks.length);
  chunks.forEach(({ buf, items }, i) => {
    const bufs = Array.isArray(buf) ? buf : [buf];
    const header = pad8(2 + bufs.length * (large ? 4 : 2));
    const bytes = pad8(bufs.reduce((at, b) => pad8(at + b.length), header));
    const chunk = new Uint8Array(bytes).fill(0xfe);
    const v = new DataView(chunk.buffer);
    v.setUint16(0, items, true);
    let at = header;
    bufs.forEach((b, k) => {
      if (large) v.setUint32(2 + 4 * k, b.length, true);
      else v.setUint16(2 + 2 * k, b.length, true);
      chunk.set(b, at);
      at = pad8(at + b.length);
    });
    parts.push(chunk);
    meta[i] = ((bytes / 8 - 1) << 4) | Math.log2(items);
  });
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
  return { meta: new Uint8Array(meta.buffer), data };
}

/** A chunk of `n` strings (u32 offsets from the buffer start, then the bytes). */
export function stringChunk(rng: Rng, n: number): Uint8Array {
  const lens = Array.from({ length: n }, () => rng.below(12));
  const buf = new Uint8Array(4 * (n + 1) + lens.reduce((a, b) => a + b, 0));
  const v = new DataView(buf.buffer);
  let o = 4 * (n + 1);
  v.setUint32(0, o, true);
  lens.forEach((l, i) => {
    for (let k = 0; k < l; k++) buf[o + k] = rng.below(19); // as FSST codes: each has one of 19 symbols
    v.setUint32(4 * (i + 1), (o += l), true);
  });
  return buf;
}

/** A chunk of `n` inline bit-packed `bits`-wide values: per 1,024 a width word, then random packed words. */
export function inlineChunk(rng: Rng, bits: number, n: number): Uint8Array {
  const width = bits / 8;
  const groups = Array.from({ length: Math.ceil(n / 1024) }, () => rng.below(bits + 1));
  const buf = new Uint8Array(groups.reduce((s, w) => s + width + (1024 * w) / 8, 0));
  let at = 0;
  for (const w of groups) {
    buf[at] = w;
    at += width;
    for (let k = 0; k < (1024 * w) / 8; k++) buf[at + k] = rng.below(256);
    at += (1024 * w) / 8;
  }
  return buf;
}

/** A chunk of `n` RLE values of `bits` (runs of 1–300 with `lengthBits` run lengths; u8 lengths split at 255): [values, lengths]. */
export function rleChunk(rng: Rng, bits: number, lengthBits: number, n: number): Uint8Array[] {
  const runs: [number, number][] = [];
  for (let left = n; left > 0; ) {
    const len = Math.min(left, 1 + rng.below(lengthBits === 8 ? 255 : 300));
    runs.push([rng.below(256), len]);
    left -= len;
  }
  const values = new Uint8Array((runs.length * bits) / 8);
  const lengths = new Uint8Array((runs.length * lengthBits) / 8);
  const lv = new DataView(lengths.buffer);
  runs.forEach(([value, len], r) => {
    values[(r * bits) / 8] = value;
    if (lengthBits === 8) lengths[r] = len;
    else if (lengthBits === 16) lv.setUint16(2 * r, len, true);
    else lv.setUint32(4 * r, len, true);
  });
  return [values, lengths];
}
