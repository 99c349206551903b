import { abortedBy, AbortedError, HttpError, isRaggedAtlasError, NotFoundError, throwIfAborted } from '../errors.js';
import { fetchFailureMessage } from './fetch-failure.js';
import { markOwned } from './owned.js';
import { joinKey, tailBySize, type ByteRange, type ByteStore, type ObjectVersion, type ReadOptions, type Tail } from './types.js';

export interface HttpStoreOptions {
  /** Injected fetch (tests, proxies, auth). Defaults to globalThis.fetch. */
  fetch?: typeof fetch;
  /** Extra headers on every request (e.g. auth). Avoid custom headers cross-origin: they cost a CORS preflight. */
  headers?: Record<string, string>;
  /** Retries for network errors, 429 and 5xx answers (exponential backoff from 100 ms). Default 3. */
  retries?: number;
  /** Per-request timeout in ms. Default 60 s; 0 disables. */
  timeoutMs?: number;
  /** `s3` lets `list()` use S3 ListObjectsV2 on the bucket root; default none (plain HTTP cannot list). */
  listing?: 'none' | 's3';
  /**
   * Whether `getTail` may send a suffix range (`bytes=-N`: the tail and the size in one request).
   * `auto` (default): only where no CORS preflight applies — outside browsers, and in pages or
   * workers of the same origin as the URL. Cross-origin a suffix range is not CORS-safelisted, so
   * it would cost a preflight and need a server that answers one; a HEAD costs the same and works
   * with every static host.
   */
  suffixRanges?: 'auto' | 'always' | 'never';
  /**
   * Let the browser's HTTP cache keep range answers. Default false: range requests go out with
   * fetch `cache: 'no-store'`. The atlas keeps immutable bytes in its own cache (`AtlasOptions.cache`),
   * and Chromium's bookkeeping of hundreds of MB of partial entries cost its network process ~0.45
   * CPU-s per 400 MB streamed (bench:query, 2-core VM: queries 3–13 % slower). Whole-file GETs and
   * HEADs (manifests, zarr.json, size probes) are revalidated (`cache: 'no-cache'`): their names are
   * reused when an atlas is rebuilt at the same URL (Lance numbers versions from 1 again), and a copy
   * the browser deems fresh (`max-age`, or heuristically from Last-Modified, as for S3's defaults)
   * would open the old atlas. With `httpCache: true` both keep the browser's default.
   */
  httpCache?: boolean;
}

/**
 * Static files over HTTP(S) with Range requests.
 *
 * Rules (same for every reader): explicit `bytes=a-b` ranges; a suffix range (`bytes=-N`) only in
 * `getTail`, where no CORS preflight applies (see `suffixRanges`), and never trusted blindly: its
 * Content-Range must name the object's last bytes, otherwise the store takes the tail by size from
 * then on (some servers read `-N` as `0-N`). A 206 must carry exactly the bytes asked for; a 200
 * means the server ignored Range, and we slice the full body (kept once per key so a server without
 * Range support is slow, not wrong; never a body that contradicts the file's known size or ETag).
 * A 403 answer to a GET reads as a missing file, as a 404 does (see `absent`), and so does an HTML
 * page sent with 200 (see `fallbackPage`).
 * A non-identity Content-Encoding on a range answer is refused: byte offsets would be meaningless.
 *
 * Every answer's `ETag` (with the total size, when known) is reported to `ReadOptions.onVersion`;
 * answers served from what this store already holds (a whole body, a known size) report the ETag
 * that came with it. The store itself does not compare ETags: `withCache` does (see cache.ts), or
 * `withVersionPin` for an atlas without a cache. The ETag of an answer with a non-identity
 * Content-Encoding is reported without the variant mark servers add to it (see `etagOf`).
 */
