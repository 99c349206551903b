import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32c } from '../../../src/codecs/crc32c.js';
import { readArrayInfo, readWhole } from '../../../src/companion/zarr-writer/array-reader.js';
import { ShardedArrayWriter } from '../../../src/companion/zarr-writer/array-writer.js';
import { writeChunkedArray } from '../../../src/companion/zarr-writer/chunked-writer.js';
import { openZipStore } from '../../../src/companion/inputs/zip-store.js';
import { ZIP_68K } from '../../fixtures/walkthrough.js';
import { autoPartition, denseChunking } from '../../../src/companion/zarr-writer/chunking.js';
import { ensureGroup } from '../../../src/companion/zarr-writer/group.js';
import { arrayMetadataJson, groupMetadataJson, pyJsonDumps, PyFloat } from '../../../src/companion/zarr-writer/metadata.js';
import { encodeShard } from '../../../src/companion/zarr-writer/shard.js';
import { bp128Decode, bp128Encode, refCodecs, zstdRawFrame } from './helpers/ref-codecs.js';
import { zarritaRead } from './helpers/zarrita.js';

const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ra-zarr-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('crc32c', () => {
  it('matches the Castagnoli check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    const long = new Uint8Array(1000).map((_, i) => (i * 31) & 0xff);
    expect(crc32c(long.subarray(600), crc32c(long.subarray(0, 600)))).toBe(crc32c(long));
  });
});

describe('zarr.json documents match zarr-python 3.1.5 byte for byte', () => {
  it('group', async () => {
    expect(groupMetadataJson()).toBe(await fixture('group.zarr.json'));
  });
  it('csr/indices with homeobox.bitpacking delta', async () => {
    const json = arrayMetadataJson({
      shape: [123],
      dtype: 'uint32',
      shardShape: [41943040],
      chunkShape: [40960],
      codec: { name: 'homeobox.bitpacking', transform: 'delta', elementSize: 4 },
    });
    expect(json).toBe(await fixture('csr-indices.zarr.json'));
  });
  it('dense float32 layer with zstd and the dense chunk formula', async () => {
    const { chunkRows, shardRows } = denseChunking(49);
    const json = arrayMetadataJson({
      shape: [700, 49],
      dtype: 'float32',
      shardShape: [shardRows, 49],
      chunkShape: [chunkRows, 49],
      codec: { name: 'zstd', level: 0, checksum: false },
    });
    expect(json).toBe(await fixture('dense-float32.zarr.json'));
  });
  it('unsharded int64 csc/indptr (homeobox ≤ 0.2.3): codecs and key order of a real zarr-python 3 unsharded array', async () => {
    const json = arrayMetadataJson({ shape: [18001], dtype: 'int64', chunkShape: [18001], codec: { name: 'zstd', level: 0, checksum: false } });
    expect(json).toBe(await fixture('csc-indptr-unsharded.zarr.json'));
    // Independent oracle: an unsharded array zarr-python 3 wrote into the bundled pbmc68k AnnData-Zarr.
    const zip = await openZipStore(ZIP_68K);
    try {
      const real = JSON.parse(new TextDecoder().decode((await zip.store.get('/uns/rank_genes_groups/scores/zarr.json'))!));
      const ours = JSON.parse(json);
      expect(ours.codecs).toEqual(real.codecs);
      expect(Object.keys(ours)).toEqual(Object.keys(real));
      expect(ours.chunk_key_encoding).toEqual(real.chunk_key_encoding);
    } finally {
      await zip.close();
    }
  });
  it('prints floats and non-ASCII like Python json.dumps', () => {
    expect(pyJsonDumps({ fill_value: new PyFloat(0), x: 1e-7, s: 'é' })).toBe('{\n  "fill_value": 0.0,\n  "x": 1e-07,\n  "s": "\\u00e9"\n}');
  });
});

describe('chunking', () => {
  it('dense formula (homeobox _writer_create_kwargs)', () => {
    expect(denseChunking(200)).toEqual({ chunkRows: 204, shardRows: 209712 });
    expect(denseChunking(4)).toEqual({ chunkRows: 10240, shardRows: 10485760 });
    expect(denseChunking(50000)).toEqual({ chunkRows: 1, shardRows: 838 });
  });
  it('csc/indptr auto partition (values from zarr-python _guess_chunks)', () => {
    const cases: [number, number, number][] = [
      [1, 1, 1],
      [9, 9, 9],
      [100, 100, 100],
      [766, 96, 96],
      [32739, 64, 128],
      [19522, 77, 154],
      [20001, 79, 158],
    ];
    for (const [n, c, s] of cases) expect(autoPartition([n], 8)).toEqual({ chunks: [c], shards: [s] });
  });
});

