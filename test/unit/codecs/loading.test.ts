// Loading: variant choice by feature detection (one function, overridable), loading from bytes and
// URLs, and the scalar build containing no SIMD at all.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { CodecError } from '../../../src/errors.js';
import { WASM_FILES, chooseVariant, defaultWasmUrls, loadCodecs } from '../../../src/codecs/index.js';
import { targetFeatures } from '../../helpers/wasm-binary.js';

const distFile = (v: 'simd' | 'scalar') => new URL(`../../../wasm/dist/${WASM_FILES[v]}`, import.meta.url);

test('chooseVariant: explicit choice wins; auto follows WebAssembly.validate of a SIMD probe', () => {
  expect(chooseVariant('scalar')).toBe('scalar');
  expect(chooseVariant('simd', () => false)).toBe('simd');
  expect(chooseVariant('auto', () => true)).toBe('simd');
  expect(chooseVariant('auto', () => false)).toBe('scalar');
  expect(chooseVariant(undefined, () => { throw new Error('no wasm'); })).toBe('scalar');
  expect(chooseVariant()).toBe('simd'); // Node 20 has SIMD128
  // a misspelt variant is named, not read as auto
  expect(() => chooseVariant('avx' as never)).toThrow(expect.objectContaining({ _tag: 'Codec', message: expect.stringContaining(`unknown variant "avx": 'simd', 'scalar' or 'auto'`) }));
});

test('the scalar build has no SIMD128 anywhere; the SIMD build does', () => {
  expect(targetFeatures(readFileSync(distFile('scalar')))).not.toContain('+simd128');
  expect(targetFeatures(readFileSync(distFile('simd')))).toContain('+simd128');
});

test('the module imports nothing', () => {
  for (const v of ['simd', 'scalar'] as const) {
    expect(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(distFile(v))))).toEqual([]);
  }
});

test('loadCodecs: default URL, wasmUrl, wasmBytes; the variant reported is the module built', async () => {
  expect(defaultWasmUrls('simd')[0]!.href).toBe(distFile('simd').href);
  expect((await loadCodecs()).variant).toBe('simd');
  expect((await loadCodecs({ wasmUrl: distFile('scalar') })).variant).toBe('scalar');
  expect((await loadCodecs({ wasmUrl: { simd: distFile('simd'), scalar: distFile('scalar') }, variant: 'scalar' })).variant).toBe('scalar');
  expect((await loadCodecs({ wasmUrl: { simd: distFile('simd').href } })).variant).toBe('simd');
  expect((await loadCodecs({ wasmBytes: readFileSync(distFile('scalar')) })).variant).toBe('scalar');
  expect((await loadCodecs({ variant: 'auto', wasmBytes: readFileSync(distFile('simd')).buffer as ArrayBuffer })).variant).toBe('simd');
});

test('loadCodecs failures are CodecErrors', async () => {
  await expect(loadCodecs({ wasmUrl: new URL('file:///nonexistent/x.wasm') })).rejects.toBeInstanceOf(CodecError);
  await expect(loadCodecs({ wasmBytes: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) })).rejects.toThrow(/not the ragged-atlas codec module/);
  await expect(loadCodecs({ wasmBytes: new Uint8Array([1, 2, 3]) })).rejects.toBeInstanceOf(CodecError);
});
