// The general-purpose codecs a Lance reader needs, injected so decoding stays pure and testable.
//
// Lance uses them even with default settings: LZ4 (block format) for dictionary values, ZSTD for
// deletion files (compressed Arrow IPC) and for every string/binary value of 32 KiB or more.
// Both calls are synchronous; an implementation must refuse to produce more than the stated
// output size (a corrupt length prefix must not allocate gigabytes). `fsst` and `miniBlock` are
// optional: the TypeScript decoders (encodings/fsst.ts, structural/miniblock.ts) run without them.
import { CodecError } from '../errors.js';
import { decodeLz4Block } from '../codecs/lz4.js';
import type { Codecs } from '../codecs/types.js';

export interface Decompressors {
  /** One or more concatenated zstd frames; at most `maxOutputBytes` of output. */
  zstd(data: Uint8Array, maxOutputBytes: number): Uint8Array;
  /** A raw LZ4 block that decompresses to exactly `outputBytes`. */
  lz4Block(data: Uint8Array, outputBytes: number): Uint8Array;
  /** FSST strings (see `Codecs.fsstDecode`); throws CodecError on corrupt input. */
  fsst?: Codecs['fsstDecode'];
  /** A whole mini-block page of plain strings or values (see `Codecs.lanceMiniBlock`); throws CodecError on corrupt input. */
  miniBlock?: Codecs['lanceMiniBlock'];
}

function lz4Block(data: Uint8Array, outputBytes: number): Uint8Array {
  const out = new Uint8Array(outputBytes);
  const n = decodeLz4Block(data, out);
  if (n !== outputBytes) throw new CodecError(`block decoded to ${n} bytes, expected ${outputBytes}`, { codec: 'lz4', code: 'size' });
  return out;
}

/** Decompressors without zstd: LZ4 is pure TypeScript; zstd input fails with a CodecError. */
export const builtinDecompressors: Decompressors = {
  zstd() {
    throw new CodecError('no zstd decompressor available (the ragged-atlas codec module did not load)', { codec: 'zstd' });
  },
  lz4Block,
};

/** LZ4 in TypeScript; zstd, FSST and whole mini-block pages from a loaded ragged-atlas codec module. */
export function decompressorsFrom(codecs: Pick<Codecs, 'zstdDecompress'> & Partial<Pick<Codecs, 'fsstDecode' | 'lanceMiniBlock'>>): Decompressors {
  return {
    lz4Block,
    zstd: (data, maxOutputBytes) => codecs.zstdDecompress(data, { maxOutputBytes }),
    ...(codecs.fsstDecode ? { fsst: codecs.fsstDecode.bind(codecs) } : {}),
    ...(codecs.lanceMiniBlock ? { miniBlock: codecs.lanceMiniBlock.bind(codecs) } : {}),
  };
}

let defaultPromise: Promise<Decompressors> | undefined;

/**
 * The library's decompressors: LZ4 in TypeScript, zstd from the ragged-atlas WASM codec module
 * (loaded once, on first use of this function). If the module cannot be loaded, zstd input
 * raises CodecError when it is met and everything else still reads.
 */
export function defaultDecompressors(): Promise<Decompressors> {
  defaultPromise ??= import('../codecs/load.js')
    .then((m) => m.sharedCodecs())
    .then(decompressorsFrom, () => builtinDecompressors);
  return defaultPromise;
}
