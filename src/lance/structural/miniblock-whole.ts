// A mini-block page decoded in one call to the codec module (wasm/src/miniblock.rs), for the pages
// LanceDB writes for columns without nulls (no repetition or definition levels): strings
// (`variable` with 32-bit offsets, usually under `fsst`), integers (`inlineBitpacking`), plain
// fixed-width values (`flat`), and the RLE indices of low-cardinality dictionary columns.
//
// Why: an obs page of 200,000 uids is ~800 chunks, and the chunk-by-chunk TypeScript decoder
// (miniblock.ts, encodings/) is the first code a query runs, in a fresh page still interpreted:
// ~40 ms of the page thread for that one page, against a few ms here. Every other page, and every
// page when the module did not load, takes the TypeScript path, which stays the reference (the
// test decodes real LanceDB pages both ways and compares).
import { CorruptDataError, isRaggedAtlasError } from '../../errors.js';
import type { LanceMiniBlockPage } from '../../codecs/types.js';
import type { Block } from '../blocks.js';
import type { DecodeContext } from '../encodings/compressive.js';
import { parseSymbolTable } from '../encodings/fsst.js';
import type { BufferCompression, Compressive, MiniBlockLayout } from '../proto/encodings21.js';

const WORD_BITS = new Set([8, 16, 32, 64]);

const plain = (c: BufferCompression | undefined) => !c || c.scheme === 0;

/** What the page's one value buffer holds, when the codec module decodes it; undefined otherwise. */
export function wholePageValues(layout: MiniBlockLayout, where: string): LanceMiniBlockPage['values'] | undefined {
  if (layout.repCompression || layout.defCompression) return undefined;
  const e = layout.valueCompression;
  if (e?.kind === 'rle') {
    const [v, l] = [e.values, e.runLengths];
    const flat = v?.kind === 'flat' && plain(v.data) && WORD_BITS.has(v.bitsPerValue) && l?.kind === 'flat' && plain(l.data) && [8, 16, 32].includes(l.bitsPerValue);
    return flat && layout.numBuffers === 2 ? { kind: 'rle', bits: v.bitsPerValue, lengthBits: l.bitsPerValue } : undefined;
  }
  if (layout.numBuffers !== 1) return undefined;
  const strings = (e: Compressive | undefined) => e?.kind === 'variable' && plain(e.values) && e.offsets?.kind === 'flat' && e.offsets.bitsPerValue === 32 && plain(e.offsets.data);
  switch (e?.kind) {
    case 'flat':
      return WORD_BITS.has(e.bitsPerValue) && plain(e.data) ? { kind: 'flat', bits: e.bitsPerValue } : undefined;
    case 'inlineBitpacking':
      return WORD_BITS.has(e.uncompressedBits) && plain(e.values) ? { kind: 'inline', bits: e.uncompressedBits } : undefined;
    case 'variable':
      return strings(e) ? { kind: 'strings' } : undefined;
    case 'fsst': {
      if (!strings(e.values)) return undefined;
      const table = parseSymbolTable(e.symbolTable, where);
      return table.enabled ? { kind: 'strings', symbols: table.body } : { kind: 'strings' };
    }
    default:
      return undefined;
  }
}

/**
 * Whether a page can hold `items`: at most 2^15 per chunk word (MAX_CHUNK_ITEMS in miniblock.rs),
 * and in its `bytes` of chunks 4 offset bytes per string, a width word per 1,024 bit-packed values,
 * every flat value.
 */
function plausible(values: LanceMiniBlockPage['values'], items: number, chunks: number, bytes: number): boolean {
  if (items > chunks * 2 ** 15) return false;
  if (values.kind === 'strings') return items * 4 <= bytes;
  const width = values.bits / 8;
  return values.kind === 'flat' ? items * width <= bytes : values.kind === 'inline' ? Math.ceil(items / 1024) * width <= bytes : true;
}

/** The page's values as one Block, or undefined when it is not a page for the codec module. */
export function decodeWholeMiniBlock(layout: MiniBlockLayout, buffers: Uint8Array[], ctx: DecodeContext): Block | undefined {
  const { dec, where } = ctx;
  if (!dec.miniBlock || buffers.length < 2) return undefined;
  const values = wholePageValues(layout, where);
  // The output is sized from the page's item count before any chunk is read: a count its bytes
  // cannot hold (a corrupt page) is left to the TypeScript decoder's checks, not allocated.
  if (!values || !plausible(values, layout.numItems, buffers[0]!.length / (layout.hasLargeChunk ? 4 : 2), buffers[1]!.length)) return undefined;
  try {
    const out = dec.miniBlock({ meta: buffers[0]!, data: buffers[1]!, largeChunk: layout.hasLargeChunk, items: layout.numItems, values }, { where });
    const length = layout.numItems;
    // Strings always come back with their offsets (Codecs.lanceMiniBlock).
    return values.kind === 'strings' ? { kind: 'var', offsets: out.offsets!, data: out.data, length } : { kind: 'fixed', width: values.bits / 8, data: out.data, length };
  } catch (err) {
    // Corrupt pages are CorruptDataErrors whichever decoder met them.
    if (isRaggedAtlasError(err, 'Codec')) throw new CorruptDataError(err.message, { where }, { cause: err });
    throw err;
  }
}
