// LeafSlots (values + per-layer validity/offsets) → apache-arrow Data, for a field tree.
//
// A field at distance j above a leaf takes its validity (and, for lists, its offsets) from layer
// j of its *first* leaf's slots — every leaf repeats its ancestors' structure, Lance reads it from
// the first one too. Leaves turn their Block into Arrow buffers: fixed values become the type's
// typed array, booleans are packed into a bitmap, strings get Int32/BigInt64 offsets.
// Fields with no stored leaf (added by schema evolution after the fragment was written) read as
// all-null arrays of the right type and length.
import * as arrow from 'apache-arrow';
import { CorruptDataError, UnsupportedError } from '../errors.js';
import { gatherBlock, type Block } from './blocks.js';
import { rememberDictionary } from '../arrow/dictionary-origin.js';
import type { LayerSlots } from './repdef.js';
import type { LanceField } from './schema.js';
import type { LeafSlots } from './slots.js';

/** Packs 0/1 bytes into an Arrow validity bitmap; returns [bitmap, nullCount]. */
export function packBits(bits: Uint8Array, n: number): [Uint8Array, number] {
  const out = new Uint8Array(((n + 63) >> 6) << 3);
  let ones = 0;
  for (let i = 0; i < n; i++) {
    if (bits[i]) {
      out[i >> 3]! |= 1 << (i & 7);
      ones++;
    }
  }
  return [out, n - ones];
}

function validityOf(slots: LayerSlots | undefined, n: number): { nullBitmap?: Uint8Array; nullCount: number } {
  if (!slots?.validity) return { nullCount: 0 };
  const [nullBitmap, nullCount] = packBits(slots.validity, n);
  return nullCount === 0 ? { nullCount: 0 } : { nullBitmap, nullCount };
}

/**
 * The bytes typed as the Arrow type's storage array: a view when they are suitably aligned
 * (decoded blocks are immutable, so sharing is safe), else a copy.
 */
function typedValues(type: arrow.DataType, bytes: Uint8Array, byteLength: number): ArrayBufferView {
  const Ctor = (type as unknown as { ArrayType: { new (b: ArrayBufferLike, o: number, n: number): ArrayBufferView; BYTES_PER_ELEMENT: number } }).ArrayType;
  const size = Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % size === 0) return new Ctor(bytes.buffer, bytes.byteOffset, byteLength / size);
  const buf = new ArrayBuffer(byteLength);
  new Uint8Array(buf).set(bytes.subarray(0, byteLength));
  return new Ctor(buf, 0, byteLength / size);
}

/** Keys of a Dictionary type as its index type's array (values < 2^32). */
function dictionaryKeys(type: arrow.Dictionary, indices: Uint32Array): ArrayBufferView {
  const Ctor = (type.indices as unknown as { ArrayType: { new (n: number): ArrayBufferView; from(x: Iterable<number | bigint>): ArrayBufferView } }).ArrayType;
  if (Ctor === (BigInt64Array as unknown) || Ctor === (BigUint64Array as unknown)) {
    const out = new Ctor(indices.length) as BigInt64Array;
    for (let i = 0; i < indices.length; i++) out[i] = BigInt(indices[i]!);
    return out;
  }
  if (Ctor === Uint32Array) return indices;
  const out = new Ctor(indices.length) as Int32Array;
  out.set(indices);
  return out;
}

/**
 * Arrow Data of a Dictionary column. Pages store the Arrow dictionary and keys (a `dict` block);
 * plain values (a page written without a dictionary) become their own dictionary.
 */
function dictionaryData(type: arrow.Dictionary, block: Block, slots: LayerSlots | undefined, where: string): arrow.Data {
  const length = block.length;
  if (block.kind === 'none') return nullData(type, length, slots);
  let indices: Uint32Array;
  let dict: Block;
  if (block.kind === 'dict') {
    indices = block.indices;
    dict = block.dict;
  } else {
    indices = new Uint32Array(length);
    for (let i = 0; i < length; i++) indices[i] = i;
    dict = block;
  }
  const dictionary = arrow.makeVector(dict.kind === 'none' ? nullData(type.dictionary, dict.length) : leafData(type.dictionary, dict, undefined, where));
  if (dict.length > 0 && type.indices.bitWidth < 32 && dict.length > 2 ** (type.indices.bitWidth - (type.indices.isSigned ? 1 : 0))) {
    throw new CorruptDataError(`dictionary of ${dict.length} entries does not fit ${type.indices} keys`, { where });
  }
  const data = dictionaryKeys(type, indices);
  return arrow.makeData({ type, length, ...validityOf(slots, length), data: data as Int32Array, dictionary } as never);
}

