// An atlas dropped without close() stops its own workers once it is garbage-collected (a notebook
// cell re-run without close() kept them for the process's or the page's lifetime); an atlas in use
// keeps them. Worker threads are OS threads here: /proc/self/task counts them.
import { readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaggedAtlas } from '../../../src/index.js';
import { buildWalkthroughAtlas } from '../../fixtures/walkthrough.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const threads = () => readdirSync('/proc/self/task').length;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ra-dropped-'));
  await buildWalkthroughAtlas(join(dir, 'atlas'));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function settle(until: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !until(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('an atlas dropped without close()', () => {
  it('stops its workers once collected; one still referenced keeps them', async () => {
    const before = threads();
    const kept = await RaggedAtlas.checkoutLatest(join(dir, 'atlas'), { workers: 2, cache: 'none' });
    await kept.query().select(['uid']).limit(50).toAnnData(); // the decode workers start
    const withKept = threads();
    expect(withKept).toBeGreaterThanOrEqual(before + 2);
    await (async () => {
      const dropped = await RaggedAtlas.checkoutLatest(join(dir, 'atlas'), { workers: 2, cache: 'none' });
      await dropped.query().select(['uid']).limit(50).toAnnData();
    })();
    expect(threads()).toBeGreaterThanOrEqual(withKept + 2);
    await settle(() => threads() <= withKept);
    expect(threads()).toBeLessThanOrEqual(withKept);
    // the one still held works on
    expect((await kept.query().select(['uid']).limit(5).toAnnData()).shape[0]).toBe(5);
    kept.close();
    await settle(() => threads() <= before);
    expect(threads()).toBeLessThanOrEqual(before);
  }, 60_000);
});
