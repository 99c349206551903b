import { expect, test } from 'vitest';
import { describeEachEngine } from '../helpers/each-engine.js';

describeEachEngine((engine, h) => {
  test('a page imports src/ TypeScript through the dev server and errors keep their tags across postMessage', async () => {
    const page = await h().newPage();
    const result = await page.evaluate(async () => {
      const m = await (window as any).__import('/src/errors.ts');
      const e = new m.CodecError('bad block', { codec: 'homeobox.bitpacking', code: -3, where: 'chunk 0' });
      const back = m.fromWire(structuredClone(m.toWire(e)));
      return { tag: back._tag, name: back.name, isCodec: back instanceof m.CodecError, message: back.message, ua: navigator.userAgent };
    });
    expect(result.tag).toBe('Codec');
    expect(result.isCodec).toBe(true);
    expect(result.message).toContain('homeobox.bitpacking: bad block (at chunk 0)');
    expect(result.ua).toContain({ chromium: 'Chrome/', firefox: 'Firefox/', webkit: 'AppleWebKit/' }[engine]);
  });
});
