// Comparison of reader output against the python dumps of inputs-oracle.ts.
import { expect } from 'vitest';
import type { FullCsr } from './inputs-oracle.js';
import { readBin, readJson, sameBytes } from './inputs-oracle.js';
import type { ObsColumn } from '../../../src/companion/inputs/types.js';

interface ColMeta {
  name: string;
  kind: 'categorical' | 'int' | 'bool' | 'float' | 'string';
  categories?: string[];
  nullable?: boolean;
  dtype?: string;
  values?: (string | null)[];
}

const FLOAT: Record<string, { new (b: ArrayBuffer): Float32Array | Float64Array }> = { float32: Float32Array, float64: Float64Array };

/** Every column python sees, in order, equal value for value (floats bit-exact). */
export function expectDataframe(dir: string, prefix: string, index: string[], cols: ObsColumn[]): void {
  expect(index).toEqual(readJson<string[]>(dir, `${prefix}.index`));
  const meta = readJson<ColMeta[]>(dir, `${prefix}.meta`);
  expect(cols.map((c) => c.name)).toEqual(meta.map((m) => m.name));
  meta.forEach((m, i) => {
    const c = cols[i]!;
    const label = `${prefix}.${m.name}`;
    expect(c.kind, label).toBe(m.kind);
    switch (c.kind) {
      case 'categorical':
        expect(c.categories, label).toEqual(m.categories);
        expect(sameBytes(c.codes, readBin(dir, `${prefix}.${i}.codes`, Int32Array)), label).toBe(true);
        break;
      case 'int': {
        const want = readBin(dir, `${prefix}.${i}.values`, BigInt64Array);
        const valid = m.nullable ? readBin(dir, `${prefix}.${i}.valid`, Uint8Array) : undefined;
        if (m.nullable) expect(c.valid && sameBytes(c.valid, valid!), `${label} valid`).toBe(true);
        else expect(c.valid, label).toBeUndefined();
        if (m.dtype === 'int64') expect(c.values, label).toBeInstanceOf(BigInt64Array);
        for (let k = 0; k < want.length; k++) {
          if (valid && !valid[k]) continue;
          if (BigInt(c.values[k]!) !== want[k]) throw new Error(`${label}[${k}]: ${c.values[k]} != ${want[k]}`);
        }
        expect(c.values.length).toBe(want.length);
        break;
      }
      case 'bool': {
        const want = readBin(dir, `${prefix}.${i}.values`, Uint8Array);
        if (m.nullable) {
          const valid = readBin(dir, `${prefix}.${i}.valid`, Uint8Array);
          expect(c.valid && sameBytes(c.valid, valid), `${label} valid`).toBe(true);
          for (let k = 0; k < want.length; k++) if (valid[k]) expect(c.values[k], `${label}[${k}]`).toBe(want[k]);
        } else {
          expect(c.valid).toBeUndefined();
          expect(sameBytes(c.values, want), label).toBe(true);
        }
        break;
      }
      case 'float': {
        const want = readBin(dir, `${prefix}.${i}.values`, FLOAT[m.dtype!]!);
        expect(c.values.constructor, label).toBe(want.constructor);
        expect(sameBytes(c.values, want), label).toBe(true);
        break;
      }
      case 'string':
        expect(c.values, label).toEqual(m.values);
        break;
    }
  });
}

/** A collected CSR equals python's canonical CSR dump, values bit-exact in python's dtype. */
export function expectCsr(dir: string, prefix: string, got: FullCsr): void {
  const info = readJson<{ shape: number[]; dtype: string; nnz: number }>(dir, `${prefix}.info`);
  expect(got.indices.length, `${prefix} nnz`).toBe(info.nnz);
  expect(sameBytes(got.indptr, readBin(dir, `${prefix}.indptr`, Float64Array)), `${prefix} indptr`).toBe(true);
  expect(sameBytes(got.indices, readBin(dir, `${prefix}.indices`, Uint32Array)), `${prefix} indices`).toBe(true);
  const ctor = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array }[info.dtype];
  if (!ctor) throw new Error(`unexpected dtype ${info.dtype}`);
  const want = readBin(dir, `${prefix}.data`, ctor as { new (b: ArrayBuffer): ArrayBufferView });
  if (want instanceof BigInt64Array) {
    // int64 on disk is delivered as Int32Array (values fit): compare numerically.
    expect(got.values).toBeInstanceOf(Int32Array);
    expect(Array.from(got.values, (v) => BigInt(v))).toEqual(Array.from(want));
  } else {
    expect(got.values.constructor, `${prefix} dtype`).toBe(want.constructor);
    expect(sameBytes(got.values, want), `${prefix} data`).toBe(true);
  }
}
