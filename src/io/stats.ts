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
  const note = (key: string, bytes: number, range?: ByteRange) => {
    stats.requests++;
    stats.bytes += bytes;
    onRequest?.({ key, range, bytes });
  };
  const store: ByteStore & { stats: IoStats } = {
    url: inner.url,
    stats,
    async get(key: string, opts?: ReadOptions) {
      const b = await inner.get(key, opts);
      note(key, b?.length ?? 0);
      return b;
    },
    async getRange(key: string, range: ByteRange, opts?: ReadOptions) {
      const b = await inner.getRange(key, range, opts);
      note(key, b.length, range);
      return b;
    },
    async size(key: string, opts?: ReadOptions) {
      const s = await inner.size(key, opts);
      note(key, 0);
      return s;
    },
  };
  if (inner.getTail) {
    const getTail = inner.getTail.bind(inner);
    store.getTail = async (key: string, length: number, opts?: ReadOptions) => {
      const t = await getTail(key, length, opts);
      note(key, t?.bytes.length ?? 0);
      return t;
    };
  }
  if (inner.list) {
    const list = inner.list.bind(inner);
    store.list = async (prefix: string, opts?: ReadOptions) => {
      const r = await list(prefix, opts);
      note(prefix, 0);
      return r;
    };
  }
  return store;
}
