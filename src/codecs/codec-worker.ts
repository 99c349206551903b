// A Web Worker that serves the codec module over comlink. Results are transferred, not copied;
// CodecErrors arrive as CodecErrors when the caller installs the same error transfer:
//
//   import * as Comlink from 'comlink';
//   import { installComlinkErrorTransfer, type CodecWorkerApi } from 'ragged-atlas/codec';
//   installComlinkErrorTransfer(Comlink);
//   const codecs = Comlink.wrap<CodecWorkerApi>(new Worker(new URL('./codec-worker.js', import.meta.url), { type: 'module' }));
//   await codecs.init({ variant: 'auto' });            // optional; the first call loads with defaults
//   const raw = await codecs.bitpackDecode(chunk, { elementSize: 4 });

import * as Comlink from 'comlink';
import { installComlinkErrorTransfer } from '../workers/comlink-errors.js';
import { loadCodecs } from './load.js';
import type {
  BitpackDecodeOptions,
  BitpackEncodeOptions,
  ChunkCodec,
  Codecs,
  LoadOptions,
  Variant,
  ZstdCompressOptions,
  ZstdDecompressOptions,
} from './types.js';

let codecs: Promise<Codecs> | undefined;
const get = (): Promise<Codecs> => (codecs ??= loadCodecs());
const moved = (bytes: Uint8Array) => Comlink.transfer(bytes, [bytes.buffer]);

const api = {
  /** Loads the module with these options (only before the first call); returns the variant. */
  async init(opts: LoadOptions = {}): Promise<Variant> {
    codecs ??= loadCodecs(opts);
    return (await codecs).variant;
  },
  async bitpackDecode(data: Uint8Array, opts: BitpackDecodeOptions): Promise<Uint8Array> {
    return moved((await get()).bitpackDecode(data, opts));
  },
  async bitpackEncode(data: Uint8Array, opts: BitpackEncodeOptions): Promise<Uint8Array> {
    return moved((await get()).bitpackEncode(data, opts));
  },
  async zstdDecompress(data: Uint8Array, opts: ZstdDecompressOptions): Promise<Uint8Array> {
    return moved((await get()).zstdDecompress(data, opts));
  },
  async zstdCompress(data: Uint8Array, opts?: ZstdCompressOptions): Promise<Uint8Array> {
    return moved((await get()).zstdCompress(data, opts));
  },
  /** decodeChunkInto for a worker: decodes into a fresh buffer of `outputBytes` and transfers it. */
  async decodeChunk(encoded: Uint8Array, codec: ChunkCodec, outputBytes: number): Promise<Uint8Array> {
    const out = new Uint8Array(outputBytes);
    const n = (await get()).decodeChunkInto(encoded, codec, out);
    return moved(n === out.length ? out : out.slice(0, n));
  },
  async memoryBytes(): Promise<number> {
    return (await get()).memoryBytes();
  },
};

export type CodecWorkerApi = typeof api;

installComlinkErrorTransfer(Comlink);
Comlink.expose(api);
