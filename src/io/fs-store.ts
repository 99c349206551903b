// Node-only: a ByteStore over a local directory. Imported lazily by openStore so browser bundles never see node:fs.
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { CorruptDataError, HttpError, NotFoundError, QueryError, throwIfAborted } from '../errors.js';
import { joinKey, type ByteRange, type ByteStore, type ReadOptions } from './types.js';

export class FsStore implements ByteStore {
  readonly url: string;
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
    this.url = this.#root;
  }

  /** Absolute path of a key; refuses keys that would escape the root. */
  path(key: string): string {
    const p = resolve(this.#root, joinKey(key));
    if (p !== this.#root && !p.startsWith(this.#root + sep)) {
      throw new HttpError(`key escapes the store root`, { url: `${this.url}/${key}` });
    }
    return p;
  }

  async get(key: string, opts: ReadOptions = {}): Promise<Uint8Array | undefined> {
    throwIfAborted(opts.signal, key);
    try {
      const b = await readFile(this.path(key));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw typed(err, this.path(key));
    }
  }

  async getRange(key: string, range: ByteRange, opts: ReadOptions = {}): Promise<Uint8Array> {
    throwIfAborted(opts.signal, key);
    const path = this.path(key);
    let fh;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError('no such file', { where: path });
      throw typed(err, path);
    }
    try {
      let out: Uint8Array;
      try {
        out = new Uint8Array(range.length);
      } catch (err) {
        throw new QueryError(`a read of ${range.length} bytes is more than this runtime can allocate`, { where: path }, { cause: err });
      }
      let done = 0;
      while (done < range.length) {
        const { bytesRead } = await fh.read(out, done, range.length - done, range.offset + done).catch((err: unknown) => {
          throw typed(err, path);
        });
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      if (done !== range.length) {
        throw new CorruptDataError(`short read: asked for ${range.length} bytes at ${range.offset}, file ends after ${done}`, { where: path });
      }
      return out;
    } finally {
      await fh.close();
    }
  }

  async size(key: string, opts: ReadOptions = {}): Promise<number | undefined> {
    throwIfAborted(opts.signal, key);
    try {
      return (await stat(this.path(key))).size;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[] | undefined> {
    const base = this.path(prefix);
    try {
      const entries = await readdir(base, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => joinKey(prefix, resolve(e.parentPath ?? base, e.name).slice(base.length + 1).split(sep).join('/')));
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
  }
}

/** A directory where a file should be (a wrong chunk key layout) is corrupt input, said so; other system errors pass as they are. */
function typed(err: unknown, path: string): unknown {
  return (err as NodeJS.ErrnoException).code === 'EISDIR' ? new CorruptDataError('is a directory, not a file', { where: path }, { cause: err }) : err;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
