// zstd against Debian's `zstd` CLI (libzstd 1.5.4, the same library version as the module): CLI
// frames at levels 1/3/19, a stdin-streamed frame (no content size), concatenated frames and
// skippable frames decode identically; our frames decode with `zstd -d`; caps are enforced.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { CodecError } from '../../../src/errors.js';
import { ErrorCode, type Codecs } from '../../../src/codecs/index.js';
import { VARIANTS, codecsFor, sameBytes } from './helpers.js';

const cli = (args: string[], input: Uint8Array) => new Uint8Array(execFileSync('zstd', ['-q', ...args], { input, maxBuffer: 1 << 28 }));

/** Real data: pbmc3k's MatrixMarket counts as LE u32 (row, col, count) triples, 40,960 at a time, and text. */
function realChunks(): Record<string, Uint8Array> {
  const mtx = gunzipSync(readFileSync('/work/shared/data/pbmc3k_10x_v2/hg19/matrix.mtx.gz')).toString('latin1');
  const nums = mtx.split('\n').filter((l) => l && !l.startsWith('%')).slice(1, 40_000).flatMap((l) => l.split(' ').map(Number));
  const counts = new Uint8Array(Uint32Array.from(nums.slice(0, 40_960)).buffer);
  const text = new TextEncoder().encode(mtx.slice(0, 300_000));
  return { counts, text, empty: new Uint8Array(0) };
}

let data: Record<string, Uint8Array>;
beforeAll(() => {
  data = realChunks();
});

function expectCodecError(fn: () => unknown, code: number): CodecError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    expect((err as CodecError).code).toBe(code);
    return err as CodecError;
  }
  throw new Error('expected a CodecError');
}

describe.each(VARIANTS)('%s build', (variant) => {
  let c: Codecs;
  beforeAll(async () => {
    c = await codecsFor(variant);
  });

  test('CLI frames at levels 1, 3 and 19 decode identically', () => {
    for (const [name, raw] of Object.entries(data)) {
      for (const level of [1, 3, 19]) {
        const frame = cli([`-${level}`, '-c'], raw); // from stdin: no content size in the header
        const sized = cli([`-${level}`, '-c', `--stream-size=${raw.length}`], raw); // with content size
        expect(sameBytes(c.zstdDecompress(frame, { maxOutputBytes: raw.length }), raw), `${name} L${level}`).toBe(true);
        expect(sameBytes(c.zstdDecompress(sized, { maxOutputBytes: raw.length }), raw), `${name} L${level} sized`).toBe(true);
        const out = new Uint8Array(raw.length);
        expect(c.decodeChunkInto(sized, { name: 'zstd' }, out)).toBe(raw.length);
        expect(sameBytes(out, raw)).toBe(true);
      }
    }
  });

  test('streamed frames larger than the first output guess (1 MiB) decode through the growth loop', () => {
    const raw = new Uint8Array(5_000_000).map((_, i) => (i * 2654435761) >>> 27);
    const frame = cli(['-3', '-c'], raw);
    expect(sameBytes(c.zstdDecompress(frame, { maxOutputBytes: raw.length }), raw)).toBe(true);
  });

  test('concatenated and skippable frames', () => {
    const a = cli(['-1', '-c'], data.counts!);
    const b = c.zstdCompress(data.text!, { level: 3 });
    const skippable = Uint8Array.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    const both = Uint8Array.from([...a, ...skippable, ...b]);
    const expected = Uint8Array.from([...data.counts!, ...data.text!]);
    expect(sameBytes(c.zstdDecompress(both, { maxOutputBytes: expected.length }), expected)).toBe(true);
    expectCodecError(() => c.zstdDecompress(both, { maxOutputBytes: expected.length - 1 }), ErrorCode.ZstdOutputTooLarge);
  });

  test('our frames decode with `zstd -d` and record their content size', () => {
    for (const [name, raw] of Object.entries(data)) {
      for (const level of [-5, 0, 1, 3, 9, 19]) {
        const frame = c.zstdCompress(raw, { level });
        expect(sameBytes(cli(['-d', '-c'], frame), raw), `${name} L${level}`).toBe(true);
        expect(sameBytes(c.zstdDecompress(frame, { maxOutputBytes: raw.length }), raw)).toBe(true);
      }
    }
  });

  test('a frame that declares more than maxOutputBytes is refused before decoding', () => {
    const frame = c.zstdCompress(data.counts!);
    const err = expectCodecError(() => c.zstdDecompress(frame, { maxOutputBytes: 1000 }), ErrorCode.ZstdOutputTooLarge);
    expect(err.message).toContain(`declares ${data.counts!.length} bytes`);
    expectCodecError(() => c.decodeChunkInto(frame, { name: 'zstd' }, new Uint8Array(1000)), ErrorCode.ZstdOutputTooLarge);
  });

  test('a streamed frame that produces more than maxOutputBytes fails without a larger allocation', () => {
    const raw = new Uint8Array(3_000_000).fill(7); // compresses to a few hundred bytes
    const frame = cli(['-19', '-c'], raw);
    const before = c.memoryBytes();
    expectCodecError(() => c.zstdDecompress(frame, { maxOutputBytes: 100_000 }), ErrorCode.ZstdOutputTooLarge);
    expect(c.memoryBytes() - before).toBeLessThan(1_000_000);
  });

  test('a frame whose declared size is a lie (too small) is an error, not an overrun', () => {
    const raw = data.counts!;
    const frame = cli(['-3', '-c', `--stream-size=${raw.length}`], raw);
    // Single-segment frames store the content size right after the descriptor byte(s); patch it.
    const lie = frame.slice();
    const fhd = lie[4]!;
    const fcsBytes = [0, 2, 4, 8][fhd >> 6]!;
    const singleSegment = (fhd >> 5) & 1;
    const at = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][fhd & 3]!;
    expect(fcsBytes).toBeGreaterThan(0);
    if (fcsBytes === 4) new DataView(lie.buffer).setUint32(at, 1000, true);
    else if (fcsBytes === 2) new DataView(lie.buffer).setUint16(at, 1000 - 256, true);
    expect(() => c.zstdDecompress(lie, { maxOutputBytes: raw.length })).toThrow(CodecError);
  });

  test('truncated, empty and garbage inputs are CodecErrors with reasons', () => {
    const frame = c.zstdCompress(data.text!);
    expect(expectCodecError(() => c.zstdDecompress(frame.subarray(0, frame.length - 10), { maxOutputBytes: 1 << 20 }), ErrorCode.ZstdTruncated).message).toContain('ends inside a frame');
    expect(expectCodecError(() => c.zstdDecompress(new Uint8Array(0), { maxOutputBytes: 10 }), ErrorCode.ZstdTruncated).message).toContain('empty');
    expect(expectCodecError(() => c.zstdDecompress(new Uint8Array(100).fill(3), { maxOutputBytes: 10 }), ErrorCode.ZstdCorrupt).message).toMatch(/libzstd: /);
  });
});
