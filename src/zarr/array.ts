// Opening zarr v3 arrays and groups over a ByteStore: one `zarr.json` read each, parsed strictly.
// No consolidated metadata and no listing are needed (homeobox writes neither; paths come from Lance).

import { NotFoundError, throwIfAborted } from '../errors.js';
import { joinKey, type ByteStore } from '../io/types.js';
import { chunkKey } from './chunk-key.js';
import type { DataType } from './dtype.js';
import { layoutOf, outerKeyCoords, type ChunkLayout } from './grid.js';
import { parseArrayMetadata, parseGroupMetadata, parseJsonBytes, type ArrayMetadata, type GroupMetadata } from './metadata.js';
import { ShardIndexCache } from './shard-index-cache.js';
import { shardSizeHint } from './size-hints.js';

export interface ZarrArray<D extends DataType = DataType> {
  readonly store: ByteStore;
  /** Path of the array inside the store ('' for a root array). */
  readonly path: string;
  readonly meta: ArrayMetadata<D>;
  readonly shape: readonly number[];
  readonly dataType: D;
  /** Chunk geometry (fused view, see grid.ts). */
  readonly layout: ChunkLayout;
  /** Shard indexes already fetched (shared by every array opened through the same group). */
  readonly indexCache: ShardIndexCache;
}

export interface ZarrGroup {
  readonly store: ByteStore;
  readonly path: string;
  readonly meta: GroupMetadata;
  readonly attributes: Record<string, unknown>;
  readonly indexCache: ShardIndexCache;
}

export interface OpenOptions {
  signal?: AbortSignal;
  /** Reuse a shard-index cache (e.g. one per atlas). Default: the group's, or a new one per array. */
  indexCache?: ShardIndexCache;
  /** Capacity of a newly created cache; default 1024 indexes. */
  indexCacheSize?: number;
}

/** Opens the array at `path` (relative to the store root, or to `group` when given one). */
export async function openArray(where: ByteStore | ZarrGroup, path: string, opts: OpenOptions = {}): Promise<ZarrArray> {
  const { store, base, cache } = resolveParent(where, opts);
  const p = joinKey(base, path);
  const meta = parseArrayMetadata(await readJson(store, p, opts.signal), `${store.url}/${joinKey(p, 'zarr.json')}`);
  return {
    store,
    path: p,
    meta,
    shape: meta.shape,
    dataType: meta.dataType,
    layout: layoutOf(meta),
    indexCache: cache ?? new ShardIndexCache(opts.indexCacheSize),
  };
}

/** Opens the group at `path`; arrays opened through it share one shard-index cache. */
export async function openGroup(where: ByteStore | ZarrGroup, path = '', opts: OpenOptions = {}): Promise<ZarrGroup> {
  const { store, base, cache } = resolveParent(where, opts);
  const p = joinKey(base, path);
  const meta = parseGroupMetadata(await readJson(store, p, opts.signal), `${store.url}/${joinKey(p, 'zarr.json')}`);
  return { store, path: p, meta, attributes: meta.attributes, indexCache: cache ?? new ShardIndexCache(opts.indexCacheSize) };
}

/** Narrows an array to a data type (`if (hasDataType(a, 'uint32')) readAll(a)` → Uint32Array). */
export function hasDataType<D extends DataType>(array: ZarrArray, dtype: D): array is ZarrArray<D> {
  return array.dataType === dtype;
}

/** Store key of the outer chunk (shard) at fused coordinates `coords`. */
export function outerChunkKey(array: ZarrArray, coords: readonly number[]): string {
  return joinKey(array.path, chunkKey(array.meta.chunkKeyEncoding, outerKeyCoords(array.layout, coords)));
}

/** The shard size the writer recorded in zarr.json for the outer chunk at `coords` (size-hints.ts). */
export function outerChunkSizeHint(array: ZarrArray, coords: readonly number[]): number | undefined {
  return shardSizeHint(array.meta.attributes, chunkKey(array.meta.chunkKeyEncoding, outerKeyCoords(array.layout, coords)));
}

function resolveParent(where: ByteStore | ZarrGroup, opts: OpenOptions): { store: ByteStore; base: string; cache?: ShardIndexCache } {
  if ('meta' in where) return { store: where.store, base: where.path, cache: opts.indexCache ?? where.indexCache };
  return { store: where, base: '', cache: opts.indexCache };
}

async function readJson(store: ByteStore, path: string, signal?: AbortSignal): Promise<unknown> {
  throwIfAborted(signal, path);
  const key = joinKey(path, 'zarr.json');
  const bytes = await store.get(key, { signal });
  if (!bytes) throw new NotFoundError('no zarr.json (not a zarr v3 node)', { where: `${store.url}/${key}` });
  return parseJsonBytes(bytes, `${store.url}/${key}`);
}
