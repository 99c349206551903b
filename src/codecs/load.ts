// Loading the codec module in Node, in a page and in a (module) Web Worker.
//
// Default location: `wasm/dist/<file>` of this package, resolved against this module's URL. In Node
// (a `file:` URL) the file is read with node:fs; elsewhere it is fetched and compiled with
// `WebAssembly.instantiateStreaming`, falling back to `instantiate` when the server does not send
// `application/wasm`. The module has no imports.

import { CodecError } from '../errors.js';
import { loadOnce } from '../io/promise-lru.js';
import { ErrorCode } from './error-codes.js';
import type { Codecs, LoadOptions, Variant } from './types.js';
import { WASM_FILES, chooseVariant } from './variant.js';
import { WasmCodecs } from './wasm-codecs.js';
import { WasmInstance, type CodecExports } from './wasm-instance.js';
import { isNode, pageBase } from '../io/runtime.js';

const CODEC = 'codec module';

// Relative to src/codecs/ (sources, vite dev) and to dist/codec(s)/ (the tsc build). Built through
// a variable base so that bundlers do not try to inline the module as an asset.
const RELATIVE_DIRS = ['../../wasm/dist/', '../wasm/dist/'];

function loadError(message: string, cause?: unknown): CodecError {
  return new CodecError(message, { codec: CODEC, code: ErrorCode.Unsupported }, cause === undefined ? undefined : { cause });
}

/** Default URLs of a variant's file, most likely first. */
export function defaultWasmUrls(variant: Variant): URL[] {
  const base = import.meta.url;
  return RELATIVE_DIRS.map((dir) => new URL(dir + WASM_FILES[variant], base));
}

/**
 * A caller's wasmUrl made absolute: a relative one resolves against the page (or worker) location,
 * else against this module. Worker pools resolve it on the page before sending it: a worker started
 * through a blob: trampoline (spawn.ts) has a location nothing relative resolves against.
 */
export function absoluteWasmUrl(url: string | URL): URL {
  return new URL(url, pageBase() ?? import.meta.url);
}


/** `wasmUrl` (one URL or one per variant) as absolute hrefs, the form a worker is sent. */
export function absoluteWasmUrls(w: LoadOptions['wasmUrl']): string | Partial<Record<Variant, string>> | undefined {
  if (w === undefined) return undefined;
  if (typeof w === 'string' || w instanceof URL) return absoluteWasmUrl(w).href;
  const out: Partial<Record<Variant, string>> = {};
  for (const v of ['simd', 'scalar'] as const) if (w[v] !== undefined) out[v] = absoluteWasmUrl(w[v]!).href;
  return out;
}

async function readNodeFile(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  const fsModule = 'node:fs/promises'; // a variable, so browser bundlers leave it alone
  const fs = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
  return new Uint8Array(await fs.readFile(url));
}

async function instantiateUrl(url: URL): Promise<WebAssembly.WebAssemblyInstantiatedSource> {
  // (a browser page on file:// fetches it)
  if (url.protocol === 'file:' && isNode) return WebAssembly.instantiate(await readNodeFile(url), {});
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url.href}`);
  if (typeof WebAssembly.instantiateStreaming === 'function') {
    try {
      return await WebAssembly.instantiateStreaming(response.clone(), {});
    } catch (err) {
      // A wrong Content-Type is the usual cause; anything else fails again below with its own error.
      if (!(err instanceof TypeError)) throw err;
    }
  }
  return WebAssembly.instantiate(await response.arrayBuffer(), {});
}

async function instantiate(opts: LoadOptions, variant: Variant): Promise<WebAssembly.WebAssemblyInstantiatedSource> {
  if (opts.wasmBytes) {
    // Copied: compiling must not see the caller mutate the bytes, and BufferSource needs an ArrayBuffer.
    return WebAssembly.instantiate(new Uint8Array(opts.wasmBytes instanceof Uint8Array ? opts.wasmBytes : new Uint8Array(opts.wasmBytes)), {});
  }
  const given = typeof opts.wasmUrl === 'string' || opts.wasmUrl instanceof URL ? opts.wasmUrl : opts.wasmUrl?.[variant];
  const urls = given !== undefined ? [absoluteWasmUrl(given)] : defaultWasmUrls(variant);
  const failures: unknown[] = [];
  for (const url of urls) {
    try {
      return await instantiateUrl(url);
    } catch (err) {
      failures.push(err);
    }
  }
  const tried = urls.map((u) => u.href).join(', ');
  throw loadError(`cannot load the ${variant} codec module from ${tried}: ${String(failures[0])}`, failures[0]);
}

/**
 * Loads the codec module (once per call; share the result). `variant: 'auto'` (default) picks the
 * SIMD build when the engine supports SIMD128. With `wasmUrl` or `wasmBytes` the variant reported is
 * the one the given module was built as.
 */
export async function loadCodecs(opts: LoadOptions = {}): Promise<Codecs> {
  const requested = chooseVariant(opts.variant);
  let source: WebAssembly.WebAssemblyInstantiatedSource;
  try {
    source = await instantiate(opts, requested);
  } catch (err) {
    if (err instanceof CodecError) throw err;
    throw loadError(`cannot instantiate the codec module: ${String(err)}`, err);
  }
  const exports = source.instance.exports as unknown as Partial<CodecExports>;
  if (typeof exports.ra_bitpack_decode !== 'function' || !(exports.memory instanceof WebAssembly.Memory)) {
    throw loadError('the given wasm module is not the ragged-atlas codec module');
  }
  const variant: Variant = exports.ra_simd?.() === 1 ? 'simd' : 'scalar';
  return new WasmCodecs(new WasmInstance(source.module, source.instance), variant);
}

const shared = new Map<'', Promise<Codecs>>();

/**
 * The thread's codec module with default options, loaded once and shared by every default user
 * (Lance decompressors, the in-thread decoder, REST answers) instead of one compiled copy each. A
 * failed load is forgotten.
 */
export function sharedCodecs(): Promise<Codecs> {
  return loadOnce(shared, '', () => loadCodecs());
}
