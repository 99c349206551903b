// LZ4 (pure TS): frames from the Debian `lz4` CLI with every option that changes the layout, raw
// blocks from numcodecs, Arrow IPC buffer prefixes, limits, and 10,000 corruptions (CodecError only).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { LZ4 } from 'numcodecs';
import { describe, expect, test } from 'vitest';
import { CodecError } from '../../../src/errors.js';
import { ErrorCode, decodeArrowLz4Buffer, decodeLz4Block, decodeLz4Frame, xxh32 } from '../../../src/codecs/index.js';
import { Rng, sameBytes } from './helpers.js';

const lz4Codec = () => LZ4.fromConfig({ acceleration: 1, id: 'lz4' });
const lz4 = (args: string[], input: Uint8Array) => new Uint8Array(execFileSync('lz4', ['-q', ...args], { input, maxBuffer: 1 << 28 }));

const mtx = gunzipSync(readFileSync('/work/shared/data/pbmc3k_10x_v2/hg19/matrix.mtx.gz'));
const inputs: Record<string, Uint8Array> = {
  empty: new Uint8Array(0),
  tiny: new TextEncoder().encode('abc'),
  text: new Uint8Array(mtx.subarray(0, 700_000)), // > 4 × 64 KiB blocks at -B4
  counts: new Uint8Array(Uint32Array.from({ length: 100_000 }, (_, i) => ((i * 2654435761) >>> 28) * (i % 3)).buffer),
  runs: new Uint8Array(300_000).fill(9),
};

test('xxh32 known values', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  expect(xxh32(enc(''))).toBe(0x02cc5d05);
  expect(xxh32(enc('abc'))).toBe(0x32d153ff);
  expect(xxh32(enc('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
});

describe('frames from the lz4 CLI', () => {
  const variants: Record<string, string[]> = {
    default: ['-1'],
    'level 9, linked blocks (-BD)': ['-9', '-BD'],
    'level 12, 64 KiB linked blocks, block checksums': ['-12', '-B4', '-BD', '-BX'],
    'content size, no frame checksum': ['--content-size', '--no-frame-crc'],
    '64 KiB independent blocks': ['-B4', '-BI'],
  };
  for (const [label, args] of Object.entries(variants)) {
    test(label, () => {
      for (const [name, raw] of Object.entries(inputs)) {
        const frame = lz4(['-c', ...args], raw);
        expect(sameBytes(decodeLz4Frame(frame), raw), `${name}`).toBe(true);
      }
    });
  }

  test('concatenated frames and skippable frames', () => {
    const a = lz4(['-c'], inputs.text!);
    const b = lz4(['-c', '-BD', '--content-size'], inputs.counts!);
    const skip = Uint8Array.from([0x5a, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 1, 2]);
    const expected = Uint8Array.from([...inputs.text!, ...inputs.counts!]);
    expect(sameBytes(decodeLz4Frame(Uint8Array.from([...a, ...skip, ...b])), expected)).toBe(true);
  });

  test('limits and unsupported forms are CodecErrors', () => {
    const frame = lz4(['-c'], inputs.text!);
    const sized = lz4(['-c', '--content-size'], inputs.text!);
    expect(() => decodeLz4Frame(frame, { maxOutputBytes: 1000 })).toThrow(/exceeds the maximum of 1000/);
    expect(() => decodeLz4Frame(sized, { maxOutputBytes: 1000 })).toThrow(CodecError);
    expect(() => decodeLz4Frame(lz4(['-c', '-l'], inputs.tiny!))).toThrow(/legacy/);
    expect(() => decodeLz4Frame(new Uint8Array(0))).toThrow(/no LZ4 frame/);
    const badCrc = frame.slice();
    badCrc[badCrc.length - 1]! ^= 1;
    expect(() => decodeLz4Frame(badCrc)).toThrow(/content checksum mismatch/);
  });
});

test('raw blocks (numcodecs LZ4 = u32 LE size + block)', async () => {
  const codec = lz4Codec();
  for (const [name, raw] of Object.entries(inputs)) {
    const enc = await codec.encode(raw);
    const size = new DataView(enc.buffer, enc.byteOffset).getUint32(0, true);
    expect(size).toBe(raw.length);
    const out = new Uint8Array(size);
    if (size === 0) continue; // numcodecs writes an empty block for empty input
    expect(decodeLz4Block(enc.subarray(4), out), name).toBe(size);
    expect(sameBytes(out, raw), name).toBe(true);
    expect(() => decodeLz4Block(enc.subarray(4), new Uint8Array(size - 1)), name).toThrow(CodecError);
  }
  // Hand-made: literal "a", then match offset 1 length 5 ("aaaaa"), then the literal-only tail "b".
  const out = new Uint8Array(7);
  expect(decodeLz4Block(Uint8Array.from([0x11, 0x61, 0x01, 0x00, 0x10, 0x62]), out)).toBe(7);
  expect(new TextDecoder().decode(out)).toBe('aaaaaab');
  expect(() => decodeLz4Block(Uint8Array.from([0x11, 0x61, 0x02, 0x00, 0x10, 0x62]), out)).toThrow(/points before the start/);
});

test('Arrow IPC LZ4_FRAME buffers: int64 length prefix, -1 = stored', () => {
  const raw = inputs.counts!;
  const frame = lz4(['-c'], raw);
  const buf = new Uint8Array(8 + frame.length);
  new DataView(buf.buffer).setBigInt64(0, BigInt(raw.length), true);
  buf.set(frame, 8);
  expect(sameBytes(decodeArrowLz4Buffer(buf), raw)).toBe(true);
  new DataView(buf.buffer).setBigInt64(0, BigInt(raw.length + 1), true);
  expect(() => decodeArrowLz4Buffer(buf)).toThrow(CodecError);
  const stored = new Uint8Array(8 + 3);
  new DataView(stored.buffer).setBigInt64(0, -1n, true);
  stored.set([1, 2, 3], 8);
  expect(Array.from(decodeArrowLz4Buffer(stored))).toEqual([1, 2, 3]);
});

test('10,000 corrupted frames and blocks: CodecError only, output limit respected', async () => {
  const rng = new Rng(99);
  const frames = [lz4(['-c', '-B4', '-BD', '-BX'], inputs.text!.subarray(0, 100_000)), lz4(['-c', '--content-size'], inputs.counts!.subarray(0, 100_000))];
  const block = (await lz4Codec().encode(inputs.counts!.subarray(0, 100_000))).subarray(4);
  const blockOut = new Uint8Array(100_000);
  let errors = 0;
  for (let i = 0; i < 10_000; i++) {
    const src = i % 3 === 2 ? block : frames[i % 2]!;
    const m = src.slice(0, rng.below(4) === 0 ? rng.below(src.length) : src.length);
    for (let k = rng.below(4); k >= 0; k--) m[rng.below(m.length)] = rng.below(256);
    try {
      if (src === block) decodeLz4Block(m, blockOut);
      else if (decodeLz4Frame(m, { maxOutputBytes: 1 << 18 }).length > 1 << 18) throw new Error('limit ignored');
    } catch (err) {
      // Checked by hand (not expect()) to keep the loop cheap.
      if (!(err instanceof CodecError) || (err.code !== ErrorCode.Lz4Corrupt && err.code !== ErrorCode.Lz4OutputTooLarge)) throw err;
      errors++;
    }
  }
  expect(errors).toBeGreaterThan(5000);
});
