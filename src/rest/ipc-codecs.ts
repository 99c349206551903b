// The decoders a compressed query answer needs, from ragged-atlas's own codec module: LZ4 frames in
// TypeScript (src/codecs/lz4.ts) and zstd from the wasm module (src/codecs/load.ts). Both are
// dynamic imports, so pages whose answers are never compressed load neither, and the wasm is only
// fetched when an answer actually uses ZSTD.

import type { IpcCodecName, IpcCodecs } from '../arrow/ipc-decompress.js';
import { CodecError } from '../errors.js';
import type { Codecs } from '../codecs/types.js';

let wasm: Promise<Codecs> | undefined;

/** Decoders for `needed`; a codec not asked for throws if it is used anyway. */
export async function defaultIpcCodecs(needed: readonly IpcCodecName[]): Promise<IpcCodecs> {
  const { decodeLz4Frame } = await import('../codecs/lz4.js');
  let zstd: IpcCodecs['zstd'] = () => {
    throw new CodecError('zstd decoder not loaded', { codec: 'zstd' });
  };
  if (needed.includes('zstd')) {
    wasm ??= import('../codecs/load.js')
      .then((m) => m.sharedCodecs())
      .catch((err: unknown) => {
        wasm = undefined; // let a later answer try again
        throw err;
      });
    const codecs = await wasm;
    zstd = (data, outLen) => codecs.zstdDecompress(data, { maxOutputBytes: outLen });
  }
  return { zstd, lz4Frame: (data, outLen) => decodeLz4Frame(data, { maxOutputBytes: outLen }) };
}
