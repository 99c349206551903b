// csc/indptr with chunks missing from the store. zarr reads a missing chunk as its fill value, 0,
// and no writer records csc/indptr's sizes, so a lost or refused file (404, 403) would silently
// empty or shift the columns of a features() query. Only a leading run of empty columns may be
// missing (zarr-python, like the companion, leaves all-zero chunks out): readCscIndptr tells them
// apart and refuses the rest with a CorruptDataError naming the array.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWriterCodecs } from '../../../src/companion/codecs.js';
import { writeCscIndptr } from '../../../src/companion/csc.js';
import { DEFAULT_ZSTD } from '../../../src/companion/zarr-writer/metadata.js';
import { AbortedError, CorruptDataError } from '../../../src/errors.js';
import { FsStore } from '../../../src/io/fs-store.js';
import { PromiseLru } from '../../../src/io/promise-lru.js';
import { readCscIndptr } from '../../../src/query/read-csc.js';
import type { FieldReadContext } from '../../../src/query/read-context.js';
import { openArray, type ZarrArray } from '../../../src/zarr/index.js';

const nFeatures = 3000;
const leadingEmpty = 1200; // more than one ~256-entry shard and one chunk of the chunked layout
/** Cumulative counts: columns [0, leadingEmpty) empty, then 1–3 entries each. */
const ptr = new BigInt64Array(nFeatures + 1);
for (let c = 0; c < nFeatures; c++) ptr[c + 1] = ptr[c]! + BigInt(c < leadingEmpty ? 0 : 1 + (c % 3));
const nnz = Number(ptr[nFeatures]);

let root: string;
const ctx = { signal: undefined, decoder: undefined } as unknown as FieldReadContext; // readOpts' fields; in-thread decoding
const effFor = (cols: number[]) => {
  const eff = new Int32Array(nFeatures).fill(-1);
  cols.forEach((c, i) => (eff[c] = i));
  return eff;
};
const open = (layout: string) => openArray(new FsStore(root), `${layout}/csc/indptr`);
const expectEntries = (got: ArrayLike<number | bigint>, cols: number[]) => {
  for (const c of cols) expect([Number(got[c]), Number(got[c + 1])], `column ${c}`).toEqual([Number(ptr[c]), Number(ptr[c + 1])]);
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'csc-indptr-'));
  const codecs = await loadWriterCodecs();
  for (const layout of ['sharded', 'chunked'] as const) await writeCscIndptr({ root, path: `${layout}/csc/indptr`, codec: DEFAULT_ZSTD, codecs, layout }, ptr);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

// Sharded: ~188-entry shards (zarr's "auto"), the first six all zero. Chunked: one chunk, c/0.
describe.each([
  ['sharded', ['13', '15']], // the shard holding column 2500, and the last one
  ['chunked', ['0']],
])('csc/indptr, %s layout', (layout, lostFiles) => {
  it('reads a leading run of empty columns whose chunks were left out (partial and whole reads)', async () => {
    // The writer left out the all-zero leading shards, as zarr-python does.
    expect(existsSync(join(root, layout, 'csc/indptr/c/0'))).toBe(layout === 'chunked');
    const a = await open(layout);
    const few = [3, leadingEmpty - 1, leadingEmpty, 2500, nFeatures - 1];
    expectEntries(await readCscIndptr(ctx, a, effFor(few), nnz), few);
    const many = Array.from({ length: nFeatures / 2 }, (_, i) => 2 * i); // more than 1 in 8: read whole
    expectEntries(await readCscIndptr(ctx, a, effFor(many), nnz), many);
  });

  it('refuses a chunk lost after the leading empty run, or the last one, instead of reading zeros', async () => {
    const copy = join(root, `${layout}-lost`);
    for (const lost of lostFiles) {
      expect(existsSync(join(root, layout, 'csc/indptr/c', lost))).toBe(true);
      await rm(copy, { recursive: true, force: true });
      await cp(join(root, layout), copy, { recursive: true });
      await rm(join(copy, 'csc/indptr/c', lost));
      const a: ZarrArray = await openArray(new FsStore(root), `${layout}-lost/csc/indptr`);
      const cols = [leadingEmpty + 5, 2500, nFeatures - 1];
      const err = await readCscIndptr(ctx, a, effFor(cols), nnz).then(() => undefined, (e: unknown) => e);
      expect(err, `c/${lost} lost`).toBeInstanceOf(CorruptDataError);
      expect(String((err as Error).message)).toMatch(/csc\/indptr .*missing from the store/);
      expect(String((err as Error).message)).toContain(`${layout}-lost/csc/indptr`);
    }
  });

  it('refuses an indptr that does not end at csc/indices\u2019 length', async () => {
    const err = await readCscIndptr(ctx, await open(layout), effFor([0, 1]).fill(0), nnz + 1).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect(String((err as Error).message)).toMatch(/ends at \d+, but csc\/indices holds/);
  });
});

