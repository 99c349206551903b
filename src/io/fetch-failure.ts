// What a fetch that threw (no answer at all) is reported as. Browsers give a cross-origin request
// the host did not allow (no Access-Control-Allow-Origin for this page) the same opaque error as a
// network failure — "Failed to fetch", "NetworkError when attempting to fetch resource.", "Load
// failed" — and hide the reason from the page. A missing CORS rule is the most common setup error
// of a static atlas host, so for a cross-origin URL the message names it.

/** "request failed: <the fetch's message>", with the CORS possibility for a cross-origin URL in a browser. */
export function fetchFailureMessage(err: unknown, url: string): string {
  const message = `request failed: ${withCauses(err)}`;
  if ((err as Error)?.name === 'TimeoutError') return `${message} (no answer within the store's timeoutMs)`;
  return crossOrigin(url) ? `${message} (a browser reports a cross-origin request the host does not allow through CORS the same way: does it send Access-Control-Allow-Origin for ${pageOrigin()}?)` : message;
}

/**
 * The error's message followed by its causes'. Node's fetch throws "fetch failed" and puts the
 * reason (a refused connection, an untrusted certificate) in `cause`, where a log line never shows it.
 */
function withCauses(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const msg = e instanceof Error || typeof (e as Error).message === 'string' ? (e as Error).message : String(e);
    const code = (e as { code?: unknown }).code;
    const part = typeof code === 'string' && !msg.includes(code) ? `${msg} (${code})` : msg;
    if (part && !parts.includes(part)) parts.push(part);
  }
  return parts.join(': ');
}

function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  return origin && origin !== 'null' ? origin : undefined;
}

function crossOrigin(url: string): boolean {
  const here = pageOrigin();
  if (here === undefined) return false; // Node, or an opaque origin: no CORS hint to give
  try {
    return new URL(url).origin !== here;
  } catch {
    return false;
  }
}
