// Browser test harness: a Vite dev server over the repository (so pages import src/*.ts directly and
// workers/wasm load as in a real app) and Debian's Chromium driven by playwright-core.
// Chromium's own download cannot work here; /usr/bin/chromium is installed by .ci/install-system.sh.
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHARED_ROOT = fileURLToPath(new URL('../../../shared', import.meta.url));

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface BrowserHarness {
  vite: ViteDevServer;
  /** Base URL of the dev server, e.g. http://127.0.0.1:5173 */
  origin: string;
  browser: Browser;
  /** A fresh page at the blank test page, with console errors forwarded to the test log. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** `extraArgs`: more Chromium flags (bench:query --http2 adds --ignore-certificate-errors). */
export async function startBrowser(opts: { extraArgs?: string[] } = {}): Promise<BrowserHarness> {
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
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, ...(opts.extraArgs ?? [])] });
  return {
    vite,
    origin,
    browser,
    async newPage() {
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.error('[page error]', e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') console.error('[page console]', m.text());
      });
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
