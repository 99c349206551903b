// Plain or gzip-compressed text files, streamed in chunks (gzip is detected by its magic bytes, not
// the name). Errors from zlib (truncated or corrupt gzip) become InvalidInputError naming the file.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { InvalidInputError } from '../../errors.js';

export async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Decompressed chunks of `file`. `position()` is called when zlib fails, to say how far decoding got
 * (e.g. a line number) in the error's `where`.
 */
export async function* textChunks(file: string, position: () => string): AsyncGenerator<Buffer> {
  const gz = await isGzip(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 16 });
  const stream = gz ? raw.pipe(createGunzip({ chunkSize: 1 << 16 })) : raw;
  if (gz) raw.on('error', (e) => stream.destroy(e));
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (gz && typeof err.code === 'string' && err.code.startsWith('Z_')) {
      const what = err.code === 'Z_BUF_ERROR' ? 'gzip stream ends early (file truncated?)' : `corrupt gzip data (${err.message})`;
      throw new InvalidInputError(what, { where: `${file}:${position()}` }, { cause: e });
    }
    throw e;
  } finally {
    raw.destroy();
    if (stream !== raw) stream.destroy();
  }
}

/**
 * A small tab-separated file (features, barcodes) as rows of fields. Trailing blank lines are
 * ignored; a blank line in the middle is an error (it would shift every later row).
 */
export async function readTsv(file: string): Promise<string[][]> {
  const parts: Buffer[] = [];
  let lines = 0;
  for await (const c of textChunks(file, () => `~line ${lines + 1}`)) {
    parts.push(c);
    for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
  }
  const text = Buffer.concat(parts).toString('utf8');
  const rows = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  return rows.map((l, i) => {
    if (l === '') throw new InvalidInputError('blank line', { where: `${file}:${i + 1}` });
    return l.split('\t');
  });
}
