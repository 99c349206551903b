// Test-only ChunkDecoder: numcodecs' zstd (emscripten) + the reference BP-128 decoder in bp128.ts.
// Same job protocol as the worker pool and the wasm in-thread decoder, so the reader under test is
// exercised exactly as in production; the wasm codecs get their own test once they land.
import Zstd from 'numcodecs/zstd';
import type { ChunkDecoder } from '../../../../src/zarr/chunk-decoder.js';
import { decodeBp128 } from './bp128.js';

const zstd = Zstd.fromConfig({ level: 0, id: 'zstd' });

export function testDecoder(): ChunkDecoder & { jobs: number; calls: number } {
  const d = {
    jobs: 0,
    calls: 0,
    async decode(jobs: Parameters<ChunkDecoder['decode']>[0]): Promise<Uint8Array[]> {
      d.calls++;
      d.jobs += jobs.length;
      return Promise.all(
        jobs.map(async (j) => {
          if (j.codec.name === 'bytes') return j.encoded.slice();
          if (j.codec.name === 'zstd') return new Uint8Array(await zstd.decode(j.encoded));
          return decodeBp128(j.encoded, j.codec.elementSize);
        }),
      );
    },
  };
  return d;
}

export async function zstdCompress(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await zstd.encode(data));
}
