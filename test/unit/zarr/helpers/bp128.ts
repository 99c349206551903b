// Test-only reference BP-128 ("homeobox.bitpacking") encoder and decoder, written from the spec
// (homeobox-format.md §4.2–4.5) and checked against the 144 vectors from homeobox's Rust encoder.
// Lets the tests build homeobox-layout arrays by hand and decode them without the wasm module.

export type Transform = 'none' | 'delta' | 'delta_zigzag';
const TBYTE: Record<Transform, number> = { none: 0, delta: 1, delta_zigzag: 2 };

function packStream(t: Uint32Array, out: number[]): void {
  const nb = Math.ceil(t.length / 128);
  for (let k = 0; k < nb; k++) {
    const block = new Uint32Array(128);
    block.set(t.subarray(k * 128, k * 128 + 128));
    let or = 0;
    for (const v of block) or |= v;
    const b = or === 0 ? 0 : 32 - Math.clz32(or);
    out.push(b);
    if (b === 0) continue;
    const W = new Uint32Array(4 * b);
    for (let i = 0; i < 128; i++) {
      const v = block[i]!;
      const bit = (i >> 2) * b;
      const w = bit >>> 5;
      const s = bit & 31;
      const lane = i & 3;
      W[4 * w + lane] = (W[4 * w + lane]! | (v << s)) >>> 0;
      if (s + b > 32) W[4 * (w + 1) + lane] = (W[4 * (w + 1) + lane]! | (v >>> (32 - s))) >>> 0;
    }
    out.push(...new Uint8Array(W.buffer));
  }
}

function unpackStream(buf: Uint8Array, pos: number, n: number): [Uint32Array, number] {
  const nb = Math.ceil(n / 128);
  const out = new Uint32Array(nb * 128);
  for (let k = 0; k < nb; k++) {
    const b = buf[pos++]!;
    if (b > 32) throw new Error(`bit width ${b}`);
    if (b === 0) continue;
    const bytes = buf.slice(pos, pos + 16 * b);
    if (bytes.length !== 16 * b) throw new Error('unexpected end of data');
    const W = new Uint32Array(bytes.buffer);
    pos += 16 * b;
    const mask = b === 32 ? 0xffffffff : (1 << b) - 1;
    for (let i = 0; i < 128; i++) {
      const bit = (i >> 2) * b;
      const w = bit >>> 5;
      const s = bit & 31;
      const lane = i & 3;
      let v = W[4 * w + lane]! >>> s;
      if (s + b > 32) v |= W[4 * (w + 1) + lane]! << (32 - s);
      out[k * 128 + i] = (v & mask) >>> 0;
    }
  }
  return [out.subarray(0, n), pos];
}

function header(t: Transform, n: number): number[] {
  return [TBYTE[t], n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

export function encodeU32(values: ArrayLike<number>, transform: Transform): Uint8Array {
  const v = Uint32Array.from(values);
  const t = new Uint32Array(v.length);
  let prev = 0;
  for (let i = 0; i < v.length; i++) {
    const d = transform === 'none' ? v[i]! : (v[i]! - prev) >>> 0;
    t[i] = transform === 'delta_zigzag' ? ((d << 1) ^ ((d | 0) >> 31)) >>> 0 : d;
    prev = v[i]!;
  }
  const out = header(transform, v.length);
  packStream(t, out);
  return Uint8Array.from(out);
}

export function encodeU64(values: ArrayLike<bigint>, transform: Transform): Uint8Array {
  const M = (1n << 64n) - 1n;
  const n = values.length;
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  let prev = 0n;
  for (let i = 0; i < n; i++) {
    const x = BigInt.asUintN(64, values[i]!);
    let d = transform === 'none' ? x : (x - prev) & M;
    if (transform === 'delta_zigzag') d = ((d << 1n) ^ (BigInt.asIntN(64, d) < 0n ? M : 0n)) & M;
    lo[i] = Number(d & 0xffffffffn);
    hi[i] = Number(d >> 32n);
    prev = x;
  }
  const out = header(transform, n);
  if (n) {
    packStream(lo, out);
    packStream(hi, out);
  }
  return Uint8Array.from(out);
}

/** Decodes to raw little-endian bytes (the bytes codec turns them into elements). */
export function decodeBp128(buf: Uint8Array, elementSize: 4 | 8): Uint8Array {
  const t = buf[0]!;
  if (t > 2) throw new Error(`unknown bitpacking transform byte ${t}`);
  const n = (buf[1]! | (buf[2]! << 8) | (buf[3]! << 16) | (buf[4]! << 24)) >>> 0;
  if (n === 0) return new Uint8Array(0);
  const [lo, pos] = unpackStream(buf, 5, n);
  if (elementSize === 4) {
    const v = Uint32Array.from(lo);
    for (let i = 0; i < n; i++) {
      let d = v[i]!;
      if (t === 2) d = ((d >>> 1) ^ -(d & 1)) >>> 0;
      v[i] = t >= 1 && i > 0 ? (d + v[i - 1]!) >>> 0 : d;
    }
    return new Uint8Array(v.buffer);
  }
  const [hi] = unpackStream(buf, pos, n);
  const v = new BigUint64Array(n);
  const M = (1n << 64n) - 1n;
  for (let i = 0; i < n; i++) {
    let d = BigInt(lo[i]!) | (BigInt(hi[i]!) << 32n);
    if (t === 2) d = ((d >> 1n) ^ (d & 1n ? M : 0n)) & M;
    v[i] = t >= 1 && i > 0 ? (d + v[i - 1]!) & M : d;
  }
  return new Uint8Array(v.buffer);
}
