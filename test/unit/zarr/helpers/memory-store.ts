// Test-only stores: a Map-backed ByteStore, and an adapter exposing any ByteStore to zarrita.
import { NotFoundError } from '../../../../src/errors.js';
import type { ByteRange, ByteStore } from '../../../../src/io/types.js';

export class MapStore implements ByteStore {
  readonly url: string;
  constructor(
    readonly files = new Map<string, Uint8Array>(),
    url = 'mem:',
  ) {
    this.url = url;
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.files.get(key)?.slice();
  }
  async getRange(key: string, range: ByteRange): Promise<Uint8Array> {
    const f = this.files.get(key);
    if (!f) throw new NotFoundError('no such file', { where: `${this.url}${key}` });
    if (range.offset + range.length > f.length) throw new Error(`short read of ${key}`);
    return f.slice(range.offset, range.offset + range.length);
  }
  async size(key: string): Promise<number | undefined> {
    return this.files.get(key)?.length;
  }
  putJson(key: string, doc: unknown): void {
    this.files.set(key, new TextEncoder().encode(JSON.stringify(doc)));
  }
}

/** zarrita's store interface (keys start with '/', ranges may be suffix ranges) over a ByteStore. */
export function zarritaStore(store: ByteStore) {
  return {
    async get(key: string): Promise<Uint8Array | undefined> {
      return store.get(key.replace(/^\//, ''));
    },
    async getRange(key: string, range: { offset: number; length: number } | { suffixLength: number }): Promise<Uint8Array | undefined> {
      const k = key.replace(/^\//, '');
      const size = await store.size(k);
      if (size === undefined) return undefined;
      const r = 'suffixLength' in range ? { offset: size - range.suffixLength, length: range.suffixLength } : range;
      return store.getRange(k, r);
    },
  };
}
