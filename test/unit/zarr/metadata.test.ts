// zarr.json parsing and codec-chain construction: what homeobox/zarr-python write parses to the
// expected typed description; everything else fails with the right tagged error naming the file.
import { describe, expect, it } from 'vitest';
import { isRaggedAtlasError } from '../../../src/errors.js';
import { planChunkDecode } from '../../../src/zarr/chunk-decoder.js';
import { chunkKey } from '../../../src/zarr/chunk-key.js';
import { parseArrayMetadata, parseGroupMetadata, parseJsonBytes } from '../../../src/zarr/metadata.js';

const WHERE = 'mem://zg/csr/indices/zarr.json';

/** The csr/indices document of spec §3.2, with overrides. */
function doc(over: Record<string, unknown> = {}, sharding: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    shape: [100000],
    data_type: 'uint32',
    chunk_grid: { name: 'regular', configuration: { chunk_shape: [41943040] } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    fill_value: 0,
    codecs: [
      {
        name: 'sharding_indexed',
        configuration: {
          chunk_shape: [40960],
          codecs: [{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'homeobox.bitpacking', configuration: { transform: 'delta', element_size: 4 } }],
          index_codecs: [{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'crc32c' }],
          index_location: 'end',
          ...sharding,
        },
      },
    ],
    attributes: {},
    zarr_format: 3,
    node_type: 'array',
    storage_transformers: [],
    ...over,
  };
}

function plain(dataType: string, codecs: unknown[], fill: unknown = 0, extra: Record<string, unknown> = {}) {
  return doc({ data_type: dataType, fill_value: fill, codecs, chunk_grid: { name: 'regular', configuration: { chunk_shape: [1000] } }, ...extra });
}

function fails(d: unknown, tag: 'Unsupported' | 'CorruptData', match: RegExp): void {
  let err: unknown;
  try {
    parseArrayMetadata(d, WHERE);
  } catch (e) {
    err = e;
  }
  expect(isRaggedAtlasError(err, tag), `expected ${tag}, got ${String(err)}`).toBe(true);
  expect((err as Error).message).toMatch(match);
  expect((err as { where?: string }).where).toContain('zarr.json');
}

