// The public Codecs API over one WasmInstance. Each call: copy the input into scratch slot 0,
// size the output (from the chunk header, the zstd frame header or the caller's buffer), run the
// export into scratch slot 1, and copy the result out. No view into wasm memory escapes.

import { countArg, limitArg, optionsArg, typedArg } from './arguments.js';
import { ErrorCode, jsCodecError } from './error-codes.js';
import type {
  BitpackDecodeOptions,
  BitpackEncodeOptions,
  BitpackTransform,
  CallOptions,
  ChunkCodec,
  Codecs,
  CscAssemblyGroup,
  CscAssemblyResult,
  FsstStrings,
  LanceMiniBlockPage,
  RemapTable,
  RemappedChunk,
  TypedValues,
  Variant,
  ZstdCompressOptions,
  ZstdDecompressOptions,
} from './types.js';
import type { WasmInstance } from './wasm-instance.js';
import { assembleCscIn } from './csc-kernels.js';

const BITPACK = 'homeobox.bitpacking';
const ZSTD = 'zstd';
const FSST = 'fsst';
const LANCE_PAGE = 'lance mini-block';
/** ra_lance_miniblock's page kinds (wasm/src/wasm.rs). */
const PAGE_KIND = { flat: 0, inline: 1, strings: 2, fsst: 3, rle: 4 } as const;
const TRANSFORMS: Record<BitpackTransform, number> = { none: 0, delta: 1, delta_zigzag: 2 };
const KIND_BITPACK = 1;
const KIND_ZSTD = 2;
/** First output guess for a zstd frame that does not declare its size; grows ×4 up to the cap. */
const ZSTD_FIRST_GUESS = 1 << 20;

function checkElementSize(n: number, where: string | undefined): 4 | 8 {
  if (n === 4 || n === 8) return n;
  throw jsCodecError(BITPACK, ErrorCode.BadElementSize, `element size ${typeof n === 'string' ? JSON.stringify(n) : String(n)} is not 4 or 8`, where);
}

/**
 * The arguments of a fused chunk call (decodeChunkInto, decodeIndicesInto), checked: its `where`,
 * and the module's chunk kind for `codec`, or a CodecError naming the calling method.
 */
function chunkCall(method: string, codec: ChunkCodec, encoded: Uint8Array, out: Uint8Array, opts: CallOptions): { where?: string; name: string; kind: number; elementSize: 4 | 8 } {
  const { where } = optionsArg(opts, method, method);
  const k = chunkKind(codec, method, where);
  typedArg(encoded, Uint8Array, k.name, 'the encoded chunk', where);
  typedArg(out, Uint8Array, k.name, 'the output', where);
  return { where, ...k };
}

function chunkKind(codec: ChunkCodec, method: string, where: string | undefined): { name: string; kind: number; elementSize: 4 | 8 } {
  optionsArg(codec, method, `${method}'s codec`);
  // lancell.bitpacking: the codec's id before homeobox's rename, same wire format (zarr/codecs/bitpacking.ts)
  if (codec.name === BITPACK || (codec.name as string) === 'lancell.bitpacking') {
    return { name: BITPACK, kind: KIND_BITPACK, elementSize: checkElementSize((codec as { elementSize: number }).elementSize, where) };
  }
  if (codec.name === ZSTD) return { name: ZSTD, kind: KIND_ZSTD, elementSize: 4 };
  throw jsCodecError(String((codec as { name: unknown }).name), ErrorCode.BadArgument, `${method} supports homeobox.bitpacking and zstd`, where);
}

/** A private copy of the caller's table; its identity is what keeps it resident in wasm memory. */
class WasmRemapTable implements RemapTable {
  readonly bytes: Uint8Array;
  readonly length: number;

  constructor(table: Int32Array) {
    typedArg(table, Int32Array, 'remapTable', 'the table');
    this.length = table.length;
    this.bytes = new Uint8Array(Int32Array.from(table).buffer);
  }
}

export class WasmCodecs implements Codecs {
  readonly variant: Variant;
  readonly #w: WasmInstance;

  constructor(instance: WasmInstance, variant: Variant) {
    this.#w = instance;
    this.variant = variant;
  }

