// Metadata at the edges of what JSON, memory and the file system allow: exact int64 fill values
// beyond 2^53, reads too big to allocate, absurd shard indexes and a chunk key that is a directory.
// Each is the value the zarr spec gives, or a typed error — never a rounded value or a RangeError.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { FsStore } from '../../../src/io/fs-store.js';
import { openArray, readAll, readRanges } from '../../../src/zarr/index.js';

const root = mkdtempSync(join(tmpdir(), 'zarr-limits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An array's zarr.json, written as text (so big integers stay exact in the file). */
function array(name: string, o: { shape: number[]; dtype: string; chunk: number[]; fill: string; codecs?: string }) {
  mkdirSync(join(root, name), { recursive: true });
  const codecs = o.codecs ?? '[{"name":"bytes","configuration":{"endian":"little"}}]';
  writeFileSync(
    join(root, name, 'zarr.json'),
    `{"zarr_format":3,"node_type":"array","shape":${JSON.stringify(o.shape)},"data_type":"${o.dtype}","chunk_grid":{"name":"regular","configuration":{"chunk_shape":${JSON.stringify(o.chunk)}}},"chunk_key_encoding":{"name":"default"},"fill_value":${o.fill},"codecs":${codecs},"attributes":{}}`,
  );
}

test('int64 / uint64 fill values beyond 2^53 are exact (numpy max sentinels included)', async () => {
  const cases: [string, string][] = [['int64', '9007199254740993'], ['int64', '9223372036854775807'], ['int64', '-9223372036854775808'], ['uint64', '18446744073709551615']];
  for (const [i, [dtype, lit]] of cases.entries()) {
    array(`fill${i}`, { shape: [3], dtype, chunk: [3], fill: lit });
    expect(Array.from(await readAll(await openArray(new FsStore(root), `fill${i}`)), String), `${dtype} ${lit}`).toEqual([lit, lit, lit]);
  }
  array('fill-over', { shape: [3], dtype: 'int64', chunk: [3], fill: '9223372036854775808' });
  await expect(openArray(new FsStore(root), 'fill-over')).rejects.toMatchObject({ _tag: 'CorruptData', message: expect.stringContaining('9223372036854775808') });
});

test('a read too big to allocate is a QueryError naming its size; an absurd shard index is refused unread', async () => {
  array('huge', { shape: [2 ** 40], dtype: 'uint8', chunk: [2 ** 20], fill: '0' });
  const a = await openArray(new FsStore(root), 'huge');
  await expect(readAll(a)).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('1099511627776') });
  await expect(readRanges(a, [[0, 2 ** 33]])).rejects.toMatchObject({ _tag: 'Query' });
  // Many more chunks than that could be planned: refused while planning, before memory runs out.
  array('hostile', { shape: [2 ** 44], dtype: 'uint8', chunk: [2 ** 20], fill: '0' });
  await expect(readAll(await openArray(new FsStore(root), 'hostile'))).rejects.toMatchObject({ _tag: 'Query', message: expect.stringContaining('chunks') });
  const sharding = `[{"name":"sharding_indexed","configuration":{"chunk_shape":[1],"codecs":[{"name":"bytes","configuration":{"endian":"little"}}],"index_codecs":[{"name":"bytes","configuration":{"endian":"little"}}],"index_location":"start"}}]`;
  array('idx', { shape: [2 ** 34], dtype: 'uint8', chunk: [2 ** 34], fill: '0', codecs: sharding });
  mkdirSync(join(root, 'idx', 'c'));
  writeFileSync(join(root, 'idx', 'c', '0'), new Uint8Array(100));
  await expect(readRanges(await openArray(new FsStore(root), 'idx'), [[0, 10]])).rejects.toMatchObject({ _tag: 'Unsupported', message: expect.stringContaining('shard index of') });
});

test('a chunk key that is a directory (zarr.json says 1-D, the data is 2-D) is CorruptData, not a raw EISDIR', async () => {
  array('dir', { shape: [12], dtype: 'int32', chunk: [12], fill: '0' });
  mkdirSync(join(root, 'dir', 'c', '0'), { recursive: true });
  writeFileSync(join(root, 'dir', 'c', '0', '0'), new Uint8Array(48));
  await expect(readAll(await openArray(new FsStore(root), 'dir'))).rejects.toMatchObject({ _tag: 'CorruptData', message: expect.stringContaining('is a directory') });
});

test('a shard index at the start whose entry points into the index itself is CorruptData, not read as values', async () => {
  const sharding = `[{"name":"sharding_indexed","configuration":{"chunk_shape":[2],"codecs":[{"name":"bytes","configuration":{"endian":"little"}}],"index_codecs":[{"name":"bytes","configuration":{"endian":"little"}}],"index_location":"start"}}]`;
  array('start', { shape: [4], dtype: 'uint32', chunk: [4], fill: '0', codecs: sharding });
  mkdirSync(join(root, 'start', 'c'));
  const shard = new Uint8Array(32 + 8);
  const dv = new DataView(shard.buffer);
  dv.setBigUint64(0, 0n, true); // chunk 0 at offset 0: inside the 32-byte index
  dv.setBigUint64(8, 8n, true);
  dv.setBigUint64(16, 32n, true); // chunk 1 right after the index
  dv.setBigUint64(24, 8n, true);
  dv.setUint32(32, 7, true);
  dv.setUint32(36, 9, true);
  writeFileSync(join(root, 'start', 'c', '0'), shard);
  await expect(readAll(await openArray(new FsStore(root), 'start'))).rejects.toMatchObject({ _tag: 'CorruptData', message: expect.stringContaining('points outside the shard') });
  dv.setBigUint64(0, 0xffffffffffffffffn, true); // chunk 0 absent: fill_value, chunk 1 read
  dv.setBigUint64(8, 0xffffffffffffffffn, true);
  writeFileSync(join(root, 'start', 'c', '0'), shard);
  expect(Array.from((await readAll(await openArray(new FsStore(root), 'start'))) as Uint32Array)).toEqual([0, 0, 7, 9]);
});
