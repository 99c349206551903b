import { afterEach, expect, test } from 'vitest';
import { transfer } from 'comlink';
import { WorkerPool } from '../../../src/workers/pool.js';
import { isRaggedAtlasError, type WorkerError } from '../../../src/errors.js';
import type { TestApi } from '../../helpers/test-worker.node.js';

const url = new URL('../../helpers/test-worker.node.ts', import.meta.url);
let pool: WorkerPool<TestApi> | undefined;
afterEach(() => pool?.close());

test('runs calls on N workers and transfers buffers both ways', async () => {
  pool = new WorkerPool<TestApi>(url, { size: 2 });
  const input = Uint8Array.from([1, 2, 3]);
  const out = await pool.run((api) => api.double(transfer(input, [input.buffer])));
  expect(Array.from(out)).toEqual([2, 4, 6]);
  expect(input.byteLength).toBe(0); // transferred, not cloned
  const ids = await Promise.all(Array.from({ length: 8 }, () => pool!.run((api) => api.sleep(30))));
  expect(new Set(ids).size).toBe(2);
});

test('a worker that dies rejects its in-flight call; the pool replaces it and keeps working', async () => {
  pool = new WorkerPool<TestApi>(url, { size: 1 });
  const before = await pool.run((api) => api.id());
  await expect(pool.run((api) => api.crash())).rejects.toThrow(/exited with code 3/);
  const after = await pool.run((api) => api.id());
  expect(after).not.toBe(before);
});

test('tagged errors thrown in a worker arrive as the same class', async () => {
  pool = new WorkerPool<TestApi>(url, { size: 1 });
  const err = await pool.run((api) => api.fail()).catch((e) => e);
  expect(isRaggedAtlasError(err, 'Codec')).toBe(true);
  expect((err as Error).message).toContain('homeobox.bitpacking: bad block');
});

test('AbortSignal cancels queued calls and stops a busy worker', async () => {
  pool = new WorkerPool<TestApi>(url, { size: 1, perWorker: 1 });
  await pool.run((api) => api.id()); // warm up
  const ac = new AbortController();
  const busy = pool.run((api) => api.spin(5_000), { signal: ac.signal });
  const queued = pool.run((api) => api.sleep(1), { signal: ac.signal });
  const t0 = Date.now();
  setTimeout(() => ac.abort('user'), 50);
  await expect(busy).rejects.toMatchObject({ _tag: 'Aborted' });
  await expect(queued).rejects.toMatchObject({ _tag: 'Aborted' });
  expect(Date.now() - t0).toBeLessThan(2_000); // did not wait for the 5 s spin
  expect(await pool.run((api) => api.sleep(1))).toBeTypeOf('number'); // replacement worker serves
});

test('with a cancel hook, an aborted call is rejected at once, the hook runs, and the same worker serves on', async () => {
  // Decode calls (left to finish unseen) and fetches (cancelled in the worker) run this way: a
  // respawned worker would have to load the wasm again before the next query.
  pool = new WorkerPool<TestApi>(url, { size: 1, perWorker: 2 });
  const before = await pool.run((api) => api.id());
  const ac = new AbortController();
  let cancelled = 0;
  const t0 = Date.now();
  const call = pool.run((api) => api.sleep(400), { signal: ac.signal, cancel: () => cancelled++ });
  setTimeout(() => ac.abort(), 30);
  await expect(call).rejects.toMatchObject({ _tag: 'Aborted' });
  expect(Date.now() - t0).toBeLessThan(300);
  expect(cancelled).toBe(1);
  expect(await pool.run((api) => api.id())).toBe(before);
});

test('a worker script that cannot start fails the call instead of respawning forever', async () => {
  pool = new WorkerPool<TestApi>(new URL('../../helpers/no-such-worker.ts', import.meta.url), { size: 1 });
  const first = await pool.run((api) => api.id()).then(() => undefined, (e: Error) => e);
  // A typed error that names the script.
  expect(isRaggedAtlasError(first, 'Worker')).toBe(true);
  expect((first as WorkerError).where).toMatch(/no-such-worker\.ts$/);
  // Each call costs a worker; once the pool gives up, later calls fail with the cause, not a bare "closed".
  const later: (Error | undefined)[] = [];
  for (let i = 0; i < 6; i++) later.push(await pool.run((api) => api.id()).then(() => undefined, (e: Error) => e));
  for (const e of later) expect(e?.message).toContain(first!.message);
  expect(later.at(-1)?.message).toMatch(/^worker pool stopped: /);
  expect(later.every((e) => isRaggedAtlasError(e, 'Worker'))).toBe(true);
});