  bitpackDecode(data: Uint8Array, opts: BitpackDecodeOptions): Uint8Array {
    const { where } = optionsArg(opts, BITPACK, 'bitpackDecode');
    typedArg(data, Uint8Array, BITPACK, 'the encoded chunk', where);
    const maxOutputBytes = limitArg(opts.maxOutputBytes, BITPACK, 'maxOutputBytes', where);
    const elementSize = checkElementSize(opts.elementSize, where);
    const w = this.#w;
    return w.run(BITPACK, where, (ex) => {
      const ctx = { codec: BITPACK, where, elementSize };
      const src = w.write(0, data, BITPACK);
      const size = w.check(ex.ra_bitpack_decoded_size(src, data.length, elementSize), ctx);
      if (maxOutputBytes !== undefined && size > maxOutputBytes) {
        throw jsCodecError(BITPACK, ErrorCode.OutputTooSmall, `chunk declares ${size} decoded bytes, more than maxOutputBytes ${maxOutputBytes}`, where);
      }
      const dst = w.region(1, size, BITPACK);
      const n = w.check(ex.ra_bitpack_decode(src, data.length, elementSize, dst, size), { ...ctx, capacity: size });
      return w.bytes().slice(dst, dst + n);
    });
  }

  bitpackEncode(data: Uint8Array, opts: BitpackEncodeOptions): Uint8Array {
    const { where } = optionsArg(opts, BITPACK, 'bitpackEncode');
    typedArg(data, Uint8Array, BITPACK, 'the values (as bytes)', where);
    const elementSize = checkElementSize(opts.elementSize, where);
    const transform = TRANSFORMS[opts.transform];
    if (transform === undefined) {
      throw jsCodecError(BITPACK, ErrorCode.BadArgument, `unknown transform ${JSON.stringify(opts.transform)} (expected none, delta or delta_zigzag)`, where);
    }
    const w = this.#w;
    return w.run(BITPACK, where, (ex) => {
      const ctx = { codec: BITPACK, where, elementSize };
      const bound = w.check(ex.ra_bitpack_encode_bound(data.length, elementSize), ctx);
      const src = w.write(0, data, BITPACK);
      const dst = w.region(1, bound, BITPACK);
      const n = w.check(ex.ra_bitpack_encode(src, data.length, elementSize, transform, dst, bound), ctx);
      return w.bytes().slice(dst, dst + n);
    });
  }

  bitpackDecodeU32(data: Uint8Array, opts: Omit<BitpackDecodeOptions, 'elementSize'> = {}): Uint32Array {
    const bytes = this.bitpackDecode(data, { ...opts, elementSize: 4 });
    return new Uint32Array(bytes.buffer, 0, bytes.length / 4); // slice() gave a fresh, aligned buffer
  }

  bitpackDecodeU64(data: Uint8Array, opts: Omit<BitpackDecodeOptions, 'elementSize'> = {}): BigUint64Array {
    const bytes = this.bitpackDecode(data, { ...opts, elementSize: 8 });
    return new BigUint64Array(bytes.buffer, 0, bytes.length / 8);
  }

