// A zarrita store over a local .zip file, read through a file handle with random access.
//
// @zarrita/storage's ZipFileStore (built on unzipit) does the zip parsing; we give it a reader over a
// Node FileHandle so nothing is loaded whole. Duplicate member names: unzipit builds its name → entry
// map with Object.fromEntries over the central directory in order, so the LAST entry with a name wins,
// exactly like Python's zipfile (anndata rewrites zarr.json metadata by appending, leaving stale copies
// earlier in the archive). Stored (method 0) members are range-read directly; deflated members are
// inflated whole on access (unzipit), which is fine for metadata-sized entries.
import { open, type FileHandle } from 'node:fs/promises';
import ZipFileStore from '@zarrita/storage/zip';

/** unzipit's reader interface, over a file handle (positioned reads, no full load). */
class FileHandleReader {
  constructor(
    private readonly fh: FileHandle,
    private readonly size: number,
  ) {}
  async getLength(): Promise<number> {
    return this.size;
  }
  async read(offset: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error(`unexpected end of zip file at byte ${offset + done}`);
      done += bytesRead;
    }
    return buf;
  }
}

export interface LocalZipStore {
  store: ZipFileStore;
  /** Member names (after last-wins de-duplication). */
  names(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openZipStore(file: string): Promise<LocalZipStore> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    let names: string[] = [];
    // ZipFileStore keeps its entry map private; transformEntries lets us see the (deduplicated) names.
    const store = new ZipFileStore(new FileHandleReader(fh, size), {
      transformEntries: (entries) => {
        names = Object.keys(entries);
        return entries;
      },
    });
    await store.has('/zarr.json'); // parses the central directory now, so a bad zip fails at open
    return { store, names: async () => names, close: () => fh.close() };
  } catch (e) {
    await fh.close();
    throw e;
  }
}
