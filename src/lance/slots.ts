// A leaf column's decoded rows: its values plus the slots of every layer above it.
//
// `LeafSlots.layers[0]` is the leaf itself (one slot per visible value), the last entry is the
// top-level field (one slot per row). Pages of a column are decoded independently (their rep/def
// meanings may differ: a page without nulls has ALL_VALID layers), turned into LeafSlots, then
// concatenated and sliced here — all in Arrow's terms (validity + offsets), never in levels.
import { CorruptDataError } from '../errors.js';
import { concatBlocks, sliceBlock, takeBlock, type Block } from './blocks.js';
import type { LayerSlots } from './repdef.js';

export interface LeafSlots {
  layers: LayerSlots[];
  values: Block;
}

export function rowCount(leaf: LeafSlots): number {
  return leaf.layers[leaf.layers.length - 1]!.count;
}

/** Rows [start, end) of a leaf. Validity and values share memory; list offsets are rebased. */
export function sliceLeaf(leaf: LeafSlots, start: number, end: number): LeafSlots {
  const n = leaf.layers.length;
  if (start === 0 && end === rowCount(leaf)) return leaf;
  const layers: LayerSlots[] = new Array(n);
  let a = start;
  let b = end;
  for (let j = n - 1; j >= 0; j--) {
    const l = leaf.layers[j]!;
    const out: LayerSlots = { isList: l.isList, count: b - a, validity: l.validity?.subarray(a, b) };
    if (l.offsets) {
      const base = l.offsets[a]!;
      const offs = new Int32Array(b - a + 1);
      for (let i = 0; i <= b - a; i++) offs[i] = l.offsets[a + i]! - base;
      out.offsets = offs;
      const na = base;
      const nb = l.offsets[b]!;
      a = na;
      b = nb;
    }
    layers[j] = out;
  }
  return { layers, values: sliceBlock(leaf.values, a, b) };
}

/** Concatenates consecutive row ranges of one leaf (e.g. several pages). */
export function concatLeaves(parts: LeafSlots[], where: string): LeafSlots {
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 0) throw new CorruptDataError('no pages to concatenate', { where });
  const n = parts[0]!.layers.length;
  for (const p of parts) {
    if (p.layers.length !== n) throw new CorruptDataError(`pages disagree on nesting depth (${n} vs ${p.layers.length})`, { where });
  }
  const layers: LayerSlots[] = [];
  for (let j = 0; j < n; j++) {
    const count = parts.reduce((s, p) => s + p.layers[j]!.count, 0);
    const isList = parts[0]!.layers[j]!.isList;
    const out: LayerSlots = { isList, count };
    if (parts.some((p) => p.layers[j]!.validity)) {
      const v = new Uint8Array(count);
      let at = 0;
      for (const p of parts) {
        const l = p.layers[j]!;
        if (l.validity) v.set(l.validity, at);
        else v.fill(1, at, at + l.count);
        at += l.count;
      }
      out.validity = v;
    }
    if (isList) {
      const offs = new Int32Array(count + 1);
      let at = 0;
      let childBase = 0;
      for (const p of parts) {
        const l = p.layers[j]!;
        if (!l.offsets) throw new CorruptDataError('list layer without offsets', { where });
        const base = l.offsets[0]!;
        for (let i = 0; i < l.count; i++) offs[at + i] = childBase + l.offsets[i]! - base;
        at += l.count;
        childBase += l.offsets[l.count]! - base;
      }
      offs[count] = childBase;
      out.offsets = offs;
    }
    layers.push(out);
  }
  return { layers, values: concatBlocks(parts.map((p) => p.values), where) };
}

/** Rows `rows[i]` of a leaf, in that order (drops deleted rows; serves take()). */
export function takeLeaf(leaf: LeafSlots, rows: Uint32Array, where: string): LeafSlots {
  const n = leaf.layers.length;
  const layers: LayerSlots[] = new Array(n);
  let idx: Uint32Array = rows;
  for (let j = n - 1; j >= 0; j--) {
    const l = leaf.layers[j]!;
    const out: LayerSlots = { isList: l.isList, count: idx.length };
    if (l.validity) {
      const v = new Uint8Array(idx.length);
      for (let i = 0; i < idx.length; i++) v[i] = l.validity[idx[i]!]!;
      out.validity = v;
    }
    if (l.offsets) {
      const offs = new Int32Array(idx.length + 1);
      let total = 0;
      for (let i = 0; i < idx.length; i++) {
        total += l.offsets[idx[i]! + 1]! - l.offsets[idx[i]!]!;
        offs[i + 1] = total;
      }
      const next = new Uint32Array(total);
      let at = 0;
      for (let i = 0; i < idx.length; i++) {
        for (let k = l.offsets[idx[i]!]!; k < l.offsets[idx[i]! + 1]!; k++) next[at++] = k;
      }
      out.offsets = offs;
      idx = next;
    }
    layers[j] = out;
  }
  return { layers, values: takeBlock(leaf.values, idx, where) };
}
