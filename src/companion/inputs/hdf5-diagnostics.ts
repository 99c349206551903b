// libhdf5 prints its error stack ("HDF5-DIAG: Error detected in HDF5 …", ten frames of source
// paths) to the process's stderr, and h5wasm then returns a null object or a negative file id, or
// throws a one-line Error. In the CLI that is noise in front of our own error (and a damaged file
// read as "dataframe is missing"); in a library it is output nobody asked for. h5wasm's Node build
// writes stderr with `fs.writeSync(2, …)` (Emscripten NODERAWFS) inside synchronous calls, so for
// the length of one such call those writes are caught, and the innermost frame, the one that says
// what is wrong with the file, goes into our error instead.
import fs from 'node:fs';

export type Hdf5Outcome<T> = { ok: true; value: T; diagnostics: string } | { ok: false; error: unknown; diagnostics: string };

/** Runs one synchronous h5wasm call, keeping what libhdf5 printed to stderr meanwhile. */
export function withHdf5Diagnostics<T>(fn: () => T): Hdf5Outcome<T> {
  const writeSync = fs.writeSync;
  let diagnostics = '';
  fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 2) return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
    // (fd, buffer, offset?, length?, position?) or (fd, string, position?, encoding?)
    if (typeof data === 'string') {
      diagnostics += data;
      return Buffer.byteLength(data);
    }
    const view = data as ArrayBufferView;
    const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    const offset = Number(rest[0] ?? 0);
    const length = rest[1] === undefined ? bytes.length - offset : Number(rest[1]);
    diagnostics += bytes.subarray(offset, offset + length).toString('utf8');
    return length;
  }) as typeof fs.writeSync;
  // Emscripten's own messages ("Aborted(native code called abort())" when libhdf5 gives up on a
  // damaged heap) go through console.error, bound at start-up, which writes to process.stderr.
  const stderrWrite = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    diagnostics += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    return { ok: true, value: fn(), diagnostics };
  } catch (error) {
    return { ok: false, error, diagnostics };
  } finally {
    fs.writeSync = writeSync;
    process.stderr.write = stderrWrite;
  }
}

/**
 * The innermost frame of an HDF5 error stack: its function, message and major/minor classes, e.g.
 * "H5O__chunk_deserialize(): bad object header version number (Object header: Wrong version
 * number)". Empty when nothing was printed.
 */
export function innermostHdf5Frame(diagnostics: string): string {
  const last = diagnostics.split(/\n\s*#\d+: /).slice(1).at(-1);
  if (!last) return '';
  const first = last.split('\n')[0]!;
  const head = /in ([A-Za-z0-9_]+\(\)): (.*)/.exec(first);
  const classes = [/major: (.*)/.exec(last)?.[1]?.trim(), /minor: (.*)/.exec(last)?.[1]?.trim()].filter(Boolean);
  const what = head ? `${head[1]}: ${head[2]!.trim()}` : first.trim();
  return classes.length ? `${what} (${classes.join(': ')})` : what;
}
