// Unit tests of the pure pieces: protobuf wire reader, FastLanes, FSST, RLE, Variable, Roaring,
// rep/def unravelling, read planning.
import { describe, expect, it } from 'vitest';
import { CorruptDataError, UnsupportedError } from '../../../src/errors.js';
import { unpackInline, unpackOutOfLine } from '../../../src/lance/encodings/fastlanes.js';
import { fsstDecode, parseSymbolTable } from '../../../src/lance/encodings/fsst.js';
import { decodeRleBlock } from '../../../src/lance/encodings/rle.js';
import { decodeVariableBlock, decodeVariableMiniBlock } from '../../../src/lance/encodings/variable.js';
import { miniBlockDecompress } from '../../../src/lance/encodings/compressive.js';
import { builtinDecompressors } from '../../../src/lance/decompressors.js';
import { groupRanges, planPages } from '../../../src/lance/plan.js';
import { decodeCompressive, RepDefLayer } from '../../../src/lance/proto/encodings21.js';
import type { PageProto } from '../../../src/lance/proto/file2.js';
import { decodeDeletionFile } from '../../../src/lance/proto/table.js';
import { readFields } from '../../../src/lance/protobuf.js';
import { decodeRoaring } from '../../../src/lance/roaring.js';
import { unravel } from '../../../src/lance/repdef.js';
import { isManifestTail, manifestKey, parseManifestName } from '../../../src/lance/versions.js';
import { concatBlocks, dictBlock, gatherBlock, sliceBlock, takeBlock, type Block } from '../../../src/lance/blocks.js';
import { rng } from './helpers.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('protobuf wire reader', () => {
  it('reads varints, u64 as BigInt, packed and unpacked repeated fields, and skips unknown fields', () => {
    // field 1 varint 150 | field 3 fixed32 | field 2 bytes "id" | field 5 packed [1, 300] | field 5 unpacked 7
    const msg = bytes(0x08, 0x96, 0x01, 0x1d, 1, 2, 3, 4, 0x12, 0x02, 0x69, 0x64, 0x2a, 0x03, 0x01, 0xac, 0x02, 0x28, 0x07);
    const seen: unknown[] = [];
    const rep: number[] = [];
    readFields(msg, 'test', (f, r) => {
      if (f === 1) seen.push(r.uint());
      else if (f === 2) seen.push(r.string());
      else if (f === 5) r.repeatedUint(rep);
    });
    expect(seen).toEqual([150, 'id']);
    expect(rep).toEqual([1, 300, 7]);
    // DeletionFile.id above 2^53 stays exact.
    const id = 9953040212288499183n;
    const varint: number[] = [];
    for (let v = id; ; v >>= 7n) {
      if (v < 128n) { varint.push(Number(v)); break; }
      varint.push(Number(v & 127n) | 128);
    }
    expect(decodeDeletionFile(bytes(0x18, ...varint), 'x').id).toBe(id);
  });

  it('throws CorruptDataError on truncation and bad wire types', () => {
    expect(() => readFields(bytes(0x08), 'x', (_f, r) => r.uint())).toThrow(CorruptDataError);
    expect(() => readFields(bytes(0x12, 0x05, 1), 'x', (_f, r) => r.bytesView())).toThrow(CorruptDataError);
    expect(() => readFields(bytes(0x0f), 'x', () => undefined)).toThrow(/wire type 7/);
    expect(() => readFields(bytes(0x08, ...Array(11).fill(0xff)), 'x', (_f, r) => r.uint())).toThrow(CorruptDataError);
  });

  it('names unknown encoding variants', () => {
    const range = decodeCompressive(bytes(0x72, 0x00), 'x'); // field 14 = range (2.3)
    expect(range).toEqual({ kind: 'unsupported', name: 'range' });
    expect(() => miniBlockDecompress(range, [new Uint8Array(8)], 1, { dec: builtinDecompressors, where: 'x' })).toThrow(UnsupportedError);
    expect(decodeCompressive(bytes(0xfa, 0x01, 0x00), 'x')).toEqual({ kind: 'unsupported', name: 'unknown(31)' });
  });
});

