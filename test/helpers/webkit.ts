// WebKit for the browser tests: Debian's WebKitGTK MiniBrowser under a private Xvfb display, driven by
// WebKitWebDriver (W3C WebDriver, classic HTTP protocol). WebKitGTK shares Safari's engine
// (JavaScriptCore, WebCore, its workers, wasm and IndexedDB); Playwright drives only its own WebKit
// builds, which cannot be downloaded here. The client below is the handful of WebDriver endpoints the
// tests need. Each page is its own WebDriver session: a fresh browser process with its own storage;
// the driver allows one session at a time, so opening a page closes the previous one.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { EngineBrowser, TestPage } from './browser.js';

/** Debian installs MiniBrowser under the architecture's library folder (/usr/lib/x86_64-linux-gnu/…). */
function miniBrowserPath(): string {
  if (process.env.WEBKIT_MINIBROWSER_PATH) return process.env.WEBKIT_MINIBROWSER_PATH;
  const found = readdirSync('/usr/lib')
    .map((d) => join('/usr/lib', d, 'webkit2gtk-4.1', 'MiniBrowser'))
    .find((p) => existsSync(p));
  if (!found) throw new Error('WebKitGTK MiniBrowser not found under /usr/lib/*/webkit2gtk-4.1 (.ci/install-system.sh installs webkit2gtk-driver)');
  return found;
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts Xvfb on a display number it picks itself (`-displayfd`), so parallel test files never collide. */
function startXvfb(): Promise<{ display: string; proc: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const proc = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`Xvfb exited with code ${code}`)));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ display: `:${out.trim()}`, proc });
    });
  });
}

class WebDriverError extends Error {}

// Below vite.config.ts's testTimeout (120 s): the driver reports its own timeout first, naming the step.
const SCRIPT_TIMEOUT_MS = 100_000;
const PAGE_LOAD_TIMEOUT_MS = 60_000;
/** Any other command (a new session starts a browser process; a navigation waits for the load). */
const COMMAND_DEADLINE_MS = 75_000;
const SLOW_COMMAND_MS = 20_000;

