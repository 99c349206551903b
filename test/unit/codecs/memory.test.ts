// Steady-state calls must not grow wasm memory (one reusable scratch region per direction), and a
// trap must leave a working instance behind and surface as a CodecError.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { CodecError } from '../../../src/errors.js';
import { ErrorCode } from '../../../src/codecs/index.js';
import { WasmCodecs } from '../../../src/codecs/wasm-codecs.js';
import { WasmInstance } from '../../../src/codecs/wasm-instance.js';
import { Rng, VARIANTS, codecsFor } from './helpers.js';

test.each(VARIANTS)('%s: memory is flat over 100,000 mixed calls', async (variant) => {
  const c = await codecsFor(variant);
  const rng = new Rng(7);
  // Small chunks: the point is the number of calls, not throughput. The warm-up uses a full-size
  // chunk once so that the scratch regions reach their final size before measuring.
  const full = Uint32Array.from({ length: 40_960 }, () => rng.bits(6));
  const values = full.subarray(0, 512);
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const packed = c.bitpackEncodeU32(values, 'none');
  const frame = c.zstdCompress(raw, { level: 1 });
  const small = c.bitpackEncodeU32(values.subarray(0, 200), 'delta');
  const out = new Uint8Array(raw.length);
  const bad = packed.slice(0, 30);
  const calls = [
    () => c.bitpackDecode(packed, { elementSize: 4 }),
    () => c.decodeChunkInto(packed, { name: 'homeobox.bitpacking', elementSize: 4 }, out),
    () => c.decodeChunkInto(frame, { name: 'zstd' }, out),
    () => c.bitpackDecode(small, { elementSize: 4 }),
    () => c.bitpackEncode(raw.subarray(0, 1000), { transform: 'delta', elementSize: 4 }),
    () => c.zstdDecompress(frame, { maxOutputBytes: raw.length }),
    () => {
      try {
        c.bitpackDecode(bad, { elementSize: 4 });
      } catch (err) {
        if (err instanceof CodecError) return;
        throw err;
      }
      throw new Error('expected a CodecError');
    },
  ];
  c.bitpackDecode(c.bitpackEncodeU32(full, 'none'), { elementSize: 4 });
  for (let i = 0; i < 1000; i++) calls[i % calls.length]!(); // warm-up
  const before = c.memoryBytes();
  for (let i = 0; i < 100_000; i++) calls[i % calls.length]!();
  expect(c.memoryBytes()).toBe(before);
});

test.each(VARIANTS)('%s: a trap re-instantiates the module and throws a CodecError', async (variant) => {
  const bytes = readFileSync(new URL(`../../../wasm/dist/ragged_atlas_codec_${variant}.wasm`, import.meta.url));
  const { module, instance } = await WebAssembly.instantiate(bytes, {});
  const w = new WasmInstance(module, instance);
  const c = new WasmCodecs(w, variant);
  const values = Uint32Array.from({ length: 5000 }, (_, i) => i * 3);
  const enc = c.bitpackEncodeU32(values, 'delta');
  const oldMemory = w.exports.memory;
  // A pointer far outside linear memory: the module's load traps (no JS caller of ours does this).
  let caught: unknown;
  try {
    w.run('homeobox.bitpacking', 'test', (ex) => ex.ra_bitpack_decode(0xfffff000, 4000, 4, 0, 0));
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CodecError);
  expect((caught as CodecError).code).toBe(ErrorCode.Trap);
  expect((caught as CodecError).message).toMatch(/trapped .*re-instantiated/);
  expect(w.exports.memory).not.toBe(oldMemory); // a fresh instance, not the poisoned one
  expect(Array.from(c.bitpackDecodeU32(enc))).toEqual(Array.from(values));
});