/** Reference FastLanes packer written from the layout description (not from the decoder). */
function pack(T: number, W: number, values: bigint[]): bigint[] {
  const lanes = 1024 / T;
  const ORDER = [0, 4, 2, 6, 1, 5, 3, 7];
  const words = new Array<bigint>((1024 * W) / T).fill(0n);
  for (let lane = 0; lane < lanes; lane++) {
    for (let row = 0; row < T; row++) {
      const v = values[ORDER[row >> 3]! * 16 + (row & 7) * 128 + lane]!;
      for (let b = 0; b < W; b++) {
        if (((v >> BigInt(b)) & 1n) === 0n) continue;
        const bit = row * W + b;
        const k = Math.floor(bit / T);
        words[lanes * k + lane]! |= 1n << BigInt(bit % T);
      }
    }
  }
  return words;
}

function le(T: number, words: bigint[]): Uint8Array {
  const out = new Uint8Array(words.length * (T / 8));
  words.forEach((w, i) => {
    for (let b = 0; b < T / 8; b++) out[i * (T / 8) + b] = Number((w >> BigInt(8 * b)) & 255n);
  });
  return out;
}

describe('FastLanes bit-unpacking', () => {
  it.each([[8, 3], [16, 11], [32, 1], [32, 17], [32, 31], [32, 32], [64, 7], [64, 33], [64, 52], [64, 64]])('T=%i W=%i round-trips', (T, W) => {
    const r = rng(T * 100 + W);
    const max = 2 ** Math.min(W, 52);
    const values = Array.from({ length: 1500 }, () => BigInt(Math.floor(r() * max)) * (W > 52 ? 2n ** BigInt(W - 52) : 1n));
    const chunk1 = values.slice(0, 1024);
    const chunk2 = [...values.slice(1024), ...Array(548).fill(0n)];
    // Inline: [W][packed] per chunk.
    const inline = new Uint8Array([...le(T, [BigInt(W), ...pack(T, W, chunk1)]), ...le(T, [BigInt(W), ...pack(T, W, chunk2)])]);
    const got = unpackInline(inline, T, 1500, 'x');
    expect(got.kind).toBe('fixed');
    const view = new DataView((got as { data: Uint8Array }).data.buffer);
    const read = (i: number) => (T === 64 ? view.getBigUint64(i * 8, true) : BigInt(T === 32 ? view.getUint32(i * 4, true) : T === 16 ? view.getUint16(i * 2, true) : view.getUint8(i)));
    for (let i = 0; i < 1500; i++) expect(read(i)).toBe(values[i]);
    // Out-of-line: whole chunks, then the tail stored raw.
    const ool = new Uint8Array([...le(T, pack(T, W, chunk1)), ...le(T, values.slice(1024))]);
    const got2 = unpackOutOfLine(ool, T, W, 1500, 'x') as { data: Uint8Array };
    expect(Array.from(got2.data)).toEqual(Array.from((got as { data: Uint8Array }).data));
  });

  it('rejects chunks that run past their buffer', () => {
    expect(() => unpackInline(le(32, [20n, 1n, 2n]), 32, 10, 'x')).toThrow(CorruptDataError);
  });
});

