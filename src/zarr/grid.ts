// The chunk geometry of an array, in a "fused" view that makes row reads cheap.
//
// Terms: an *outer chunk* is one stored object (a shard when sharded, a plain chunk otherwise);
// an *inner chunk* is the unit that is encoded and decoded (= the outer chunk when not sharded).
// Inner chunks are always encoded at full inner-chunk shape, even where they overrun the array.
//
// Fusing: trailing axes that both chunk levels cover completely (inner[j] = outer[j] = shape[j])
// are merged into the axis before them. C-order element offsets are unchanged by this, so a run of
// whole rows becomes one contiguous run inside an inner chunk. Homeobox dense arrays
// `(N, F)` chunked `(r, F)` fuse to a 1-D array of N·F elements chunked r·F: reading K rows is K
// memcpys (or fewer, when rows are adjacent), not K×F element copies.
//
//   shape (700, 2)   chunks (700, 2)   → fused shape (1400), chunks (1400)
//   shape (700, 765) chunks (175, 383) → not fusable: 765 is split across two chunks
//
// A 0-d array is viewed as shape (1) with one chunk whose key has no coordinates.

import type { ArrayMetadata } from './metadata.js';

export interface ChunkLayout {
  /** Rank of the original array (0 for scalars). */
  rank: number;
  /** Fused view: shape, outer chunk shape, inner chunk shape (all the same length, ≥ 1). */
  shape: number[];
  outer: number[];
  inner: number[];
  /** Outer chunks along each fused axis (ceil(shape / outer)). */
  outerGrid: number[];
  /** Inner chunks per outer chunk along each fused axis (outer / inner). */
  perOuter: number[];
  chunksPerShard: number;
  /** Elements in one decoded inner chunk. */
  innerElements: number;
  totalElements: number;
  sharded: boolean;
}

export function layoutOf(meta: ArrayMetadata): ChunkLayout {
  const rank = meta.shape.length;
  const shape0 = rank === 0 ? [1] : meta.shape;
  const outer0 = rank === 0 ? [1] : meta.chunkShape;
  const inner0 = meta.codecs.kind === 'sharded' ? (rank === 0 ? [1] : meta.codecs.sharding.chunkShape) : outer0;
  let k = shape0.length - 1;
  const full = (j: number) => shape0[j]! > 0 && outer0[j] === shape0[j] && inner0[j] === shape0[j];
  while (k > 0 && full(k)) k--;
  const tail = product(shape0.slice(k + 1));
  const shape = [...shape0.slice(0, k), shape0[k]! * tail];
  const outer = [...outer0.slice(0, k), outer0[k]! * tail];
  const inner = [...inner0.slice(0, k), inner0[k]! * tail];
  const perOuter = outer.map((o, i) => o / inner[i]!);
  return {
    rank,
    shape,
    outer,
    inner,
    outerGrid: shape.map((s, i) => Math.ceil(s / outer[i]!)),
    perOuter,
    chunksPerShard: product(perOuter),
    innerElements: product(inner),
    totalElements: product(shape0),
    sharded: meta.codecs.kind === 'sharded',
  };
}

/** The original-rank chunk-grid coordinates of a fused outer-chunk coordinate (for the key). */
export function outerKeyCoords(layout: ChunkLayout, fused: readonly number[]): number[] {
  if (layout.rank === 0) return [];
  const out = fused.slice();
  while (out.length < layout.rank) out.push(0);
  return out;
}

export function product(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** C-order flat index of `coords` in a grid of `shape`. */
export function ravel(coords: readonly number[], shape: readonly number[]): number {
  let idx = 0;
  for (let i = 0; i < shape.length; i++) idx = idx * shape[i]! + coords[i]!;
  return idx;
}

/** The coordinates of C-order flat index `flat` in a grid of `shape` (inverse of ravel). */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const coords = shape.map(() => 0);
  for (let d = shape.length - 1, rest = flat; d >= 0; d--) {
    coords[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return coords;
}
