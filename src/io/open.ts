import { InvalidInputError } from '../errors.js';
import type { ByteStore } from './types.js';
import { HttpStore, type HttpStoreOptions } from './http.js';

/**
 * A store for a location: an http(s) URL, a file:// URL or (in Node) a local path. In a browser
 * every other string is a URL relative to the page (`atlas/`, `/data/pbmc`), as links are: there
 * is no file system to read. Node's fs code is imported lazily so browser bundles never include it.
 */
export async function openStore(location: string | URL | ByteStore, options: HttpStoreOptions = {}): Promise<ByteStore> {
  if (typeof location === 'object' && 'getRange' in location) return location;
  const s = String(location);
  if (/^https?:\/\//i.test(s)) return new HttpStore(s, options);
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  if (page && !/^file:\/\//i.test(s)) {
    const url = new URL(s, page);
    if (!/^https?:$/.test(url.protocol)) throw new InvalidInputError(`"${s}" is not an http(s) atlas location`, { where: s });
    return new HttpStore(url.href, options);
  }
  const { FsStore } = await import('./fs-store.js');
  if (/^file:\/\//i.test(s)) {
    const { fileURLToPath } = await import('node:url');
    return new FsStore(fileURLToPath(s));
  }
  return new FsStore(s);
}