describe('string encodings', () => {
  it('decodes FSST with escapes and the uncompressed switch', () => {
    const table = new Uint8Array(8 + 2 * 9);
    table.set([2, 0, 0, 1, 0x54, 0x53, 0x53, 0x46]); // 2 symbols, encoder switch on, "FSST"
    table.set([0x74, 0x68], 8); // "th"
    table.set([0x65, 0x20], 16); // "e "
    table.set([2, 2], 24);
    const input = { kind: 'var' as const, offsets: Uint32Array.of(0, 4, 5), data: bytes(0, 1, 255, 0x21, 1), length: 2 };
    const out = fsstDecode(input, parseSymbolTable(table, 'x'), 'x') as { data: Uint8Array; offsets: Uint32Array };
    expect(new TextDecoder().decode(out.data)).toBe('the !e ');
    expect(Array.from(out.offsets)).toEqual([0, 5, 7]);
    table[3] = 0;
    expect(fsstDecode(input, parseSymbolTable(table, 'x'), 'x')).toBe(input);
    expect(() => fsstDecode({ ...input, data: bytes(9, 1, 255, 0x21, 1) }, parseSymbolTable(Object.assign(table.slice(), { 3: 1 }), 'x'), 'x')).toThrow(CorruptDataError);
  });

  it('decodes Variable in mini-block and block form', () => {
    const mb = bytes(16, 0, 0, 0, 18, 0, 0, 0, 18, 0, 0, 0, 19, 0, 0, 0, 0x61, 0x62, 0x63, 0x48);
    const v = decodeVariableMiniBlock(mb, 32, 3, 'x') as { offsets: Uint32Array; data: Uint8Array };
    expect([Array.from(v.offsets), new TextDecoder().decode(v.data)]).toEqual([[0, 2, 2, 3], 'abc']);
    const blk = bytes(32, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0x61, 0x62, 0x63);
    const b = decodeVariableBlock(blk, 3, 'x') as { offsets: Uint32Array };
    expect(Array.from(b.offsets)).toEqual([0, 2, 2, 3]);
    expect(() => decodeVariableMiniBlock(mb.subarray(0, 17), 32, 3, 'x')).toThrow(CorruptDataError);
    // The same chunk at an odd byte offset (read through a copy, not a misaligned view), and 64-bit offsets.
    const odd = new Uint8Array(mb.length + 1);
    odd.set(mb, 1);
    const u = decodeVariableMiniBlock(odd.subarray(1), 32, 3, 'x') as { offsets: Uint32Array; data: Uint8Array };
    expect([Array.from(u.offsets), new TextDecoder().decode(u.data)]).toEqual([[0, 2, 2, 3], 'abc']);
    const mb64 = bytes(32, 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0, 0, 0, 0, 0, 35, 0, 0, 0, 0, 0, 0, 0, 0x61, 0x62, 0x63);
    const w = decodeVariableMiniBlock(mb64, 64, 3, 'x') as { offsets: Uint32Array; data: Uint8Array };
    expect([Array.from(w.offsets), new TextDecoder().decode(w.data)]).toEqual([[0, 2, 2, 3], 'abc']);
    // Offsets that go backwards are corrupt, wherever the chunk sits.
    const back = mb.slice();
    back[8] = 17;
    back[12] = 16;
    expect(() => decodeVariableMiniBlock(back, 32, 3, 'x')).toThrow(/offset 2 \(17\) is out of order/);
    const backOdd = new Uint8Array(back.length + 1);
    backOdd.set(back, 1);
    expect(() => decodeVariableMiniBlock(backOdd.subarray(1), 32, 3, 'x')).toThrow(/out of order/);
  });

  it('decodes RLE blocks', () => {
    const enc = decodeCompressive(bytes(0x42, 12, 0x0a, 4, 0x0a, 2, 0x08, 16, 0x12, 4, 0x0a, 2, 0x08, 8), 'x'); // rle(flat16, flat8)
    if (enc.kind !== 'rle') throw new Error('not rle');
    const buf = bytes(4, 0, 0, 0, 0, 0, 0, 0, 7, 0, 9, 0, 3, 1);
    const out = decodeRleBlock(buf, enc, 4, 'x') as { data: Uint8Array };
    expect(Array.from(new Uint16Array(out.data.buffer))).toEqual([7, 7, 7, 9]);
    expect(() => decodeRleBlock(buf, enc, 5, 'x')).toThrow(CorruptDataError);
  });
});

