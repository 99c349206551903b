import { joinKey, type ByteStore, type ByteRange, type ReadOptions } from './types.js';

/** A view of `inner` rooted at `prefix`: keys are resolved below it. */
export function withPrefix(inner: ByteStore, prefix: string): ByteStore {
  const p = joinKey(prefix);
  if (p === '') return inner;
  const k = (key: string) => joinKey(p, key);
  const store: ByteStore = {
    url: `${inner.url.replace(/\/$/, '')}/${p}`,
    get: (key: string, opts?: ReadOptions) => inner.get(k(key), opts),
    getRange: (key: string, range: ByteRange, opts?: ReadOptions) => inner.getRange(k(key), range, opts),
    size: (key: string, opts?: ReadOptions) => inner.size(k(key), opts),
  };
  if (inner.getTail) {
    const getTail = inner.getTail.bind(inner);
    store.getTail = (key: string, length: number, opts?: ReadOptions) => getTail(k(key), length, opts);
  }
  if (inner.list) {
    const list = inner.list.bind(inner);
    store.list = async (prefix2: string, opts?: ReadOptions) =>
      (await list(k(prefix2), opts))?.map((key) => key.slice(p.length + 1));
  }
  return store;
}
