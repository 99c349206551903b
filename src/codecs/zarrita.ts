// Makes plain zarrita read (and write) homeobox arrays: registers `homeobox.bitpacking` and its old
// name `lancell.bitpacking` in `zarr.registry` as bytes→bytes codecs backed by the wasm module.
//
// zarrita's contract (zarrita 0.7.5, dist/src/codecs.js): a registry entry is a function returning a
// promise of a class with `static fromConfig(configuration, chunkMeta)`; instances have
// `kind: 'bytes_to_bytes'`, `encode(bytes)` and `decode(bytes)` (either may return a promise).
// Usage:
//
//   import * as zarr from 'zarrita';
//   registerZarritaCodecs(zarr, await loadCodecs());
//   const arr = await zarr.open.v3(zarr.root(store).resolve('csr/indices'), { kind: 'array' });
//
// The module is typed structurally so that zarrita stays an optional peer of this package.

import { CodecError, InvalidInputError, UnsupportedError } from '../errors.js';
import { loadCodecs } from './load.js';
import type { BitpackTransform, Codecs, ElementSize } from './types.js';

/** The part of `import('zarrita')` this adapter touches. */
export interface ZarritaLike {
  registry: Map<string, () => Promise<unknown>>;
}

export interface RegisterOptions {
  /** Also decode `zstd` chunks with the wasm module instead of numcodecs (faster). Default false. */
  zstd?: boolean;
}

interface BitpackingConfig {
  transform?: BitpackTransform;
  element_size?: number;
}

/** The chunk metadata zarrita passes to fromConfig (only what is used here). */
interface ChunkMetaLike {
  dataType?: string;
  shape?: number[];
}

const TRANSFORMS: readonly string[] = ['none', 'delta', 'delta_zigzag'];
const ITEM_BYTES: Record<string, number> = {
  bool: 1, int8: 1, uint8: 1, int16: 2, uint16: 2, float16: 2, int32: 4, uint32: 4, float32: 4,
  int64: 8, uint64: 8, float64: 8, complex64: 8, complex128: 16,
};

/** Raw bytes of one chunk, when the data type is a fixed-size one: the most a chunk may decode to. */
function chunkBytes(meta: ChunkMetaLike | undefined): number | undefined {
  const item = meta?.dataType ? ITEM_BYTES[meta.dataType] : undefined;
  if (!item || !meta?.shape) return undefined;
  return meta.shape.reduce((a, b) => a * b, item);
}

function bitpackingCodecClass(codecs: Codecs, name: string) {
  return class HomeoboxBitpackingCodec {
    readonly kind = 'bytes_to_bytes' as const;
    readonly transform: BitpackTransform;
    readonly elementSize: ElementSize;
    /**
     * A chunk of this array in bytes: a decode must give exactly this (homeobox's chains put the
     * bitpacking right after `bytes`). zarrita does not check, and would pad a short chunk with zeros.
     */
    readonly maxOutputBytes: number | undefined;

    constructor(transform: BitpackTransform, elementSize: ElementSize, maxOutputBytes?: number) {
      this.transform = transform;
      this.elementSize = elementSize;
      this.maxOutputBytes = maxOutputBytes;
    }

    static fromConfig(config: BitpackingConfig | undefined, meta?: ChunkMetaLike): HomeoboxBitpackingCodec {
      // homeobox always writes both keys; the transform only matters for encoding (the chunk header
      // is authoritative when decoding), and element_size 4 is what every pre-0.2.8 store means.
      const transform = config?.transform ?? 'none';
      const elementSize = config?.element_size ?? 4;
      if (!TRANSFORMS.includes(transform)) {
        throw new UnsupportedError(`${name}: unknown transform ${JSON.stringify(transform)}`, { feature: `${name} transform ${String(transform)}` });
      }
      if (elementSize !== 4 && elementSize !== 8) {
        throw new UnsupportedError(`${name}: element_size ${String(elementSize)} (expected 4 or 8)`, { feature: `${name} element_size ${String(elementSize)}` });
      }
      return new HomeoboxBitpackingCodec(transform, elementSize, chunkBytes(meta));
    }

    encode(bytes: Uint8Array): Uint8Array {
      return codecs.bitpackEncode(bytes, { transform: this.transform, elementSize: this.elementSize });
    }

    decode(bytes: Uint8Array): Uint8Array {
      const opts = this.maxOutputBytes === undefined ? {} : { maxOutputBytes: this.maxOutputBytes };
      const out = codecs.bitpackDecode(bytes, { elementSize: this.elementSize, ...opts });
      if (this.maxOutputBytes !== undefined && out.length !== this.maxOutputBytes) {
        throw new CodecError(`chunk decoded to ${out.length} bytes, expected ${this.maxOutputBytes}`, { codec: name, code: 'decoded-size' });
      }
      return out;
    }
  };
}

function zstdCodecClass(codecs: Codecs) {
  return class WasmZstdCodec {
    readonly kind = 'bytes_to_bytes' as const;
    readonly level: number;
    readonly maxOutputBytes: number;
    constructor(level: number, chunkMax: number | undefined) {
      this.level = level;
      // Slack in case a bytes→bytes codec that expands (bitpacking) sits under zstd in the chain.
      this.maxOutputBytes = chunkMax === undefined ? 0x7fffffff : Math.ceil(chunkMax * 1.01) + 4096;
    }
    static fromConfig(config: { level?: number } | undefined, meta?: ChunkMetaLike): WasmZstdCodec {
      return new WasmZstdCodec(config?.level ?? 0, chunkBytes(meta));
    }
    encode(bytes: Uint8Array): Uint8Array {
      return codecs.zstdCompress(bytes, { level: this.level });
    }
    decode(bytes: Uint8Array): Uint8Array {
      return codecs.zstdDecompress(bytes, { maxOutputBytes: this.maxOutputBytes });
    }
  };
}

/**
 * Registers `homeobox.bitpacking` and `lancell.bitpacking` (and, with `{ zstd: true }`, `zstd`) in
 * `zarr.registry`. Without `codecs`, the module is loaded on the first chunk that needs it.
 */
export function registerZarritaCodecs(zarr: ZarritaLike, codecs?: Codecs | Promise<Codecs>, opts: RegisterOptions = {}): void {
  if (typeof (zarr as { registry?: { set?: unknown } } | null)?.registry?.set !== 'function') {
    throw new InvalidInputError("registerZarritaCodecs takes the zarrita module (import * as zarr from 'zarrita'), whose registry it adds to");
  }
  let ready: Promise<Codecs> | undefined = codecs === undefined ? undefined : Promise.resolve(codecs);
  const get = () => (ready ??= loadCodecs());
  for (const name of ['homeobox.bitpacking', 'lancell.bitpacking']) {
    zarr.registry.set(name, async () => bitpackingCodecClass(await get(), name));
  }
  if (opts.zstd) {
    zarr.registry.set('zstd', async () => zstdCodecClass(await get()));
    zarr.registry.set('numcodecs.zstd', async () => zstdCodecClass(await get()));
  }
}
