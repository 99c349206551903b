// Repetition/definition levels → per-layer slots (validity and list offsets).
//
// A 2.1+ leaf column stores one (rep, def) pair per "level". `layers` lists the nesting from the
// leaf outwards (innermost first), one RepDefLayer per struct/list/leaf. Definition levels number
// the ways a level can stop early, counting inner→outer: NULLABLE_ITEM / NULLABLE_LIST take one
// value (null), EMPTYABLE_LIST one (empty), NULL_AND_EMPTY_LIST two (null, then empty), ALL_VALID_*
// none; def 0 = valid all the way down. Repetition counts lists: rep == max_rep starts a new row,
// rep == k < max_rep starts a new element of the (k+1)-th innermost list.
//
// Worked example, `struct<a: list<int32>>` (layers [NULLABLE_ITEM(int), NULL_AND_EMPTY_LIST(a),
// NULLABLE_ITEM(struct)], so def 1 = null int, 2 = null list, 3 = empty list, 4 = null struct):
//   rows   {a:[1,null]}  {a:[]}  null   {a:null}
//   rep     1 0          1       1      1
//   def     0 1          3       4      2
// gives struct slots [valid, valid, null, valid], list slots [valid(2), valid(0), null(0),
// null(0)] with offsets [0,2,2,2,2], and item slots [1, null]. A level owns a leaf slot only if it
// reaches the leaf layer without crossing a null/empty list (it is "visible").
//
// We turn levels into `LayerSlots` — Arrow's own shape — so later steps (concatenating pages,
// slicing rows, building Arrow Data) never look at levels again.
import { CorruptDataError } from '../errors.js';
import { RepDefLayer } from './proto/encodings21.js';

export interface LayerSlots {
  isList: boolean;
  /** Number of slots (Arrow array length) at this layer. */
  count: number;
  /** 0/1 per slot; undefined = all valid. */
  validity?: Uint8Array;
  /** List layers: count+1 offsets into the next inner layer's slots. */
  offsets?: Int32Array;
}

export const isListLayer = (l: number): boolean =>
  l === RepDefLayer.AllValidList || l === RepDefLayer.NullableList || l === RepDefLayer.EmptyableList || l === RepDefLayer.NullAndEmptyList;

interface DefMeaning {
  layer: number;
  empty: boolean;
}

function defMeanings(layers: number[], where: string): DefMeaning[] {
  const out: DefMeaning[] = [{ layer: -1, empty: false }];
  layers.forEach((l, j) => {
    switch (l) {
      case RepDefLayer.NullableItem:
      case RepDefLayer.NullableList:
        out.push({ layer: j, empty: false });
        break;
      case RepDefLayer.EmptyableList:
        out.push({ layer: j, empty: true });
        break;
      case RepDefLayer.NullAndEmptyList:
        out.push({ layer: j, empty: false }, { layer: j, empty: true });
        break;
      case RepDefLayer.AllValidItem:
      case RepDefLayer.AllValidList:
        break;
      default:
        throw new CorruptDataError(`unknown rep/def layer ${l}`, { where });
    }
  });
  return out;
}

/** Highest def value that still owns a leaf slot (the def levels of layers inside the innermost list). */
export function maxVisibleDef(layers: number[]): number {
  let d = 0;
  for (const l of layers) {
    if (isListLayer(l)) break;
    if (l === RepDefLayer.NullableItem) d++;
  }
  return d;
}

/**
 * Rebuilds the slots of every layer from `numLevels` levels. `rep`/`def` may be undefined (all
 * zero / every level a new row). Returns one LayerSlots per layer, index 0 = leaf.
 */
