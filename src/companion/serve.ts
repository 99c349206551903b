// `ragged-atlas serve`: static HTTP for an atlas directory, with what browser readers need:
// single-range requests (206), HEAD, CORS that exposes Content-Range/Content-Length/ETag,
// identity encoding only, and no way out of the root (path traversal and symlink escape refused).
//
// With `tls` it speaks HTTPS with HTTP/2 (and HTTP/1.1 for clients without ALPN h2). Browsers use
// HTTP/2 only over TLS, and only HTTP/2 lifts their six-connections-per-host limit: a gene query
// sends ~150 small independent range requests, which HTTP/1.1 queues six at a time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { join, resolve, sep } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { InvalidInputError, NotFoundError } from '../errors.js';

/** The dotfiles a zarr v2 store is made of (served; no other dotfile is). */
const ZARR_V2_METADATA = new Set(['.zarray', '.zgroup', '.zattrs', '.zmetadata']);

export interface ServeOptions {
  /** Interface to bind; 127.0.0.1 unless the user asks for more. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Added delay per request, ms (benchmarks: simulated network latency). */
  latencyMs?: number;
  /** Bandwidth cap in bytes/s for response bodies (benchmarks). */
  bytesPerSecond?: number;
  /** Called once per request after it is answered (logging, request counting in tests). */
  onRequest?: (entry: { method: string; path: string; range?: string; status: number; bytes: number; httpVersion: string }) => void;
  /** PEM key and certificate: serve HTTPS, HTTP/2 with HTTP/1.1 fallback (see selfSignedCert for local use). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface RunningServer {
  server: Server | Http2SecureServer;
  /** http://… or, with `tls`, https://… */
  url: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

export async function serveDirectory(root: string, options: ServeOptions = {}): Promise<RunningServer> {
  const realRoot = await realpath(resolve(root)).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new NotFoundError('no directory to serve', { where: resolve(root) }, { cause: err }) : err;
  });
  if (!(await stat(realRoot)).isDirectory()) throw new InvalidInputError('serve takes a directory (an atlas root), not a file', { where: realRoot });
  // http2's compatibility request/response carry the same members handle() uses.
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(realRoot, req, res, options).catch((err) => {
      if (!res.headersSent) send(res, 500, `internal error: ${(err as Error).message}`);
      else res.destroy();
    });
  };
  const server = options.tls
    ? createSecureServer({ key: options.tls.key, cert: options.tls.cert, allowHTTP1: true }, onRequest as never)
    : createServer(onRequest);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => ok());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `${options.tls ? 'https' : 'http'}://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse, opts: ServeOptions): Promise<void> {
  const method = req.method ?? 'GET';
  let path = '/';
  let status = 0;
  let bytes = 0;
  const range = typeof req.headers.range === 'string' ? req.headers.range : undefined;
  res.on('finish', () => opts.onRequest?.({ method, path, range, status, bytes, httpVersion: req.httpVersion }));
  cors(res);
  if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
  if (method === 'OPTIONS') return void send(res, (status = 204));
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD, OPTIONS'); // RFC 9110 §15.5.6
    return void send(res, (status = 405), 'method not allowed');
  }

  try {
    // The request target is a path: `//sub/x.json` must not be read as a scheme-relative URL
    // (whose first segment would become a host and be dropped, serving /x.json).
    const target = req.url ?? '/';
    if (!target.startsWith('/')) return void send(res, (status = 400), 'bad path');
    path = decodeURIComponent(new URL(`http://x${target}`).pathname);
  } catch {
    return void send(res, (status = 400), 'bad path');
  }
  if (path.includes('\0')) return void send(res, (status = 400), 'bad path');
  // Dotfiles (.env, .git/) are never part of an atlas or a built site: not served. Zarr v2's
  // metadata files (.zarray, .zgroup, .zattrs, .zmetadata: AnnData-Zarr stores) are the exception.
  const segments = path.split('/');
  if (segments.some((seg, i) => seg.startsWith('.') && !(i === segments.length - 1 && ZARR_V2_METADATA.has(seg)))) return void send(res, (status = 404), 'not found');
  let file = await confined(root, path);
  if (!file) return void send(res, (status = 404), 'not found');
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    // A folder with an index.html is a static site's page (`serve dist-demo/`); others stay 404.
    path = `${path.replace(/\/$/, '')}/index.html`;
    file = await confined(root, path);
    info = file ? await stat(file).catch(() => undefined) : undefined;
  }
  if (!file || !info?.isFile()) return void send(res, (status = 404), 'not found');

  const size = info.size;
  const etag = `"${size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', etag);
  res.setHeader('Content-Type', MIME[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream');
  // Revalidated, never taken as fresh: an atlas rebuilt in place reuses its file names (Lance
  // manifests count from 1 again, zarr chunks keep their keys), so a copy held for an hour would
  // open the old atlas. A revalidation is a 304 while the file is unchanged.
  res.setHeader('Cache-Control', 'no-cache');
  // A revalidation of the version the client holds (RFC 9110 §13.1.2, evaluated before Range as
  // §13.2.2 orders them): 304, no body, so the no-cache above costs a round trip, not the file.
  if (notModified(req.headers['if-none-match'], etag)) {
    res.removeHeader('Content-Type');
    return void send(res, (status = 304));
  }

  let start = 0;
  let end = size - 1;
  status = 200;
  // Range applies to GET only (RFC 9110 §14.2), and only while If-Range still names this version
  // (§13.1.5): a stale validator gets the whole file, never a range of the new one.
  const ifRange = req.headers['if-range'];
  const rangeApplies = method === 'GET' && (ifRange === undefined || ifRange === etag);
  if (range !== undefined && rangeApplies) {
    const parsed = parseRange(range, size);
    if (parsed === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${size}`);
      return void send(res, (status = 416));
    }
    if (parsed) {
      [start, end] = parsed;
      status = 206;
      res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    }
  }
  const length = Math.max(0, end - start + 1);
  res.statusCode = status;
  res.setHeader('Content-Length', String(length));
  if (method === 'HEAD' || length === 0) return void res.end();
  bytes = length;
  // The file is opened before the answer starts, so a file that cannot be read (permissions, too
  // many open files, deleted since stat) is a status, not a dropped connection.
  const fh = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    for (const h of ['Content-Range', 'ETag', 'Accept-Ranges', 'Cache-Control']) res.removeHeader(h);
    send(res, (status = err.code === 'EACCES' || err.code === 'EPERM' ? 403 : err.code === 'ENOENT' ? 404 : 500), 'cannot read the file');
    return undefined;
  });
  if (!fh) return;
  if (length <= WHOLE_BODY_BYTES) return sendWhole(fh, res, start, length, opts.bytesPerSecond);
  // 256 KiB reads: a quarter of the syscalls and pacing timers of the 64 KiB default (a streaming
  // client pulls hundreds of MB; on a small machine the server's CPU competes with the client's).
  const stream = fh.createReadStream({ start, end, highWaterMark: 256 * 1024 });
  // A client that leaves (or a read that fails) closes the file: pipeline destroys both sides,
  // where pipe() left the source open, one descriptor per aborted download until EMFILE.
  const body = opts.bytesPerSecond ? paced(stream, opts.bytesPerSecond) : stream;
  await pipeline(body, res).catch(() => {
    if (!res.destroyed) res.destroy();
  });
}

