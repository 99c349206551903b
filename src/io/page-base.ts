// Where a relative URL resolves on this page, the way a link's does: against `<base href>` when the
// page has one (document.baseURI), else the page's (or worker's) own location; undefined in Node.
export function pageBase(): string | undefined {
  const g = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  return g.document?.baseURI ?? g.location?.href;
}
