// Version discovery against hosts that lie about missing files. Many static hosts (Vite's default
// dev server, SPA rewrites on Netlify / GitHub Pages) answer any missing path with 200 and an HTML
// page; a reader that probes `_versions/{v+1}.manifest` until a 404 then never stops. Discovery
// must validate what it is given and end promptly: the true latest version, or a typed error.
import * as lancedb from '@lancedb/lancedb';
import * as arrow from 'apache-arrow';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRange } from '../../../src/companion/serve.js';
import { CorruptDataError, HttpError, NotFoundError } from '../../../src/errors.js';
import { openTable } from '../../../src/lance/index.js';
import { MAX_VERSIONS_AHEAD, manifestKey } from '../../../src/lance/versions.js';
import { appendRows, atlasTable, columnNames, createLanceTable, diffTables, tempDir, testDecompressors } from './helpers.js';

const isFile = (p: string) => {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false; // e.g. ENAMETOOLONG
  }
};

const FALLBACK = Buffer.from('<!doctype html><html><head><title>app</title></head><body><div id="app"></div></body></html>\n');

interface Fallback {
  /** What a missing path answers: an HTML page (Range ignored or honoured), or the same real manifest. */
  mode: 'html' | 'html-ranged' | 'same-manifest';
  /** Treat latest_version_hint.json as missing, or serve this JSON instead. */
  hint?: 'missing' | string;
  /** Send the HTML page as application/octet-stream (the store then cannot tell it from a file by its type). */
  untyped?: boolean;
}

/** A static server over `root` whose missing paths answer 200 (see Fallback). Counts requests. */
async function fallbackServer(root: string, f: Fallback, sameManifest?: Buffer): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = join(root, normalize(path));
    let body: Buffer | undefined;
    let type = 'application/octet-stream';
    const isHint = path.endsWith('/_versions/latest_version_hint.json');
    if (isHint && f.hint !== undefined && f.hint !== 'missing') body = Buffer.from(f.hint);
    else if (!(isHint && f.hint === 'missing') && file.startsWith(root) && isFile(file)) body = readFileSync(file);
    let ranged = true;
    if (!body) {
      if (f.mode === 'same-manifest' && path.endsWith('.manifest')) body = sameManifest!;
      else {
        body = FALLBACK;
        type = f.untyped ? 'application/octet-stream' : 'text/html';
        ranged = f.mode === 'html-ranged';
      }
    }
    const range = ranged && req.headers.range ? parseRange(req.headers.range, body.length) : undefined;
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    const [a, b] = range ?? [0, body.length - 1];
    const headers: Record<string, string> = { 'content-type': type, 'content-length': String(b - a + 1), 'accept-ranges': 'bytes' };
    if (range) headers['content-range'] = `bytes ${a}-${b}/${body.length}`;
    res.writeHead(range ? 206 : 200, headers);
    res.end(req.method === 'HEAD' ? undefined : body.subarray(a, b + 1));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

interface Oracle {
  query(): { withRowId(): { toArrow(): Promise<arrow.Table> } };
  version(): Promise<number>;
  listVersions(): Promise<{ version: number }[]>;
}

const dir = tempDir('lance-versions-');
let oracle: Oracle;
let latest: number;
let latestManifest: Buffer;

beforeAll(async () => {
  const db = await lancedb.connect(dir.path);
  oracle = await createLanceTable<Oracle>(db, 'spa', atlasTable({ rows: 50, seed: 1 }), '2.1');
  for (let i = 0; i < 5; i++) await appendRows(oracle, atlasTable({ rows: 20, seed: 10 + i, startId: 100 + 20 * i }));
  latest = await oracle.version();
  latestManifest = readFileSync(join(dir.path, 'spa.lance', manifestKey(latest, 'v2')));
}, 60_000);
afterAll(() => dir.remove());

const open = async (url: string, version?: number) => openTable(`${url}/spa.lance`, { version, decompressors: await testDecompressors() });

