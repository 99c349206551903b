// Lance mini-block pages built by hand (format reference: src/lance/structural/miniblock.ts), for
// tests of the codec module's whole-page decoder: what LanceDB does not write on its own (large
// chunks, every bit width) and random but well-formed pages to corrupt.
import type { Rng } from '../unit/codecs/helpers.js';

/** A Lance mini-block page (one value buffer per chunk; u32 chunk words and sizes when `large`). */
export function miniBlockPage(chunks: { buf: Uint8Array; items: number }[], large = false): { meta: Uint8Array; data: Uint8Array } {
  const parts: Uint8Array[] = [];
  const meta = large ? new Uint32Array(chunks.length) : new Uint16Array(chunks.length);
  chunks.forEach(({ buf, items }, i) => {
    const bytes = Math.ceil((8 + buf.length) / 8) * 8;
    const chunk = new Uint8Array(bytes).fill(0xfe);
    new DataView(chunk.buffer).setUint16(0, items, true);
    if (large) new DataView(chunk.buffer).setUint32(2, buf.length, true);
    else new DataView(chunk.buffer).setUint16(2, buf.length, true);
    chunk.set(buf, 8);
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