export class HttpStore implements ByteStore {
  readonly url: string;
  readonly #fetch: typeof fetch;
  readonly #opts: Required<Omit<HttpStoreOptions, 'fetch'>>;
  /** The location's query string ('' or '?…'), sent with every request. */
  readonly #search: string;
  readonly #wholeBodies = new Map<string, { body: Uint8Array; etag: string | undefined }>();
  readonly #sizes = new Map<string, number>();
  /** ETag of the answer each known size came from. */
  readonly #sizeEtags = new Map<string, string | undefined>();
  /** Set once the server answered a suffix range with other bytes than the tail. */
  #suffixBroken = false;

  constructor(url: string | URL, options: HttpStoreOptions = {}) {
    // A query string (an Azure SAS token, a CDN's access token) belongs to every request, after
    // each file's path; `url` is the location without it (cache keys, messages).
    const [base, search] = splitQuery(String(url));
    this.url = base.replace(/\/+$/, '');
    this.#search = search;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#opts = {
      headers: options.headers ?? {},
      retries: options.retries ?? 3,
      timeoutMs: options.timeoutMs ?? 60_000,
      listing: options.listing ?? 'none',
      suffixRanges: options.suffixRanges ?? 'auto',
      httpCache: options.httpCache ?? false,
    };
  }

  keyUrl(key: string): string {
    const k = joinKey(key);
    return (k ? `${this.url}/${k.split('/').map(encodeURIComponent).join('/')}` : this.url) + this.#search;
  }

  async get(key: string, opts: ReadOptions = {}): Promise<Uint8Array | undefined> {
    const url = this.keyUrl(key);
    const { res, body } = await this.#request(url, { method: 'GET', ...this.#wholeCache(opts) }, opts);
    if ((await absent(res)) || fallbackPage(res, body)) return undefined;
    if (res.status !== 200 || !body) throw await statusError(res, url);
    const declared = res.headers.get('content-length');
    if (declared !== null && isIdentity(res) && Number(declared) !== body.length) {
      throw new HttpError(`body has ${body.length} bytes, Content-Length said ${declared}`, { url, status: res.status });
    }
    this.#learnSize(url, body.length, etagOf(res));
    report(opts, { etag: etagOf(res), size: body.length });
    return markOwned(body);
  }

  async getRange(key: string, range: ByteRange, opts: ReadOptions = {}): Promise<Uint8Array> {
    const url = this.keyUrl(key);
    checkRange(range, url);
    if (range.length === 0) return new Uint8Array(0);
    const whole = this.#wholeBodies.get(url);
    if (whole) {
      report(opts, { etag: whole.etag, size: whole.body.length });
      opts.onLocal?.();
      return sliceWhole(whole.body, range, url);
    }
    const header = `bytes=${range.offset}-${range.offset + range.length - 1}`;
    const { res, body } = await this.#request(url, { method: 'GET', headers: { Range: header }, ...this.#rangeCache(opts) }, opts);
    if (await absent(res)) throw new NotFoundError(missingMessage(res), { where: url });
    if (fallbackPage(res, body, range.offset)) throw new NotFoundError(FALLBACK_MESSAGE, { where: url });
    if (res.status === 416) {
      throw new HttpError(`range ${header} is past the end of the file`, { url, status: 416, range: header });
    }
    if (res.status === 200 && body) {
      // The server ignored Range: remember the whole body once and serve every later range from it.
      const etag = etagOf(res);
      const bytes = sliceWhole(body, range, url);
      this.#keepWhole(url, body, etag, header, opts.size);
      this.#learnSize(url, body.length, etag);
      report(opts, { etag, size: body.length });
      return bytes;
    }
    if (res.status !== 206) throw await statusError(res, url, header);
    if (!isIdentity(res) || !body) throw encodedRange(res, url, header);
    const cr = res.headers.get('content-range');
    const etag = etagOf(res);
    let total: number | undefined;
    if (cr !== null) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(cr.trim());
      if (!m || Number(m[1]) !== range.offset) {
        throw new HttpError(`asked for ${header}, server answered Content-Range "${cr}"`, { url, status: 206, range: header });
      }
      if (m[3] !== '*') this.#learnSize(url, (total = Number(m[3])), etag);
    }
    if (body.length !== range.length) {
      throw new HttpError(`short read: asked for ${range.length} bytes (${header}), got ${body.length}`, { url, status: 206, range: header });
    }
    report(opts, { etag, size: total });
    return markOwned(body);
  }

  /**
   * The last `length` bytes and the object's size. One suffix-range request where allowed (see
   * `suffixRanges`) and the size is not known yet; otherwise size() (cached, or one HEAD) and a
   * range. Shard indexes at the end of zarr shards are read this way.
   */
  async getTail(key: string, length: number, opts: ReadOptions = {}): Promise<Tail | undefined> {
    const url = this.keyUrl(key);
    if (!Number.isSafeInteger(length) || length < 0) throw new HttpError(`invalid tail length ${length}`, { url });
    if (length > 0 && !this.#sizes.has(url) && !this.#suffixBroken && this.#suffixAllowed(url)) {
      const header = `bytes=-${length}`;
      const { res, body } = await this.#request(url, { method: 'GET', headers: { Range: header }, ...this.#rangeCache(opts) }, opts);
      if ((await absent(res)) || fallbackPage(res, body)) return undefined;
      const etag = etagOf(res);
      if (res.status === 200 && body) {
        // The server ignored Range: keep the whole body, as getRange does.
        this.#keepWhole(url, body, etag, header, opts.size);
        this.#learnSize(url, body.length, etag);
        report(opts, { etag, size: body.length });
        return { bytes: body.subarray(Math.max(0, body.length - length)), size: body.length };
      }
      if (res.status === 206) {
        if (!isIdentity(res) || !body) throw encodedRange(res, url, header);
        const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec((res.headers.get('content-range') ?? '').trim());
        if (m) {
          const [first, last, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
          this.#learnSize(url, total, etag);
          if (last === total - 1 && first === Math.max(0, total - length) && body.length === last - first + 1) {
            report(opts, { etag, size: total });
            return { bytes: markOwned(body), size: total };
          }
        }
        this.#suffixBroken = true; // other bytes than the tail, or no readable Content-Range
      } else if (res.status === 416) {
        await res.body?.cancel();
        if (/^bytes \*\/0$/.test((res.headers.get('content-range') ?? '').trim())) {
          this.#learnSize(url, 0, etag);
          report(opts, { etag, size: 0 });
          return { bytes: new Uint8Array(0), size: 0 };
        }
        this.#suffixBroken = true;
      } else {
        throw await statusError(res, url, header);
      }
    }
    return tailBySize(this, key, length, opts);
  }

  /** Fetch cache mode of a whole-file GET or a HEAD: revalidated unless `httpCache` (see HttpOptions.httpCache). */
  #wholeCache(opts: ReadOptions): RequestInit {
    return opts.fresh || !this.#opts.httpCache ? { cache: 'no-cache' } : {};
  }

  /** Fetch cache mode of a range request: revalidating when `fresh`, else past the browser cache unless `httpCache`. */
  #rangeCache(opts: ReadOptions): RequestInit {
    if (opts.fresh) return { cache: 'no-cache' };
    return this.#opts.httpCache ? {} : { cache: 'no-store' };
  }

  #suffixAllowed(url: string): boolean {
    const policy = this.#opts.suffixRanges;
    if (policy !== 'auto') return policy === 'always';
    // No `location`: not a browser, no CORS. In a page or worker, only for the same origin.
    const here = (globalThis as { location?: { origin?: string } }).location?.origin;
    return here === undefined || new URL(url).origin === here;
  }

  async size(key: string, opts: ReadOptions = {}): Promise<number | undefined> {
    const url = this.keyUrl(key);
    const known = this.#sizes.get(url);
    if (known !== undefined) {
      opts.onLocal?.();
      report(opts, { etag: this.#sizeEtags.get(url), size: known });
      return known;
    }
    // A HEAD that fails outright may be a CORS rule for GET only (S3 `AllowedMethods: [GET]`: the
    // browser blocks the answer): the GET below decides, and its own failure is the one reported.
    // (Not retried: the GET that follows a failure has the retries.)
    const res = await this.#request(url, { method: 'HEAD', ...this.#wholeCache(opts) }, opts, 0).then(
      (r) => r.res,
      (err: unknown) => {
        if (isRaggedAtlasError(err, 'Http') && err.fields.status === undefined) return undefined;
        throw err;
      },
    );
    // A 403 to HEAD alone may be a signature made for GET: the GET below decides.
    if (res?.status === 404) return undefined;
    let size: number | undefined;
    let etag: string | undefined;
    // An HTML page (an SPA host's answer for a missing file) has no usable length: the GET below decides.
    if (res?.ok && !isHtml(res)) {
      const len = res.headers.get('content-length');
      // A length of 0 is confirmed below: some hosts send it for a HEAD whatever the file's size.
      if (len !== null && isIdentity(res) && /^\d+$/.test(len.trim()) && Number(len) > 0) size = Number(len);
      etag = etagOf(res);
    }
    if (size === undefined) {
      // HEAD refused or without a usable length: ask for one byte and read the total from Content-Range.
      const { res: probe, body } = await this.#request(url, { method: 'GET', headers: { Range: 'bytes=0-0' }, ...this.#rangeCache(opts) }, opts);
      if ((await absent(probe)) || fallbackPage(probe, body, 0)) return undefined;
      const total = /\/(\d+)$/.exec(probe.headers.get('content-range') ?? '');
      etag = etagOf(probe);
      if (probe.status === 206 && total) size = Number(total[1]);
      else if (probe.status === 200 && body) size = body.length;
      else if (probe.status === 416) size = 0;
      else if (probe.status === 206) {
        // A 206 whose Content-Range the page may not read: cross-origin, the host must expose it
        // (S3's and GCS's default CORS rules expose no headers), or answer HEAD with a length.
        throw new HttpError(
          `cannot learn the file's size: HEAD gave no length (${res ? `status ${res.status}` : 'it failed'}) and the 1-byte range answer's Content-Range is not readable; the host must expose Content-Range (Access-Control-Expose-Headers: Content-Range, Content-Length, ETag) or answer HEAD with a Content-Length`,
          { url, status: 206, range: 'bytes=0-0' },
        );
      } else throw await statusError(probe, url, 'bytes=0-0');
    }
    this.#learnSize(url, size, etag);
    report(opts, { etag, size });
    return size;
  }

  /**
   * A whole body answered to a range request, kept to serve the file's later ranges, unless it
   * contradicts what the store knows of the file (its size, or its ETag, from earlier answers): a
   * host's bad answer (an empty or error body sent as 200) must fail this read only, not every
   * later read of the file.
   */
  #keepWhole(url: string, body: Uint8Array, etag: string | undefined, header: string, expected?: number): void {
    const size = expected ?? this.#sizes.get(url);
    const known = this.#sizeEtags.get(url);
    if ((size !== undefined && size !== body.length) || (known !== undefined && etag !== undefined && known !== etag)) {
      throw new HttpError(
        `asked for ${header}, the server answered the whole file with 200 and ${body.length} bytes${etag ? ` (ETag ${etag})` : ''}, but the file has ${size ?? '?'} bytes${known ? ` (ETag ${known})` : ''}`,
        { url, status: 200, range: header },
      );
    }
    this.#wholeBodies.set(url, { body, etag });
  }

  #learnSize(url: string, size: number, etag: string | undefined): void {
    this.#sizes.set(url, size);
    this.#sizeEtags.set(url, etag);
  }

  async list(prefix: string, opts: ReadOptions = {}): Promise<string[] | undefined> {
    if (this.#opts.listing !== 's3') return undefined;
    // Virtual-hosted or path-style bucket URL: everything after the bucket root is the key prefix.
    const u = new URL(this.url);
    const rootPath = u.pathname.replace(/^\/+|\/+$/g, '');
    const s3Prefix = joinKey(rootPath, prefix);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const q = new URL(u.origin);
      q.searchParams.set('list-type', '2');
      q.searchParams.set('prefix', s3Prefix ? `${s3Prefix}/` : '');
      if (token) q.searchParams.set('continuation-token', token);
      const { res, body } = await this.#request(q.toString(), { method: 'GET' }, opts);
      if (res.status === 403 || res.status === 404 || res.status === 405) return undefined;
      if (!res.ok || !body) throw await statusError(res, q.toString());
      const xml = new TextDecoder().decode(body);
      for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) {
        const key = decodeXml(m[1] ?? '');
        keys.push(rootPath ? key.slice(rootPath.length + 1) : key);
      }
      const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
      token = truncated ? decodeXml(/<NextContinuationToken>([^<]*)</.exec(xml)?.[1] ?? '') : undefined;
    } while (token);
    return keys;
  }

  /**
   * One request with retries. The body of a 200 or 206 answer is read inside them, so a connection
   * that drops mid-body is retried like one that fails to connect (other answers leave it unread).
   * The read's signal and priority (fetch `priority`: Chromium orders requests queued for a
   * connection by it) apply to every attempt.
   */
  async #request(url: string, init: RequestInit, opts: ReadOptions, retries = this.#opts.retries): Promise<{ res: Response; body?: Uint8Array }> {
    const { signal, priority } = opts;
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      throwIfAborted(signal, url);
      if (attempt > 0) await sleep(100 * 2 ** (attempt - 1), signal);
      const signals = [signal, this.#opts.timeoutMs ? AbortSignal.timeout(this.#opts.timeoutMs) : undefined].filter(
        (s): s is AbortSignal => s !== undefined,
      );
      try {
        const res = await this.#fetch(url, {
          ...init,
          ...(priority ? { priority } : {}),
          headers: { ...this.#opts.headers, ...(init.headers as Record<string, string> | undefined) },
          signal: signals.length ? AbortSignal.any(signals) : undefined,
        });
        if ((res.status === 429 || res.status >= 500) && attempt < retries) {
          lastError = await statusError(res, url);
          continue;
        }
        // A range answer with a content coding is refused unread (encodedRange).
        const withBody = init.method !== 'HEAD' && (res.status === 200 || (res.status === 206 && isIdentity(res)));
        const body = withBody ? new Uint8Array(await res.arrayBuffer()) : undefined;
        if (body) opts.onReceived?.(body.length);
        return { res, body };
      } catch (err) {
        if (signal?.aborted) throw new AbortedError('request aborted', { where: url }, { cause: err });
        // A fetch transport that cannot run (the worker fetch without workers) will not recover on retry.
        if (isRaggedAtlasError(err, 'Worker')) throw err;
        lastError = new HttpError(fetchFailureMessage(err, url), { url }, { cause: err });
      }
    }
    throw lastError;
  }
}

