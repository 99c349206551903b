// The general-purpose codecs a Lance reader needs, injected so decoding stays pure and testable.
//
// Lance uses them even with default settings: LZ4 (block format) for dictionary values, ZSTD for
// deletion files (compressed Arrow IPC) and for every string/binary value of 32 KiB or more.
// Both calls are synchronous; an implementation must refuse to produce more than the stated
// output size (a corrupt length prefix must not allocate gigabytes).
import { CodecError } from '../errors.js';
import { lz4BlockDecompress } from './encodings/lz4-block.js';

export interface Decompressors {
  /** One or more concatenated zstd frames; at most `maxOutputBytes` of output. */
  zstd(data: Uint8Array, maxOutputBytes: number): Uint8Array;
  /** A raw LZ4 block that decompresses to exactly `outputBytes`. */
  lz4Block(data: Uint8Array, outputBytes: number): Uint8Array;
}

/** Decompressors without zstd: LZ4 is built in; zstd input fails with a CodecError. */
export const builtinDecompressors: Decompressors = {
  zstd() {
    throw new CodecError('no zstd decompressor configured (pass `decompressors` or load ragged-atlas codecs)', { codec: 'zstd' });
  },
  lz4Block: lz4BlockDecompress,
};

let defaultPromise: Promise<Decompressors> | undefined;

/**
 * The library's decompressors: LZ4 in TypeScript, zstd from the ragged-atlas WASM codec module
 * (loaded once, lazily). If the codec module cannot be loaded, zstd input raises CodecError
 * when it is met, and everything else still reads.
 */
export function defaultDecompressors(): Promise<Decompressors> {
  defaultPromise ??= loadCodecModule().then(
    (zstd) => ({ ...builtinDecompressors, ...(zstd ? { zstd } : {}) }),
    () => builtinDecompressors,
  );
  return defaultPromise;
}

type ZstdFn = Decompressors['zstd'];

async function loadCodecModule(): Promise<ZstdFn | undefined> {
  // A literal dynamic import: bundlers split the codec module (ragged-atlas/codec) into its own
  // chunk, loaded only when zstd data is met. A failure to load it is an error, not a silent fallback.
  const codecs = await (await import('../codecs/index.js')).loadCodecs();
  return (data, maxOutputBytes) => codecs.zstdDecompress(data, { maxOutputBytes });
}
