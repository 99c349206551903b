// One describe block per browser engine, each with its own dev server + browser (started before its
// tests, closed after), so a browser test file states its body once and runs it in every engine.
// (Apart from ./browser.ts because this imports vitest, and the benches import that file.)
import { afterAll, beforeAll, describe } from 'vitest';
import { ENGINES, startBrowser, type BrowserHarness, type Engine } from './browser.js';

/**
 * WebKit's tests run once more after a failure: its driver stack (MiniBrowser under Xvfb through
 * WebKitWebDriver, ./webkit.ts) once left a CI run's page silent for the whole test timeout, a
 * failure no rerun of the file reproduced. A retried test is marked "(retry x1)" in the test log,
 * with the first attempt's error (every WebDriver step has its own deadline that names it).
 */
const RETRIES: Record<Engine, number> = { chromium: 0, firefox: 0, webkit: 1 };

/** `body(engine, h)`: `h()` is the engine's harness once its tests run. */
export function describeEachEngine(body: (engine: Engine, h: () => BrowserHarness) => void): void {
  for (const engine of ENGINES) {
    describe(engine, { retry: RETRIES[engine] }, () => {
      let harness: BrowserHarness | undefined;
      beforeAll(async () => {
        harness = await startBrowser({ engine });
      }, 300_000);
      afterAll(async () => harness?.close());
      body(engine, () => harness!);
    });
  }
}
