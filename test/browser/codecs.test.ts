// The codec module in headless Chromium and Firefox, loaded the way an app loads it: src/ through the Vite dev
// server, the .wasm fetched from wasm/dist with instantiateStreaming, inside module Web Workers.
import { expect, test } from 'vitest';
import { sharedUrl } from '../helpers/browser.js';
import { describeEachEngine } from '../helpers/each-engine.js';

const VECTORS = sharedUrl('data/bp128/homeobox_bp128_vectors.jsonl');

/**
 * Source of a module worker (started from a Blob, so it has the page's origin) that loads the
 * codecs from /src/codecs/index.ts and checks all 144 vectors: decode and re-encode.
 */
function vectorWorkerSource(origin: string, vectorsPath: string, variant: string): string {
  return `
    import { loadCodecs } from '${origin}/src/codecs/index.ts';
    const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
    try {
      const codecs = await loadCodecs({ variant: '${variant}' });
      const text = await (await fetch('${origin}${vectorsPath}')).text();
      let ok = 0, total = 0;
      const failures = [];
      for (const line of text.split('\\n').filter((l) => l.trim())) {
        total++;
        // u64 values exceed 2^53: quote them before JSON.parse, then read them as BigInt.
        const v = JSON.parse(line.replace(/"values":\\[([^\\]]*)\\]/, (m, inner) => '"values":[' + inner.replace(/\\d+/g, '"$&"') + ']'));
        const size = v.kind === 'u64' ? 8 : 4;
        const raw = new Uint8Array(v.values.length * size);
        const dv = new DataView(raw.buffer);
        v.values.forEach((x, i) => size === 4 ? dv.setUint32(4 * i, Number(x), true) : dv.setBigUint64(8 * i, BigInt(x), true));
        const enc = hex(v.encoded);
        const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
        const decoded = codecs.bitpackDecode(enc, { elementSize: size });
        const reencoded = codecs.bitpackEncode(raw, { transform: v.transform, elementSize: size });
        if (same(decoded, raw) && same(reencoded, enc)) ok++;
        else failures.push(v.kind + ' ' + v.name + ' ' + v.transform);
      }
      postMessage({ variant: codecs.variant, ok, total, failures, worker: typeof WorkerGlobalScope !== 'undefined' });
    } catch (err) {
      postMessage({ error: String(err && err.stack || err) });
    }`;
}

describeEachEngine((_engine, h) => {
  for (const variant of ['auto', 'scalar'] as const) {
    test(`a module worker importing /src/codecs/index.ts (${variant}) passes 144/144 vectors`, async () => {
      const page = await h().newPage();
      const source = vectorWorkerSource(h().origin, VECTORS, variant);
      const result = await page.evaluate(
        (src) =>
          new Promise<Record<string, unknown>>((resolve) => {
            const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
            const worker = new Worker(url, { type: 'module' });
            worker.onmessage = (e) => resolve(e.data as Record<string, unknown>);
            worker.onerror = (e) => resolve({ error: e.message });
          }),
        source,
      );
      await page.close();
      expect(result.error).toBeUndefined();
      expect(result).toMatchObject({ ok: 144, total: 144, failures: [], worker: true, variant: variant === 'auto' ? 'simd' : 'scalar' });
    });
  }

  test('codec-worker.ts over comlink: calls, transfers, zstd, and CodecErrors that keep their tag', async () => {
    const page = await h().newPage();
    const result = await page.evaluate(async () => {
      const imp = (window as unknown as { __import: (p: string) => Promise<any> }).__import;
      const Comlink = await imp('/node_modules/comlink/dist/esm/comlink.mjs');
      const { installComlinkErrorTransfer } = await imp('/src/workers/comlink-errors.ts');
      const { CodecError } = await imp('/src/errors.ts');
      installComlinkErrorTransfer(Comlink);
      const api = Comlink.wrap(new Worker('/src/codecs/codec-worker.ts', { type: 'module' }));
      const variant = await api.init({ variant: 'auto' });
      const values = Uint32Array.from({ length: 40_960 }, (_, i) => i * 7);
      const encoded = await api.bitpackEncode(new Uint8Array(values.buffer), { transform: 'delta', elementSize: 4 });
      const decoded = new Uint32Array((await api.bitpackDecode(encoded, { elementSize: 4 })).buffer);
      const chunk = new Uint32Array((await api.decodeChunk(encoded, { name: 'homeobox.bitpacking', elementSize: 4 }, values.byteLength)).buffer);
      const frame = await api.zstdCompress(new Uint8Array(values.buffer), { level: 3 });
      const unzipped = new Uint32Array((await api.zstdDecompress(frame, { maxOutputBytes: values.byteLength })).buffer);
      const bad = encoded.slice();
      bad[5] = 40;
      let error: any;
      try {
        await api.bitpackDecode(bad, { elementSize: 4, where: 'X/c/0' });
      } catch (err) {
        error = err;
      }
      const same = (a: Uint32Array) => a.length === values.length && a.every((x, i) => x === values[i]);
      return {
        variant,
        roundTrip: same(decoded) && same(chunk) && same(unzipped),
        compressed: frame.length > 9 && frame.length < values.byteLength,
        errorIsCodecError: error instanceof CodecError,
        errorTag: error?._tag,
        errorMessage: String(error?.message),
      };
    });
    await page.close();
    expect(result).toMatchObject({ variant: 'simd', roundTrip: true, compressed: true, errorIsCodecError: true, errorTag: 'Codec' });
    expect(result.errorMessage).toBe('homeobox.bitpacking: block 0 declares bit width 40 (> 32) at byte 5 (at X/c/0)');
  });

  test('on the page itself: feature detection picks simd, and both variants load', async () => {
    const page = await h().newPage();
    const result = await page.evaluate(async () => {
      const m = await (window as unknown as { __import: (p: string) => Promise<any> }).__import('/src/codecs/index.ts');
      const simd = await m.loadCodecs();
      const scalar = await m.loadCodecs({ variant: 'scalar' });
      const v = Uint32Array.from({ length: 1000 }, (_, i) => i);
      const enc = simd.bitpackEncodeU32(v, 'delta_zigzag');
      return { chosen: m.chooseVariant(), simd: simd.variant, scalar: scalar.variant, same: scalar.bitpackDecodeU32(enc).every((x: number, i: number) => x === i) };
    });
    await page.close();
    expect(result).toEqual({ chosen: 'simd', simd: 'simd', scalar: 'scalar', same: true });
  });
});
