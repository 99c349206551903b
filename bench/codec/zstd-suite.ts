// zstd decode of real chunk payloads: the wasm module (libzstd 1.5.4 compiled with clang -O3
// -msimd128) against numcodecs' zstd (emscripten), both decoding the same frames. Node only.

import { Zstd } from 'numcodecs';
import type { Codecs } from '../../src/codecs/index.js';
import { timeBest, timeBestAsync } from './suite.js';
import type { WasmInstance } from '../../src/codecs/wasm-instance.js';

export interface ZstdResult {
  dataset: string;
  chunks: number;
  rawBytes: number;
  ratio: number;
  /** Output bytes per second. */
  kernel: number;
  into: number;
  e2e: number;
  numcodecs: number;
}

export async function runZstdSuite(
  codecs: Codecs,
  instance: WasmInstance,
  sets: { name: string; chunks: Uint8Array[] }[],
): Promise<ZstdResult[]> {
  const nc = Zstd.fromConfig({ level: 3, id: 'zstd' });
  const results: ZstdResult[] = [];
  for (const set of sets) {
    // zarr's zstd level 0 is libzstd's default, 3.
    const frames = set.chunks.map((raw) => codecs.zstdCompress(raw, { level: 3 }));
    const rawBytes = set.chunks.reduce((a, c) => a + c.length, 0);
    const maxRaw = Math.max(...set.chunks.map((c) => c.length));
    for (const [i, f] of frames.entries()) {
      const back = (await nc.decode(f)) as Uint8Array;
      if (back.length !== set.chunks[i]!.length || !back.every((b, k) => b === set.chunks[i]![k])) throw new Error(`${set.name}: numcodecs disagrees`);
    }
    const out = new Uint8Array(maxRaw);
    const e2e = timeBest(() => {
      for (const f of frames) codecs.zstdDecompress(f, { maxOutputBytes: maxRaw });
    });
    const into = timeBest(() => {
      for (const f of frames) codecs.decodeChunkInto(f, { name: 'zstd' }, out);
    });
    // Kernel: frames already in wasm memory, output to a wasm buffer.
    const total = frames.reduce((a, f) => a + f.length, 0);
    const src = instance.region(0, total, 'bench');
    const dst = instance.region(1, maxRaw, 'bench');
    const spans: [number, number][] = [];
    let at = src;
    for (const f of frames) {
      instance.bytes().set(f, at);
      spans.push([at, f.length]);
      at += f.length;
    }
    const ex = instance.exports;
    const kernel = timeBest(() => {
      for (const [p, n] of spans) if (ex.ra_zstd_decompress(p, n, dst, maxRaw) < 0) throw new Error('zstd failed');
    });
    const numcodecs = await timeBestAsync(async () => {
      for (const f of frames) await nc.decode(f);
    });
    results.push({
      dataset: set.name,
      chunks: frames.length,
      rawBytes,
      ratio: rawBytes / total,
      kernel: rawBytes / kernel,
      into: rawBytes / into,
      e2e: rawBytes / e2e,
      numcodecs: rawBytes / numcodecs,
    });
  }
  return results;
}