describe('version discovery against a host that answers missing files with 200', () => {
  it.each<[string, Fallback]>([
    ['an HTML fallback page', { mode: 'html' }],
    ['an HTML fallback page that honours Range, and no hint', { mode: 'html-ranged', hint: 'missing' }],
    ['a stale hint', { mode: 'html', hint: '{"version": 2}' }],
    ['a hint past the end', { mode: 'html-ranged', hint: '{"version": 4000}' }],
    ['an HTML fallback page sent as application/octet-stream', { mode: 'html', untyped: true }],
    ['an HTML fallback page that honours Range, sent as application/octet-stream', { mode: 'html-ranged', hint: 'missing', untyped: true }],
  ])('finds the true latest version behind %s', async (_, f) => {
    const s = await fallbackServer(join(dir.path), f);
    try {
      const t = await open(s.url);
      expect(t.version).toBe(latest);
      const ours = await t.scan({ withRowAddress: true });
      const theirs = await oracle.query().withRowId().toArrow();
      expect(diffTables(ours, theirs, columnNames(ours).filter((c) => c !== '_rowaddr'))).toEqual([]);
      expect((await t.listVersions()).map((v) => v.version)).toEqual((await oracle.listVersions()).map((v) => v.version));
      expect(s.requests()).toBeLessThan(120);
      // An explicit version that does not exist: NotFound. An HTML page (text/html) reads as a
      // missing file in the store itself; one sent as bytes is named in the message.
      const err = await open(s.url, latest + 3).then(() => undefined, (e: unknown) => e as Error);
      expect(err).toBeInstanceOf(NotFoundError);
      if (f.untyped) expect(err!.message).toMatch(/not a Lance manifest.*fallback page/);
      else expect(err!.message).toMatch(/table version \d+ does not exist/);
      expect(err!.message).toContain(s.url);
      expect((await open(s.url, 2)).version).toBe(2);
    } finally {
      await s.close();
    }
  }, 30_000);

  it('ends in CorruptDataError, promptly, when every manifest path answers with a real manifest', async () => {
    const s = await fallbackServer(join(dir.path), { mode: 'same-manifest' }, latestManifest);
    try {
      const err = await open(s.url).then(() => undefined, (e: unknown) => e as Error);
      expect(err).toBeInstanceOf(CorruptDataError);
      expect(err!.message).toContain(`more than ${MAX_VERSIONS_AHEAD} versions`);
      expect(s.requests()).toBeLessThan(120); // galloping: ~2 requests per doubling
      // A file named for one version holding another is refused too.
      await expect(open(s.url, latest + 7)).rejects.toThrow(CorruptDataError);
    } finally {
      await s.close();
    }
  }, 30_000);

  it('a manifest the host reports (HEAD) but refuses to send (GET 403 or 404) is an HttpError, not a damaged or missing manifest', async () => {
    const { FsStore } = await import('../../../src/io/fs-store.js');
    const fs = new FsStore(join(dir.path, 'spa.lance'));
    const refused = manifestKey(latest, 'v2');
    // No listing and no hint, so discovery probes; the newest manifest's GET is refused.
    const store = {
      url: fs.url,
      size: (key: string) => fs.size(key),
      get: (key: string) => (key.endsWith('latest_version_hint.json') ? Promise.resolve(undefined) : fs.get(key)),
      getRange: (key: string, r: { offset: number; length: number }) =>
        key === refused ? Promise.reject(new NotFoundError('no such file (HTTP 403 Forbidden)', { where: `${fs.url}/${key}` })) : fs.getRange(key, r),
    };
    const err = await openTable(store, { decompressors: await testDecompressors() }).then(() => undefined, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(HttpError);
    expect(err!.message).toMatch(/reports \d+ bytes for this manifest but refuses to send them: no such file \(HTTP 403/);
    expect(err!.message).toContain(refused);
  });

  it('lists versions without walking past a fallback answer', async () => {
    const s = await fallbackServer(join(dir.path), { mode: 'html' });
    try {
      const t = await open(s.url, 3);
      const before = s.requests();
      expect((await t.listVersions()).map((v) => v.version)).toEqual(Array.from({ length: latest }, (_, i) => i + 1));
      expect(s.requests() - before).toBeLessThan(60);
    } finally {
      await s.close();
    }
  }, 30_000);
});

describe('a damaged manifest on a host that answers 404 for missing files', () => {
  it('is a CorruptDataError naming it, never an older version (latest and pinned, local and HTTP)', async () => {
    const { cpSync, truncateSync } = await import('node:fs');
    const { serveDirectory } = await import('../../../src/companion/serve.js');
    const copy = tempDir('lance-versions-torn-');
    cpSync(join(dir.path, 'spa.lance'), join(copy.path, 'spa.lance'), { recursive: true });
    truncateSync(join(copy.path, 'spa.lance', manifestKey(latest, 'v2')), 200); // a torn upload of the newest version
    const server = await serveDirectory(copy.path);
    try {
      for (const loc of [`${server.url}/spa.lance`, join(copy.path, 'spa.lance')]) {
        const decompressors = await testDecompressors();
        const err = await openTable(loc, { decompressors }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CorruptDataError);
        expect(String((err as CorruptDataError).where)).toContain(manifestKey(latest, 'v2'));
        await expect(openTable(loc, { version: latest, decompressors })).rejects.toBeInstanceOf(CorruptDataError);
        expect((await openTable(loc, { version: latest - 1, decompressors })).numRows).toBe(50 + 20 * (latest - 2));
      }
    } finally {
      await server.close();
      copy.remove();
    }
  });
});
