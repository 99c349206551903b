// File format 2.0 columns → LeafSlots, one top-level field at a time.
//
// Unlike 2.1+, a 2.0 file has a column for *every* field in pre-order, parents included:
//   struct column  pages `{struct:{}}` with no buffers (2.0 cannot store null structs)
//   list column    per page, u64 end offsets of the page's lists relative to the items the page
//                  references (the first list starts at 0); v ≥ null_offset_adjustment = null list
//                  with end v - adjustment. Page k's items follow those of pages 0..k-1 in the
//                  item column, whose pages have their own (unrelated) boundaries.
//   leaf column    values (see array.ts)
// We decode the whole column of every field in the subtree and express each leaf with the same
// LayerSlots the 2.1 path produces (leaf at index 0, top-level field last).
import { CorruptDataError, UnsupportedError } from '../../errors.js';
import { concatBlocks, type Block } from '../blocks.js';
import type { ColumnMetadataProto } from '../proto/file2.js';
import { decodeArrayEncoding } from '../proto/encodings20.js';
import type { LayerSlots } from '../repdef.js';
import type { LanceField } from '../schema.js';
import type { LeafSlots } from '../slots.js';
import { decodeArray20 } from './array.js';

export const ARRAY_ENCODING_URL = 'lance.encodings.ArrayEncoding';

export interface Column20 {
  meta: ColumnMetadataProto;
  /** Buffers of each page, fetched. */
  pageBuffers: Uint8Array[][];
  where: string;
}

function pageEncoding(col: Column20, i: number) {
  const enc = col.meta.pages[i]!.encoding;
  const where = `${col.where} page ${i}`;
  if (!enc || !enc.typeUrl.endsWith(ARRAY_ENCODING_URL)) {
    throw new UnsupportedError(`page encoding ${enc?.typeUrl ?? 'none'} in a 2.0 file`, { feature: enc?.typeUrl ?? 'no encoding', where });
  }
  return { enc: decodeArrayEncoding(enc.value, where), where };
}

function leafColumn(col: Column20, dictionaryColumn: boolean): { values: Block; validity?: Uint8Array; count: number } {
  const values: Block[] = [];
  const validity: (Uint8Array | undefined)[] = [];
  let count = 0;
  col.meta.pages.forEach((p, i) => {
    const { enc, where } = pageEncoding(col, i);
    const d = decodeArray20(enc, col.pageBuffers[i]!, p.length, where, dictionaryColumn);
    values.push(d.values);
    validity.push(d.validity);
    count += p.length;
  });
  return { values: concatBlocks(values, col.where), validity: joinValidity(validity, col.meta.pages.map((p) => p.length)), count };
}

function joinValidity(parts: (Uint8Array | undefined)[], lens: number[]): Uint8Array | undefined {
  if (parts.every((p) => !p)) return undefined;
  const out = new Uint8Array(lens.reduce((a, b) => a + b, 0));
  let at = 0;
  parts.forEach((p, i) => {
    if (p) out.set(p.subarray(0, lens[i]!), at);
    else out.fill(1, at, at + lens[i]!);
    at += lens[i]!;
  });
  return out;
}

function listColumn(col: Column20): LayerSlots {
  const total = col.meta.pages.reduce((s, p) => s + p.length, 0);
  const offsets = new Int32Array(total + 1);
  const validity = new Uint8Array(total);
  let anyNull = false;
  let row = 0;
  let itemBase = 0;
  col.meta.pages.forEach((p, i) => {
    const { enc, where } = pageEncoding(col, i);
    const list = enc.kind === 'nullable' && enc.nulls === 'none' ? enc.values : enc;
    if (list?.kind !== 'list') throw new UnsupportedError(`2.0 list column page encoded as ${list?.kind}`, { feature: `2.0 list page ${list?.kind}`, where });
    const ends = decodeArray20(list.offsets, col.pageBuffers[i]!, p.length, where).values;
    if (ends.kind !== 'fixed' || ends.width !== 8) throw new CorruptDataError('2.0 list offsets are not u64', { where });
    const v = new DataView(ends.data.buffer, ends.data.byteOffset, ends.data.byteLength);
    const adj = list.nullOffsetAdjustment;
    let prev = 0;
    for (let k = 0; k < p.length; k++) {
      let end = Number(v.getBigUint64(k * 8, true));
      let valid = 1;
      if (adj > 0 && end >= adj) {
        end -= adj;
        valid = 0;
        anyNull = true;
      }
      if (end < prev || end > list.numItems) throw new CorruptDataError(`list end offset ${end} out of order`, { where });
      validity[row] = valid;
      offsets[row + 1] = itemBase + end;
      prev = end;
      row++;
    }
    itemBase += list.numItems;
  });
  return { isList: true, count: total, validity: anyNull ? validity : undefined, offsets };
}

/**
 * Decodes field `f` (and its subtree) from 2.0 columns. `columnOf(fieldId)` gives the fetched
 * column, or undefined if the file does not store that field (then its leaves are left out).
 */
export function decodeField20(f: LanceField, columnOf: (fieldId: number) => Column20 | undefined, where: string): Map<number, LeafSlots> {
  const out = new Map<number, LeafSlots>();
  const walk = (field: LanceField, above: LayerSlots[]): void => {
    const col = columnOf(field.id);
    if (!col) return;
    const rows = col.meta.pages.reduce((s, p) => s + p.length, 0);
    const expected = above.length === 0 ? rows : childCount(above[0]!);
    if (field.children.length === 0) {
      const leaf = leafColumn(col, field.logicalType.startsWith('dict:'));
      if (leaf.count !== expected) throw new CorruptDataError(`column of ${field.name} has ${leaf.count} values, ${expected} expected`, { where });
      out.set(field.id, { layers: [{ isList: false, count: leaf.count, validity: leaf.validity }, ...above], values: leaf.values });
      return;
    }
    if (field.logicalType === 'struct') {
      if (rows !== expected) throw new CorruptDataError(`struct column of ${field.name} has ${rows} rows, ${expected} expected`, { where });
      const layer: LayerSlots = { isList: false, count: rows };
      field.children.forEach((c) => walk(c, [layer, ...above]));
      return;
    }
    if (field.logicalType.startsWith('list')) {
      const layer = listColumn(col);
      if (layer.count !== expected) throw new CorruptDataError(`list column of ${field.name} has ${layer.count} rows, ${expected} expected`, { where });
      walk(field.children[0]!, [layer, ...above]);
      return;
    }
    throw new UnsupportedError(`2.0 nested type ${field.logicalType}`, { feature: `2.0 ${field.logicalType}`, where });
  };
  walk(f, []);
  return out;
}

function childCount(parent: LayerSlots): number {
  return parent.isList ? parent.offsets![parent.count]! : parent.count;
}
