// The codec module called from plain JavaScript with wrong argument types (src/codecs/arguments.ts):
// each call is a CodecError (BadArgument) naming the argument. Some of these gave a wrong answer
// without a word: a plain array encoded as an empty chunk, a string decoded as 0 bytes, plain
// offsets read as empty strings; others a TypeError from inside.
import * as zarr from 'zarrita';
import { describe, expect, test } from 'vitest';
import { ErrorCode, registerZarritaCodecs } from '../../../src/codecs/index.js';
import { VARIANTS, codecsFor } from './helpers.js';

const anyArg = (v: unknown) => v as never;

describe.each(VARIANTS)('%s build', (variant) => {
  test('wrong argument types are CodecErrors naming the argument, never an answer', async () => {
    const c = await codecsFor(variant);
    const enc = c.bitpackEncodeU32(Uint32Array.of(1, 2, 3), 'delta');
    const frame = c.zstdCompress(Uint8Array.of(1, 2, 3, 4));
    const bad = (name: string, fn: () => unknown, message: RegExp) => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect([name, err]).toEqual([name, expect.objectContaining({ _tag: 'Codec', fields: expect.objectContaining({ code: expect.any(Number) }), message: expect.stringMatching(message) })]);
      return err as { fields: { code: number } };
    };
    // the silently wrong answers of before
    bad('bitpackEncodeU32 of a plain array', () => c.bitpackEncodeU32(anyArg([1, 2, 3]), 'none'), /bitpackEncodeU32 values must be a Uint32Array, got an array/);
    bad('bitpackDecode of a string', () => c.bitpackDecode(anyArg('hello'), { elementSize: 4 }), /the encoded chunk must be a Uint8Array, got string "hello"/);
    bad('fsstDecode with plain offsets', () => c.fsstDecode(Uint8Array.of(255, 65), anyArg([0, 2]), 1, new Uint8Array(0)), /the offsets must be a Uint32Array, got an array/);
    bad('bitpackDecode of an ArrayBuffer', () => c.bitpackDecode(anyArg(enc.slice().buffer), { elementSize: 4 }), /got ArrayBuffer \(a view of its bytes is: new Uint8Array/);
    // the TypeErrors of before
    const untyped = (f: unknown, ...args: unknown[]) => (f as (...a: unknown[]) => unknown).apply(c, args);
    bad('bitpackDecode without options', () => untyped(c.bitpackDecode, enc), /bitpackDecode takes an options object, got undefined/);
    bad('zstdDecompress without options', () => untyped(c.zstdDecompress, frame), /zstdDecompress takes an options object/);
    bad('decodeChunkInto into null', () => c.decodeChunkInto(enc, { name: 'homeobox.bitpacking', elementSize: 4 }, anyArg(null)), /the output must be a Uint8Array, got null/);
    bad('decodeChunkInto into a Uint32Array', () => c.decodeChunkInto(enc, { name: 'homeobox.bitpacking', elementSize: 4 }, anyArg(new Uint32Array(3))), /the output must be a Uint8Array, got Uint32Array/);
    bad('lanceMiniBlock without values', () => c.lanceMiniBlock(anyArg({ meta: new Uint8Array(4), data: new Uint8Array(8), largeChunk: false, items: 1 })), /page\.values takes an options object/);
    bad('remapTable of a plain array', () => c.remapTable(anyArg([0, 1])), /the table must be an Int32Array, got an array/);
    // limits and counts: the same rule in every call (bitpackDecode ignored NaN, and printed -1)
    for (const limit of [-1, Number.NaN, '10']) {
      expect(bad(`bitpackDecode maxOutputBytes ${String(limit)}`, () => c.bitpackDecode(enc, { elementSize: 4, maxOutputBytes: anyArg(limit) }), /maxOutputBytes must be a non-negative number/).fields.code).toBe(ErrorCode.BadArgument);
      bad(`zstdDecompress maxOutputBytes ${String(limit)}`, () => c.zstdDecompress(frame, { maxOutputBytes: anyArg(limit) }), /maxOutputBytes must be a non-negative number/);
    }
    bad('zstdCompress level 2.5', () => c.zstdCompress(frame, { level: 2.5 }), /level must be an integer, got 2\.5/);
    bad('fsstDecode of -1 strings', () => c.fsstDecode(new Uint8Array(0), Uint32Array.of(0), -1, new Uint8Array(0)), /the string count must be a non-negative integer/);
    // what still works: Node Buffers (Uint8Array subclasses), subarray views, the pre-rename codec id
    expect(Array.from(c.bitpackDecodeU32(Buffer.from(enc)))).toEqual([1, 2, 3]);
    const out = new Uint8Array(12);
    expect(c.decodeChunkInto(enc, anyArg({ name: 'lancell.bitpacking', elementSize: 4 }), out)).toBe(12);
    expect(Array.from(new Uint32Array(out.buffer))).toEqual([1, 2, 3]);
  });
});

test('registerZarritaCodecs takes the zarrita module, and says so otherwise', () => {
  for (const notZarrita of [{}, null, { registry: {} }]) {
    expect(() => registerZarritaCodecs(anyArg(notZarrita))).toThrow(expect.objectContaining({ _tag: 'InvalidInput', message: expect.stringContaining("takes the zarrita module (import * as zarr from 'zarrita')") }));
  }
  expect(() => registerZarritaCodecs(zarr)).not.toThrow();
});
