/**
 * A minimal, pure HDF5 writer: exactly what h5py/anndata need to read `.h5ad` / `.h5mu` files, and
 * nothing more. No I/O and no dependencies — it runs in browsers, workers and Node, and returns a
 * `Uint8Array` (`H5File.toBytes`) or streams chunks to a sink (`H5File.writeTo`).
 *
 * Supported: nested groups; contiguous datasets (scalar and N-D) of int8…int64, uint8…uint64,
 * float32/64 (little-endian), h5py booleans (HDF5 enum {FALSE: 0, TRUE: 1} over int8) and
 * variable-length UTF-8 strings; optionally chunked + deflate ("gzip") numeric datasets
 * (chunked.ts: v1 B-tree chunk index, CompressionStream); attributes of all those types on groups
 * and datasets (scalars and arrays, including empty string arrays); a user block (MuData's
 * preamble); files > 4 GiB. Not supported: other filters, fixed-length strings, compound types,
 * references, soft/external links, resizable datasets, modifying or reading files.
 *
 * Format choice — superblock version 2, version-2 object headers, compact link storage: the
 * layout HDF5 ≥ 1.8 writes with `libver="v108"` (h5py: `h5py.File(..., libver="v108")`), read by
 * every HDF5 since 1.8.0 (2008), hence by h5py 3 (HDF5 ≥ 1.10), anndata, R/Julia HDF5 bindings
 * and h5wasm. Compared with superblock v0 (symbol-table groups), groups need no local heap, no
 * version-1 B-tree and no symbol table nodes: a group is one object header holding one Link
 * message per child, whatever their number, so nothing ever splits or rebalances. The price is a
 * Jenkins lookup3 checksum on the superblock and on each object header (checksum.ts, ~40 lines).
 * Addresses and lengths are 8 bytes everywhere. Every message was checked byte for byte against
 * files h5py 3.7 / HDF5 1.10.8 writes with libver="v108" (the tests read ours back with h5py,
 * anndata 0.8 and h5wasm). Only gzip datasets use a (version-1, chunk) B-tree, built bottom-up.
 *
 * Files: bytes.ts (LE writer), checksum.ts (lookup3), datatype.ts (message 0x0003),
 * messages/{dataspace,fill-value,layout,attribute,links}.ts (0x0001, 0x0005, 0x0008, 0x000C,
 * 0x0002/0x000A/0x0006), object-header.ts ("OHDR"), global-heap.ts ("GCOL", vlen strings),
 * superblock.ts, values.ts (dtype/shape/data model), chunked.ts (layout class 2, filter pipeline
 * 0x000B, "TREE" nodes, deflate), file-builder.ts (tree, layout, output).
 *
 * Example:
 *   const f = new H5File();
 *   f.root.setAttr('encoding-type', 'anndata');
 *   const g = f.root.createGroup('obs');
 *   g.setAttr('column-order', ['flag']);
 *   g.createDataset('flag', bools([true, false]));
 *   g.createDataset('n', array(Int32Array.of(1, 2, 3, 4), [2, 2]));
 *   g.createDataset('big', new Float32Array(1e7), { compression: 'gzip' });
 *   const bytes = await f.toBytes();        // or: await f.writeTo(chunk => …)
 */
export { H5File, H5Group, H5Dataset, type DatasetOptions, type H5FileOptions, type SerializedFile, type ByteSink } from './file-builder.js';
export { array, bools, strings, scalar, dtypeOf, type H5Value, type NumericValue, type StringValue, type ValueLike, type ByteSource } from './values.js';
export type { DType, NumericDType, IntDType, FloatDType } from './datatype.js';