/** A URL as (everything before the query, the query with its '?', or ''); a #fragment is never sent. */
function splitQuery(url: string): [string, string] {
  const noHash = url.split('#')[0]!;
  const q = noHash.indexOf('?');
  return q < 0 ? [noHash, ''] : [noHash.slice(0, q), q === noHash.length - 1 ? '' : noHash.slice(q)];
}

/**
 * The answer's version: its ETag, else its Last-Modified date. An encoded answer (a whole file a
 * host gzips) carries the ETag of its variant, which servers mark: Apache appends `-gzip` / `-br`
 * inside the quotes, nginx makes it weak. Without the mark it is the stored file's ETag, so the
 * file stays versioned (unversioned, a rewritten zarr.json was served from the cache forever).
 */
function etagOf(res: Response): string | undefined {
  const etag = res.headers.get('etag');
  if (etag) return isIdentity(res) ? etag : etag.replace(/^W\//, '').replace(/-(gzip|br|deflate|zstd)"$/, '"');
  // No ETag, or one a cross-origin host does not expose (S3 and GCS without ExposeHeaders):
  // Last-Modified is CORS-safelisted, so it is readable everywhere. As a validator it is coarser (a
  // rewrite within the same second keeps it), and its prefix keeps it from ever equalling an ETag.
  const modified = res.headers.get('last-modified');
  return modified ? `last-modified:${modified}` : undefined;
}

function report(opts: ReadOptions, version: ObjectVersion): void {
  opts.onVersion?.(version);
}

/** A range answer with a content coding: its byte offsets would not be the file's. */
function encodedRange(res: Response, url: string, range: string): HttpError {
  return new HttpError(`range answer is ${res.headers.get('content-encoding')}-encoded; serve identity encoding`, { url, status: 206, range });
}

function isIdentity(res: Response): boolean {
  const enc = res.headers.get('content-encoding');
  return enc === null || enc === '' || enc === 'identity';
}

function checkRange(range: ByteRange, url: string): void {
  if (!Number.isSafeInteger(range.offset) || !Number.isSafeInteger(range.length) || range.offset < 0 || range.length < 0) {
    throw new HttpError(`invalid byte range offset=${range.offset} length=${range.length}`, { url });
  }
}

function sliceWhole(body: Uint8Array | undefined, range: ByteRange, url: string): Uint8Array {
  if (!body) throw new NotFoundError('no such file', { where: url });
  if (range.offset + range.length > body.length) {
    throw new HttpError(`short read: file has ${body.length} bytes, asked for ${range.offset}+${range.length}`, { url, status: 200 });
  }
  return body.subarray(range.offset, range.offset + range.length);
}

/**
 * The answer says the file is not there: 404, or 403, which S3 (and GCS) send for a missing key
 * when the reader may not list the bucket (public-read buckets grant GetObject only). Version
 * probing and optional files (CSC copies, deleted all-empty shards) depend on reading that as
 * absence. A 403 for a file that exists (an expired token) then reads as a missing file: the
 * NotFoundError of a required file says so. The unread body is released.
 */
async function absent(res: Response): Promise<boolean> {
  if (res.status !== 404 && res.status !== 403) return false;
  await res.body?.cancel().catch(() => undefined);
  return true;
}

const FALLBACK_MESSAGE = 'no such file (the host answered with an HTML page, as single-page-app hosts do for a missing file)';

/** Whether the answer is HTML: no atlas file is, so it is an error or fallback page. */
function isHtml(res: Response): boolean {
  return /^\s*text\/html\b/i.test(res.headers.get('content-type') ?? '');
}

/**
 * Whether the answer is an HTML page where a file's bytes were asked for: what single-page-app
 * hosts (Vite's dev server, Netlify or Vercel rewrites) send for a missing path, with status 200.
 * It reads as a missing file, as a 404 does; kept as the file's bytes it would fail every later
 * read of the file. Only answers that start at the file's first byte can be told by their `<`.
 */
function fallbackPage(res: Response, body: Uint8Array | undefined, offset = 0): boolean {
  if (!body || !isHtml(res) || (res.status !== 200 && !(res.status === 206 && offset === 0))) return false;
  let i = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0; // UTF-8 byte order mark
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i++;
  return body[i] === 0x3c;
}

function missingMessage(res: Response): string {
  return res.status === 403
    ? 'no such file (HTTP 403 Forbidden, which S3 and GCS answer for a missing file when listing is not allowed; if it exists, the host denies access to it)'
    : 'no such file';
}

async function statusError(res: Response, url: string, range?: string): Promise<HttpError> {
  let text = '';
  try {
    text = (await res.text()).slice(0, 200);
  } catch {
    /* body unreadable: the status alone says enough */
  }
  return new HttpError(`HTTP ${res.status} ${res.statusText}${text ? `: ${text}` : ''}`, { url, status: res.status, range });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(abortedBy(signal, 'request aborted'));
    }, { once: true });
  });
}

function decodeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
