// Benchmark inputs, built from the real data in /work/shared/data where possible, written as chunk
// files (suite.ts parseChunkFile format) that the Node run, the Chromium run and the native binary
// all read. Chunks are 40,960 elements, homeobox's default sparse inner chunk; the last chunk is
// padded with fill (0) as zarr does. Everything is encoded with our encoder (byte-identical to
// homeobox's, see the unit tests).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import h5wasm from 'h5wasm/node';
import type { Codecs } from '../../src/codecs/index.js';
import type { DatasetInfo } from './suite.js';
import { rng } from '../../test/helpers/rng.js';

export const CHUNK = 40_960;
const DATA = '/work/shared/data';


/** pbmc3k as CSR over cells: per-cell sorted gene indices and the matching UMI counts. */
export function pbmc3kCsr(): { indices: Uint32Array; counts: Uint32Array; rows: number } {
  const text = gunzipSync(readFileSync(`${DATA}/pbmc3k_10x_v2/hg19/matrix.mtx.gz`)).toString('latin1');
  const lines = text.split('\n').filter((l) => l && !l.startsWith('%'));
  const [, cells, nnz] = lines[0]!.split(' ').map(Number) as [number, number, number];
  const gene = new Uint32Array(nnz);
  const cell = new Uint32Array(nnz);
  const count = new Uint32Array(nnz);
  for (let i = 0; i < nnz; i++) {
    const [g, c, v] = lines[i + 1]!.split(' ');
    gene[i] = Number(g) - 1;
    cell[i] = Number(c) - 1;
    count[i] = Number(v);
  }
  // Counting sort by cell, then sort each row's genes (CSR rows are sorted by column index).
  const ptr = new Uint32Array(cells + 1);
  for (let i = 0; i < nnz; i++) ptr[cell[i]! + 1]!++;
  for (let c = 0; c < cells; c++) ptr[c + 1]! += ptr[c]!;
  const fill = ptr.slice(0, cells);
  const order = new Uint32Array(nnz);
  for (let i = 0; i < nnz; i++) order[fill[cell[i]!]!++] = i;
  const indices = new Uint32Array(nnz);
  const counts = new Uint32Array(nnz);
  for (let c = 0; c < cells; c++) {
    const row = Array.from(order.subarray(ptr[c]!, ptr[c + 1]!)).sort((a, b) => gene[a]! - gene[b]!);
    row.forEach((i, k) => {
      indices[ptr[c]! + k] = gene[i]!;
      counts[ptr[c]! + k] = count[i]!;
    });
  }
  return { indices, counts, rows: cells };
}

/** Synthetic CSR rows of 1,000–3,000 sorted gene indices out of 33,538 genes. */
export function syntheticIndices(total: number, seed = 1): Uint32Array {
  const r = rng(seed);
  const out = new Uint32Array(total);
  const genes = 33_538;
  const seen = new Uint8Array(genes);
  let at = 0;
  while (at < total) {
    const n = Math.min(total - at, 1000 + Math.floor(r() * 2001));
    seen.fill(0);
    for (let k = 0; k < n; ) {
      const g = Math.floor(r() * genes);
      if (!seen[g]) {
        seen[g] = 1;
        k++;
      }
    }
    for (let g = 0; g < genes; g++) if (seen[g]) out[at++] = g;
  }
  return out;
}

/** Synthetic nonzero counts: 1 + Poisson(λ), λ log-normal per row (most values need 1–8 bits). */
export function syntheticCounts(total: number, seed = 2): Uint32Array {
  const r = rng(seed);
  const out = new Uint32Array(total);
  let lambda = 1;
  for (let i = 0; i < total; i++) {
    if (i % 1500 === 0) lambda = Math.min(60, Math.exp(-0.5 + 1.3 * Math.sqrt(-2 * Math.log(r() || 1e-9)) * Math.cos(2 * Math.PI * r())));
    const limit = Math.exp(-lambda);
    let k = 0;
    for (let p = r(); p > limit; p *= r()) k++;
    out[i] = 1 + k;
  }
  return out;
}

/** pbmc68k_reduced float32: raw/X/data (log1p-normalised CSR values) and the dense scaled X. */
export async function pbmc68kFloats(): Promise<{ rawData: Float32Array; denseX: Float32Array }> {
  await h5wasm.ready;
  const f = new h5wasm.File(`${DATA}/pbmc68k_reduced/10x_pbmc68k_reduced.h5ad`, 'r');
  const get = (p: string) => (f.get(p) as { value: unknown }).value as Float32Array;
  const out = { rawData: get('raw/X/data'), denseX: get('X') };
  f.close();
  return out;
}

/** Splits into 40,960-element chunks; the last one is padded with 0 like zarr's full-shape chunks. */
export function toChunks(values: Uint32Array | Float32Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < values.length; at += CHUNK) {
    const chunk = new (values.constructor as Uint32ArrayConstructor)(CHUNK);
    chunk.set(values.subarray(at, Math.min(values.length, at + CHUNK)) as Uint32Array);
    out.push(new Uint8Array(chunk.buffer));
  }
  return out;
}

export function writeChunkFile(path: string, elementSize: 4 | 8, chunks: Uint8Array[]): void {
  const size = 12 + chunks.reduce((a, c) => a + 4 + c.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode('RABC'));
  dv.setUint32(4, elementSize, true);
  dv.setUint32(8, chunks.length, true);
  let pos = 12;
  for (const c of chunks) {
    dv.setUint32(pos, c.length, true);
    out.set(c, pos + 4);
    pos += 4 + c.length;
  }
  writeFileSync(path, out);
}

export interface BuiltDataset {
  info: DatasetInfo;
  path: string;
}

/** Builds the four BP-128 sets and writes them under `dir`; returns their descriptions and paths. */
export function buildBitpackSets(codecs: Codecs, dir: string): BuiltDataset[] {
  mkdirSync(dir, { recursive: true });
  const csr = pbmc3kCsr();
  const sets: [DatasetInfo, Uint32Array][] = [
    [{ name: 'counts, pbmc3k UMI', transform: 'none', source: 'real: pbmc3k CSR data (2.29 M nonzeros)', synthetic: false }, csr.counts],
    [{ name: 'counts, Poisson-like', transform: 'none', source: 'synthetic: 1+Poisson(λ), λ log-normal', synthetic: true }, syntheticCounts(4_096_000)],
    [{ name: 'indices, pbmc3k rows', transform: 'delta', source: `real: pbmc3k per-cell gene indices (${csr.rows} rows of ~850 of 32,738)`, synthetic: false }, csr.indices],
    [{ name: 'indices, 1–3k of 33.5k', transform: 'delta', source: 'synthetic: rows of 1,000–3,000 sorted of 33,538 genes', synthetic: true }, syntheticIndices(4_096_000)],
  ];
  return sets.map(([info, values], i) => {
    const chunks = toChunks(values).map((raw) => codecs.bitpackEncode(raw, { transform: info.transform, elementSize: 4 }));
    const path = join(dir, `bp128-${i}.rabc`);
    writeChunkFile(path, 4, chunks);
    return { info, path };
  });
}