async function startDriver(display: string): Promise<{ base: string; proc: ChildProcess }> {
  const port = await freePort();
  // en-US, as the other engines default to (WebKitGTK takes its locale from the environment, and a
  // bare CI shell has none: numbers would format as "3400" instead of "3,400").
  const env = { ...process.env, DISPLAY: display, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' };
  const proc = spawn('WebKitWebDriver', [`--port=${port}`], { stdio: 'ignore', env });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) break;
    const ok = await fetch(`${base}/status`).then((r) => r.ok, () => false);
    if (ok) return { base, proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new WebDriverError('WebKitWebDriver did not start (is webkit2gtk-driver installed? .ci/install-system.sh installs it)');
}

export async function launchWebKit(): Promise<EngineBrowser> {
  const miniBrowser = miniBrowserPath();
  const xvfb = await startXvfb();
  let driver: Awaited<ReturnType<typeof startDriver>>;
  try {
    driver = await startDriver(xvfb.display);
  } catch (err) {
    xvfb.proc.kill();
    throw err;
  }
  // Children outlive a test process that dies without afterAll; they must not.
  const killAll = () => (driver.proc.kill(), xvfb.proc.kill());
  process.once('exit', killAll);
  // Every command has a deadline below the test's own timeout, so a stuck step fails naming itself
  // (a new session, a navigation, or a script still running in the page) instead of as a bare
  // "test timed out".
  const call = async <T = unknown>(method: string, path: string, body?: unknown, deadlineMs = COMMAND_DEADLINE_MS): Promise<T> => {
    let res: Response;
    let json: { value: T & { error?: string; message?: string } };
    const t0 = Date.now();
    try {
      const signal = AbortSignal.timeout(deadlineMs);
      res = await fetch(driver.base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), signal });
      json = (await res.json()) as typeof json;
    } catch (err) {
      const what = (err as Error).name === 'TimeoutError' ? `no answer within ${deadlineMs / 1000} s` : String(err);
      // Logged too: a retried test's log keeps the first attempt's cause (./each-engine.ts).
      console.warn(`[webkit] WebDriver ${method} ${path}: ${what}`);
      throw new WebDriverError(`WebDriver ${method} ${path}: ${what}`, { cause: err });
    }
    // A slow step is logged even when it succeeds, so a run that comes close to a timeout says where.
    if (Date.now() - t0 > SLOW_COMMAND_MS) console.warn(`[webkit] WebDriver ${method} ${path} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (!res.ok) throw new WebDriverError(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
    return json.value;
  };
  const sessions = new Set<string>();
  const newSession = async () => {
    const s = await call<{ sessionId: string; capabilities: { browserVersion: string } }>('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': { binary: miniBrowser, args: ['--automation'] },
          timeouts: { script: SCRIPT_TIMEOUT_MS, pageLoad: PAGE_LOAD_TIMEOUT_MS },
        },
      },
    });
    sessions.add(s.sessionId);
    return s;
  };
  const probe = await newSession();
  await call('DELETE', `/session/${probe.sessionId}`);
  sessions.delete(probe.sessionId);

  return {
    engine: 'webkit',
    version: `WebKitGTK/${probe.capabilities.browserVersion}`,
    async newPage(onError) {
      // WebKitWebDriver runs one session at a time: a new page closes the one before (tests use one page at a time).
      await Promise.all([...sessions].map((id) => call('DELETE', `/session/${id}`).catch(() => undefined)));
      sessions.clear();
      const { sessionId } = await newSession();
      const at = `/session/${sessionId}`;
      // The function's source runs in the page; its result (or error) comes back as JSON, so tests
      // return plain values, as they do for the other engines.
      const evaluate = async <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> => {
        const script = `const done = arguments[arguments.length - 1];
          Promise.resolve().then(() => (${fn.toString()})(arguments[0])).then(
            (value) => done({ ok: true, value: value === undefined ? null : value }),
            (e) => done({ ok: false, error: String((e && e.stack) || e) }));`;
        const r = await call<{ ok: boolean; value: R; error: string }>('POST', `${at}/execute/async`, { script, args: [arg ?? null] }, SCRIPT_TIMEOUT_MS + 5_000);
        if (!r.ok) throw new Error(`page error: ${r.error}`);
        return r.value;
      };
      // WebDriver classic has no console events: uncaught errors and rejections are collected in the
      // page from each load on and reported when the page closes (errors before the listener are missed).
      const watchErrors = () =>
        evaluate(() => {
          const w = window as unknown as { __errors?: string[] };
          if (w.__errors) return;
          w.__errors = [];
          addEventListener('error', (e) => w.__errors!.push(e.message));
          addEventListener('unhandledrejection', (e) => w.__errors!.push(String(e.reason?.message ?? e.reason)));
        });
      const takeErrors = async () => {
        const errs = await evaluate(() => (window as unknown as { __errors?: string[] }).__errors?.splice(0) ?? []).catch(() => []);
        for (const e of errs) (onError ?? ((m: string) => console.error('[page]', m)))(e);
      };
      const element = async (selector: string) => {
        const el = await call<Record<string, string>>('POST', `${at}/element`, { using: 'css selector', value: selector });
        return Object.values(el)[0]!;
      };
      const page: TestPage = {
        evaluate,
        async goto(url) {
          await takeErrors();
          await call('POST', `${at}/url`, { url });
          await watchErrors();
        },
        async reload() {
          await takeErrors();
          await call('POST', `${at}/refresh`, {});
          await watchErrors();
        },
        async click(selector) {
          await call('POST', `${at}/element/${await element(selector)}/click`, {});
        },
        async fill(selector, text) {
          const id = await element(selector);
          await call('POST', `${at}/element/${id}/clear`, {});
          await call('POST', `${at}/element/${id}/value`, { text });
        },
        text: (selector) => evaluate((s) => document.querySelector(s)?.textContent ?? '', selector),
        texts: (selector) => evaluate((s) => [...document.querySelectorAll(s)].map((el) => el.textContent ?? ''), selector),
        async waitFor(fn, timeoutMs) {
          const until = Date.now() + timeoutMs;
          while (!(await evaluate(fn))) {
            if (Date.now() > until) throw new Error(`waitFor timed out after ${timeoutMs} ms: ${fn.toString()}`);
            await new Promise((r) => setTimeout(r, 100));
          }
        },
        async close() {
          if (!sessions.delete(sessionId)) return;
          await takeErrors();
          await call('DELETE', at).catch(() => undefined);
        },
      };
      return page;
    },
    async close() {
      await Promise.all([...sessions].map((id) => call('DELETE', `/session/${id}`).catch(() => undefined)));
      sessions.clear();
      process.off('exit', killAll);
      killAll();
    },
  };
}
