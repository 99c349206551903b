// The measurements themselves, free of Node APIs so that the same code runs in Node and in a
// Chromium worker: BP-128 decode (TypeScript reference vs the wasm module, SIMD and scalar builds)
// over chunk files written by data.ts.
//
// Modes:
//  - ts:        tsDecodeU32(chunk, out) into a reused Uint32Array (the TS baseline)
//  - kernel:    every chunk already in wasm memory, output to a wasm buffer: only the decode export
//               runs (what the native benchmark measures too)
//  - into:      decodeChunkInto(chunk, codec, out): copy in, decode, copy out to a reused JS buffer
// Each figure is the best of 100 trials of ≥ 5 ms, one trial = decoding every chunk of the file
// (repeatedly). Many short trials rather than a few long ones: on a shared machine some short trials
// run undisturbed, so the best one approaches the unloaded speed for every runtime alike.

import { tsDecodeU32 } from './ts-reference.js';
import { WasmCodecs } from '../../src/codecs/wasm-codecs.js';
import { WasmInstance } from '../../src/codecs/wasm-instance.js';

export interface ChunkFile {
  elementSize: 4 | 8;
  chunks: Uint8Array[];
}

export interface DatasetInfo {
  name: string;
  transform: 'none' | 'delta';
  source: string;
  synthetic: boolean;
}

export interface BitpackResult {
  dataset: string;
  values: number;
  avgBits: number;
  checksum: number;
  /** Values per second. */
  ts: number;
  simdKernel: number;
  scalarKernel: number;
  simdInto: number;
}

/** `b"RABC"`, u32 element size, u32 chunk count, then `[u32 length][chunk]` per chunk (see bench_native.rs). */
export function parseChunkFile(bytes: Uint8Array): ChunkFile {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== 'RABC') throw new Error('not a RABC chunk file');
  const elementSize = dv.getUint32(4, true) as 4 | 8;
  const count = dv.getUint32(8, true);
  const chunks: Uint8Array[] = [];
  let pos = 12;
  for (let i = 0; i < count; i++) {
    const len = dv.getUint32(pos, true);
    chunks.push(bytes.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return { elementSize, chunks };
}

/** Best seconds per call of `fn`. */
export function timeBest(fn: () => void, minMs = 5, trials = 100): number {
  fn();
  let best = Infinity;
  for (let t = 0; t < trials; t++) {
    const start = performance.now();
    let reps = 0;
    do {
      fn();
      reps++;
    } while (performance.now() - start < minMs);
    best = Math.min(best, (performance.now() - start) / reps);
  }
  return best / 1000;
}

export async function timeBestAsync(fn: () => Promise<void>, minMs = 5, trials = 100): Promise<number> {
  await fn();
  let best = Infinity;
  for (let t = 0; t < trials; t++) {
    const start = performance.now();
    let reps = 0;
    do {
      await fn();
      reps++;
    } while (performance.now() - start < minMs);
    best = Math.min(best, (performance.now() - start) / reps);
  }
  return best / 1000;
}

/** Mean block width over all blocks of all chunks. */
export function averageBits(file: ChunkFile): number {
  let sum = 0;
  let blocks = 0;
  for (const c of file.chunks) {
    const n = new DataView(c.buffer, c.byteOffset).getUint32(1, true);
    let pos = 5;
    for (let k = 0; k < Math.ceil(n / 128); k++) {
      sum += c[pos]!;
      blocks++;
      pos += 1 + 16 * c[pos]!;
    }
  }
  return blocks ? sum / blocks : 0;
}

export async function instantiateCodecs(bytes: Uint8Array): Promise<{ codecs: WasmCodecs; instance: WasmInstance }> {
  const { module, instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, {});
  const w = new WasmInstance(module, instance);
  return { codecs: new WasmCodecs(w, w.exports.ra_simd() ? 'simd' : 'scalar'), instance: w };
}

function checksumWords(words: Uint32Array, acc: number): number {
  for (let i = 0; i < words.length; i++) acc = (acc + words[i]!) >>> 0;
  return acc;
}

/** Kernel mode: chunks copied once into one wasm buffer, outputs to one wasm buffer. */
function kernelRunner(w: WasmInstance, file: ChunkFile): () => void {
  const total = file.chunks.reduce((a, c) => a + c.length, 0);
  const maxOut = Math.max(...file.chunks.map((c) => new DataView(c.buffer, c.byteOffset).getUint32(1, true))) * file.elementSize;
  const src = w.region(0, total, 'bench');
  const dst = w.region(1, maxOut, 'bench');
  const spans: [number, number][] = [];
  let at = src;
  for (const c of file.chunks) {
    w.bytes().set(c, at);
    spans.push([at, c.length]);
    at += c.length;
  }
  const ex = w.exports;
  const elem = file.elementSize;
  return () => {
    for (const [p, n] of spans) if (ex.ra_bitpack_decode(p, n, elem, dst, maxOut) < 0) throw new Error('decode failed');
  };
}

export async function runBitpackSuite(
  wasm: { simd: Uint8Array; scalar: Uint8Array },
  datasets: { info: DatasetInfo; file: ChunkFile }[],
  log: (s: string) => void = () => {},
): Promise<BitpackResult[]> {
  const simd = await instantiateCodecs(wasm.simd);
  const scalar = await instantiateCodecs(wasm.scalar);
  const results: BitpackResult[] = [];
  for (const { info, file } of datasets) {
    const values = file.chunks.reduce((a, c) => a + new DataView(c.buffer, c.byteOffset).getUint32(1, true), 0);
    const maxValues = Math.max(...file.chunks.map((c) => new DataView(c.buffer, c.byteOffset).getUint32(1, true)));
    const tsOut = new Uint32Array(maxValues);
    const jsOut = new Uint8Array(maxValues * 4);

    // Correctness first: TS reference and wasm must agree on every chunk.
    let tsSum = 0;
    let wasmSum = 0;
    for (const c of file.chunks) {
      tsSum = checksumWords(tsDecodeU32(c, tsOut), tsSum);
      const n = simd.codecs.decodeChunkInto(c, { name: 'homeobox.bitpacking', elementSize: 4 }, jsOut);
      wasmSum = checksumWords(new Uint32Array(jsOut.buffer, 0, n / 4), wasmSum);
    }
    if (tsSum !== wasmSum) throw new Error(`${info.name}: TS and wasm disagree (${tsSum} vs ${wasmSum})`);

    const ts = timeBest(() => {
      for (const c of file.chunks) tsDecodeU32(c, tsOut);
    });
    log(`  ${info.name}: ts done`);
    const simdKernel = timeBest(kernelRunner(simd.instance, file));
    const scalarKernel = timeBest(kernelRunner(scalar.instance, file));
    const codec = { name: 'homeobox.bitpacking', elementSize: 4 } as const;
    const simdInto = timeBest(() => {
      for (const c of file.chunks) simd.codecs.decodeChunkInto(c, codec, jsOut);
    });
    log(`  ${info.name}: wasm done`);
    results.push({
      dataset: info.name,
      values,
      avgBits: averageBits(file),
      checksum: tsSum,
      ts: values / ts,
      simdKernel: values / simdKernel,
      scalarKernel: values / scalarKernel,
      simdInto: values / simdInto,
    });
  }
  return results;
}