/** Arrow Data for a leaf's values (validity from `slots`). */
function leafData(type: arrow.DataType, stored: Block, slots: LayerSlots | undefined, where: string): arrow.Data {
  const length = stored.length;
  if (arrow.DataType.isDictionary(type)) return dictionaryData(type, stored, slots, where);
  // Dictionary-encoded pages of plain columns: materialize the values of the rows kept.
  const block = stored.kind === 'dict' ? gatherBlock(stored.dict, stored.indices, where) : stored;
  const v = validityOf(slots, length);
  if (block.kind === 'none') return nullData(type, length, slots);
  if (arrow.DataType.isBool(type)) {
    // Full-zip pages store a bool as one byte per value (bits_per_value 8): a 1-byte fixed block.
    const bytes = block.kind === 'bits' || (block.kind === 'fixed' && block.width === 1);
    if (!bytes) throw new CorruptDataError(`boolean column decoded to ${block.kind} values`, { where });
    return arrow.makeData({ type, length, ...v, data: packBits(block.data, length)[0] });
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type) || arrow.DataType.isLargeUtf8(type) || arrow.DataType.isLargeBinary(type)) {
    if (block.kind !== 'var') throw new CorruptDataError(`string column decoded to ${block.kind} values`, { where });
    const large = arrow.DataType.isLargeUtf8(type) || arrow.DataType.isLargeBinary(type);
    const base = block.offsets[0]!;
    const end = block.offsets[length]!;
    let valueOffsets: Int32Array | BigInt64Array;
    if (large) {
      valueOffsets = new BigInt64Array(length + 1);
      for (let i = 0; i <= length; i++) valueOffsets[i] = BigInt(block.offsets[i]! - base);
    } else {
      if (end - base > 0x7fffffff) throw new UnsupportedError('more than 2 GiB of strings in one batch', { feature: 'utf8 > 2GiB', where });
      // Offsets from 0 (every whole page) below 2^31 are the same bits as Int32: a view, no loop.
      // The loop ran over every row of a batch in code a fresh page still interprets (~20 ms of
      // the page thread for 200,000 uids).
      valueOffsets = base === 0 ? new Int32Array(block.offsets.buffer, block.offsets.byteOffset, length + 1) : rebased(block.offsets, base, length + 1);
    }
    const data = block.data.subarray(base, end);
    const out = arrow.makeData({ type: type as arrow.Utf8, length, ...v, valueOffsets: valueOffsets as Int32Array, data });
    if (stored.kind === 'dict' && stored.dict.kind === 'var') rememberDictionary(out as arrow.Data<arrow.Utf8>, { indices: stored.indices, offsets: stored.dict.offsets, data: stored.dict.data });
    return out;
  }
  if (arrow.DataType.isFixedSizeList(type)) {
    if (block.kind !== 'fsl' || block.dim !== type.listSize) throw new CorruptDataError(`vector column decoded to ${block.kind} values`, { where });
    const childType = type.children[0]!.type;
    const childSlots: LayerSlots | undefined = block.validity ? { isList: false, count: block.child.length, validity: block.validity } : undefined;
    const child = leafData(childType, block.child, childSlots, where);
    return arrow.makeData({ type, length, ...v, child });
  }
  if (block.kind !== 'fixed') throw new CorruptDataError(`${type} column decoded to ${block.kind} values`, { where });
  const data = typedValues(type, block.data, length * block.width);
  return arrow.makeData({ type: type as arrow.Int32, length, ...v, data: data as Int32Array });
}

function rebased(offsets: Uint32Array, base: number, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = offsets[i]! - base;
  return out;
}