describe('reference BP-128 against homeobox vectors', () => {
  it('encodes and decodes all u32 vectors byte-identically', async () => {
    const lines = (await readFile('/work/shared/data/bp128/homeobox_bp128_vectors.jsonl', 'utf8')).trim().split('\n');
    let n = 0;
    for (const line of lines) {
      const v = JSON.parse(line) as { kind: string; transform: 'none'; values: number[]; encoded: string };
      if (v.kind !== 'u32') continue;
      const raw = new Uint8Array(new Uint32Array(v.values).buffer);
      expect(Buffer.from(bp128Encode(raw, v.transform)).toString('hex')).toBe(v.encoded);
      expect(Array.from(new Uint32Array(bp128Decode(Buffer.from(v.encoded, 'hex')).buffer))).toEqual(v.values);
      n++;
    }
    expect(n).toBeGreaterThan(100);
  });
});

describe('shard encoding', () => {
  it('lays out chunks, MAX entries for empty chunks and a CRC32C index', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array([9]);
    const shard = encodeShard([a, undefined, b, undefined])!;
    const dv = new DataView(shard.buffer, shard.byteOffset);
    expect(shard.length).toBe(4 + 16 * 4 + 4);
    const idx = (i: number) => [dv.getBigUint64(4 + 16 * i, true), dv.getBigUint64(4 + 16 * i + 8, true)];
    expect(idx(0)).toEqual([0n, 3n]);
    expect(idx(1)).toEqual([2n ** 64n - 1n, 2n ** 64n - 1n]);
    expect(idx(2)).toEqual([3n, 1n]);
    expect(dv.getUint32(4 + 64, true)).toBe(crc32c(shard.subarray(4, 4 + 64)));
    expect(encodeShard([undefined, undefined])).toBeUndefined();
  });
});

describe('writeChunkedArray (unsharded)', () => {
  it('one object per chunk, padded last chunk, fill-only chunks omitted; zarrita reads it back', async () => {
    const root = join(dir, 'chunked');
    await ensureGroup(root, 'g/csc');
    const n = 300;
    const values = BigInt64Array.from({ length: n }, (_, i) => (i < 128 ? 0n : BigInt(i * i)));
    const bytes = await writeChunkedArray({ root, path: 'g/csc/indptr', dtype: 'int64', chunkRows: 128, codec: { name: 'zstd', level: 0, checksum: false }, codecs: refCodecs }, values);
    expect((await readdir(join(root, 'g/csc/indptr/c'))).sort()).toEqual(['1', '2']); // chunk 0 is all fill
    expect(bytes).toBe((await readFile(join(root, 'g/csc/indptr/c/1'))).length + (await readFile(join(root, 'g/csc/indptr/c/2'))).length);
    const z = await zarritaRead(root, 'g/csc/indptr');
    expect(z.shape).toEqual([n]);
    expect(Array.from(z.data as BigInt64Array)).toEqual(Array.from(values));
    expect(JSON.parse(await readFile(join(root, 'g/csc/indptr/zarr.json'), 'utf8')).chunk_grid.configuration.chunk_shape).toEqual([128]);
  });
});

