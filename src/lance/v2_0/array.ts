// File format 2.0 page decoding: one ArrayEncoding tree → values + validity.
//
// 2.0 pages are self-describing trees over page buffers (Buffer{buffer_index}):
//   nullable{no_nulls{values} | some_nulls{validity: Flat(1), values} | all_nulls}
//   flat{bits_per_value, buffer}                 raw LE values (bits 1 = LSB-first bitmap)
//   binary{indices, bytes, null_adjustment}      indices are u64 *end* offsets, one per value,
//        the first value starts at 0; v ≥ null_adjustment means null with end = v - null_adjustment
//        Example: ends [3, 3+A, 5] with A = 6 → "abc", null, "de" over bytes "abcde".
//   dictionary{indices: Flat(8), items: binary}  index 0 = null, k = items[k-1]   (utf8 columns)
//   dictionary{indices: Flat(key bits), items}   dictionary-typed columns (Arrow Dictionary):
//        the Arrow keys as written, 0-based; a null row points at a null item the writer appends
//        to the items. Example: keys [0, 2, 1], items ["a", "b", null] → "a", null, "b".
//   fixed_size_list{dimension, items}            items hold n*dimension values
//   constant{value}, fixed_size_binary{bytes, byte_width}
// List offsets and struct pages are handled by the column assembler (v2_0/field.ts).
import { CorruptDataError, UnsupportedError } from '../../errors.js';
import { dictBlock, fixedIndexReader, gatherBlock, toUint32, type Block } from '../blocks.js';
import { decodeFlat, unpackBits } from '../encodings/flat.js';
import type { ArrayEncoding } from '../proto/encodings20.js';

export interface Decoded20 {
  values: Block;
  /** 0/1 per value; undefined = all valid. */
  validity?: Uint8Array;
}

function buffer(buffers: Uint8Array[], ref: { index: number; type: number }, where: string): Uint8Array {
  if (ref.type !== 0) throw new UnsupportedError(`2.0 ${ref.type === 1 ? 'column' : 'file'} buffers`, { feature: `Buffer.buffer_type=${ref.type}`, where });
  const b = buffers[ref.index];
  if (!b) throw new CorruptDataError(`page buffer ${ref.index} does not exist (page has ${buffers.length})`, { where });
  return b;
}

/**
 * Decodes one 2.0 page. `dictionaryColumn`: the page belongs to a dictionary-typed field, so a
 * `dictionary` encoding holds 0-based Arrow keys and stays a dictionary block.
 */
export function decodeArray20(e: ArrayEncoding | undefined, buffers: Uint8Array[], n: number, where: string, dictionaryColumn = false): Decoded20 {
  switch (e?.kind) {
    case 'nullable':
      if (e.nulls === 'all') return { values: { kind: 'none', length: n }, validity: new Uint8Array(n) };
      if (e.nulls === 'none') {
        const inner = decodeArray20(e.values, buffers, n, where, dictionaryColumn);
        return dictionaryColumn ? inner : { values: inner.values };
      }
      {
        const validity = decodeArray20(e.validity, buffers, n, where).values;
        if (validity.kind !== 'bits') throw new CorruptDataError('2.0 validity is not a bitmap', { where });
        const inner = decodeArray20(e.values, buffers, n, where, dictionaryColumn);
        return { values: inner.values, validity: inner.validity ? and(validity.data, inner.validity) : validity.data };
      }
    case 'flat':
      if (e.compression) throw new UnsupportedError(`2.0 flat buffers compressed with ${e.compression}`, { feature: `2.0 Flat.compression=${e.compression}`, where });
      if (e.bitsPerValue === 1) return { values: unpackBits(buffer(buffers, e.buffer, where), n, where) };
      return { values: decodeFlat(buffer(buffers, e.buffer, where), e.bitsPerValue, n, where) };
    case 'binary':
      return decodeBinary(e, buffers, n, where);
    case 'dictionary': {
      if (dictionaryColumn) return decodeKeys(e, buffers, n, where);
      const idx = decodeArray20(e.indices, buffers, n, where).values;
      const read = fixedIndexReader(idx, where);
      const items = decodeArray20(e.items, buffers, e.numDictionaryItems, where).values;
      const indices = new Uint32Array(n);
      const validity = new Uint8Array(n);
      let nulls = 0;
      for (let i = 0; i < n; i++) {
        const k = read(i);
        if (k === 0) nulls++;
        else {
          if (k > e.numDictionaryItems) throw new CorruptDataError(`dictionary index ${k} of ${e.numDictionaryItems}`, { where });
          indices[i] = k - 1;
          validity[i] = 1;
        }
      }
      return { values: gatherBlock(items, indices, where), validity: nulls ? validity : undefined };
    }
    case 'fixedSizeList': {
      const items = decodeArray20(e.items, buffers, n * e.dimension, where);
      return { values: { kind: 'fsl', dim: e.dimension, child: items.values, validity: items.validity, length: n } };
    }
    case 'constant': {
      const w = e.value.length;
      const data = new Uint8Array(n * w);
      for (let i = 0; i < n; i++) data.set(e.value, i * w);
      return { values: { kind: 'fixed', width: w, data, length: n } };
    }
    case 'fixedSizeBinary': {
      const bytes = decodeArray20(e.bytes, buffers, n * e.byteWidth, where).values;
      if (bytes.kind !== 'fixed') throw new CorruptDataError('fixed-size binary bytes are not fixed-width', { where });
      return { values: { kind: 'fixed', width: e.byteWidth, data: bytes.data, length: n } };
    }
    default: {
      const name = e === undefined ? 'missing' : e.kind === 'unsupported' ? e.name : e.kind;
      throw new UnsupportedError(`2.0 ${name} encoding`, { feature: `ArrayEncoding.${name}`, where });
    }
  }
}