/** An all-null array of `type` (children empty or all-null as Arrow requires). */
export function nullData(type: arrow.DataType, length: number, slots?: LayerSlots): arrow.Data {
  const nullBitmap = new Uint8Array(((length + 63) >> 6) << 3);
  const common = { type, length, nullCount: length, nullBitmap };
  if (slots?.validity) Object.assign(common, validityOf(slots, length));
  if (arrow.DataType.isNull(type)) return arrow.makeData({ type, length });
  if (arrow.DataType.isDictionary(type)) {
    const data = dictionaryKeys(type, new Uint32Array(length));
    return arrow.makeData({ ...common, type, data: data as Int32Array, dictionary: arrow.makeVector(nullData(type.dictionary, 0)) } as never);
  }
  if (arrow.DataType.isStruct(type)) {
    return arrow.makeData({ ...common, type, children: type.children.map((f) => nullData(f.type, length)) });
  }
  if (arrow.DataType.isList(type)) {
    return arrow.makeData({ ...common, type, valueOffsets: new Int32Array(length + 1), child: nullData(type.children[0]!.type, 0) });
  }
  if (arrow.DataType.isFixedSizeList(type)) {
    return arrow.makeData({ ...common, type, child: nullData(type.children[0]!.type, length * type.listSize) });
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) {
    return arrow.makeData({ ...common, type: type as arrow.Utf8, valueOffsets: new Int32Array(length + 1), data: new Uint8Array(0) });
  }
  if (arrow.DataType.isLargeUtf8(type) || arrow.DataType.isLargeBinary(type)) {
    return arrow.makeData({ ...common, type: type as arrow.LargeUtf8, valueOffsets: new BigInt64Array(length + 1), data: new Uint8Array(0) });
  }
  if (arrow.DataType.isBool(type)) return arrow.makeData({ ...common, type, data: new Uint8Array(nullBitmap.length) });
  const Ctor = (type as unknown as { ArrayType: new (n: number) => ArrayBufferView }).ArrayType;
  const stride = arrow.DataType.isDecimal(type) ? type.bitWidth / 32 : 1;
  return arrow.makeData({ ...common, type: type as arrow.Int32, data: new Ctor(length * stride) as Int32Array });
}

/** Leaf fields of a subtree in order (a leaf has no children; fixed-size lists are leaves). */
export function leavesOf(f: LanceField): LanceField[] {
  return f.children.length === 0 ? [f] : f.children.flatMap(leavesOf);
}

/**
 * Builds the Arrow Data of field `f` from the decoded leaves (by field id). `length` is the slot
 * count the parent expects, used when no leaf under `f` was stored.
 */
export function buildField(f: LanceField, leaves: Map<number, LeafSlots>, length: number, where: string): arrow.Data {
  if (f.type instanceof UnsupportedError) throw f.type;
  const type = f.type;
  const first = firstStoredLeaf(f, leaves);
  if (!first) return nullData(type, length);
  const slots = first.slots.layers[first.depth];
  if (!slots || slots.count !== length) {
    throw new CorruptDataError(`field ${f.name}: ${slots?.count} slots where ${length} were expected`, { where });
  }
  if (first.depth === 0) return leafData(type, first.slots.values, slots, `${where} field ${f.name}`);
  const v = validityOf(slots, length);
  if (arrow.DataType.isStruct(type)) {
    const children = f.children.map((c) => buildField(c, leaves, length, where));
    return arrow.makeData({ type, length, ...v, children });
  }
  if (arrow.DataType.isList(type)) {
    if (!slots.offsets) throw new CorruptDataError(`list field ${f.name} without offsets`, { where });
    const child = buildField(f.children[0]!, leaves, slots.offsets[length]!, where);
    return arrow.makeData({ type, length, ...v, valueOffsets: rebase(slots.offsets), child });
  }
  throw new UnsupportedError(`nested ${type}`, { feature: String(type), where });
}

function rebase(offsets: Int32Array): Int32Array {
  const base = offsets[0]!;
  if (base === 0) return offsets;
  return offsets.map((o) => o - base);
}

function firstStoredLeaf(f: LanceField, leaves: Map<number, LeafSlots>): { slots: LeafSlots; depth: number } | undefined {
  if (f.children.length === 0) {
    const s = leaves.get(f.id);
    return s ? { slots: s, depth: 0 } : undefined;
  }
  for (const c of f.children) {
    const r = firstStoredLeaf(c, leaves);
    if (r) return { slots: r.slots, depth: r.depth + 1 };
  }
  return undefined;
}
