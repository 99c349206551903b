// Where this code runs, for the few places that must know: Node (files are read from disk, worker
// threads instead of Web Workers) or a browser page / worker (URLs resolve like links).

/** Node (not a browser page or worker): a page opened from file:// is not Node. */
export const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/**
 * Where a relative URL resolves on this page, the way a link's does: against `<base href>` when the
 * page has one (document.baseURI), else the page's (or worker's) own location; undefined in Node.
 */
export function pageBase(): string | undefined {
  const g = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  return g.document?.baseURI ?? g.location?.href;
}
