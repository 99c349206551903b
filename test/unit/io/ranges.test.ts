import { expect, test } from 'vitest';
import { readRanges, splitRange } from '../../../src/io/ranges.js';
import type { ByteRange, ByteStore } from '../../../src/io/types.js';

/** A store whose bytes are (offset + i) & 0xff, recording every range it is asked for. */
function recordingStore(): ByteStore & { reads: ByteRange[] } {
  const s = {
    url: 'mem://x',
    reads: [] as ByteRange[],
    async get() {
      return undefined;
    },
    async getRange(_key: string, range: ByteRange) {
      s.reads.push(range);
      return Uint8Array.from({ length: range.length }, (_, i) => (range.offset + i) & 0xff);
    },
    async size() {
      return 1 << 20;
    },
  };
  return s;
}

test('ranges inside held bytes are served from them; only the rest is requested', async () => {
  const store = recordingStore();
  const held = { offset: 1000, bytes: Uint8Array.from({ length: 200 }, (_, i) => (1000 + i) & 0xff) };
  const ranges = [
    { offset: 1010, length: 5 }, // inside
    { offset: 10, length: 3 }, // before
    { offset: 1190, length: 10 }, // ends exactly at the held end
    { offset: 1195, length: 10 }, // straddles the end: requested
  ];
  const got = await readRanges(store, 'f', ranges, { held, maxGap: 0 });
  got.forEach((b, i) => expect(Array.from(b)).toEqual(Array.from({ length: ranges[i]!.length }, (_, k) => (ranges[i]!.offset + k) & 0xff)));
  expect(store.reads).toEqual([
    { offset: 10, length: 3 },
    { offset: 1195, length: 10 },
  ]);
  expect(got[0]!.buffer).toBe(held.bytes.buffer); // a view, not a copy
});

test('a long request is fetched as parallel parts and reassembled; short ones stay whole', async () => {
  const store = recordingStore();
  const ranges = [
    { offset: 5, length: 1000 }, // 1000 > 2 × 300: split into 4 parts of 250
    { offset: 2000, length: 600 }, // exactly 2 × 300: one request
    { offset: 700, length: 100 }, // merged into the first request's span
  ];
  const got = await readRanges(store, 'f', ranges, { maxGap: 0, partBytes: 300, concurrency: 2 });
  got.forEach((b, i) => expect(Array.from(b)).toEqual(Array.from({ length: ranges[i]!.length }, (_, k) => (ranges[i]!.offset + k) & 0xff)));
  expect(store.reads).toEqual([
    { offset: 5, length: 250 },
    { offset: 255, length: 250 },
    { offset: 505, length: 250 },
    { offset: 755, length: 250 },
    { offset: 2000, length: 600 },
  ]);
  expect(splitRange({ offset: 0, length: 10 }, 3)).toEqual([
    { offset: 0, length: 3 },
    { offset: 3, length: 3 },
    { offset: 6, length: 3 },
    { offset: 9, length: 1 },
  ]);
  expect(splitRange({ offset: 0, length: 10 }, undefined)).toEqual([{ offset: 0, length: 10 }]);
});