/**
 * Bodies up to this size are read in one call and answered with one `end()`. A reader of an atlas
 * sends many small range requests (a gene query: ~120 of ~30 KB), and a file stream piped through
 * `pipeline` cost the server about twice the CPU per request of one read; on a small machine that
 * CPU is taken from the browser the server feeds.
 */
const WHOLE_BODY_BYTES = 1 << 20;

async function sendWhole(fh: FileHandle, res: ServerResponse, start: number, length: number, bytesPerSecond?: number): Promise<void> {
  let body: Buffer;
  try {
    body = Buffer.allocUnsafe(length);
    const { bytesRead } = await fh.read(body, 0, length, start);
    // A file cut short since its stat: fewer bytes than Content-Length promised is a broken
    // answer, so the connection is dropped rather than padded.
    if (bytesRead !== length) throw new Error('short read');
  } catch {
    await fh.close().catch(() => {});
    return void res.destroy();
  }
  await fh.close().catch(() => {});
  // The same pace as `paced`: the answer completes once its bytes would have crossed the link.
  if (bytesPerSecond) await new Promise((r) => setTimeout(r, (length / bytesPerSecond) * 1000));
  res.end(body);
}

/** The chunks of `source` at `bytesPerSecond` (the benchmark's per-response bandwidth cap). */
async function* paced(source: AsyncIterable<Buffer>, bytesPerSecond: number): AsyncGenerator<Buffer> {
  const t0 = Date.now();
  let sent = 0;
  for await (const chunk of source) {
    sent += chunk.length;
    yield chunk;
    const due = (sent / bytesPerSecond) * 1000 - (Date.now() - t0);
    if (due > 0) await new Promise((r) => setTimeout(r, due));
  }
}

/**
 * Whether an If-None-Match header names `etag` (or is `*`). The comparison is weak (§13.1.2): a
 * `W/` prefix on either side does not matter.
 */
export function notModified(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  const want = strip(etag);
  return (Array.isArray(header) ? header.join(',') : header).split(',').some((t) => t.trim() === '*' || strip(t) === want);
}

/** Parses one `bytes=` range. Several ranges get the whole file (RFC 9110 allows ignoring them). */
export function parseRange(header: string, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) return 'unsatisfiable'; // an empty file has no last bytes
    return [Math.max(0, size - n), size - 1];
  }
  const start = Number(a);
  if (start >= size) return 'unsatisfiable';
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (end < start) return undefined;
  return [start, end];
}

/** The real path of `urlPath` under `root`, or undefined if it (or a symlink in it) leads outside. */
async function confined(root: string, urlPath: string): Promise<string | undefined> {
  const candidate = resolve(root, '.' + urlPath);
  if (candidate !== root && !candidate.startsWith(root + sep)) return undefined;
  try {
    const real = await realpath(candidate);
    return real === root || real.startsWith(root + sep) ? real : undefined;
  } catch {
    return undefined;
  }
}

function cors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Range, If-None-Match, Content-Type');
  res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, ETag, Accept-Ranges');
  res.setHeader('Access-Control-Max-Age', '86400');
}

function send(res: ServerResponse, status: number, text?: string): void {
  res.statusCode = status;
  if (text) {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', String(Buffer.byteLength(text)));
    res.end(text);
  } else {
    // A 204 carries no Content-Length (RFC 9110 §8.6), nor does a 304: its would describe the
    // representation it stands for (§8.6), and 0 would be wrong.
    if (status !== 204 && status !== 304) res.setHeader('Content-Length', '0');
    res.end();
  }
}

/**
 * A throwaway self-signed certificate for localhost and 127.0.0.1 (ECDSA P-256, valid `days`),
 * made with the `openssl` command line tool, for `serve --self-signed` and benchmarks. Browsers
 * warn about it: trust it, or start Chromium with --ignore-certificate-errors for local tests.
 */
export function selfSignedCert(days = 7): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ragged-atlas-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', String(days),
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
