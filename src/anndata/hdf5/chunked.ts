// Chunked + deflate (gzip) storage: the data split into chunks along the first dimension, each
// compressed with zlib, located through a version-1 B-tree — what HDF5 1.8+ (h5py's
// `compression="gzip"`) writes with a v3 layout message.
//
// Layout message (0x0008) version 3, class 2 (chunked):
//   03 02 | rank+1 (u8) | B-tree address (u64) | chunk dims, rank+1 × u32 (the last = element size)
//   e.g. int32 [100] in chunks of 30 → 03 02 02 | <addr> | 1e 00 00 00 | 04 00 00 00
//
// Filter Pipeline message (0x000B) version 2, one filter:
//   02 01 | filter id 1 = deflate (u16) | flags 1 = optional (u16, as h5py) | 1 client value (u16) |
//   level (u32)                               → 02 01 01 00 01 00 01 00 06 00 00 00
//   (readers ignore the level; CompressionStream has none, so we record zlib's default, 6).
//
// B-tree v1 node for chunks ("TREE", node type 1), K = 32 (the default: no superblock extension),
// always allocated for 2K = 64 children:
//   "TREE" | type 1 | level (0 = leaf) | entries used (u16) | left sibling (u64) | right sibling (u64)
//   key 0 | child 0 | key 1 | child 1 | … | key n   (then unused space up to 64 children)
//   key = compressed chunk size (u32) | filter mask (u32, 0 = all filters applied) |
//         chunk offset in elements, rank+1 × u64 (the last, for the element "dimension", = 0)
//   children of leaves are chunk addresses, of level-L nodes the level L−1 nodes. Key i is the
//   first chunk offset under child i; the final key repeats the last chunk's offset with the
//   element dimension set to the element size — exactly HDF5's own "right-most" key. HDF5 finds a
//   chunk by binary search for the child whose key range holds its (lexicographic) offset.
//
// Edge chunks are stored whole (padded with zeros), as HDF5 expects; chunks are whole rows
// (every dimension but the first is not split), so chunk i's offset is [i·rows, 0, …].
import { concatBytes } from '../../io/bytes.js';
import { ByteWriter, UNDEF_ADDRESS } from './bytes.js';

export const FILTER_PIPELINE = 0x000b;
const K = 32;
const MAX_CHILDREN = 2 * K;

/** Chunk rows for a dataset: whole rows, about `targetBytes` per chunk, at most the row count. */
export function chunkRows(shape: readonly number[], elementSize: number, targetBytes = 1 << 20): number {
  const rowBytes = shape.slice(1).reduce((a, b) => a * b, elementSize);
  return Math.max(1, Math.min(shape[0]!, Math.floor(targetBytes / rowBytes)));
}

export function encodeChunkedLayout(btreeAddress: number, chunkShape: readonly number[], elementSize: number): Uint8Array {
  const w = new ByteWriter(11 + 4 * (chunkShape.length + 1));
  w.u8(3).u8(2).u8(chunkShape.length + 1).u64(btreeAddress);
  for (const d of chunkShape) w.u32(d);
  return w.u32(elementSize).finish();
}

export function encodeDeflatePipeline(): Uint8Array {
  return new ByteWriter(12).u8(2).u8(1).u16(1).u16(1).u16(1).u32(6).finish();
}

/** Fill value message for chunked data, as HDF5 writes it: incremental allocation (03 03). */
export function encodeChunkedFillValue(): Uint8Array {
  return new Uint8Array([3, 0x03]);
}

/** Bytes of one B-tree node (fixed by K and the dataset's rank). */
export function btreeNodeSize(rank: number): number {
  return 24 + MAX_CHILDREN * 8 + (MAX_CHILDREN + 1) * keySize(rank);
}

function keySize(rank: number): number {
  return 8 + 8 * (rank + 1);
}

export interface ChunkEntry {
  address: number;
  size: number;
  /** First-dimension offset (elements) of the chunk. */
  row: number;
}

/**
 * The B-tree over `chunks` (in order) as nodes placed from `start` on, leaves first; returns the
 * encoded nodes (each btreeNodeSize(rank) bytes) and the root's address.
 */
export function buildChunkBTree(chunks: readonly ChunkEntry[], rank: number, elementSize: number, start: number): { nodes: Uint8Array[]; root: number } {
  const nodeSize = btreeNodeSize(rank);
  const nodes: Uint8Array[] = [];
  let address = start;
  // Each entry of a level: its first key (row + size + mask) and its address; plus the level's final key.
  type Entry = { row: number; size: number; address: number };
  let level: Entry[] = chunks.map((c) => ({ row: c.row, size: c.size, address: c.address }));
  const last = chunks[chunks.length - 1]!;
  let depth = 0;
  for (;;) {
    const groups: Entry[][] = [];
    for (let i = 0; i < level.length; i += MAX_CHILDREN) groups.push(level.slice(i, i + MAX_CHILDREN));
    const first = address;
    const next: Entry[] = [];
    groups.forEach((children, g) => {
      const w = new ByteWriter(nodeSize);
      w.u8(0x54).u8(0x52).u8(0x45).u8(0x45).u8(1).u8(depth).u16(children.length);
      w.u64(g > 0 ? first + (g - 1) * nodeSize : UNDEF_ADDRESS);
      w.u64(g < groups.length - 1 ? first + (g + 1) * nodeSize : UNDEF_ADDRESS);
      for (const c of children) {
        writeKey(w, depth === 0 ? c.size : 0, c.row, rank, 0);
        w.u64(c.address);
      }
      const after = groups[g + 1]?.[0];
      if (after) writeKey(w, 0, after.row, rank, 0);
      else writeKey(w, 0, last.row, rank, elementSize); // HDF5's right-most key
      w.zeros(nodeSize - w.length);
      nodes.push(w.finish());
      next.push({ row: children[0]!.row, size: 0, address: first + g * nodeSize });
    });
    address = first + groups.length * nodeSize;
    if (next.length === 1) return { nodes, root: next[0]!.address };
    level = next;
    depth++;
  }
}

function writeKey(w: ByteWriter, size: number, row: number, rank: number, elementDim: number): void {
  w.u32(size).u32(0).u64(row);
  for (let d = 1; d < rank; d++) w.u64(0);
  w.u64(elementDim);
}

/**
 * zlib-compresses `data` (HDF5's deflate filter format) with the platform's CompressionStream.
 * Each call costs a stream set-up (~1 ms in Node), so chunks should not be tiny (default ~1 MiB).
 */
export async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const cs = new CompressionStream('deflate');
  const writer = cs.writable.getWriter();
  const written = writer.write(data as Uint8Array<ArrayBuffer>).then(() => writer.close());
  const reader = cs.readable.getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  await written;
  return parts.length === 1 ? parts[0]! : concatBytes(parts);
}
