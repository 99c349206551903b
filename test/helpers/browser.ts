// Browser test harness: a Vite dev server over the repository (so pages import src/*.ts directly and
// workers/wasm load as in a real app) and a real browser engine driving pages:
// - Chromium: Debian's /usr/bin/chromium through playwright-core (its own download cannot work here);
// - Firefox: Debian's /usr/bin/firefox-esr through puppeteer-core over WebDriver BiDi (Playwright
//   can only drive its own patched Firefox builds, which cannot be downloaded here either);
// - WebKit: Debian's WebKitGTK MiniBrowser through WebKitWebDriver (./webkit.ts), Safari's engine.
// All are installed by .ci/install-system.sh. Tests see one small page interface, `TestPage`, so the
// same test body runs in every engine (`describeEachEngine`, ./each-engine.ts).
import { chromium, type Page as PlaywrightPage } from 'playwright-core';
import puppeteer, { type Page as PuppeteerPage } from 'puppeteer-core';
import { createServer, type ViteDevServer } from 'vite';
import { fileURLToPath } from 'node:url';
import { launchWebKit } from './webkit.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHARED_ROOT = fileURLToPath(new URL('../../../shared', import.meta.url));

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export type Engine = 'chromium' | 'firefox' | 'webkit';
/** Every engine the browser tests run in. */
export const ENGINES: readonly Engine[] = ['chromium', 'firefox', 'webkit'];

/** What a test does with a page: the same calls in every engine. */
export interface TestPage {
  /** Runs `fn` in the page (its source is sent, so it may only use its argument and page globals). */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  click(selector: string): Promise<void>;
  /** Replaces an input's value as typing would (input events fire). */
  fill(selector: string, text: string): Promise<void>;
  /** textContent of the first / of every element matching `selector`. */
  text(selector: string): Promise<string>;
  texts(selector: string): Promise<string[]>;
  /** Resolves once `fn` returns true in the page. */
  waitFor(fn: () => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
  /** Chromium only: the Playwright page (bench:query takes CPU profiles through it). */
  playwright?: PlaywrightPage;
}

export interface EngineBrowser {
  engine: Engine;
  version: string;
  /** A fresh page in its own browser context (own cache and storage); `onError` sees page errors and console errors. */
  newPage(onError?: (message: string) => void): Promise<TestPage>;
  close(): Promise<void>;
}

const logError = (m: string) => console.error('[page]', m);

/** The calls Playwright's and Puppeteer's pages spell the same way. */
function sameCalls(page: {
  evaluate(fn: (a: unknown) => unknown, arg: unknown): Promise<unknown>;
  goto(url: string): Promise<unknown>;
  reload(): Promise<unknown>;
  click(selector: string): Promise<void>;
}): Pick<TestPage, 'evaluate' | 'goto' | 'reload' | 'click'> {
  return {
    evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => unknown, arg) as Promise<never>,
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    click: (s) => page.click(s),
  };
}

/** Starts `engine` headless. `extraArgs`: more Chromium flags (bench:query --http2 adds --ignore-certificate-errors). */
export async function launchBrowser(engine: Engine, opts: { extraArgs?: string[] } = {}): Promise<EngineBrowser> {
  return engine === 'chromium' ? launchChromium(opts.extraArgs ?? []) : engine === 'firefox' ? launchFirefox() : launchWebKit();
}

async function launchChromium(extraArgs: string[]): Promise<EngineBrowser> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
  return {
    engine: 'chromium',
    version: browser.version(),
    async newPage(onError = logError) {
      const page = await browser.newPage();
      page.on('pageerror', (e) => onError(e.message));
      page.on('console', (m) => void (m.type() === 'error' && onError(m.text())));
      return {
        ...sameCalls(page),
        fill: (s, text) => page.fill(s, text),
        text: async (s) => (await page.locator(s).first().textContent()) ?? '',
        texts: (s) => page.locator(s).allTextContents(),
        waitFor: async (fn, timeout) => void (await page.waitForFunction(fn, null, { timeout })),
        close: () => page.close(),
        playwright: page,
      };
    },
    close: () => browser.close(),
  };
}

async function launchFirefox(): Promise<EngineBrowser> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
    headless: true,
    // No update checks, telemetry or first-run pages: a test machine talks only to its own servers.
    extraPrefsFirefox: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.enabled': false },
  });
  return {
    engine: 'firefox',
    version: await browser.version(),
    async newPage(onError = logError) {
      const context = await browser.createBrowserContext();
      const page: PuppeteerPage = await context.newPage();
      page.on('pageerror', (e) => onError(e instanceof Error ? e.message : String(e)));
      page.on('console', (m) => void (m.type() === 'error' && onError(m.text())));
      return {
        ...sameCalls(page),
        fill: (s, text) => page.locator(s).fill(text),
        text: (s) => page.$eval(s, (el) => el.textContent ?? ''),
        texts: (s) => page.$$eval(s, (els) => els.map((el) => el.textContent ?? '')),
        waitFor: async (fn, timeout) => void (await page.waitForFunction(fn, { timeout })),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

export interface BrowserHarness {
  vite: ViteDevServer;
  /** Base URL of the dev server, e.g. http://127.0.0.1:5173 */
  origin: string;
  engine: Engine;
  /** The engine's product and version, e.g. "HeadlessChrome/156…" or "firefox/153…". */
  version: string;
  /** A fresh page at the blank test page, with console errors forwarded to the test log. */
  newPage(): Promise<TestPage>;
  close(): Promise<void>;
}

/** The dev server and one engine (default Chromium). */
export async function startBrowser(opts: { engine?: Engine; extraArgs?: string[] } = {}): Promise<BrowserHarness> {
  const vite = await createServer({
    root: REPO_ROOT,
    configFile: false,
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, fs: { allow: [REPO_ROOT, SHARED_ROOT] }, hmr: false },
    optimizeDeps: { noDiscovery: true, include: [] },
    worker: { format: 'es' },
  });
  await vite.listen();
  const addr = vite.httpServer!.address();
  const origin = typeof addr === 'object' && addr ? `http://127.0.0.1:${addr.port}` : '';
  let browser: EngineBrowser;
  try {
    browser = await launchBrowser(opts.engine ?? 'chromium', opts);
  } catch (err) {
    await vite.close();
    throw err;
  }
  return {
    vite,
    origin,
    engine: browser.engine,
    version: browser.version,
    async newPage() {
      const page = await browser.newPage();
      await page.goto(`${origin}/test/browser/blank.html`);
      return page;
    },
    async close() {
      await browser.close();
      await vite.close();
    },
  };
}

/** URL path under which the dev server exposes a file in ../shared (e.g. the BP-128 vectors). */
export function sharedUrl(relative: string): string {
  return `/@fs${SHARED_ROOT.replace(/\/$/, '')}/${relative.replace(/^\//, '')}`;
}

/** Inside page.evaluate, use `(window as any).__import(path)` (declared by test/browser/blank.html). */
export type PageImport = (path: string) => Promise<any>;
