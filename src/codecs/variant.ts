// Choosing between the two builds of the codec module. This is the only place that decides.

import { CodecError } from '../errors.js';
import type { Variant } from './types.js';

/**
 * The smallest module that uses SIMD128 (from wasm-feature-detect): one function returning
 * `i8x16.popcnt(i8x16.splat(i32.const 0))`. Engines without SIMD128 reject it in validate().
 */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export const WASM_FILES: Readonly<Record<Variant, string>> = {
  simd: 'ragged_atlas_codec_simd.wasm',
  scalar: 'ragged_atlas_codec_scalar.wasm',
};

/**
 * Resolves the requested variant: an explicit `simd`/`scalar` wins; `auto` (the default) is `simd`
 * exactly when the engine validates a SIMD128 module. `validate` is injectable for tests.
 */
export function chooseVariant(
  requested: Variant | 'auto' = 'auto',
  validate: (bytes: Uint8Array<ArrayBuffer>) => boolean = (b) => WebAssembly.validate(b),
): Variant {
  if (requested === 'simd' || requested === 'scalar') return requested;
  // (plain JS callers: 'avx' or 'SIMD' would silently mean auto)
  if (requested !== 'auto') throw new CodecError(`unknown variant ${JSON.stringify(requested)}: 'simd', 'scalar' or 'auto'`, { codec: 'codec module' });
  try {
    return validate(SIMD_PROBE) ? 'simd' : 'scalar';
  } catch {
    return 'scalar';
  }
}
