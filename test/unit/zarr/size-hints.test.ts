// Shard sizes read from zarr.json attributes: only whole, non-negative, safe integers count; any
// other shape of the attribute is ignored (the reader then asks for the size), never trusted.
import { describe, expect, it } from 'vitest';
import { shardSizeHint } from '../../../src/zarr/size-hints.js';

describe('shardSizeHint', () => {
  it('reads the recorded size of a shard key', () => {
    expect(shardSizeHint({ ragged_atlas: { shard_nbytes: { 'c/0': 123, 'c/1': 0 } } }, 'c/0')).toBe(123);
    expect(shardSizeHint({ ragged_atlas: { shard_nbytes: { 'c/0': 123, 'c/1': 0 } } }, 'c/1')).toBe(0);
    expect(shardSizeHint({ ragged_atlas: { shard_nbytes: { 'c/0': 123 } } }, 'c/2')).toBeUndefined();
  });
  it('ignores malformed attributes and values', () => {
    for (const attrs of [{}, { ragged_atlas: null }, { ragged_atlas: 'x' }, { ragged_atlas: { shard_nbytes: 5 } }, { ragged_atlas: { shard_nbytes: null } }]) {
      expect(shardSizeHint(attrs as Record<string, unknown>, 'c/0')).toBeUndefined();
    }
    for (const v of [-1, 1.5, '10', null, 2 ** 60, Number.NaN, Infinity]) {
      expect(shardSizeHint({ ragged_atlas: { shard_nbytes: { 'c/0': v } } }, 'c/0')).toBeUndefined();
    }
  });
});