test('a closed pool fails calls with a WorkerError naming its script', async () => {
  pool = new WorkerPool<TestApi>(url, { size: 1 });
  const pending = pool.run((api) => api.sleep(1_000)).catch((e) => e);
  pool.close();
  for (const err of [await pending, await pool.run((api) => api.id()).catch((e) => e)]) {
    expect(isRaggedAtlasError(err, 'Worker')).toBe(true);
    expect((err as WorkerError).where).toBe(url.href);
  }
});

test('a settled call leaves no abort listener on the caller\'s signal (it would keep the call\'s inputs alive)', async () => {
  pool = new WorkerPool<TestApi>(url, { size: 1 });
  const ac = new AbortController();
  let live = 0;
  const add = ac.signal.addEventListener.bind(ac.signal);
  const remove = ac.signal.removeEventListener.bind(ac.signal);
  ac.signal.addEventListener = ((...a: Parameters<AbortSignal['addEventListener']>) => (live++, add(...a))) as AbortSignal['addEventListener'];
  ac.signal.removeEventListener = ((...a: Parameters<AbortSignal['removeEventListener']>) => (live--, remove(...a))) as AbortSignal['removeEventListener'];
  await Promise.all(Array.from({ length: 10 }, () => pool!.run((api) => api.sleep(1), { signal: ac.signal })));
  await pool.run((api) => api.fail(), { signal: ac.signal }).catch(() => undefined);
  expect(live).toBe(0);
});

test('an aborted call with a cancel hook keeps its worker counted busy until it ends: the next call goes to an idle worker', async () => {
  pool = new WorkerPool<TestApi>(url, { size: 2, perWorker: 1 });
  const first = await pool.run((api) => api.id()); // both idle: the first worker takes it, and the next
  const ac = new AbortController();
  const slow = pool.run((api) => api.sleep(1500), { signal: ac.signal, cancel: () => undefined });
  await new Promise((r) => setTimeout(r, 20));
  ac.abort();
  await expect(slow).rejects.toMatchObject({ _tag: 'Aborted' });
  expect(await pool.run((api) => api.id())).not.toBe(first);
});

test('Node: a busy pool keeps the process alive until the answer, an idle one does not, and close() during start-up leaves no worker', async () => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'pool-exit-'));
  const poolUrl = new URL('../../../src/workers/pool.ts', import.meta.url).href;
  const script = (body: string) => {
    const file = join(dir, `s${Math.random().toString(36).slice(2)}.mts`); // .mts: an ES module (top-level await) outside the package
    writeFileSync(file, `import { WorkerPool } from ${JSON.stringify(poolUrl)};\nconst url = new URL(${JSON.stringify(url.href)});\n${body}\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: process.cwd(), encoding: 'utf8', timeout: 30_000 });
    return { out: r.stdout.trim(), status: r.status, signal: r.signal, err: r.stderr };
  };
  try {
    // A call in flight with nothing else alive: the answer still comes (the busy worker holds the process) …
    const busy = script(`const p = new WorkerPool(url, { size: 2 });\nconsole.log('slept', typeof (await p.run((api) => api.sleep(300))));`);
    expect(busy.out, busy.err).toBe('slept number');
    // … and with the pool idle and never closed, the process ends on its own (no timeout kill).
    expect(busy.signal).toBeNull();
    expect(busy.status).toBe(0);
    // close() at every moment of the workers' start-up: none is left running (the process would not exit).
    for (const delay of [0, 1, 3, 10]) {
      const closed = script(`const p = new WorkerPool(url, { size: 2 });\nconst r = p.run((api) => api.id()).catch(() => 'closed');\nsetTimeout(() => p.close(), ${delay});\nconsole.log('done', typeof (await r));`);
      expect(closed.signal, `close after ${delay} ms`).toBeNull();
      expect(closed.out, closed.err).toMatch(/^done (number|string)$/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
