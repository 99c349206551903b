import { describe, expect, it } from 'vitest';
import { alignObs } from '../../../src/companion/obs-align.js';
import type { ObsSchemaDef } from '../../../src/companion/tables/schemas.js';
import { memInput } from './helpers/mem-input.js';

const input = memInput({
  source: 'x.h5ad',
  obsNames: ['a', 'b', 'c'],
  varNames: ['g'],
  obs: [
    { name: 'louvain', kind: 'categorical', categories: ['0', '1'], codes: Int32Array.from([1, -1, 0]) },
    { name: 'n_genes', kind: 'float', values: Float64Array.from([3, NaN, 5]) },
    { name: 'score', kind: 'float', values: Float32Array.from([0.5, 1.5, 2.5]) },
    { name: 'count', kind: 'int', values: Int32Array.from([1, 2, 3]), valid: Uint8Array.from([1, 0, 1]) },
    { name: 'flag', kind: 'bool', values: Uint8Array.from([1, 0, 1]) },
  ],
  obsm: { X_umap: { dim: 2, values: Float32Array.from([1, 2, 3, 4, 5, 6]) } },
});

describe('alignObs (homeobox align_obs_to_schema rules)', () => {
  it('an --obs-map to a field the schema lacks is an error, not a silently dropped column', () => {
    const def: ObsSchemaDef = { columns: [{ name: 'cell_type', type: 'string', nullable: true }], embeddings: [], pointers: [] };
    expect(() => alignObs(input, def, { _index: 'barcode' })).toThrow(
      expect.objectContaining({ _tag: 'InvalidInput', message: expect.stringContaining("--obs-map maps '_index' to obs field 'barcode', which the obs schema does not have (fields: cell_type") }),
    );
  });

  it('renames, converts safely, null-fills optional fields and drops extras', async () => {
    const arrow = await import('apache-arrow');
    const def: ObsSchemaDef = {
      columns: [
        { name: 'cell_type', type: 'string', nullable: true },
        { name: 'n_genes', type: 'int64', nullable: true },
        { name: 'count', type: 'float64', nullable: true },
        { name: 'flag', type: 'bool', nullable: true },
        { name: 'barcode', type: 'string', nullable: false },
        { name: 'tissue', type: 'string', nullable: true },
      ],
      embeddings: [
        { name: 'X_umap', dim: 2 },
        { name: 'X_pca', dim: 3 },
      ],
      pointers: [],
    };
    const a = alignObs(input, def, { louvain: 'cell_type', _index: 'barcode' });
    const get = (n: string) => arrow.makeVector(a.columns.get(n)!).toJSON();
    expect(get('cell_type')).toEqual(['1', null, '0']);
    expect(get('n_genes')).toEqual([3n, null, 5n]);
    expect(get('count')).toEqual([1, null, 3]);
    expect(get('flag')).toEqual([true, false, true]);
    expect(get('barcode')).toEqual(['a', 'b', 'c']);
    expect(get('tissue')).toEqual([null, null, null]);
    expect(a.dropped).toEqual(['score']);
    expect(a.nullFilled).toEqual(['tissue', 'X_pca']);
    expect(arrow.makeVector(a.columns.get('X_umap')!).get(2)!.toArray()).toEqual(Float32Array.from([5, 6]));
  });

  it('refuses missing required fields, unsafe conversions and bad embeddings; maps an obsm key to an embedding of another name', async () => {
    const col = (type: ObsSchemaDef['columns'][number]['type'], name = 'x', nullable = true): ObsSchemaDef => ({ columns: [{ name, type, nullable }], embeddings: [], pointers: [] });
    expect(() => alignObs(input, col('string', 'donor', false))).toThrow(/missing required column\(s\) 'donor'/);
    expect(() => alignObs(input, col('string', 'score'))).toThrow(/obs column 'score' \(float\) cannot be stored in obs field 'score' \(string\)/);
    expect(() => alignObs(input, col('int64', 'score'))).toThrow(/non-integer value 0.5/);
    expect(() => alignObs(input, col('int64', 'n_genes', false))).toThrow(/required obs field 'n_genes' has a missing value/);
    expect(() => alignObs(input, col('bool', 'count'))).toThrow(/cannot be stored/);
    expect(() => alignObs(input, { columns: [], embeddings: [{ name: 'X_umap', dim: 3 }], pointers: [] })).toThrow(/obsm 'X_umap' has 2 dimensions/);
    // an obsm of another row count (a layer file of other cells): said as such, not as dimensions
    const short = { ...input, obsm: { X_umap: { dim: 2, values: Float32Array.from([1, 2, 3, 4]) } } };
    expect(() => alignObs(short, { columns: [], embeddings: [{ name: 'X_umap', dim: 2 }], pointers: [] })).toThrow(/obsm 'X_umap' has 2 rows for 3 cells/);
    // an obsm key maps to an embedding field of another name, as a column does
    const arrow = await import('apache-arrow');
    const renamed = alignObs(input, { columns: [], embeddings: [{ name: 'X_int', dim: 2 }], pointers: [] }, { X_umap: 'X_int' });
    expect(arrow.makeVector(renamed.columns.get('X_int')!).get(2)!.toArray()).toEqual(Float32Array.from([5, 6]));
    expect(renamed.nullFilled).toEqual([]);
    expect(() => alignObs(input, col('string'), { nope: 'x' })).toThrow(/--obs-map names obs column 'nope'/);
    try {
      alignObs(input, col('int64', 'score'));
    } catch (e) {
      expect((e as { where?: string }).where).toBe('x.h5ad: obs/score, row 0');
    }
  });
});

