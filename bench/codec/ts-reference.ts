// A straightforward, reasonably optimised TypeScript implementation of `homeobox.bitpacking`
// (spec §4), written independently of the Rust code. It is the baseline of the codec benchmark and
// the independent oracle of the codec unit tests (encode must match the wasm module byte for byte).
//
// Decoding a block: the payload's 4·b little-endian words are copied into an aligned scratch
// Uint32Array, then each of the 4 lanes is read as its own LSB-first bit stream (value i = lane
// i & 3, row i >> 2; lane l's word w at W[4w + l]). Transforms run as a second, sequential pass.
// u32 uses plain typed-array arithmetic; u64 keeps (lo, hi) u32 pairs with manual carries (no BigInt).

const BLOCK = 128;

// One spare row so the read after a lane's last word stays in bounds (its value is never used).
const scratch = new Uint32Array(4 * 33);
const scratchBytes = new Uint8Array(scratch.buffer);
const tail = new Uint32Array(BLOCK);

function u32le(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/** Unpacks `blocks` blocks starting at `pos` into `out[0..n)`; returns the position after them. */
function unpackStream(buf: Uint8Array, pos: number, n: number, out: Uint32Array): number {
  const blocks = Math.ceil(n / BLOCK);
  for (let k = 0; k < blocks; k++) {
    if (pos >= buf.length) throw new Error(`block ${k}: unexpected end of data`);
    const b = buf[pos++]!;
    if (b > 32) throw new Error(`block ${k}: bit width ${b} > 32`);
    const len = 16 * b;
    if (pos + len > buf.length) throw new Error(`block ${k}: unexpected end of data`);
    const full = (k + 1) * BLOCK <= n;
    const dst = full ? out : tail;
    const base = full ? k * BLOCK : 0;
    if (b === 0) {
      dst.fill(0, base, base + BLOCK);
    } else {
      scratchBytes.set(buf.subarray(pos, pos + len)); // aligned copy: the payload may start at any byte
      const mask = b === 32 ? 0xffffffff : (1 << b) - 1;
      for (let lane = 0; lane < 4; lane++) {
        let wi = lane;
        let cur = scratch[wi]!;
        let s = 0;
        for (let row = 0; row < 32; row++) {
          let v = cur >>> s;
          s += b;
          if (s >= 32) {
            s -= 32;
            wi += 4;
            cur = scratch[wi]!;
            if (s > 0) v |= cur << (b - s);
          }
          dst[base + 4 * row + lane] = v & mask;
        }
      }
    }
    if (!full) out.set(tail.subarray(0, n - k * BLOCK), k * BLOCK);
    pos += len;
  }
  return pos;
}

function header(buf: Uint8Array): { transform: number; n: number } {
  if (buf.length < 5) throw new Error('shorter than the 5-byte header');
  const transform = buf[0]!;
  if (transform > 2) throw new Error(`unknown transform byte ${transform}`);
  return { transform, n: u32le(buf, 1) };
}

/** Decodes an element_size 4 chunk. `out` (≥ N values) avoids an allocation per call. */
export function tsDecodeU32(buf: Uint8Array, out?: Uint32Array): Uint32Array {
  const { transform, n } = header(buf);
  const v = out && out.length >= n ? out.subarray(0, n) : new Uint32Array(n);
  unpackStream(buf, 5, n, v);
  if (transform === 2) for (let i = 0; i < n; i++) v[i] = (v[i]! >>> 1) ^ -(v[i]! & 1);
  if (transform >= 1) {
    let acc = 0;
    for (let i = 0; i < n; i++) v[i] = acc = (acc + v[i]!) | 0;
  }
  return v;
}

/** Decodes an element_size 8 chunk into little-endian (lo, hi) u32 pairs. */
export function tsDecodeU64(buf: Uint8Array): Uint32Array {
  const { transform, n } = header(buf);
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  unpackStream(buf, unpackStream(buf, 5, n, lo), n, hi);
  const out = new Uint32Array(2 * n);
  let cl = 0;
  let ch = 0;
  for (let i = 0; i < n; i++) {
    let tl = lo[i]!;
    let th = hi[i]!;
    if (transform === 2) {
      const m = -(tl & 1);
      tl = ((tl >>> 1) | (th << 31)) ^ m;
      th = (th >>> 1) ^ m;
    }
    if (transform >= 1) {
      const s = cl + (tl >>> 0);
      ch = (ch + th + (s > 0xffffffff ? 1 : 0)) >>> 0;
      cl = s >>> 0;
    } else {
      cl = tl >>> 0;
      ch = th >>> 0;
    }
    out[2 * i] = cl;
    out[2 * i + 1] = ch;
  }
  return out;
}

function packStream(t: Uint32Array, out: number[]): void {
  const n = t.length;
  const block = new Uint32Array(BLOCK);
  for (let k = 0; k * BLOCK < n; k++) {
    block.fill(0);
    block.set(t.subarray(k * BLOCK, Math.min(n, (k + 1) * BLOCK)));
    let or = 0;
    for (let i = 0; i < BLOCK; i++) or |= block[i]!;
    const b = or === 0 ? 0 : 32 - Math.clz32(or);
    out.push(b);
    if (b === 0) continue;
    const words = new Uint32Array(4 * b);
    for (let i = 0; i < BLOCK; i++) {
      const lane = i & 3;
      const bit = (i >> 2) * b;
      const w = bit >>> 5;
      const s = bit & 31;
      words[4 * w + lane]! |= block[i]! << s;
      if (s + b > 32) words[4 * (w + 1) + lane]! |= block[i]! >>> (32 - s);
    }
    for (const byte of new Uint8Array(words.buffer)) out.push(byte);
  }
}

const TRANSFORM_BYTE = { none: 0, delta: 1, delta_zigzag: 2 } as const;

function withHeader(transform: keyof typeof TRANSFORM_BYTE, n: number, body: number[]): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = TRANSFORM_BYTE[transform];
  new DataView(out.buffer).setUint32(1, n, true);
  out.set(body, 5);
  return out;
}

