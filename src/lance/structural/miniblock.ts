// MiniBlock pages (file format 2.1/2.2): small values, compressed in chunks of a few KiB.
//
// Page buffers:  0 chunk metadata words | 1 chunks, back to back | 2 dictionary (if any) |
//                last: repetition index (if repetition_index_depth > 0; only for random access)
// Metadata word (u16 in 2.1, u32 in 2.2 where has_large_chunk is set):
//   bytes = ((w >> 4) + 1) * 8, items = 1 << (w & 0xF) except the last chunk, which holds the rest.
//   Example (2.2): 0x00000050 → 48 bytes, last chunk; 0x0000031a → 400 bytes, 1024 items.
// Chunk:
//   u16 num_levels | u16 rep_size (if rep) | u16 def_size (if def) |
//   num_buffers × buffer size (u16 in 2.1, u32 in 2.2) | pad to 8 |
//   rep bytes | pad 8 | def bytes | pad 8 | buffer 0 | pad 8 | buffer 1 | pad 8 …   (pad byte 0xFE)
//   Example, nullable string chunk: 0a00 1400 50000000 → 10 levels, 20-byte def, 80-byte values.
// Values are decoded with the mini-block decompressor, levels with the block decompressor. With
// a dictionary the values are indices into it (nulls carry any index; def levels say which).
// The page decodes to a `dict` block (indices + dictionary): slicing, take and deletions then
// move indices only, and values are materialized once, for the rows kept, when Arrow data is
// built. Dictionary-typed (Arrow Dictionary) columns use the same layout — their Arrow
// dictionary is the page dictionary — and stay dictionaries.
import { CorruptDataError } from '../../errors.js';
import { concatArrays } from '../../io/bytes.js';
import { concatBlocks, dictBlock, toUint16, toUint32, type Block } from '../blocks.js';
import { ByteCursor } from '../cursor.js';
import { blockDecompress, miniBlockDecompress, type DecodeContext } from '../encodings/compressive.js';
import { fsstDecode, parseSymbolTable } from '../encodings/fsst.js';
import type { MiniBlockLayout } from '../proto/encodings21.js';
import type { LeveledPage } from './page.js';
import { decodeWholeMiniBlock } from './miniblock-whole.js';

const MAX_CHUNK_ITEMS = 2 ** 15;

interface ChunkMeta {
  offset: number;
  bytes: number;
  items: number;
}

function chunkMetas(layout: MiniBlockLayout, meta: Uint8Array, dataLength: number, where: string): ChunkMeta[] {
  const wordBytes = layout.hasLargeChunk ? 4 : 2;
  if (meta.length % wordBytes !== 0) throw new CorruptDataError(`chunk metadata of ${meta.length} bytes`, { where });
  const c = new ByteCursor(meta, where);
  const n = meta.length / wordBytes;
  const out: ChunkMeta[] = [];
  let offset = 0;
  let items = 0;
  for (let i = 0; i < n; i++) {
    const w = wordBytes === 4 ? c.u32() : c.u16();
    const bytes = (Math.floor(w / 16) + 1) * 8;
    const k = i < n - 1 ? 2 ** (w & 15) : layout.numItems - items;
    // The last chunk holds the rest, and like every chunk at most 2^15 items (the most a word's
    // 4-bit log states; Lance's writer stops at 4,096): a larger rest is a corrupt item count.
    if (k < 0 || k > MAX_CHUNK_ITEMS || offset + bytes > dataLength) throw new CorruptDataError(`chunk ${i} (${bytes} bytes, ${k} items) overruns the page`, { where });
    out.push({ offset, bytes, items: k });
    offset += bytes;
    items += k;
  }
  if (items !== layout.numItems) throw new CorruptDataError(`chunks hold ${items} items, layout says ${layout.numItems}`, { where });
  return out;
}

export function decodeMiniBlock(layout: MiniBlockLayout, buffers: Uint8Array[], ctx: DecodeContext): LeveledPage {
  const { where } = ctx;
  const min = layout.dictionary ? 3 : 2;
  if (buffers.length < min) throw new CorruptDataError(`mini-block page has ${buffers.length} buffers, needs ${min}`, { where });
  // Pages of plain strings or values (most of what LanceDB writes) in one codec-module call.
  const whole = decodeWholeMiniBlock(layout, buffers, ctx);
  const page = whole ? { numLevels: layout.numItems, values: whole } : decodeChunks(layout, buffers, ctx);
  let all = page.values;
  if (layout.dictionary) {
    const dict = blockDecompress(layout.dictionary, buffers[2]!, layout.numDictionaryItems, { ...ctx, where: `${where} dictionary` });
    all = dictBlock(toUint32(all, where), dict);
  }
  return { ...page, layers: layout.layers, values: all };
}

/** The page chunk by chunk: levels and values of each, concatenated. */
function decodeChunks(layout: MiniBlockLayout, buffers: Uint8Array[], ctx: DecodeContext): Omit<LeveledPage, 'layers'> {
  const { where } = ctx;
  const data = buffers[1]!;
  const metas = chunkMetas(layout, buffers[0]!, data.length, where);
  const hasRep = layout.repCompression !== undefined;
  const hasDef = layout.defCompression !== undefined;
  // FSST's symbol table belongs to the page, so the chunks' codes are concatenated first and
  // decoded in one call (the same strings as decoding each chunk, without ~800 small calls and
  // outputs per 200,000 uids).
  const fsst = layout.valueCompression?.kind === 'fsst' ? layout.valueCompression : undefined;
  const valueCompression = fsst ? fsst.values : layout.valueCompression;
  const values: Block[] = [];
  const reps: Uint16Array[] = [];
  const defs: Uint16Array[] = [];
  let numLevels = 0;
  metas.forEach((m, ci) => {
    const cw = `${where} chunk ${ci}`;
    const c = new ByteCursor(data, cw, m.offset, m.offset + m.bytes);
    const levels = c.u16();
    const repSize = hasRep ? c.u16() : 0;
    const defSize = hasDef ? c.u16() : 0;
    const sizes: number[] = [];
    for (let b = 0; b < layout.numBuffers; b++) sizes.push(layout.hasLargeChunk ? c.u32() : c.u16());
    c.align(8);
    const cctx = { ...ctx, where: cw };
    if (hasRep) {
      const bytes = c.take(repSize, 'rep levels');
      reps.push(toUint16(blockDecompress(layout.repCompression, bytes, levels, cctx), cw));
      c.align(8);
    }
    if (hasDef) {
      const bytes = c.take(defSize, 'def levels');
      defs.push(toUint16(blockDecompress(layout.defCompression, bytes, levels, cctx), cw));
      c.align(8);
    }
    const bufs = sizes.map((s) => {
      const b = c.take(s, 'value buffer');
      c.align(8);
      return b;
    });
    values.push(miniBlockDecompress(valueCompression, bufs, m.items, cctx));
    numLevels += hasRep || hasDef ? levels : m.items;
  });
  let all = concatBlocks(values, where);
  if (fsst) all = fsstDecode(all, parseSymbolTable(fsst.symbolTable, where), where, ctx.dec);
  return {
    rep: hasRep ? concatU16(reps) : undefined,
    def: hasDef ? concatU16(defs) : undefined,
    numLevels,
    values: all,
  };
}

function concatU16(parts: Uint16Array[]): Uint16Array {
  return parts.length === 1 ? parts[0]! : concatArrays(parts, Uint16Array);
}
