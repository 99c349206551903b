// The decoders behind ChunkDecoder, in-thread (`workers: 0`) and pooled: what they do with jobs that
// cannot be decoded (typed errors naming the job of the caller's list), and how the in-thread one
// loads its codec module (per load options; a failed load is not kept).
import { afterAll, expect, test } from 'vitest';
import { loadCodecs, sharedCodecs } from '../../../src/codecs/index.js';
import { createDecoder, inThreadDecoder } from '../../../src/workers/decode-pool.js';
import { initCodecs } from '../../../src/workers/decode-core.js';
import type { DecodeJob } from '../../../src/workers/protocol.js';

const codecs = await loadCodecs();
const pooled = createDecoder({ workers: 1, batchBytes: 1 }); // one job per batch: job numbers must still be the caller's
afterAll(() => pooled.close?.());

const bitpack = (values: number[], outBytes = values.length * 4): DecodeJob => ({
  encoded: codecs.bitpackEncodeU32(Uint32Array.from(values), 'none'),
  codec: { name: 'homeobox.bitpacking', elementSize: 4 },
  outBytes,
});

test.each([['in-thread', inThreadDecoder()], ['pooled', pooled]] as const)('%s: an impossible outBytes and a short chunk are CorruptDataErrors naming the job', async (_, decoder) => {
  for (const outBytes of [-1, 2 ** 33, 1.5]) {
    await expect(decoder.decode([bitpack([1, 2, 3], outBytes)])).rejects.toMatchObject({ _tag: 'CorruptData', message: expect.stringContaining(`chunk size ${outBytes} bytes`) });
  }
  const jobs = [bitpack([1]), bitpack([2]), bitpack([3]), bitpack([4, 5], 12)];
  await expect(decoder.decode(jobs)).rejects.toMatchObject({ _tag: 'CorruptData', fields: { job: 3, where: 'homeobox.bitpacking job 3' } });
});

test('in-thread: a failed codec load is not kept, and each load option set gets its own module', async () => {
  const job = bitpack([1, 2, 3]);
  await expect(inThreadDecoder({ wasmUrl: 'file:///nonexistent/ragged_atlas_codec_simd.wasm' }).decode([job])).rejects.toMatchObject({ _tag: 'Codec' });
  expect((await inThreadDecoder().decode([job]))[0]!.length).toBe(12);
  // Default options share the thread's one module (the Lance decompressors use it too).
  expect(await initCodecs()).toBe(await sharedCodecs());
  expect(await initCodecs({ variant: 'scalar' })).not.toBe(await sharedCodecs());
  expect((await initCodecs({ variant: 'scalar' })).variant).toBe('scalar');
  expect((await initCodecs({ variant: 'simd' })).variant).toBe('simd');
});