describe('array metadata', () => {
  it('parses the homeobox csr/indices document', () => {
    const m = parseArrayMetadata(doc(), WHERE);
    expect(m).toMatchObject({ shape: [100000], dataType: 'uint32', chunkShape: [41943040], fillValue: 0, chunkKeyEncoding: { name: 'default', separator: '/' } });
    expect(m.codecs).toEqual({
      kind: 'sharded',
      sharding: {
        chunkShape: [40960],
        inner: { endian: 'little', itemSize: 4, bytesCodecs: [{ name: 'homeobox.bitpacking', transform: 'delta', elementSize: 4 }] },
        index: { endian: 'little', itemSize: 8, bytesCodecs: [{ name: 'crc32c' }] },
        indexLocation: 'end',
      },
    });
  });

  it('accepts every numeric data type and their fill values', () => {
    const cases: [string, unknown, unknown][] = [
      ['bool', true, 1], ['int8', -128, -128], ['int16', 5, 5], ['int32', -1, -1], ['int64', 0, 0n], ['uint8', 255, 255],
      ['uint16', 65535, 65535], ['uint32', 4294967295, 4294967295], ['uint64', 12, 12n],
      ['float32', 'NaN', NaN], ['float64', 'Infinity', Infinity], ['float64', '-Infinity', -Infinity], ['float32', 1.5, 1.5],
      ['float32', '0x7fc00000', NaN], ['float64', '0x3ff0000000000000', 1], ['float32', '0x3f800000', 1],
    ];
    for (const [dt, fv, want] of cases) {
      const bytes = ['bool', 'int8', 'uint8'].includes(dt) ? { name: 'bytes' } : { name: 'bytes', configuration: { endian: 'little' } };
      expect(parseArrayMetadata(plain(dt, [bytes, { name: 'zstd', configuration: { level: 0, checksum: false } }], fv), WHERE).fillValue, `${dt} ${fv}`).toEqual(want);
    }
  });

  it('rejects bad fill values, shapes, grids and formats', () => {
    const le = [{ name: 'bytes', configuration: { endian: 'little' } }];
    fails(plain('uint8', [{ name: 'bytes' }], 256), 'CorruptData', /fill_value 256/);
    fails(plain('int32', le, 1.5), 'CorruptData', /fill_value/);
    fails(plain('bool', [{ name: 'bytes' }], 0), 'CorruptData', /fill_value/);
    fails(plain('float32', le, 'nan'), 'CorruptData', /fill_value/);
    fails(doc({ shape: [-1] }), 'CorruptData', /shape/);
    fails(doc({ shape: 'x' }), 'CorruptData', /shape/);
    fails(doc({ chunk_grid: { name: 'regular', configuration: { chunk_shape: [10, 10] } } }), 'CorruptData', /chunk_shape/);
    fails(doc({ chunk_grid: { name: 'rectilinear', configuration: {} } }), 'Unsupported', /chunk grid "rectilinear"/);
    fails(doc({ zarr_format: 2 }), 'Unsupported', /zarr_format 2/);
    fails(doc({ zarr_format: undefined }), 'CorruptData', /zarr_format/);
    fails(doc({ node_type: 'group' }), 'CorruptData', /node_type/);
    fails(doc({ storage_transformers: [{ name: 'x' }] }), 'Unsupported', /storage transformers/);
    fails(doc({ data_type: 'float16' }), 'Unsupported', /data type "float16"/);
    fails(doc({ data_type: 'string' }), 'Unsupported', /data type "string"/);
    fails(doc({ data_type: 7 }), 'CorruptData', /data_type/);
    fails(doc({ something: 1 }), 'Unsupported', /"something"/);
    expect(() => parseArrayMetadata(doc({ ext: { must_understand: false } }), WHERE)).not.toThrow();
    fails(doc({ chunk_key_encoding: { name: 'default', configuration: { separator: '-' } } }), 'CorruptData', /separator/);
    fails(doc({ chunk_key_encoding: { name: 'fancy' } }), 'Unsupported', /chunk key encoding "fancy"/);
  });

  it('invalid JSON is CorruptDataError naming the file', () => {
    let err: unknown;
    try {
      parseJsonBytes(new TextEncoder().encode('{"shape": [1,'), WHERE);
    } catch (e) {
      err = e;
    }
    expect(isRaggedAtlasError(err, 'CorruptData')).toBe(true);
    expect((err as { where: string }).where).toBe(WHERE);
  });

  it('groups', () => {
    expect(parseGroupMetadata({ zarr_format: 3, node_type: 'group', attributes: { a: 1 } }, WHERE)).toEqual({ attributes: { a: 1 } });
    expect(parseGroupMetadata({ zarr_format: 3, node_type: 'group', consolidated_metadata: { kind: 'inline', must_understand: false, metadata: {} } }, WHERE).consolidatedMetadata).toBeTruthy();
    expect(() => parseGroupMetadata({ zarr_format: 3, node_type: 'array' }, WHERE)).toThrow(/node_type/);
  });
});

