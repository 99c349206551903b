// Every function of the codec module must stay small enough for JavaScriptCore (Safari's engine) to
// optimise it: JSC compiles a wasm function with its optimising tier (OMG) only below a cost of
// 100,000 (`maximumOMGCandidateCost`, about the body's byte size), and runs bigger ones in its baseline
// tier. The BP-128 width dispatch once inlined 33 unrolled kernels into one 160 KB function, and in
// WebKit the SIMD build then decoded delta-coded indices 4× slower than after the split
// (docs/decisions.md). V8 and SpiderMonkey did not mind, so only this test would notice a relapse.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { functionBodySizes } from '../../helpers/wasm-binary.js';

const JSC_OMG_LIMIT = 100_000;

for (const variant of ['simd', 'scalar']) {
  test(`${variant} build: every function is below JavaScriptCore's optimising-tier limit`, () => {
    const sizes = functionBodySizes(readFileSync(new URL(`../../../wasm/dist/ragged_atlas_codec_${variant}.wasm`, import.meta.url)));
    expect(sizes.length).toBeGreaterThan(100);
    expect(Math.max(...sizes)).toBeLessThan(JSC_OMG_LIMIT);
  });
}
