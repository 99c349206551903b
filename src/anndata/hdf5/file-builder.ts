// An in-memory HDF5 tree (groups, datasets, attributes) and its serialization into file bytes.
//
// File layout we produce (addresses relative to the base address = the user block size):
//
//   [user block]        optional, e.g. MuData's 512-byte text preamble (base address = its size)
//   superblock v2       48 bytes at the base address
//   global heap         all vlen strings (attribute values and string datasets), in tree order
//   raw data            each non-empty dataset's elements, contiguous, 8-byte aligned, tree order;
//                       for gzip datasets their compressed chunks followed by their chunk B-tree
//   object headers      post-order (children before parents, the root group last), so that each
//                       header is encoded once with every address it points to already known
//
// Nothing is written before every address is known (so gzip datasets are compressed first, and
// held compressed in memory), and uncompressed numeric data is never copied: a serialization is a
// list of chunks (header bytes, heap collections, views of the caller's typed arrays) that is
// either concatenated once (`toBytes`) or handed to a sink in order (`writeTo`), which is how
// files larger than one ArrayBuffer (> 4 GiB) are written. All offsets are u64.
import { concatBytes } from '../../io/bytes.js';
import { align8, UNDEF_ADDRESS } from './bytes.js';
import { elementSize, encodeDatatype, VLEN_ELEMENT_SIZE } from './datatype.js';
import { GlobalHeapWriter } from './global-heap.js';
import { encodeObjectHeader, type HeaderMessage } from './object-header.js';
import { encodeSuperblock, SUPERBLOCK_SIZE } from './superblock.js';
import { ATTRIBUTE, encodeAttribute } from './messages/attribute.js';
import { DATASPACE, encodeDataspace } from './messages/dataspace.js';
import { encodeFillValue, FILL_VALUE } from './messages/fill-value.js';
import { encodeContiguousLayout, LAYOUT } from './messages/layout.js';
import { encodeGroupInfo, encodeHardLink, encodeLinkInfo, GROUP_INFO, LINK, LINK_INFO } from './messages/links.js';
import { checkValue, littleEndianBytes, toValue, type ByteSource, type H5Value, type NumericValue, type ValueLike } from './values.js';
import {
  buildChunkBTree, chunkRows as defaultChunkRows, deflate, encodeChunkedFillValue, encodeChunkedLayout, encodeDeflatePipeline, FILTER_PIPELINE, type ChunkEntry,
} from './chunked.js';
import { InvalidInputError, UnsupportedError } from '../../errors.js';

const DATATYPE = 0x0003;

abstract class H5Object {
  readonly attrs = new Map<string, H5Value>();
  constructor(readonly path: string) {}

  /** Sets (or replaces) an attribute. See `ValueLike` for how JS values map to HDF5 types. */
  setAttr(name: string, value: ValueLike): this {
    checkName(name, this.path);
    const v = { ...checkValue(toValue(value), `${this.path} attribute ${name}`) }; // own object: heap refs are per use
    if (!ArrayBuffer.isView(v.data) && v.dtype !== 'string') {
      throw new InvalidInputError('attribute data must be an array, not a ByteSource', { where: `${this.path} attribute ${name}` });
    }
    this.attrs.set(name, v);
    return this;
  }
}

export interface DatasetOptions {
  /**
   * Store the data chunked (whole rows along the first dimension, ~1 MiB per chunk unless
   * `chunkRows` says) and deflate-compressed, like h5py's `compression="gzip"`. Numeric and bool
   * data only; ignored for strings and empty datasets.
   */
  compression?: 'gzip';
  chunkRows?: number;
}

export class H5Dataset extends H5Object {
  constructor(path: string, readonly value: H5Value, readonly options: DatasetOptions = {}) {
    super(path);
  }

