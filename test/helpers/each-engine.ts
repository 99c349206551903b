// One describe block per browser engine, each with its own dev server + browser (started before its
// tests, closed after), so a browser test file states its body once and runs it in every engine.
// (Apart from ./browser.ts because this imports vitest, and the benches import that file.)
import { afterAll, beforeAll, describe } from 'vitest';
import { ENGINES, startBrowser, type BrowserHarness, type Engine } from './browser.js';

/** `body(engine, h)`: `h()` is the engine's harness once its tests run. */
export function describeEachEngine(body: (engine: Engine, h: () => BrowserHarness) => void): void {
  describe.each(ENGINES)('%s', (engine) => {
    let harness: BrowserHarness | undefined;
    beforeAll(async () => {
      harness = await startBrowser({ engine });
    }, 300_000);
    afterAll(async () => harness?.close());
    body(engine, () => harness!);
  });
}