describe('roaring bitmaps', () => {
  it('decodes array, bitset and run containers', () => {
    // {1, 2, 70000} without runs (the example in roaring.ts).
    const a = bytes(0x3a, 0x30, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0x18, 0, 0, 0, 0x1c, 0, 0, 0, 1, 0, 2, 0, 0x70, 0x11);
    expect(Array.from(decodeRoaring(a, 'x'))).toEqual([1, 2, 70000]);
    // One run container [10, 14] (cookie 12347, 1 container, run flags 0x01, no offsets).
    const run = bytes(0x3b, 0x30, 0, 0, 0x01, 0, 0, 4, 0, 1, 0, 10, 0, 4, 0);
    expect(Array.from(decodeRoaring(run, 'x'))).toEqual([10, 11, 12, 13, 14]);
    // A bitset container (> 4096 values): every even number below 10000.
    const bits = new Uint8Array(8192);
    for (let v = 0; v < 10000; v += 2) bits[v >> 3]! |= 1 << (v & 7);
    const bs = new Uint8Array([0x3a, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, ...[(5000 - 1) & 255, (5000 - 1) >> 8], 16, 0, 0, 0, ...bits]);
    expect(Array.from(decodeRoaring(bs, 'x'))).toEqual(Array.from({ length: 5000 }, (_, i) => 2 * i));
    expect(() => decodeRoaring(bytes(1, 2, 3, 4), 'x')).toThrow(CorruptDataError);
    expect(() => decodeRoaring(a.subarray(0, 27), 'x')).toThrow(CorruptDataError);
  });
});

describe('repetition/definition levels', () => {
  it('rebuilds struct<list<int>> with null structs, null lists, empty lists and null items', () => {
    // The worked example in repdef.ts.
    const layers = [RepDefLayer.NullableItem, RepDefLayer.NullAndEmptyList, RepDefLayer.NullableItem];
    const s = unravel(layers, Uint16Array.of(1, 0, 1, 1, 1), Uint16Array.of(0, 1, 3, 4, 2), 5, 'x');
    expect(s[2]).toMatchObject({ count: 4, validity: Uint8Array.of(1, 1, 0, 1) });
    expect(s[1]).toMatchObject({ count: 4, validity: Uint8Array.of(1, 1, 0, 0), offsets: Int32Array.of(0, 2, 2, 2, 2) });
    expect(s[0]).toMatchObject({ count: 2, validity: Uint8Array.of(1, 0) });
    expect(() => unravel(layers, Uint16Array.of(1), Uint16Array.of(9), 1, 'x')).toThrow(CorruptDataError);
  });
});

describe('read planning and version names', () => {
  const page = (rows: number, offset: number): PageProto => ({ bufferOffsets: [offset, offset + 100], bufferSizes: [100, 50], length: rows, priority: 0 });
  it('plans only the pages a row window overlaps', () => {
    const cols = [
      { file: 0, column: 0, pages: [page(600_000, 0), page(400_000, 1000)] },
      { file: 0, column: 1, pages: [page(1_000_000, 5000)] },
      { file: 1, column: 0, pages: [page(500_000, 0), page(500_000, 300)] },
    ];
    const reads = planPages(cols, 700_000, 800_000);
    expect(reads.map((r) => [r.file, r.column, r.page, r.rowStart])).toEqual([[0, 0, 1, 600_000], [0, 1, 0, 0], [1, 0, 1, 500_000]]);
    const g = groupRanges(reads);
    expect(g.get(0)!.ranges).toEqual([{ offset: 1000, length: 100 }, { offset: 1100, length: 50 }, { offset: 5000, length: 100 }, { offset: 5100, length: 50 }]);
    expect(planPages(cols, 0, 10, (c, p) => c.column === 1 && p === 0).length).toBe(2);
  });

  it('maps versions to V1 and V2 manifest names', () => {
    expect(manifestKey(1, 'v2')).toBe('_versions/18446744073709551614.manifest');
    expect(manifestKey(4, 'v2')).toBe('_versions/18446744073709551611.manifest');
    expect(parseManifestName('18446744073709551611.manifest')).toEqual({ version: 4, scheme: 'v2' });
    expect(parseManifestName('12.manifest')).toEqual({ version: 12, scheme: 'v1' });
    expect(parseManifestName('d5.manifest')).toBeUndefined();
  });
});

