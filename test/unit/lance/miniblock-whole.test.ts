// Whole mini-block pages in the codec module (structural/miniblock-whole.ts, wasm/src/miniblock.rs)
// against the chunk-by-chunk TypeScript decoder, the reference: every mini-block page of tables
// LanceDB writes (2.1 and 2.2: strings under FSST and plain, bit-packed and flat integers and
// floats, dictionary indices) decodes to the same values, levels and dictionary; corrupted copies
// of those pages fail in both decoders or in neither, and then decode the same, never differently.
import { beforeAll, describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFileMetadata, parseFooter } from '../../../src/lance/file-reader.js';
import { decodePageLayout, type Compressive, type MiniBlockLayout } from '../../../src/lance/proto/encodings21.js';
import { decodeMiniBlock } from '../../../src/lance/structural/miniblock.js';
import { wholePageValues } from '../../../src/lance/structural/miniblock-whole.js';
import type { Decompressors } from '../../../src/lance/decompressors.js';
import { CorruptDataError, isRaggedAtlasError } from '../../../src/errors.js';
import { atlasTable, createLanceTable, lanceFixture, obsTable, pagedTable, rng, testDecompressors } from './helpers.js';
import { inlineChunk, miniBlockPage, rleChunk, stringChunk } from '../../helpers/lance-pages.js';
import { Rng } from '../codecs/helpers.js';

interface Page {
  where: string;
  layout: MiniBlockLayout;
  buffers: Uint8Array[];
}

const fx = lanceFixture('ra-miniblock-whole-');

/** Every mini-block page of every data file of `table`, with its buffers. */
function miniBlockPages(table: string): Page[] {
  const out: Page[] = [];
  const dir = join(fx.dir.path, `${table}.lance`, 'data');
  for (const f of readdirSync(dir)) {
    const bytes = new Uint8Array(readFileSync(join(dir, f)));
    const footer = parseFooter(bytes, bytes.length, f);
    parseFileMetadata(bytes, 0, footer, f).columns.forEach((c, ci) => {
      c.pages.forEach((p, pi) => {
        const layout = decodePageLayout(p.encoding!.value, f);
        if (layout.kind !== 'miniBlock') return;
        const buffers = p.bufferOffsets.map((o, k) => bytes.slice(o, o + p.bufferSizes[k]!));
        out.push({ where: `${table} ${f} column ${ci} page ${pi}`, layout, buffers });
      });
    });
  }
  return out;
}

/**
 * The page decoded, or that it failed: what the two decoders must agree on. Typed arrays become
 * their type, length and a hash of their bytes, so comparing a 60,000-row page stays cheap.
 */
function decode(page: Page, dec: Decompressors): unknown {
  const digest = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) {
      const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      let h = 0x811c9dc5;
      for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
      return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length}) ${h >>> 0}`;
    }
    if (Array.isArray(v)) return v.map(digest);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, digest(x)]));
    return v;
  };
  try {
    return digest(decodeMiniBlock(page.layout, page.buffers, { dec, where: page.where }));
  } catch (err) {
    if (err instanceof CorruptDataError || isRaggedAtlasError(err, 'Unsupported')) return { failed: true };
    throw err; // a TypeError or RangeError would be a bug in either decoder
  }
}

describe.each(['2.1', '2.2'] as const)('mini-block pages in the codec module, file format %s', (format) => {
  const tag = format.replace('.', '');
  let wasm: Decompressors;
  let ts: Decompressors;
  let pages: Page[];

  beforeAll(async () => {
    wasm = await testDecompressors();
    ts = { ...wasm, miniBlock: undefined };
    await createLanceTable(fx.db, `obs${tag}`, obsTable(30_000, 11), format);
    await createLanceTable(fx.db, `atlas${tag}`, atlasTable({ rows: 20_000, wide: true, huge: true, seed: 5, nullStructs: true }), format);
    await createLanceTable(fx.db, `paged${tag}`, pagedTable(60_000, true), format);
    // Long runs, as a layouts table's layout_uid or a sorted obs column: LanceDB writes RLE indices.
    const groups = Array.from({ length: 40_000 }, (_, i) => `layout_${Math.floor(i / 7_000)}`);
    await createLanceTable(fx.db, `runs${tag}`, tableFromArrays({ layout_uid: groups, local_index: BigInt64Array.from(groups, (_, i) => BigInt(i % 7_000)) }), format);
    pages = [`obs${tag}`, `atlas${tag}`, `paged${tag}`, `runs${tag}`].flatMap(miniBlockPages);
  }, 120_000);

  it('has the codec module (the comparison would be TypeScript against itself otherwise)', () => {
    expect(wasm.miniBlock).toBeTypeOf('function');
  });

  it('decodes every page LanceDB wrote as the TypeScript decoder does, and takes its FSST, bit-packed, flat and RLE pages', () => {
    const taken = new Set<string>();
    for (const page of pages) {
      const values = wholePageValues(page.layout, page.where);
      if (values) taken.add(values.kind === 'strings' ? (values.symbols ? 'fsst' : 'strings') : `${values.kind}${values.bits}`);
      expect(decode(page, wasm), page.where).toEqual(decode(page, ts));
    }
    // LanceDB writes no plain (non-FSST) string pages here: the hand-built pages below cover them.
        expect([...taken]).toEqual(expect.arrayContaining(['fsst', 'inline64', 'inline32', 'flat64', 'flat32', 'flat8', 'rle32']));
  });

  it('fails on a corrupted page where the TypeScript decoder fails, and otherwise decodes it the same', () => {
    const r = rng(format === '2.1' ? 21 : 22);
    const taken = pages.filter((p) => wholePageValues(p.layout, p.where));
    let failed = 0;
    for (let k = 0; k < 400; k++) {
      const page = taken[Math.floor(r() * taken.length)]!;
      // Flip bytes of the chunk words or the chunks, or cut the chunks short.
      const buffers = page.buffers.map((b) => b.slice());
      const target = buffers[r() < 0.3 ? 0 : 1]!;
      if (r() < 0.15) buffers[1] = buffers[1]!.subarray(0, Math.floor(r() * buffers[1]!.length));
      else for (let i = 0, n = 1 + Math.floor(r() * 4); i < n && target.length; i++) target[Math.floor(r() * target.length)] = Math.floor(r() * 256);
      // Sometimes the page's item count is off instead (by a little, or wildly).
      const numItems = r() < 0.1 ? (r() < 0.5 ? Math.max(0, page.layout.numItems + Math.floor(r() * 20) - 10) : Math.floor(r() * 2 ** 32)) : page.layout.numItems;
      const bad = { ...page, layout: { ...page.layout, numItems }, buffers: numItems === page.layout.numItems ? buffers : page.buffers, where: `${page.where} (corrupted #${k})` };
      const a = decode(bad, wasm);
      expect(a, bad.where).toEqual(decode(bad, ts));
      if ((a as { failed?: boolean }).failed) failed++;
    }
    expect(failed).toBeGreaterThan(40); // the corruptions reach the checks, not only the values
  });
});

