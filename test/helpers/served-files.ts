// A temporary directory of files behind the companion's HTTP server (real Range requests), for
// tests of byte-level transport. `close()` stops the server and deletes the directory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveDirectory, type ServeOptions } from '../../src/companion/serve.js';

export async function serveFiles(prefix: string, files: Record<string, Uint8Array>, opts: ServeOptions = {}): Promise<{ dir: string; url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  const srv = await serveDirectory(dir, opts);
  return {
    dir,
    url: srv.url,
    async close() {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