/** Encodes u32 values as homeobox does (reference; not tuned). */
export function tsEncodeU32(values: Uint32Array, transform: keyof typeof TRANSFORM_BYTE): Uint8Array {
  const t = new Uint32Array(values.length);
  let prev = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const d = (v - prev) | 0;
    t[i] = transform === 'none' ? v : transform === 'delta' ? d : (d << 1) ^ (d >> 31);
    prev = v;
  }
  const body: number[] = [];
  packStream(t, body);
  return withHeader(transform, values.length, body);
}

/** Encodes u64 values given as little-endian (lo, hi) u32 pairs. */
export function tsEncodeU64(pairs: Uint32Array, transform: keyof typeof TRANSFORM_BYTE): Uint8Array {
  const n = pairs.length / 2;
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  let pl = 0;
  let ph = 0;
  for (let i = 0; i < n; i++) {
    const vl = pairs[2 * i]!;
    const vh = pairs[2 * i + 1]!;
    let tl = vl;
    let th = vh;
    if (transform !== 'none') {
      tl = (vl - pl) >>> 0;
      th = (vh - ph - (vl < pl ? 1 : 0)) >>> 0;
      if (transform === 'delta_zigzag') {
        const sign = th >> 31; // arithmetic: 0 or -1
        const zl = ((tl << 1) ^ sign) >>> 0;
        th = (((th << 1) | (tl >>> 31)) ^ sign) >>> 0;
        tl = zl;
      }
    }
    lo[i] = tl;
    hi[i] = th;
    pl = vl;
    ph = vh;
  }
  const body: number[] = [];
  packStream(lo, body);
  packStream(hi, body);
  return withHeader(transform, n, body);
}