  /** Rows per chunk when stored chunked + compressed, else undefined (contiguous). */
  get chunkRows(): number | undefined {
    const v = this.value;
    if (this.options.compression !== 'gzip' || v.dtype === 'string' || v.shape.length === 0) return undefined;
    if (v.shape.some((d) => d === 0)) return undefined;
    const rows = this.options.chunkRows ?? defaultChunkRows(v.shape, elementSize(v.dtype));
    return Math.max(1, Math.min(v.shape[0]!, Math.floor(rows)));
  }
}

export class H5Group extends H5Object {
  readonly children = new Map<string, H5Group | H5Dataset>();

  createGroup(name: string): H5Group {
    return this.add(name, new H5Group(join(this.path, name)));
  }

  createDataset(name: string, value: ValueLike, options: DatasetOptions = {}): H5Dataset {
    const path = join(this.path, name);
    return this.add(name, new H5Dataset(path, { ...checkValue(toValue(value), path) }, options));
  }

  get(name: string): H5Group | H5Dataset | undefined {
    return this.children.get(name);
  }

  private add<T extends H5Group | H5Dataset>(name: string, child: T): T {
    checkName(name, this.path);
    if (this.children.has(name)) throw new InvalidInputError(`"${name}" already exists`, { where: this.path });
    this.children.set(name, child);
    return child;
  }
}

export interface H5FileOptions {
  /**
   * Bytes to put before the HDF5 data (HDF5's "user block"), e.g. MuData's text preamble. Padded
   * with zeros to 512, 1024, 2048… bytes (HDF5 looks for the superblock at those offsets).
   */
  userBlock?: Uint8Array;
}

/** A serialized file: its size and its bytes as an ordered list of chunks. */
export interface SerializedFile {
  byteLength: number;
  /** The bytes in file order; chunks may be views of the caller's arrays — do not mutate them. */
  chunks(): Generator<Uint8Array>;
}

/** A receiver of file bytes, called in order; awaited when it returns a promise. */
export type ByteSink = (chunk: Uint8Array) => void | Promise<void>;

export class H5File {
  readonly root = new H5Group('/');
  private readonly userBlock: Uint8Array | undefined;

  constructor(options: H5FileOptions = {}) {
    if (options.userBlock) {
      let size = 512;
      while (size < options.userBlock.length) size *= 2;
      this.userBlock = new Uint8Array(size);
      this.userBlock.set(options.userBlock);
    }
  }

  /**
   * Lays the file out (compressing chunked datasets first: async); the tree may still change
   * afterwards, each call lays out anew.
   */
  async serialize(): Promise<SerializedFile> {
    return serialize(this.root, this.userBlock, await compressAll(this.root));
  }

  /** The whole file as one array (at most one ArrayBuffer: use writeTo for larger files). */
  async toBytes(): Promise<Uint8Array> {
    const s = await this.serialize();
    let out: Uint8Array;
    try {
      out = new Uint8Array(s.byteLength);
    } catch (e) {
      throw new UnsupportedError(`a ${s.byteLength}-byte file does not fit one ArrayBuffer here; use writeTo(sink)`, { feature: 'hdf5 file in one buffer' }, { cause: e });
    }
    let pos = 0;
    for (const c of s.chunks()) {
      out.set(c, pos);
      pos += c.length;
    }
    if (pos !== s.byteLength) throw new Error(`internal: wrote ${pos} of ${s.byteLength} bytes`);
    return out;
  }

  /** Streams the file to `sink` in order (no copy of dataset data). */
  async writeTo(sink: ByteSink): Promise<void> {
    for (const c of (await this.serialize()).chunks()) await sink(c);
  }
}

interface Block {
  address: number;
  data: Uint8Array | ByteSource;
  byteLength: number;
  path: string;
}

/** Compressed chunks of every chunked dataset, in order. */
type Compressed = Map<H5Dataset, Uint8Array[]>;

