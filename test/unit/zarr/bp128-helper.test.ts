// The test-only BP-128 encoder/decoder must match homeobox's Rust encoder byte for byte before the
// hand-built homeobox arrays in other tests can be trusted.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBp128, encodeU32, encodeU64, type Transform } from './helpers/bp128.js';

interface Vector {
  kind: 'u32' | 'u64';
  name: string;
  transform: Transform;
  values: string[];
  encoded: string;
}

const lines = readFileSync('/work/shared/data/bp128/homeobox_bp128_vectors.jsonl', 'utf8').trim().split('\n');
// u64 values exceed 2^53: quote every number inside "values" before JSON.parse.
const vectors: Vector[] = lines.map((l) => JSON.parse(l.replace(/"values":\[([^\]]*)\]/, (_, body: string) => `"values":[${body.replace(/(\d+)/g, '"$1"')}]`)));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('reference BP-128 helper vs homeobox vectors', () => {
  it('has all 144 vectors', () => expect(vectors.length).toBe(144));
  for (const v of vectors) {
    it(`${v.kind} ${v.name} ${v.transform}`, () => {
      const enc = Buffer.from(v.encoded, 'hex');
      if (v.kind === 'u32') {
        const vals = v.values.map(Number);
        expect(hex(encodeU32(vals, v.transform))).toBe(v.encoded);
        expect([...new Uint32Array(decodeBp128(new Uint8Array(enc), 4).slice().buffer)]).toEqual(vals);
      } else {
        const vals = v.values.map((x) => BigInt(x));
        expect(hex(encodeU64(vals, v.transform))).toBe(v.encoded);
        expect([...new BigUint64Array(decodeBp128(new Uint8Array(enc), 8).slice().buffer)]).toEqual(vals);
      }
    });
  }
});