export function unravel(layers: number[], rep: Uint16Array | undefined, def: Uint16Array | undefined, numLevels: number, where: string): LayerSlots[] {
  const n = layers.length;
  if (n === 0) throw new CorruptDataError('page has no rep/def layers', { where });
  const isList = layers.map(isListLayer);
  const maxRep = isList.filter(Boolean).length;
  if (maxRep === 0 && n === 1) {
    // Flat column: one slot per level.
    return [{ isList: false, count: numLevels, validity: def ? validityFromDef(def, numLevels) : undefined }];
  }
  if (maxRep > 0 && !rep) throw new CorruptDataError('list column without repetition levels', { where });
  if (maxRep === 0) return unravelStructs(layers, def, numLevels, where);
  const meanings = defMeanings(layers, where);
  const listLayers: number[] = [];
  isList.forEach((b, j) => b && listLayers.push(j));
  // Layer where a level with rep r starts emitting slots.
  const startFor = (r: number): number => (r >= maxRep ? n - 1 : listLayers[r]! - 1);

  const counts = new Int32Array(n);
  const validity = layers.map(() => new Uint8Array(numLevels));
  const offsets = isList.map((b) => (b ? new Int32Array(numLevels + 1) : undefined));
  const anyNull = layers.map(() => false);

  for (let i = 0; i < numLevels; i++) {
    const r = rep ? rep[i]! : maxRep;
    const d = def ? def[i]! : 0;
    const m = meanings[d];
    if (m === undefined) throw new CorruptDataError(`definition level ${d} at level ${i} exceeds the ${meanings.length - 1} defined`, { where });
    if (r > maxRep) throw new CorruptDataError(`repetition level ${r} exceeds ${maxRep}`, { where });
    const start = startFor(r);
    if (m.layer > start) throw new CorruptDataError(`level ${i}: null at layer ${m.layer} but repeats inside layer ${start}`, { where });
    for (let j = start; j >= 0; j--) {
      const slot = counts[j]!;
      counts[j] = slot + 1;
      const valid = j > m.layer || (j === m.layer && m.empty);
      validity[j]![slot] = valid ? 1 : 0;
      if (!valid) anyNull[j] = true;
      if (isList[j]) {
        offsets[j]![slot] = counts[j - 1] ?? 0;
        // A list continues to its children only if it is valid and not the empty/null stop.
        if (j <= m.layer) break;
      }
    }
  }
  return layers.map((_, j) => {
    const count = counts[j]!;
    const o = offsets[j];
    if (o) o[count] = j > 0 ? counts[j - 1]! : 0;
    return {
      isList: isList[j]!,
      count,
      validity: anyNull[j] ? validity[j]!.subarray(0, count) : undefined,
      offsets: o?.subarray(0, count + 1),
    };
  });
}

/**
 * No lists: every level is one row and owns one slot at every layer. A layer's slot is valid
 * unless the level's def value stops at that layer or an outer one.
 */
function unravelStructs(layers: number[], def: Uint16Array | undefined, n: number, where: string): LayerSlots[] {
  const meanings = defMeanings(layers, where);
  const out: LayerSlots[] = layers.map(() => ({ isList: false, count: n }));
  if (!def) return out;
  // firstNull[j]: the smallest def value that makes layer j null (inner layers null too).
  const nullFrom = layers.map((_, j) => {
    const d = meanings.findIndex((m, k) => k > 0 && m.layer >= j);
    return d < 0 ? Infinity : d;
  });
  for (let i = 0; i < n; i++) if (def[i]! >= meanings.length) {
    throw new CorruptDataError(`definition level ${def[i]} at level ${i} exceeds the ${meanings.length - 1} defined`, { where });
  }
  layers.forEach((_, j) => {
    const t = nullFrom[j]!;
    if (t === Infinity) return;
    const v = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const ok = def[i]! < t ? 1 : 0;
      v[i] = ok;
      if (!ok) any = true;
    }
    if (any) out[j]!.validity = v;
  });
  return out;
}

function validityFromDef(def: Uint16Array, n: number): Uint8Array | undefined {
  let any = false;
  const v = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ok = def[i] === 0 ? 1 : 0;
    v[i] = ok;
    if (!ok) any = true;
  }
  return any ? v : undefined;
}