async function compressAll(root: H5Group): Promise<Compressed> {
  const out: Compressed = new Map();
  const datasets: H5Dataset[] = [];
  walk(root, (o) => {
    if (o instanceof H5Dataset && o.chunkRows !== undefined) datasets.push(o);
  });
  for (const d of datasets) {
    const v = d.value as NumericValue;
    const rows = d.chunkRows!;
    const chunkBytes = rows * v.shape.slice(1).reduce((a, b) => a * b, elementSize(v.dtype));
    const total = v.shape.reduce((a, b) => a * b, elementSize(v.dtype));
    const source = ArrayBuffer.isView(v.data) ? [littleEndianBytes(v.data)] : sourceChunks(v.data.chunks(), total, d.path);
    // Up to 4 chunks in flight (the platform's zlib runs off the main thread where it can).
    const pending: Promise<Uint8Array>[] = [];
    const done: Uint8Array[] = [];
    for (const piece of fixedPieces(source, chunkBytes)) {
      const p = deflate(piece);
      p.catch(() => {}); // rejections surface when awaited below, not as unhandled
      pending.push(p);
      if (pending.length >= 4) done.push(await pending.shift()!);
    }
    for (const p of pending) done.push(await p);
    out.set(d, done);
  }
  return out;
}

/** Re-cuts a byte stream into pieces of `size` bytes, the last zero-padded to `size`. */
function* fixedPieces(source: Iterable<Uint8Array>, size: number): Generator<Uint8Array> {
  let partial: Uint8Array | undefined;
  let filled = 0;
  for (let chunk of source) {
    while (chunk.length > 0) {
      if (!partial && chunk.length >= size) {
        yield chunk.subarray(0, size); // a view: no copy for whole chunks of one array
        chunk = chunk.subarray(size);
        continue;
      }
      partial ??= new Uint8Array(size);
      const n = Math.min(size - filled, chunk.length);
      partial.set(chunk.subarray(0, n), filled);
      filled += n;
      chunk = chunk.subarray(n);
      if (filled === size) {
        yield partial;
        partial = undefined;
        filled = 0;
      }
    }
  }
  if (partial) yield partial;
}

