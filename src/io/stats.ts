import type { ByteRange, ByteStore, ReadOptions } from './types.js';

/** Running totals of what a store was asked for; used for progress events, benchmarks and tests. */
export interface IoStats {
  requests: number;
  bytes: number;
}

/** Wraps a store so every request is counted (and reported to `onRequest`, if given). */
export function withStats(
  inner: ByteStore,
  onRequest?: (event: { key: string; range?: ByteRange; bytes: number }) => void,
): ByteStore & { stats: IoStats } {
  const stats: IoStats = { requests: 0, bytes: 0 };
  /**
   * Runs one read, counting the bytes that arrived for it where the store reports them (an HTTP
   * host ignoring Range sends a whole file for a few bytes), else the bytes handed back.
   */
  const counted = async <T>(key: string, opts: ReadOptions | undefined, read: (o: ReadOptions) => Promise<T>, handed: (r: T) => number, range?: ByteRange): Promise<T> => {
    let received: number | undefined;
    let local = false;
    const onReceived = (n: number) => {
      received = (received ?? 0) + n;
      opts?.onReceived?.(n);
    };
    const onLocal = () => {
      local = true;
      opts?.onLocal?.();
    };
    const r = await read({ ...opts, onReceived, onLocal });
    // An answer the store held (onLocal) cost no request and no bytes.
    const bytes = received ?? handed(r);
    if (local) return r;
    stats.requests++;
    stats.bytes += bytes;
    onRequest?.({ key, range, bytes });
    return r;
  };
  const store: ByteStore & { stats: IoStats } = {
    url: inner.url,
    stats,
    get: (key, opts) => counted(key, opts, (o) => inner.get(key, o), (b) => b?.length ?? 0),
    getRange: (key, range, opts) => counted(key, opts, (o) => inner.getRange(key, range, o), (b) => b.length, range),
    size: (key, opts) => counted(key, opts, (o) => inner.size(key, o), () => 0),
  };
  if (inner.getTail) {
    const getTail = inner.getTail.bind(inner);
    store.getTail = (key, length, opts) => counted(key, opts, (o) => getTail(key, length, o), (t) => t?.bytes.length ?? 0);
  }
  if (inner.list) {
    const list = inner.list.bind(inner);
    store.list = (prefix, opts) => counted(prefix, opts, (o) => list(prefix, o), () => 0);
  }
  return store;
}