describe('dictionary blocks', () => {
  const strings = (...xs: string[]): Block => {
    const enc = new TextEncoder();
    const parts = xs.map((x) => enc.encode(x));
    const offsets = new Uint32Array(xs.length + 1);
    parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
    const data = new Uint8Array(offsets[xs.length]!);
    parts.forEach((p, i) => data.set(p, offsets[i]!));
    return { kind: 'var', offsets, data, length: xs.length };
  };
  const values = (b: Block): string[] => {
    if (b.kind !== 'dict' || b.dict.kind !== 'var') throw new Error(`not a string dictionary: ${b.kind}`);
    const d = b.dict;
    return Array.from(b.indices, (k) => new TextDecoder().decode(d.data.subarray(d.offsets[k], d.offsets[k + 1])));
  };

  it('clamps out-of-range indices (null slots) into the dictionary', () => {
    expect(Array.from(dictBlock(Uint32Array.of(1, 7, 0, 99), strings('a', 'b')).indices)).toEqual([1, 0, 0, 0]);
  });

  it('concatenates pages: a repeated dictionary is shared, a different one appended with shifted indices', () => {
    const d1 = strings('blood', 'lung');
    const same = strings('blood', 'lung');
    const other = strings('lung', 'liver', 'skin');
    const parts: Block[] = [
      dictBlock(Uint32Array.of(0, 1, 1), d1),
      { kind: 'none', length: 2 }, // an all-null page
      dictBlock(Uint32Array.of(1, 0), same),
      dictBlock(Uint32Array.of(2, 0, 1), other),
      strings('plain', 'page'), // a page stored without a dictionary
    ];
    const all = concatBlocks(parts, 'test');
    expect(all.kind).toBe('dict');
    if (all.kind !== 'dict') return;
    expect(all.length).toBe(12);
    expect(all.dict.length).toBe(7); // blood lung | lung liver skin | plain page
    const v = values(all);
    expect([...v.slice(0, 3), ...v.slice(5)]).toEqual(['blood', 'lung', 'lung', 'lung', 'blood', 'skin', 'lung', 'liver', 'plain', 'page']);
    expect(values(sliceBlock(all, 6, 9))).toEqual(['blood', 'skin', 'lung']);
    expect(values(takeBlock(all, Uint32Array.of(10, 0, 7), 'test'))).toEqual(['plain', 'blood', 'skin']);
  });

  it('gathers string items row by row and in runs of every length (doubling copies), empty items included', () => {
    const dict = strings('zarr_group_0', '', 'b', 'long-item-' + 'x'.repeat(40));
    const r = rng(11);
    const idx: number[] = [];
    for (const run of [1, 2, 3, 7, 64, 1000, 1, 1, 513]) {
      const k = Math.floor(r() * 4);
      for (let i = 0; i < run; i++) idx.push(k);
    }
    for (let i = 0; i < 200; i++) idx.push(Math.floor(r() * 4));
    const got = gatherBlock(dict, Uint32Array.from(idx), 'test');
    if (got.kind !== 'var') throw new Error(got.kind);
    const text = (b: typeof got, i: number) => new TextDecoder().decode(b.data.subarray(b.offsets[i], b.offsets[i + 1]));
    const want = ['zarr_group_0', '', 'b', 'long-item-' + 'x'.repeat(40)];
    expect(Array.from({ length: idx.length }, (_, i) => text(got, i))).toEqual(idx.map((k) => want[k]));
    expect(got.data.length).toBe(idx.reduce((s, k) => s + new TextEncoder().encode(want[k]).length, 0));
  });

  it('concatenates all-null pages of a dictionary column to an all-null block', () => {
    expect(concatBlocks([{ kind: 'none', length: 3 }, { kind: 'none', length: 2 }], 'test')).toEqual({ kind: 'none', length: 5 });
  });
});

describe('manifest validation', () => {
  it('accepts a manifest tail and rejects fallback pages', () => {
    const tail = new Uint8Array(16);
    const v = new DataView(tail.buffer);
    v.setBigUint64(0, 100n, true);
    v.setUint16(10, 2, true);
    tail.set([0x4c, 0x41, 0x4e, 0x43], 12);
    expect(isManifestTail(tail, 500)).toBe(true);
    expect(isManifestTail(tail, 110)).toBe(false); // position past the end
    const html = new TextEncoder().encode('<!doctype html><html><body>app</body></html>');
    expect(isManifestTail(html.subarray(html.length - 16), html.length)).toBe(false);
  });
});
