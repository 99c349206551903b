import { InvalidInputError } from '../errors.js';
import { pageBase } from './runtime.js';
import type { ByteStore } from './types.js';
import { HttpStore, type HttpStoreOptions } from './http.js';

/**
 * A store for a location: an http(s) URL, a file:// URL or (in Node) a local path. In a browser
 * every other string is a URL relative to the page (`atlas/`, `/data/pbmc`; against `<base href>`
 * when the page has one), as links are: there is no file system to read. Node's fs code is imported lazily so browser bundles never include it.
 */
export async function openStore(location: string | URL | ByteStore, options: HttpStoreOptions = {}): Promise<ByteStore> {
  if (typeof location === 'object' && 'getRange' in location) return location;
  const s = String(location);
  // An empty location would open the current directory (Node) or the page itself (browsers).
  if (!s.trim()) throw new InvalidInputError('an atlas location is needed (a URL or, in Node, a local path); got an empty string', { where: s });
  // Another scheme (s3://, gs://, ftp://) is no local path: name it instead of looking for a folder called "ftp:".
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http' && scheme !== 'https' && scheme !== 'file') {
    throw new InvalidInputError(`"${scheme}://" locations are not read directly: give the http(s) URL the files are served at (for S3 or GCS, the bucket's https endpoint)`, { where: s });
  }
  if (/^https?:\/\//i.test(s)) return new HttpStore(s, options);
  const page = pageBase();
  if (page && !/^file:\/\//i.test(s)) {
    const url = new URL(s, page);
    if (!/^https?:$/.test(url.protocol)) {
      const why = url.protocol === 'file:' ? ` (it resolves to ${url.href}: a page opened from file:// cannot read folders; serve the atlas over http(s), e.g. \`npx ragged-atlas serve\`)` : '';
      throw new InvalidInputError(`"${s}" is not an http(s) atlas location${why}`, { where: s });
    }
    return new HttpStore(url.href, options);
  }
  const { FsStore } = await import('./fs-store.js');
  if (/^file:\/\//i.test(s)) {
    const { fileURLToPath } = await import('node:url');
    return new FsStore(fileURLToPath(s));
  }
  return new FsStore(s);
}
