// One version of each file per session, without a cache. withCache compares the version (ETag, or
// Last-Modified) of every answer it gets; with `cache: 'none'` nothing did, so a file rewritten
// while a checkout read it (a shard index from the old file, chunks from the new one) came back
// as data. Here the first answer for a file pins its version; an answer at another version fails
// that read and every later read of the file, as withCache does. Bytes of two versions are never
// mixed. Answers without a version (a host that sends neither header) cannot be compared.
import { HttpError } from '../errors.js';
import { isMutableKey, versionTag, type ByteRange, type ByteStore, type ReadOptions } from './types.js';

export function withVersionPin(inner: ByteStore): ByteStore {
  const pinned = new Map<string, string>();
  const failed = new Map<string, HttpError>();
  /** The caller's options, with a version check before the answer resolves. */
  const checked = (key: string, opts: ReadOptions | undefined): ReadOptions => {
    const known = failed.get(key);
    if (known) throw known;
    if (isMutableKey(key)) return opts ?? {};
    return {
      ...opts,
      onVersion: (v) => {
        const tag = versionTag(v);
        if (tag !== null) {
          const first = pinned.get(key);
          if (first === undefined) pinned.set(key, tag);
          else if (first !== tag) {
            const err = new HttpError(`${key} changed while this session was reading it (ETag ${first}, now ${tag}): open the atlas again`, {
              url: `${inner.url}/${key}`,
              etag: tag,
              expectedEtag: first,
            });
            failed.set(key, err);
            throw err;
          }
        }
        opts?.onVersion?.(v);
      },
    };
  };
  const store: ByteStore = {
    url: inner.url,
    get: async (key: string, opts?: ReadOptions) => inner.get(key, checked(key, opts)),
    getRange: async (key: string, range: ByteRange, opts?: ReadOptions) => inner.getRange(key, range, checked(key, opts)),
    size: async (key: string, opts?: ReadOptions) => inner.size(key, checked(key, opts)),
  };
  if (inner.getTail) {
    const getTail = inner.getTail.bind(inner);
    store.getTail = async (key: string, length: number, opts?: ReadOptions) => getTail(key, length, checked(key, opts));
  }
  if (inner.list) store.list = inner.list.bind(inner);
  return store;
}