describe('ShardedArrayWriter', () => {
  it('streams a 1-D array: omits empty chunks and shards, trims shape, zarrita reads it back', async () => {
    const root = join(dir, 'one-d');
    await ensureGroup(root, 'g/csr');
    const n = 128 * 4 * 3 + 77; // 3 full shards + a partial one
    const values = new Uint32Array(n);
    for (let i = 0; i < n; i++) values[i] = (i * 7919) % 1000;
    values.fill(0, 128, 256); // chunk 1 of shard 0 is all fill → omitted
    values.fill(0, 512, 1024); // shard 1 entirely fill → not written
    const w = new ShardedArrayWriter({
      root,
      path: 'g/csr/indices',
      dtype: 'uint32',
      rowShape: [],
      chunkRows: 128,
      shardRows: 512,
      codec: { name: 'homeobox.bitpacking', transform: 'delta', elementSize: 4 },
      codecs: refCodecs,
    });
    for (let i = 0; i < n; i += 100) await w.append(values.slice(i, Math.min(n, i + 100)));
    const { shape } = await w.finish();
    expect(shape).toEqual([n]);
    expect((await readdir(join(root, 'g/csr/indices/c'))).sort()).toEqual(['0', '2', '3']);
    const shard0 = await readFile(join(root, 'g/csr/indices/c/0'));
    const tail = new DataView(shard0.buffer, shard0.byteOffset + shard0.length - 68);
    expect(tail.getBigUint64(16, true)).toBe(2n ** 64n - 1n); // chunk 1 empty
    expect(tail.getUint32(64, true)).toBe(crc32c(shard0.subarray(shard0.length - 68, shard0.length - 4)));
    const z = await zarritaRead(root, 'g/csr/indices');
    expect(z.shape).toEqual([n]);
    expect(Array.from(z.data as Uint32Array)).toEqual(Array.from(values));
    const info = (await readArrayInfo(root, 'g/csr/indices'))!;
    expect(Array.from((await readWhole(root, info, refCodecs)) as Uint32Array)).toEqual(Array.from(values));
    expect(JSON.parse(await readFile(join(root, 'g/zarr.json'), 'utf8'))).toEqual({ attributes: {}, zarr_format: 3, node_type: 'group' });
    expect(JSON.parse(await readFile(join(root, 'zarr.json'), 'utf8')).node_type).toBe('group');
  });

  it('streams a dense (rows, F) float32 array with zstd; last chunk padded; zarrita reads it back', async () => {
    const root = join(dir, 'dense');
    const F = 5;
    const rows = 23;
    const values = new Float32Array(rows * F).map((_, i) => (i % 3 === 0 ? 0 : i / 7));
    const w = new ShardedArrayWriter({
      root,
      path: 'g/layers/lognorm',
      dtype: 'float32',
      rowShape: [F],
      chunkRows: 4,
      shardRows: 8,
      codec: { name: 'zstd', level: 0, checksum: false },
      codecs: refCodecs,
    });
    await w.append(values.slice(0, 7 * F));
    await w.append(values.slice(7 * F));
    expect((await w.finish()).shape).toEqual([rows, F]);
    expect((await readdir(join(root, 'g/layers/lognorm/c'))).sort()).toEqual(['0', '1', '2']);
    expect(await readdir(join(root, 'g/layers/lognorm/c/2'))).toEqual(['0']);
    // the last shard holds chunk rows 16..19 and 20..23 (one padded row)
    const z = await zarritaRead(root, 'g/layers/lognorm');
    expect(z.shape).toEqual([rows, F]);
    expect(Array.from(z.data as Float32Array)).toEqual(Array.from(values));
    // inner chunks are zstd frames (raw blocks here): check the padded chunk decodes to full size
    const enc = zstdRawFrame(new Uint8Array(4 * F * 4));
    expect(enc.length).toBeGreaterThan(80);
  });

  it('refuses a typed array of another dtype', async () => {
    const w = new ShardedArrayWriter({
      root: join(dir, 'x'),
      path: 'a',
      dtype: 'uint32',
      rowShape: [],
      chunkRows: 4,
      shardRows: 8,
      codec: { name: 'zstd', level: 0, checksum: false },
      codecs: refCodecs,
    });
    await expect(w.append(new Int32Array(4))).rejects.toThrow(/Uint32Array/);
  });
});

describe('the shared wasm codecs, as the writer uses them', () => {
  it('encode BP-128 byte-identically to the reference and round-trip zstd', async () => {
    const { loadWriterCodecs } = await import('../../../src/companion/codecs.js');
    const c = await loadWriterCodecs();
    const vals = new Uint32Array(40960).map((_, i) => (i * 2654435761) % 20000);
    const raw = new Uint8Array(vals.buffer);
    for (const t of ['none', 'delta', 'delta_zigzag'] as const) {
      expect(Buffer.from(c.bitpackEncode(raw, { transform: t, elementSize: 4 })).equals(Buffer.from(bp128Encode(raw, t)))).toBe(true);
    }
    const z = c.zstdCompress(raw, { level: 0 });
    expect(z.length).toBeLessThan(raw.length);
    expect(Buffer.from(c.zstdDecompress(z, { maxOutputBytes: raw.length })).equals(Buffer.from(raw))).toBe(true);
    expect(Buffer.from(c.zstdDecompress(zstdRawFrame(raw), { maxOutputBytes: raw.length })).equals(Buffer.from(raw))).toBe(true);
  });
});
