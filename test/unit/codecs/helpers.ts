// Shared by the codec tests: the homeobox BP-128 vectors (u64 values parsed exactly), a seeded
// PRNG, and a loader that caches one Codecs per variant per test file.
import { readFileSync } from 'node:fs';
import { loadCodecs, type Codecs, type Variant } from '../../../src/codecs/index.js';

export const VECTORS_PATH = '/work/shared/data/bp128/homeobox_bp128_vectors.jsonl';
export const VARIANTS: Variant[] = ['simd', 'scalar'];

export interface Vector {
  kind: 'u32' | 'u64';
  name: string;
  transform: 'none' | 'delta' | 'delta_zigzag';
  values: bigint[];
  encoded: Uint8Array;
}

/** JSON.parse would round u64 values above 2^53, so the numbers are quoted before parsing. */
export function readVectors(path = VECTORS_PATH): Vector[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const quoted = line.replace(/"values":\[([^\]]*)\]/, (_m, inner: string) => `"values":[${inner.replace(/\d+/g, '"$&"')}]`);
      const raw = JSON.parse(quoted) as { kind: 'u32' | 'u64'; name: string; transform: Vector['transform']; values: string[]; encoded: string };
      return { ...raw, values: raw.values.map(BigInt), encoded: Uint8Array.from(Buffer.from(raw.encoded, 'hex')) };
    });
}

/** Little-endian bytes of the values at 4 or 8 bytes each. */
export function rawBytes(values: bigint[], elementSize: 4 | 8): Uint8Array {
  const out = new Uint8Array(values.length * elementSize);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => (elementSize === 4 ? dv.setUint32(4 * i, Number(v), true) : dv.setBigUint64(8 * i, v, true)));
  return out;
}

/** xorshift128+ seeded through splitmix64: deterministic across runs and platforms. */
export class Rng {
  #s0: bigint;
  #s1: bigint;
  #buf = new Uint32Array(0);
  #at = 0;
  constructor(seed: number) {
    let x = BigInt(seed) & 0xffffffffffffffffn;
    const next = () => {
      x = (x + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
      let z = x;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
      return z ^ (z >> 31n);
    };
    this.#s0 = next();
    this.#s1 = next();
  }
  /** 64 random bits. */
  big(): bigint {
    let s1 = this.#s0;
    const s0 = this.#s1;
    this.#s0 = s0;
    s1 ^= (s1 << 23n) & 0xffffffffffffffffn;
    this.#s1 = s1 ^ s0 ^ (s1 >> 17n) ^ (s0 >> 26n);
    return (this.#s1 + s0) & 0xffffffffffffffffn;
  }
  /** 32 random bits (unsigned), drawn 2 at a time from big(). */
  u32(): number {
    if (this.#at >= this.#buf.length) {
      const b = this.big();
      this.#buf = Uint32Array.of(Number(b & 0xffffffffn), Number(b >> 32n));
      this.#at = 0;
    }
    return this.#buf[this.#at++]!;
  }
  /** Uniform integer in [0, n) for n ≤ 2^32. */
  below(n: number): number {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }
  /** A random value of at most `bits` bits (0..32). */
  bits(bits: number): number {
    return bits === 0 ? 0 : this.u32() >>> (32 - bits);
  }
}

const cache = new Map<Variant, Promise<Codecs>>();
export function codecsFor(variant: Variant): Promise<Codecs> {
  let c = cache.get(variant);
  if (!c) cache.set(variant, (c = loadCodecs({ variant })));
  return c;
}

/** Byte equality without vitest's slow element-by-element diff of large arrays. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