describe('int64 fields take only values int64 holds (pyarrow refuses the cast; 2^63 would wrap)', () => {
  const col: ObsSchemaDef = { columns: [{ name: 'n', type: 'int64', nullable: true }], embeddings: [], pointers: [] };
  const inputWith = (values: Float64Array) => memInput({ source: 'big.h5ad', obsNames: ['a', 'b', 'c'], varNames: ['g'], obs: [{ name: 'n', kind: 'float', values }] });
  it('refuses floats at or beyond ±2^63, naming the row', () => {
    expect(() => alignObs(inputWith(Float64Array.from([1, 1e19, 3])), col)).toThrow(expect.objectContaining({ _tag: 'InvalidInput', message: expect.stringContaining('does not fit int64'), where: 'big.h5ad: obs/n, row 1' }));
    expect(() => alignObs(inputWith(Float64Array.from([1, 2, 2 ** 63])), col)).toThrow(/does not fit int64/);
    expect(() => alignObs(inputWith(Float64Array.from([-(2 ** 64), 2, 3])), col)).toThrow(/does not fit int64/);
  });
  it('keeps every value that fits', () => {
    const got = alignObs(inputWith(Float64Array.from([-(2 ** 63), 2 ** 62, NaN])), col).columns.get('n')!;
    expect(Array.from(got.values as BigInt64Array).slice(0, 2)).toEqual([-(2n ** 63n), 2n ** 62n]);
  });
});

describe('float fields take only integers they hold exactly (pyarrow: ±2^53 for float64, ±2^24 for float32)', () => {
  const def = (type: 'float64' | 'float32'): ObsSchemaDef => ({ columns: [{ name: 'n', type, nullable: true }], embeddings: [], pointers: [] });
  const inputWith = (values: BigInt64Array | Int32Array, valid?: Uint8Array) =>
    memInput({ source: 'ints.h5ad', obsNames: ['a', 'b'], varNames: ['g'], obs: [{ name: 'n', kind: 'int', values, ...(valid ? { valid } : {}) }] });
  it('refuses an integer that would come back as another number, naming the row', () => {
    expect(() => alignObs(inputWith(BigInt64Array.from([1n, 2n ** 53n + 1n])), def('float64'))).toThrow(
      expect.objectContaining({ _tag: 'InvalidInput', message: expect.stringContaining('is not exact in float64'), where: 'ints.h5ad: obs/n, row 1' }),
    );
    expect(() => alignObs(inputWith(BigInt64Array.from([-3326883294476153124n, 0n])), def('float64'))).toThrow(/is not exact in float64/);
    expect(() => alignObs(inputWith(Int32Array.from([16777217, 1])), def('float32'))).toThrow(/is not exact in float32 obs field 'n' \(range ±16777216\)/);
  });
  it('keeps every integer within the range, and ignores the values of missing rows', () => {
    const f64 = alignObs(inputWith(BigInt64Array.from([2n ** 53n, -(2n ** 53n)])), def('float64')).columns.get('n')!;
    expect(Array.from(f64.values as Float64Array)).toEqual([2 ** 53, -(2 ** 53)]);
    const f32 = alignObs(inputWith(Int32Array.from([16777216, 2 ** 30]), Uint8Array.from([1, 0])), def('float32')).columns.get('n')!;
    expect((f32.values as Float32Array)[0]).toBe(16777216);
  });
});

describe('obsm entries no embedding field takes', () => {
  it('are listed as dropped (they were left out without a word)', () => {
    const none: ObsSchemaDef = { columns: [], embeddings: [], pointers: [] };
    expect(alignObs(input, none).droppedObsm).toEqual(['X_umap']);
    const umap: ObsSchemaDef = { columns: [], embeddings: [{ name: 'X_umap', dim: 2 }], pointers: [] };
    expect(alignObs(input, umap).droppedObsm).toEqual([]);
    const renamed: ObsSchemaDef = { columns: [], embeddings: [{ name: 'umap', dim: 2 }], pointers: [] };
    expect(alignObs(input, renamed, { X_umap: 'umap' }).droppedObsm).toEqual([]);
  });
});