// An atlas keeps a csc/indptr stored as one object (add-csc's layout) whole, for its later queries.
describe('csc/indptr kept by the atlas', () => {
  const counting = (store: FsStore) => {
    let requests = 0;
    const wrapped = Object.assign(Object.create(store) as FsStore, {
      get: (...a: Parameters<FsStore['get']>) => (requests++, store.get(...a)),
      getRange: (...a: Parameters<FsStore['getRange']>) => (requests++, store.getRange(...a)),
      size: (...a: Parameters<FsStore['size']>) => (requests++, store.size(...a)),
    });
    return { store: wrapped, requests: () => requests };
  };

  it('reads a one-object indptr once: later queries with other columns read nothing', async () => {
    const s = counting(new FsStore(root));
    const kept = { ...ctx, cscIndptrs: new PromiseLru<ArrayLike<number | bigint>>(4) };
    const a = await openArray(s.store, 'chunked/csc/indptr');
    const first = [leadingEmpty, 2500];
    expectEntries(await readCscIndptr(kept, a, effFor(first), nnz), first);
    const after = s.requests();
    expect(after).toBeGreaterThan(0);
    const other = [3, leadingEmpty + 7, nFeatures - 1];
    expectEntries(await readCscIndptr(kept, a, effFor(other), nnz), other);
    expect(s.requests()).toBe(after);
    expect(kept.cscIndptrs.size).toBe(1);
  });

  it('keeps only one-object arrays: the sharded layout is read by entries each time', async () => {
    const kept = { ...ctx, cscIndptrs: new PromiseLru<ArrayLike<number | bigint>>(4) };
    const cols = [leadingEmpty, 2500];
    expectEntries(await readCscIndptr(kept, await open('sharded'), effFor(cols), nnz), cols);
    expect(kept.cscIndptrs.size).toBe(0);
  });

  it('does not keep a failed read: the same atlas reads the restored file', async () => {
    const copy = join(root, 'chunked-kept');
    await rm(copy, { recursive: true, force: true });
    await cp(join(root, 'chunked'), copy, { recursive: true });
    await cp(join(copy, 'csc/indptr/c/0'), join(root, 'c0-saved'));
    await rm(join(copy, 'csc/indptr/c/0'));
    const kept = { ...ctx, cscIndptrs: new PromiseLru<ArrayLike<number | bigint>>(4) };
    const a = await openArray(new FsStore(root), 'chunked-kept/csc/indptr');
    const cols = [leadingEmpty + 5, 2500];
    await expect(readCscIndptr(kept, a, effFor(cols), nnz)).rejects.toBeInstanceOf(CorruptDataError);
    await cp(join(root, 'c0-saved'), join(copy, 'csc/indptr/c/0'));
    expectEntries(await readCscIndptr(kept, a, effFor(cols), nnz), cols);
  });

  it('stops a query at its abort while the shared read goes on for the next one', async () => {
    const kept = { ...ctx, cscIndptrs: new PromiseLru<ArrayLike<number | bigint>>(4) };
    const a = await openArray(new FsStore(root), 'chunked/csc/indptr');
    const cols = [leadingEmpty, 2500];
    const abort = new AbortController();
    const first = readCscIndptr({ ...kept, signal: abort.signal }, a, effFor(cols), nnz);
    abort.abort();
    await expect(first).rejects.toBeInstanceOf(AbortedError);
    expectEntries(await readCscIndptr(kept, a, effFor(cols), nnz), cols);
  });
});
