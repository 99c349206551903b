import { expect, test } from 'vitest';
import { withInflightDedupe } from '../../../src/io/dedupe.js';
import type { ByteRange, ByteStore } from '../../../src/io/types.js';

/** A slow fake store whose bytes are (offset + i) & 0xff, counting the reads that reach it. */
function slowStore(): ByteStore & { calls: number } {
  const s = {
    url: 'mem://x',
    calls: 0,
    async get() {
      s.calls++;
      return undefined;
    },
    async getRange(_key: string, r: ByteRange) {
      s.calls++;
      await new Promise((ok) => setTimeout(ok, 30));
      return Uint8Array.from({ length: r.length }, (_, i) => (r.offset + i) & 0xff);
    },
    async size() {
      s.calls++;
      return 100;
    },
  };
  return s;
}

test('concurrent identical reads share one request; later reads go to the store again', async () => {
  const inner = slowStore();
  const s = withInflightDedupe(inner);
  const [a, b, c] = await Promise.all([
    s.getRange('f', { offset: 10, length: 4 }),
    s.getRange('f', { offset: 10, length: 4 }),
    s.getRange('f', { offset: 11, length: 4 }),
  ]);
  expect(Array.from(a)).toEqual([10, 11, 12, 13]);
  expect(b).toBe(a);
  expect(Array.from(c)).toEqual([11, 12, 13, 14]);
  expect(inner.calls).toBe(2);
  await s.getRange('f', { offset: 10, length: 4 });
  expect(inner.calls).toBe(3);
});

test("one waiter's abort does not fail the others", async () => {
  const s = withInflightDedupe(slowStore());
  const ac = new AbortController();
  const first = s.getRange('f', { offset: 0, length: 2 }, { signal: ac.signal });
  const second = s.getRange('f', { offset: 0, length: 2 });
  ac.abort();
  await expect(first).rejects.toMatchObject({ _tag: 'Aborted' });
  expect(Array.from(await second)).toEqual([0, 1]);
});

/** A store whose range reads wait until released or aborted, recording whether their signal fired. */
function heldStore() {
  const reads: { signal?: AbortSignal; release: () => void }[] = [];
  const s: ByteStore = {
    url: 'mem://held',
    async get() {
      return undefined;
    },
    getRange(_key: string, r: ByteRange, opts?: { signal?: AbortSignal }) {
      return new Promise<Uint8Array>((ok, fail) => {
        reads.push({ signal: opts?.signal, release: () => ok(new Uint8Array(r.length)) });
        opts?.signal?.addEventListener('abort', () => fail(new Error('cancelled')), { once: true });
      });
    },
    async size() {
      return 100;
    },
  };
  return { s, reads };
}

test('the shared request is cancelled once every waiter gave up, and only then', async () => {
  const { s: inner, reads } = heldStore();
  const s = withInflightDedupe(inner);
  const [a, b] = [new AbortController(), new AbortController()];
  const pa = s.getRange('f', { offset: 0, length: 4 }, { signal: a.signal });
  const pb = s.getRange('f', { offset: 0, length: 4 }, { signal: b.signal });
  expect(reads.length).toBe(1);
  a.abort();
  await expect(pa).rejects.toMatchObject({ _tag: 'Aborted' });
  expect(reads[0]!.signal!.aborted).toBe(false); // b still waits
  b.abort();
  await expect(pb).rejects.toMatchObject({ _tag: 'Aborted' });
  expect(reads[0]!.signal!.aborted).toBe(true); // nobody waits: the request itself stops
  // A later identical read is a new request, not the cancelled one.
  const pc = s.getRange('f', { offset: 0, length: 4 });
  expect(reads.length).toBe(2);
  reads[1]!.release();
  expect((await pc).length).toBe(4);
});

test('a waiter without a signal (a shared cache load) keeps the request alive', async () => {
  const { s: inner, reads } = heldStore();
  const s = withInflightDedupe(inner);
  const a = new AbortController();
  const pa = s.getRange('f', { offset: 0, length: 4 }, { signal: a.signal });
  const kept = s.getRange('f', { offset: 0, length: 4 });
  a.abort();
  await expect(pa).rejects.toMatchObject({ _tag: 'Aborted' });
  expect(reads[0]!.signal!.aborted).toBe(false);
  reads[0]!.release();
  expect((await kept).length).toBe(4);
});

test('a read whose signal was aborted before it started leaves no unhandled rejection when its request is cancelled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    // A store whose request fails once it is cancelled, as fetch does.
    const inner: ByteStore = {
      url: 'mem://x',
      get: (_k, o) => new Promise((_ok, fail) => o?.signal?.addEventListener('abort', () => fail(new Error('cancelled')))),
      getRange: () => Promise.reject(new Error('unused')),
      size: () => Promise.resolve(1),
    };
    const s = withInflightDedupe(inner);
    const gone = new AbortController();
    gone.abort();
    await expect(s.get('hint', { signal: gone.signal })).rejects.toMatchObject({ name: 'AbortError' });
    const later = new AbortController();
    const p = s.get('hint', { signal: later.signal });
    later.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((ok) => setTimeout(ok, 20));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