  bitpackEncodeU32(values: Uint32Array, transform: BitpackTransform): Uint8Array {
    typedArg(values, Uint32Array, BITPACK, 'bitpackEncodeU32 values');
    return this.bitpackEncode(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), { transform, elementSize: 4 });
  }

  bitpackEncodeU64(values: BigUint64Array, transform: BitpackTransform): Uint8Array {
    typedArg(values, BigUint64Array, BITPACK, 'bitpackEncodeU64 values');
    return this.bitpackEncode(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), { transform, elementSize: 8 });
  }

  zstdDecompress(data: Uint8Array, opts: ZstdDecompressOptions): Uint8Array {
    const { where } = optionsArg(opts, ZSTD, 'zstdDecompress');
    typedArg(data, Uint8Array, ZSTD, 'the compressed frame', where);
    // required here: a streamed frame states no size, and the cap is what bounds its output
    const maxOutputBytes = limitArg(opts.maxOutputBytes ?? Number.NaN, ZSTD, 'maxOutputBytes', where)!;
    const w = this.#w;
    return w.run(ZSTD, where, (ex) => {
      const ctx = { codec: ZSTD, where, capacity: maxOutputBytes };
      const src = w.write(0, data, ZSTD);
      const declared = ex.ra_zstd_content_size(src, data.length);
      if (declared >= 0) {
        if (declared > maxOutputBytes) {
          throw jsCodecError(ZSTD, ErrorCode.ZstdOutputTooLarge, `frame declares ${declared} bytes of output, more than the maximum of ${maxOutputBytes} bytes`, where);
        }
        const dst = w.region(1, declared, ZSTD);
        const n = w.check(ex.ra_zstd_decompress(src, data.length, dst, declared), ctx);
        return w.bytes().slice(dst, dst + n);
      }
      if (declared !== -ErrorCode.ZstdSizeUnknown) w.check(declared, ctx);
      // Streamed frames: try growing capacities, never beyond the cap. Each failed try costs one
      // decode of the prefix that fitted; with ×4 growth that is at most a third extra work.
      let cap = Math.min(maxOutputBytes, Math.max(ZSTD_FIRST_GUESS, data.length * 8));
      for (;;) {
        const dst = w.region(1, cap, ZSTD);
        const n = ex.ra_zstd_decompress(src, data.length, dst, cap);
        if (n === -ErrorCode.ZstdOutputTooLarge && cap < maxOutputBytes) {
          cap = Math.min(maxOutputBytes, cap * 4);
          continue;
        }
        w.check(n, ctx);
        return w.bytes().slice(dst, dst + n);
      }
    });
  }

  zstdCompress(data: Uint8Array, opts: ZstdCompressOptions = {}): Uint8Array {
    const { where, level = 3 } = optionsArg(opts, ZSTD, 'zstdCompress');
    typedArg(data, Uint8Array, ZSTD, 'the bytes to compress', where);
    if (!Number.isInteger(level)) throw jsCodecError(ZSTD, ErrorCode.BadArgument, `level must be an integer, got ${String(level)}`, where);
    const w = this.#w;
    return w.run(ZSTD, where, (ex) => {
      const ctx = { codec: ZSTD, where };
      const bound = w.check(ex.ra_zstd_compress_bound(data.length), ctx);
      const src = w.write(0, data, ZSTD);
      const dst = w.region(1, bound, ZSTD);
      const n = w.check(ex.ra_zstd_compress(src, data.length, dst, bound, level | 0), ctx);
      return w.bytes().slice(dst, dst + n);
    });
  }

  decodeChunkInto(encoded: Uint8Array, codec: ChunkCodec, out: Uint8Array, opts: CallOptions = {}): number {
    const { where, name, kind, elementSize } = chunkCall('decodeChunkInto', codec, encoded, out, opts);
    const w = this.#w;
    return w.run(name, where, (ex) => {
      const ctx = { codec: name, where, elementSize, capacity: out.length };
      const src = w.write(0, encoded, name);
      const dst = w.region(1, out.length, name);
      const n = w.check(ex.ra_decode_chunk(kind, src, encoded.length, dst, out.length, elementSize), ctx);
      out.set(w.bytes().subarray(dst, dst + n));
      return n;
    });
  }

  remapTable(table: Int32Array): RemapTable {
    return new WasmRemapTable(table);
  }

  decodeIndicesInto(encoded: Uint8Array, codec: ChunkCodec, table: RemapTable, out: Uint8Array, opts: CallOptions = {}): RemappedChunk {
    const { where, name, kind, elementSize } = chunkCall('decodeIndicesInto', codec, encoded, out, opts);
    if (elementSize !== 4) throw jsCodecError(name, ErrorCode.BadElementSize, `feature indices are 4-byte words, not ${elementSize}`, where);
    if (!(table instanceof WasmRemapTable)) throw jsCodecError(name, ErrorCode.BadArgument, 'the table must come from remapTable()', where);
    const w = this.#w;
    return w.run(name, where, (ex) => {
      const ctx = { codec: name, where, elementSize, capacity: out.length };
      const src = w.write(0, encoded, name);
      const dst = w.region(1, out.length, name);
      const at = w.resident(table, table.bytes, name);
      const n = w.check(ex.ra_decode_chunk_remap(kind, src, encoded.length, dst, out.length, at, table.length), ctx);
      out.set(w.bytes().subarray(dst, dst + n));
      return { bytes: n, min: ex.ra_remap_min() };
    });
  }

  fsstDecode(codes: Uint8Array, offsets: Uint32Array, length: number, symbols: Uint8Array, opts: CallOptions = {}): FsstStrings {
    const { where } = optionsArg(opts, FSST, 'fsstDecode');
    typedArg(codes, Uint8Array, FSST, 'the codes', where);
    typedArg(offsets, Uint32Array, FSST, 'the offsets', where);
    countArg(length, FSST, 'the string count', where);
    typedArg(symbols, Uint8Array, FSST, 'the symbol table', where);
    const count = symbols.length / 9;
    if (!Number.isInteger(count) || count > 255) throw jsCodecError(FSST, ErrorCode.BadArgument, `a symbol table body of ${symbols.length} bytes is not count × 9 with count ≤ 255`, where);
    if (offsets.length < length + 1) throw jsCodecError(FSST, ErrorCode.BadArgument, `${offsets.length} offsets for ${length} strings`, where);
    const w = this.#w;
    return w.run(FSST, where, (ex) => {
      const ctx = { codec: FSST, where };
      // Slot 0: offsets (4-aligned at the region start), symbols, codes. Slot 1: offsets, then bytes.
      const offBytes = 4 * (length + 1);
      const src = w.region(0, offBytes + symbols.length + codes.length, FSST);
      const mem = w.bytes();
      mem.set(new Uint8Array(offsets.buffer, offsets.byteOffset, offBytes), src);
      mem.set(symbols, src + offBytes);
      mem.set(codes, src + offBytes + symbols.length);
      // Strings rarely expand beyond 4×; a larger output costs one more call at the exact size.
      const out = this.#offsetsThenBytes(ctx, offBytes, 4 * codes.length + 64, (dst, cap) => ex.ra_fsst_decode(src + offBytes, count, src + offBytes + symbols.length, codes.length, src, length, dst + offBytes, cap, dst));
      return { data: out.data, offsets: out.offsets! };
    });
  }

  lanceMiniBlock(page: LanceMiniBlockPage, opts: CallOptions = {}): { data: Uint8Array; offsets?: Uint32Array } {
    const { where } = optionsArg(opts, LANCE_PAGE, 'lanceMiniBlock');
    const { meta, data, items, values } = optionsArg(page, LANCE_PAGE, 'lanceMiniBlock');
    typedArg(meta, Uint8Array, LANCE_PAGE, 'the page\'s chunk words (meta)', where);
    typedArg(data, Uint8Array, LANCE_PAGE, 'the page\'s chunks (data)', where);
    countArg(items, LANCE_PAGE, 'the item count', where);
    optionsArg(values, LANCE_PAGE, 'lanceMiniBlock\'s page.values');
    const symbols = values.kind === 'strings' ? values.symbols : undefined;
    const w = this.#w;
    return w.run(LANCE_PAGE, where, (ex) => {
      const ctx = { codec: LANCE_PAGE, where };
      // Slot 0: chunk words, chunks, symbol table. Slot 1: offsets (strings), then values.
      const src = w.region(0, meta.length + data.length + (symbols?.length ?? 0), LANCE_PAGE);
      const mem = w.bytes();
      mem.set(meta, src);
      mem.set(data, src + meta.length);
      if (symbols) mem.set(symbols, src + meta.length + data.length);
      const kind = values.kind === 'strings' ? (symbols ? PAGE_KIND.fsst : PAGE_KIND.strings) : PAGE_KIND[values.kind];
      const bits = values.kind === 'strings' ? 0 : values.bits;
      const lengthBits = values.kind === 'rle' ? values.lengthBits : 0;
      const offBytes = values.kind === 'strings' ? 4 * (items + 1) : 0;
      // Fixed values have their size; strings are at most their chunks' bytes, FSST rarely over 4×.
      const guess = values.kind === 'strings' ? (symbols ? 4 * data.length + 64 : data.length) : (items * bits) / 8;
      return this.#offsetsThenBytes(ctx, offBytes, guess, (dst, cap) => ex.ra_lance_miniblock(kind, bits, lengthBits, src, meta.length, page.largeChunk ? 1 : 0, src + meta.length, data.length, items, src + meta.length + data.length, (symbols?.length ?? 0) / 9, dst + offBytes, cap, dst));
    });
  }

  /**
   * Runs `call(dst, cap)` on output region 1, laid out as `offBytes` of u32 offsets (none: 0), then
   * up to `cap` value bytes; once more at the exact size when `cap` was short (OutputTooSmall
   * carries the room needed). Copies out the values written and the offsets.
   */
  #offsetsThenBytes(ctx: { codec: string; where?: string }, offBytes: number, cap: number, call: (dst: number, cap: number) => number): { data: Uint8Array; offsets?: Uint32Array } {
    const w = this.#w;
    const run = (c: number) => {
      const dst = w.region(1, offBytes + c, ctx.codec);
      return { dst, n: call(dst, c) };
    };
    let { dst, n } = run(cap);
    if (n === -ErrorCode.OutputTooSmall) ({ dst, n } = run(w.lastError().value));
    w.check(n, ctx);
    const out = w.bytes();
    const data = out.slice(dst + offBytes, dst + offBytes + n);
    return offBytes ? { data, offsets: new Uint32Array(out.slice(dst, dst + offBytes).buffer) } : { data };
  }

  assembleCsc(groups: readonly CscAssemblyGroup[], nRows: number, layers: readonly (readonly TypedValues[])[], opts: CallOptions = {}): CscAssemblyResult | undefined {
    return assembleCscIn(this.#w, groups, nRows, layers, opts.where);
  }

  memoryBytes(): number {
    return this.#w.memoryBytes();
  }
}