function serialize(root: H5Group, userBlock: Uint8Array | undefined, compressed: Compressed): SerializedFile {
  const base = userBlock?.length ?? 0;
  let cursor = SUPERBLOCK_SIZE;

  // 1. Strings → global heap collections; each string value gets its 16-byte references.
  const heap = new GlobalHeapWriter(cursor);
  const refs = new Map<H5Value, Uint8Array>();
  const addStrings = (v: H5Value): void => {
    if (v.dtype !== 'string') return;
    const out = new Uint8Array(v.data.length * VLEN_ELEMENT_SIZE);
    const view = new DataView(out.buffer);
    for (let i = 0; i < v.data.length; i++) heap.add(v.data[i]!, view, i * VLEN_ELEMENT_SIZE);
    refs.set(v, out);
  };
  walk(root, (o) => {
    for (const v of o.attrs.values()) addStrings(v);
    if (o instanceof H5Dataset) addStrings(o.value);
  });
  heap.finish();
  cursor += heap.byteLength;

  // 2. Raw data blocks (chunked datasets: their compressed chunks, then their B-tree).
  const blocks: Block[] = [];
  const dataAddress = new Map<H5Dataset, { address: number; size: number }>();
  walk(root, (o) => {
    if (!(o instanceof H5Dataset)) return;
    const v = o.value;
    const chunks = compressed.get(o);
    if (chunks) {
      const rows = o.chunkRows!;
      const entries: ChunkEntry[] = chunks.map((c, i) => {
        blocks.push({ address: cursor, data: c, byteLength: c.length, path: o.path });
        cursor += c.length;
        return { address: cursor - c.length, size: c.length, row: i * rows };
      });
      cursor = align8(cursor);
      const tree = buildChunkBTree(entries, v.shape.length, elementSize(v.dtype), cursor);
      for (const node of tree.nodes) {
        blocks.push({ address: cursor, data: node, byteLength: node.length, path: o.path });
        cursor += node.length;
      }
      dataAddress.set(o, { address: tree.root, size: 0 });
      return;
    }
    const size = v.shape.reduce((a, b) => a * b, 1) * elementSize(v.dtype);
    if (size === 0) {
      dataAddress.set(o, { address: UNDEF_ADDRESS, size: 0 });
      return;
    }
    cursor = align8(cursor);
    const data = v.dtype === 'string' ? refs.get(v)! : ArrayBuffer.isView(v.data) ? littleEndianBytes(v.data) : v.data;
    blocks.push({ address: cursor, data, byteLength: size, path: o.path });
    dataAddress.set(o, { address: cursor, size });
    cursor += size;
  });

  // 3. Object headers, children first.
  const headers: Uint8Array[] = [];
  const headersStart = cursor;
  const encode = (o: H5Group | H5Dataset): number => {
    const messages: HeaderMessage[] = [];
    if (o instanceof H5Group) {
      const links: HeaderMessage[] = [];
      for (const [name, child] of o.children) links.push({ type: LINK, body: encodeHardLink(name, encode(child)) });
      messages.push({ type: LINK_INFO, body: encodeLinkInfo() }, { type: GROUP_INFO, flags: 1, body: encodeGroupInfo() }, ...links);
    } else {
      const v = o.value;
      const { address, size } = dataAddress.get(o)!;
      messages.push({ type: DATASPACE, body: encodeDataspace(v.shape) }, { type: DATATYPE, flags: 1, body: encodeDatatype(v.dtype) });
      const rows = compressed.has(o) ? o.chunkRows! : undefined;
      if (rows === undefined) {
        messages.push({ type: FILL_VALUE, flags: 1, body: encodeFillValue() }, { type: LAYOUT, body: encodeContiguousLayout(address, size) });
      } else {
        messages.push(
          { type: FILL_VALUE, flags: 1, body: encodeChunkedFillValue() },
          { type: FILTER_PIPELINE, flags: 1, body: encodeDeflatePipeline() },
          { type: LAYOUT, body: encodeChunkedLayout(address, [rows, ...v.shape.slice(1)], elementSize(v.dtype)) },
        );
      }
    }
    for (const [name, v] of o.attrs) {
      const data = v.dtype === 'string' ? refs.get(v)! : littleEndianBytes(v.data as never);
      messages.push({ type: ATTRIBUTE, body: encodeAttribute(name, encodeDatatype(v.dtype), encodeDataspace(v.shape), data, o.path) });
    }
    const header = encodeObjectHeader(messages, o.path);
    const address = cursor;
    headers.push(header);
    cursor += header.length;
    return address;
  };
  const rootAddress = encode(root);
  const byteLength = base + cursor;
  const superblock = encodeSuperblock({ baseAddress: base, eofAddress: byteLength, rootAddress });

  return {
    byteLength,
    *chunks() {
      if (userBlock) yield userBlock;
      yield superblock;
      yield* heap.collections;
      let pos = SUPERBLOCK_SIZE + heap.byteLength;
      for (const b of blocks) {
        if (b.address > pos) yield new Uint8Array(b.address - pos);
        if (b.data instanceof Uint8Array) yield b.data;
        else yield* sourceChunks(b.data.chunks(), b.byteLength, b.path);
        pos = b.address + b.byteLength;
      }
      if (headersStart !== pos) throw new Error('internal: header start mismatch');
      yield concatBytes(headers);
    },
  };
}

function* sourceChunks(chunks: Iterable<Uint8Array>, size: number, where: string): Generator<Uint8Array> {
  let n = 0;
  for (const c of chunks) {
    n += c.length;
    if (n > size) break;
    yield c;
  }
  if (n !== size) throw new InvalidInputError(`ByteSource yielded ${n} bytes, expected ${size}`, { where });
}

function walk(g: H5Group, visit: (o: H5Group | H5Dataset) => void): void {
  visit(g);
  for (const child of g.children.values()) {
    if (child instanceof H5Group) walk(child, visit);
    else visit(child);
  }
}

function join(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

function checkName(name: string, where: string): void {
  if (name === '' || name === '.' || name.includes('/') || name.includes('\0')) {
    throw new InvalidInputError(`invalid HDF5 name ${JSON.stringify(name)}`, { where });
  }
}