describe('mini-block pages in the codec module, built by hand', () => {
  it('decodes large chunks, every word size, FSST and RLE as the TypeScript decoder does', async () => {
    const wasm = await testDecompressors();
    const ts = { ...wasm, miniBlock: undefined };
    const r = new Rng(7);
    // 19 one-to-eight-byte symbols behind an "FSST" header saying 19 symbols, compression on
    const symbols = new Uint8Array(8 + 19 * 9);
    symbols.set([19, 0, 0, 1, 0x54, 0x53, 0x53, 0x46]);
    for (let k = 0; k < 19 * 8; k++) symbols[8 + k] = 97 + (k % 26);
    for (let k = 0; k < 19; k++) symbols[8 + 19 * 8 + k] = 1 + (k % 8);
    const variable: Compressive = { kind: 'variable', offsets: { kind: 'flat', bitsPerValue: 32 } };
    const cases: [Compressive, (n: number) => Uint8Array | Uint8Array[]][] = [
      ...[8, 16, 32, 64].map((bits): [Compressive, (n: number) => Uint8Array] => [{ kind: 'inlineBitpacking', uncompressedBits: bits }, (n) => inlineChunk(r, bits, n)]),
      [{ kind: 'flat', bitsPerValue: 64 }, (n) => Uint8Array.from({ length: 8 * n }, () => r.below(256))],
      [variable, (n) => stringChunk(r, n)],
      [{ kind: 'fsst', symbolTable: symbols, values: variable }, (n) => stringChunk(r, n)],
      ...[8, 16, 32].map((lengthBits): [Compressive, (n: number) => Uint8Array[]] => [{ kind: 'rle', values: { kind: 'flat', bitsPerValue: 64 }, runLengths: { kind: 'flat', bitsPerValue: lengthBits } }, (n) => rleChunk(r, 64, lengthBits, n)]),
    ];
    for (const hasLargeChunk of [false, true]) {
      for (const [valueCompression, chunk] of cases) {
        const chunks = [1024, 2048, 1024, 77].map((items) => ({ buf: chunk(items), items }));
        const { meta, data } = miniBlockPage(chunks, hasLargeChunk);
        const layout: MiniBlockLayout = { kind: 'miniBlock', valueCompression, numDictionaryItems: 0, layers: [0], numBuffers: valueCompression.kind === 'rle' ? 2 : 1, repetitionIndexDepth: 0, numItems: 4173, hasLargeChunk };
        expect(wholePageValues(layout, 'test')).toBeDefined();
        const page = { where: `${valueCompression.kind} large ${hasLargeChunk}`, layout, buffers: [meta, data] };
        const got = decode(page, wasm);
        expect(got, page.where).not.toEqual({ failed: true });
        expect(got, page.where).toEqual(decode(page, ts));
      }
    }
  });
});