/** A dictionary-typed page: keys stay keys; a key is null where its item is (or is out of range). */
function decodeKeys(e: Extract<ArrayEncoding, { kind: 'dictionary' }>, buffers: Uint8Array[], n: number, where: string): Decoded20 {
  const keys = decodeArray20(e.indices, buffers, n, where);
  if (keys.values.kind !== 'fixed') throw new CorruptDataError(`2.0 dictionary keys decoded to ${keys.values.kind} values`, { where });
  const items = decodeArray20(e.items, buffers, e.numDictionaryItems, where);
  if (items.values.length !== e.numDictionaryItems) throw new CorruptDataError(`dictionary has ${items.values.length} items, ${e.numDictionaryItems} expected`, { where });
  const indices = toUint32(keys.values, where);
  let validity: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const k = indices[i]!;
    const valid = k < e.numDictionaryItems && (!items.validity || items.validity[k] === 1) && (!keys.validity || keys.validity[i] === 1);
    if (!valid) (validity ??= new Uint8Array(n).fill(1))[i] = 0;
  }
  return { values: dictBlock(indices, items.values), validity };
}

function and(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & b[i]!;
  return out;
}

function decodeBinary(e: Extract<ArrayEncoding, { kind: 'binary' }>, buffers: Uint8Array[], n: number, where: string): Decoded20 {
  const idx = decodeArray20(e.indices, buffers, n, where).values;
  if (idx.kind !== 'fixed' || idx.width !== 8) throw new CorruptDataError('2.0 binary indices are not u64', { where });
  const v = new DataView(idx.data.buffer, idx.data.byteOffset, idx.data.byteLength);
  const adj = e.nullAdjustment;
  const offsets = new Uint32Array(n + 1);
  const validity = new Uint8Array(n);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    let end = Number(v.getBigUint64(i * 8, true));
    if (adj > 0 && end >= adj) {
      end -= adj;
      nulls++;
    } else validity[i] = 1;
    if (end < offsets[i]!) throw new CorruptDataError(`binary end offset ${end} before ${offsets[i]}`, { where });
    offsets[i + 1] = end;
  }
  const total = offsets[n]!;
  let data: Uint8Array = new Uint8Array(0);
  if (total > 0) {
    const bytes = e.bytes;
    if (bytes?.kind !== 'flat') throw new UnsupportedError('2.0 binary bytes not stored flat', { feature: `2.0 binary bytes ${bytes?.kind}`, where });
    // As for flat values: compressed bytes (lance-encoding:compression in 2.0) are refused, never read as they are.
    if (bytes.compression) throw new UnsupportedError(`2.0 binary bytes compressed with ${bytes.compression}`, { feature: `2.0 Flat.compression=${bytes.compression}`, where });
    data = buffer(buffers, bytes.buffer, where);
    if (data.length < total) throw new CorruptDataError(`binary data has ${data.length} bytes, offsets need ${total}`, { where });
  }
  return { values: { kind: 'var', offsets, data: data.subarray(0, total), length: n }, validity: nulls ? validity : undefined };
}
