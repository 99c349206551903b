import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRange, serveDirectory, type RunningServer } from '../../../src/companion/serve.js';

let dir: string;
let srv: RunningServer;
const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
const log: { method: string; path: string; status: number }[] = [];

/** Raw HTTP (fetch would normalise `..` out of the path before sending it). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const url = new URL(srv.url);
  return new Promise((ok, fail) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', fail);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-serve-'));
  const root = join(dir, 'atlas');
  await mkdir(join(root, 'zarr_store/g/c'), { recursive: true });
  await mkdir(join(root, 'lance_db/cells.lance/_versions'), { recursive: true });
  await writeFile(join(root, 'zarr_store/g/c/0'), body);
  await writeFile(join(root, 'zarr_store/zarr.json'), '{"node_type": "group"}');
  await writeFile(join(root, 'lance_db/cells.lance/_versions/latest_version_hint.json'), '{"version":3}');
  await writeFile(join(dir, 'secret.txt'), 'top secret');
  await mkdir(join(root, 'site'));
  await writeFile(join(root, 'site/index.html'), '<!doctype html>');
  await symlink(join(dir, 'secret.txt'), join(root, 'zarr_store/escape'));
  await symlink(join(root, 'zarr_store/g/c/0'), join(root, 'zarr_store/inside'));
  srv = await serveDirectory(root, { onRequest: (e) => log.push(e) });
});

afterAll(async () => {
  await srv.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serve', () => {
  it('a missing root is a NotFoundError and a file an InvalidInputError, each naming the path', async () => {
    await expect(serveDirectory(join(tmpdir(), 'ra-serve-no-such-dir'))).rejects.toMatchObject({ _tag: 'NotFound', where: join(tmpdir(), 'ra-serve-no-such-dir') });
    const file = join(tmpdir(), `ra-serve-file-${process.pid}`);
    await writeFile(file, 'x');
    try {
      await expect(serveDirectory(file)).rejects.toMatchObject({ _tag: 'InvalidInput', message: expect.stringContaining('not a file') });
    } finally {
      await rm(file, { force: true });
    }
  });

  it('binds 127.0.0.1 by default', () => {
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves whole files with CORS and cache headers', async () => {
    const r = await get('/zarr_store/g/c/0', { Origin: 'http://example.test' });
    expect(r.status).toBe(200);
    expect(r.body.equals(body)).toBe(true);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(String(r.headers['access-control-expose-headers'])).toMatch(/Content-Range/);
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers['content-length']).toBe('1000');
    // revalidated, never taken as fresh: an atlas rebuilt in place reuses its file names
    expect(r.headers['cache-control']).toBe('no-cache');
    const hint = await get('/lance_db/cells.lance/_versions/latest_version_hint.json');
    expect(hint.headers['cache-control']).toBe('no-cache');
    expect(hint.headers['content-type']).toBe('application/json');
  });

  it('answers Range requests with 206 and Content-Range', async () => {
    const r = await get('/zarr_store/g/c/0', { Range: 'bytes=10-19' });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe('bytes 10-19/1000');
    expect(r.body.equals(body.subarray(10, 20))).toBe(true);
    const suffix = await get('/zarr_store/g/c/0', { Range: 'bytes=-68' });
    expect(suffix.status).toBe(206);
    expect(suffix.headers['content-range']).toBe('bytes 932-999/1000');
    expect(suffix.body.equals(body.subarray(932))).toBe(true);
    const open = await get('/zarr_store/g/c/0', { Range: 'bytes=990-' });
    expect(open.body.equals(body.subarray(990))).toBe(true);
    const clipped = await get('/zarr_store/g/c/0', { Range: 'bytes=995-5000' });
    expect(clipped.headers['content-range']).toBe('bytes 995-999/1000');
  });

  it('answers unsatisfiable ranges with 416', async () => {
    const r = await get('/zarr_store/g/c/0', { Range: 'bytes=1000-1010' });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe('bytes */1000');
    expect((await get('/zarr_store/g/c/0', { Range: 'bytes=-0' })).status).toBe(416);
  });

  it('answers HEAD with headers only', async () => {
    const r = await get('/zarr_store/g/c/0', {}, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('1000');
    expect(r.body.length).toBe(0);
    // Range is for GET only (RFC 9110 §14.2): a HEAD with one describes the whole file.
    const ranged = await get('/zarr_store/g/c/0', { Range: 'bytes=0-9' }, 'HEAD');
    expect([ranged.status, ranged.headers['content-length']]).toEqual([200, '1000']);
  });

  it('honours If-Range: a stale validator gets the whole file, never a range of the new one', async () => {
    const etag = (await get('/zarr_store/g/c/0', {}, 'HEAD')).headers.etag as string;
    const fresh = await get('/zarr_store/g/c/0', { Range: 'bytes=0-3', 'If-Range': etag });
    expect([fresh.status, fresh.body.length]).toEqual([206, 4]);
    const stale = await get('/zarr_store/g/c/0', { Range: 'bytes=0-3', 'If-Range': '"old"' });
    expect([stale.status, stale.body.length]).toEqual([200, 1000]);
  });

  it('answers a revalidation of the current version with 304 and no body, of another version with the file', async () => {
    // Every answer is no-cache, so a browser revalidates each whole-file read: a 200 there sent the
    // whole file again each time.
    const etag = (await get('/zarr_store/g/c/0', {}, 'HEAD')).headers.etag as string;
    for (const inm of [etag, `W/${etag}`, `"x", ${etag}`, '*']) {
      const r = await get('/zarr_store/g/c/0', { 'If-None-Match': inm });
      expect([inm, r.status, r.body.length, r.headers.etag, r.headers['cache-control'], r.headers['access-control-allow-origin']]).toEqual([inm, 304, 0, etag, 'no-cache', '*']);
      expect(r.headers['content-length']).toBeUndefined();
    }
    // evaluated before Range (RFC 9110 §13.2.2), and for HEAD too
    expect((await get('/zarr_store/g/c/0', { 'If-None-Match': etag, Range: 'bytes=0-3' })).status).toBe(304);
    expect((await get('/zarr_store/g/c/0', { 'If-None-Match': etag }, 'HEAD')).status).toBe(304);
    const stale = await get('/zarr_store/g/c/0', { 'If-None-Match': '"old"' });
    expect([stale.status, stale.body.length]).toEqual([200, 1000]);
    const staleRange = await get('/zarr_store/g/c/0', { 'If-None-Match': '"old"', Range: 'bytes=0-3' });
    expect([staleRange.status, staleRange.body.length]).toEqual([206, 4]);
  });

  it('reads a path beginning with // as a path (not a host), hides dotfiles, says what a 405 allows, and sends no length with a 204', async () => {
    const twice = await get('//zarr_store/g/c/0');
    expect([twice.status, twice.body.equals(body)]).toEqual([200, true]);
    expect((await get('//g/c/0')).status).toBe(404); // not /c/0 under some "host" g
    await writeFile(join(dir, 'atlas', '.env'), 'SECRET=1');
    expect((await get('/.env')).status).toBe(404);
    // zarr v2 stores (AnnData-Zarr) are made of dotfiles: their metadata files are served.
    await writeFile(join(dir, 'atlas', '.zgroup'), '{"zarr_format": 2}');
    expect((await get('/.zgroup')).status).toBe(200);
    expect((await get('/zarr_store/g/c/0', {}, 'DELETE')).headers.allow).toBe('GET, HEAD, OPTIONS');
    expect((await get('/zarr_store/g/c/0', {}, 'OPTIONS')).headers['content-length']).toBeUndefined();
  });

  it('closes the file of every download the client abandons (pipe() leaked one descriptor each)', async () => {
    await writeFile(join(dir, 'atlas', 'big.bin'), Buffer.alloc(64 << 20));
    const fds = async () => (await import('node:fs/promises')).readdir('/proc/self/fd').then((l) => l.length);
    const before = await fds();
    const url = new URL(srv.url);
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((done) => {
        const req = request({ host: url.hostname, port: url.port, path: '/big.bin' }, (res) => {
          res.once('data', () => {
            req.destroy(); // the client leaves mid-body
            done();
          });
        });
        req.on('error', () => undefined);
        req.end();
      });
    }
    let after = await fds();
    for (let t = 0; t < 50 && after > before + 2; t++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await fds();
    }
    expect(after).toBeLessThanOrEqual(before + 2);
    expect((await get('/zarr_store/g/c/0')).status).toBe(200); // and the server is still up
  });

  it('paces small answers (read in one call) like streamed ones, and closes their files', async () => {
    await writeFile(join(dir, 'atlas', 'small.bin'), Buffer.alloc(200_000, 7));
    const paced = await serveDirectory(join(dir, 'atlas'), { bytesPerSecond: 1e6 });
    try {
      // Descriptors of files under the served root (the fetches' own sockets are not counted).
      const { readdir, readlink } = await import('node:fs/promises');
      const fds = async () => {
        const links = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
        return links.filter((l) => l.startsWith(dir)).length;
      };
      const t0 = performance.now();
      const res = await fetch(`${paced.url}/small.bin`, { headers: { Range: 'bytes=0-99999' } });
      const got = new Uint8Array(await res.arrayBuffer());
      expect(res.status).toBe(206);
      expect(got.length).toBe(100_000);
      expect(got.every((b) => b === 7)).toBe(true);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(95); // 100 KB at 1 MB/s
      await Promise.all(Array.from({ length: 30 }, () => fetch(`${paced.url}/zarr_store/g/c/0`).then((r) => r.arrayBuffer())));
      expect(await fds()).toBe(0);
    } finally {
      await paced.close();
    }
  });

  it('answers CORS preflight', async () => {
    const r = await get('/zarr_store/g/c/0', { Origin: 'http://x.test', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' }, 'OPTIONS');
    expect(r.status).toBe(204);
    expect(String(r.headers['access-control-allow-headers'])).toMatch(/Range/);
    expect(String(r.headers['access-control-allow-methods'])).toMatch(/HEAD/);
  });

  it('refuses path traversal, plain and percent-encoded', async () => {
    for (const p of ['/../secret.txt', '/zarr_store/../../secret.txt', '/%2e%2e/secret.txt', '/zarr_store/%2E%2E%2F%2E%2E%2Fsecret.txt', '/..%2fsecret.txt', '/%2e%2e%5csecret.txt']) {
      const r = await get(p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.body.toString()).not.toContain('top secret');
    }
    expect((await get('/zarr_store/%00x')).status).toBe(400);
  });

  it('refuses symlinks that lead outside the root, follows ones inside', async () => {
    const out = await get('/zarr_store/escape');
    expect(out.status).toBe(404);
    expect(out.body.toString()).not.toContain('top secret');
    const inside = await get('/zarr_store/inside');
    expect(inside.status).toBe(200);
    expect(inside.body.equals(body)).toBe(true);
  });

  it('404s for directories and missing files, 405 for writes; a folder with an index.html serves it', async () => {
    expect((await get('/zarr_store/g')).status).toBe(404);
    const page = await get('/site/');
    expect([page.status, page.headers['content-type'], page.body.toString()]).toEqual([200, 'text/html; charset=utf-8', '<!doctype html>']);
    expect((await get('/site')).status).toBe(200);
    expect((await get('/')).status).toBe(404);
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/zarr_store/g/c/0', {}, 'PUT')).status).toBe(405);
  });

  it('logs requests', () => {
    expect(log.some((e) => e.method === 'GET' && e.path === '/zarr_store/g/c/0' && e.status === 206)).toBe(true);
  });

  it('parseRange edge cases', () => {
    expect(parseRange('bytes=0-0', 10)).toEqual([0, 0]);
    expect(parseRange('bytes=-4', 10)).toEqual([6, 9]);
    expect(parseRange('bytes=-40', 10)).toEqual([0, 9]);
    expect(parseRange('bytes=-4', 0)).toBe('unsatisfiable'); // an empty file has no last bytes
    expect(parseRange('bytes=5-2', 10)).toBeUndefined();
    expect(parseRange('bytes=0-1,3-4', 10)).toBeUndefined();
    expect(parseRange('items=0-1', 10)).toBeUndefined();
    expect(parseRange('bytes=-20', 10)).toEqual([0, 9]);
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
  });
});