describe('codec chains', () => {
  const le = { name: 'bytes', configuration: { endian: 'little' } };
  it('bytes endian: optional for 1-byte types only; big endian is parsed', () => {
    expect(parseArrayMetadata(plain('uint8', [{ name: 'bytes' }]), WHERE).codecs).toEqual({ kind: 'chunked', chain: { endian: 'little', itemSize: 1, bytesCodecs: [] } });
    fails(plain('uint32', [{ name: 'bytes' }]), 'CorruptData', /endian/);
    fails(plain('uint32', [{ name: 'bytes', configuration: { endian: 'middle' } }]), 'CorruptData', /endian/);
    expect(parseArrayMetadata(plain('int16', [{ name: 'bytes', configuration: { endian: 'big' } }]), WHERE).codecs).toMatchObject({ chain: { endian: 'big', itemSize: 2 } });
  });

  it('bitpacking: alias, defaults, validation', () => {
    const m = parseArrayMetadata(plain('uint32', [le, { name: 'lancell.bitpacking', configuration: { transform: 'none' } }]), WHERE);
    expect(m.codecs).toMatchObject({ chain: { bytesCodecs: [{ name: 'homeobox.bitpacking', elementSize: 4, transform: 'none' }] } });
    fails(plain('uint32', [le, { name: 'homeobox.bitpacking', configuration: { transform: 'delta', element_size: 2 } }]), 'CorruptData', /element_size/);
    fails(plain('uint32', [le, { name: 'homeobox.bitpacking', configuration: { transform: 'rle', element_size: 4 } }]), 'CorruptData', /transform/);
    fails(plain('uint32', [le, { name: 'homeobox.bitpacking', configuration: { transform: 'none', element_size: 4, extra: 1 } }]), 'CorruptData', /unknown configuration key "extra"/);
  });

  it('unknown and unsupported codecs name themselves', () => {
    fails(plain('uint32', [le, { name: 'frobnicate' }]), 'Unsupported', /codec "frobnicate" is unknown/);
    fails(plain('uint32', [le, { name: 'gzip', configuration: { level: 5 } }]), 'Unsupported', /codec "gzip" is not supported/);
    fails(plain('uint32', [le, { name: 'blosc' }]), 'Unsupported', /"blosc"/);
    fails(plain('uint32', [{ name: 'vlen-utf8' }]), 'Unsupported', /"vlen-utf8"/);
    fails(plain('uint32', []), 'CorruptData', /non-empty/);
    fails(plain('uint32', [{ name: 'zstd' }]), 'CorruptData', /zstd cannot be the array → bytes step/);
    fails(plain('uint32', [le, le]), 'CorruptData', /bytes cannot be the bytes → bytes step/);
  });

  it('transpose: identity accepted, real permutations refused', () => {
    const d2 = (order: number[]) => doc({ shape: [4, 6], data_type: 'uint32', chunk_grid: { name: 'regular', configuration: { chunk_shape: [2, 3] } }, codecs: [{ name: 'transpose', configuration: { order } }, le] });
    expect(parseArrayMetadata(d2([0, 1]), WHERE).codecs.kind).toBe('chunked');
    fails(d2([1, 0]), 'Unsupported', /transpose/);
    fails(d2([0]), 'CorruptData', /order/);
  });

  it('sharding: nested refused, index codecs must be fixed-size, shapes must divide', () => {
    const nested = { name: 'sharding_indexed', configuration: { chunk_shape: [10], codecs: [le], index_codecs: [le] } };
    fails(doc({}, { codecs: [nested] }), 'Unsupported', /nested sharding/);
    fails(doc({}, { index_codecs: [le, { name: 'zstd' }] }), 'Unsupported', /index_codecs with zstd/);
    fails(doc({}, { chunk_shape: [40000] }), 'CorruptData', /does not divide/);
    fails(doc({}, { chunk_shape: [40960, 1] }), 'CorruptData', /dimensions/);
    fails(doc({}, { index_location: 'middle' }), 'CorruptData', /index_location/);
    const [shardingEntry] = doc().codecs as unknown[];
    fails(doc({ codecs: [shardingEntry, { name: 'crc32c' }] }), 'Unsupported', /after sharding_indexed/);
    const start = parseArrayMetadata(doc({}, { index_location: 'start' }), WHERE);
    expect(start.codecs.kind === 'sharded' && start.codecs.sharding.indexLocation).toBe('start');
    const noLoc = doc();
    delete ((noLoc.codecs as { configuration: Record<string, unknown> }[])[0]!.configuration).index_location;
    expect((parseArrayMetadata(noLoc, WHERE).codecs as { sharding: { indexLocation: string } }).sharding.indexLocation).toBe('end');
  });

  it('decode plans: checksums around one compressor; two compressors refused', () => {
    const chain = (names: string[]) => ({ endian: 'big' as const, itemSize: 4, bytesCodecs: names.map((n) => (n === 'zstd' ? { name: 'zstd' as const, level: 0, checksum: false } : n === 'bp' ? { name: 'homeobox.bitpacking' as const, elementSize: 4 as const, transform: 'none' as const } : { name: 'crc32c' as const })) });
    expect(planChunkDecode(chain(['zstd', 'crc32c']), WHERE)).toEqual({ crcBefore: 1, codec: { name: 'zstd' }, crcAfter: 0, swap: true, itemSize: 4 });
    expect(planChunkDecode(chain(['crc32c', 'bp']), WHERE)).toEqual({ crcBefore: 0, codec: { name: 'homeobox.bitpacking', elementSize: 4 }, crcAfter: 1, swap: true, itemSize: 4 });
    expect(planChunkDecode(chain([]), WHERE).codec).toEqual({ name: 'bytes' });
    expect(() => planChunkDecode(chain(['bp', 'zstd']), WHERE)).toThrow(/more than one compressor/);
  });
});

describe('chunk keys', () => {
  it('default and v2 encodings', () => {
    expect(chunkKey({ name: 'default', separator: '/' }, [3, 0])).toBe('c/3/0');
    expect(chunkKey({ name: 'default', separator: '.' }, [3, 0])).toBe('c.3.0');
    expect(chunkKey({ name: 'default', separator: '/' }, [])).toBe('c');
    expect(chunkKey({ name: 'v2', separator: '.' }, [3, 0])).toBe('3.0');
    expect(chunkKey({ name: 'v2', separator: '/' }, [3, 0])).toBe('3/0');
    expect(chunkKey({ name: 'v2', separator: '.' }, [])).toBe('0');
    const m = parseArrayMetadata(doc({ chunk_key_encoding: { name: 'v2' } }), WHERE);
    expect(m.chunkKeyEncoding).toEqual({ name: 'v2', separator: '.' });
  });
});