describe('serve over TLS (HTTP/2 with HTTP/1.1 fallback)', () => {
  it('answers ranges over HTTP/2 and over HTTPS/1.1 with the same bytes, headers and CORS', async () => {
    const { connect } = await import('node:http2');
    const https = await import('node:https');
    const { selfSignedCert } = await import('../../../src/companion/serve.js');
    const versions: string[] = [];
    const tls = await serveDirectory(join(dir, 'atlas'), { tls: selfSignedCert(1), onRequest: (e) => versions.push(e.httpVersion) });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      // HTTP/2: several streams on one session.
      const session = connect(tls.url, { rejectUnauthorized: false });
      const h2get = (range: string) =>
        new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((ok, fail) => {
          const s = session.request({ ':path': '/zarr_store/g/c/0', range });
          const parts: Buffer[] = [];
          let head: Record<string, unknown> = {};
          s.on('response', (h) => (head = h));
          s.on('data', (c: Buffer) => parts.push(c));
          s.on('end', () => ok({ status: Number(head[':status']), headers: head, body: Buffer.concat(parts) }));
          s.on('error', fail);
          s.end();
        });
      const [a, b] = await Promise.all([h2get('bytes=10-19'), h2get('bytes=990-')]);
      session.close();
      expect(a.status).toBe(206);
      expect([...a.body]).toEqual([...body.subarray(10, 20)]);
      expect(a.headers['content-range']).toBe('bytes 10-19/1000');
      expect(a.headers['access-control-expose-headers']).toContain('Content-Range');
      expect([...b.body]).toEqual([...body.subarray(990)]);
      // HTTP/1.1 over TLS (no ALPN h2).
      const h1 = await new Promise<{ status: number; body: Buffer }>((ok, fail) => {
        const u = new URL(tls.url);
        const req = https.request({ host: u.hostname, port: u.port, path: '/zarr_store/g/c/0', headers: { range: 'bytes=0-3' }, rejectUnauthorized: false }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => ok({ status: res.statusCode!, body: Buffer.concat(parts) }));
        });
        req.on('error', fail);
        req.end();
      });
      expect(h1.status).toBe(206);
      expect([...h1.body]).toEqual([0, 1, 2, 3]);
      expect(versions.sort()).toEqual(['1.1', '2.0', '2.0']);
    } finally {
      await tls.close();
    }
  });
});
