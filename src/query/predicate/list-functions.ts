// List functions: array_has (array_contains, list_has), array_has_any / array_has_all (list_has_any,
// arrays_overlap / list_has_all), array_length (cardinality) and list literals (make_array, `[…]`).
// array_has(list, v) is NULL for a NULL list or needle, TRUE if a non-NULL item equals v, else FALSE —
// NULL items never match and never make the result NULL (DataFusion 50). Items compare as arrow-rs's
// `eq` does: floats by total order (NaN = NaN, -0 != 0), integers exactly.
//
// array_has_any / array_has_all compare items as DataFusion's row format does (probed against
// LanceDB 0.39): a NULL item equals a NULL item, floats by total order. A NULL list on either side
// gives NULL — except when the needles are the literal `[]`: DataFusion then answers FALSE (any) /
// TRUE (all) for every row without looking at the lists (bind-calls.ts folds it). (It does the same for
// a needle column whose every row in a batch is empty or NULL, so its answer there depends on how
// the rows were batched; we answer such rows one by one, as it does in every other batch.)

import { castV } from './cast-vector.js';
import { compareV } from './compare.js';
import { isBig, type DType, type Value } from './types.js';
import { F, fromValues, gather, isValid, N, stringsVector, T, valueAt, type ListV, type V } from './vectors.js';

/** make_array(a, b, …): one list per row (one row when every item is a constant). */
export function makeArrayV(items: V[], item: DType): ListV {
  const m = items.length;
  const n = items.reduce((k, x) => Math.max(k, x.n), 1);
  const vals: Value[] = new Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) vals[i * m + j] = valueAt(items[j]!, i);
  const offsets = Float64Array.from({ length: n + 1 }, (_, i) => i * m);
  return { k: 'list', n, valid: null, offsets, values: vectorOf(vals, item) };
}

function vectorOf(vals: Value[], t: DType): V {
  if (t.id === 'null') return { k: 'null', n: vals.length };
  if (t.id === 'utf8') return stringsVector(vals as (string | null)[]);
  if (t.id === 'bool') return fromValues(vals, 'bool');
  return fromValues(vals, isBig(t) ? 'big' : 'num');
}

const NULL_ITEM = Symbol('NULL item');
type Key = number | bigint | string | typeof NULL_ITEM;

/**
 * Item k as a Set key: equal keys for the items the row format calls equal (-0 is not 0; NaN is
 * NaN). Integers are bigint keys whether a vector holds them as numbers or bigints.
 */
function keyAt(x: V, k: number, ints: boolean): Key {
  switch (x.k) {
    case 'num': {
      if (!isValid(x.valid, k)) return NULL_ITEM;
      const v = x.v[k]!;
      return ints ? BigInt(v) : Object.is(v, -0) ? '-0' : v;
    }
    case 'big':
      return isValid(x.valid, k) ? x.v[k]! : NULL_ITEM;
    case 'str':
      return isValid(x.valid, k) ? x.get(k) : NULL_ITEM;
    case 'bool':
      return x.v[k] === N ? NULL_ITEM : x.v[k]!;
    default:
      return NULL_ITEM;
  }
}

/**
 * array_has_any (`all` false) / array_has_all (`all` true) of two lists whose items were converted
 * to one comparison type. A length-1 side broadcasts.
 */
export function arrayHasSetV(hayList: V, needleList: V, items: [DType, DType], cmp: DType, all: boolean): V {
  const n = Math.max(hayList.n, needleList.n);
  if (hayList.k !== 'list' || needleList.k !== 'list') return { k: 'bool', n, v: new Uint8Array(n).fill(N) };
  const ints = cmp.id === 'int';
  const hay: ListV = { ...hayList, values: itemsIn(hayList, items[0], cmp) };
  const needles: ListV = { ...needleList, values: itemsIn(needleList, items[1], cmp) };
  const out = new Uint8Array(n);
  const setOf = (l: ListV, j: number): Set<Key> => {
    const s = new Set<Key>();
    for (let k = l.offsets[j]!; k < l.offsets[j + 1]!; k++) s.add(keyAt(l.values, k, ints));
    return s;
  };
  // One needle list for every row (a literal): its set is built once and each row's items looked up.
  const fixed = needles.n === 1 && isValid(needles.valid, 0) ? setOf(needles, 0) : undefined;
  const hayFixed = hay.n === 1 && isValid(hay.valid, 0) ? setOf(hay, 0) : undefined;
  for (let i = 0; i < n; i++) {
    const h = hay.n === 1 ? 0 : i;
    const d = needles.n === 1 ? 0 : i;
    if (!isValid(hay.valid, h) || !isValid(needles.valid, d)) {
      out[i] = N;
      continue;
    }
    if (fixed && !hayFixed) {
      // items of this row that are needles: any one (any), or every distinct needle (all)
      const seen = new Set<Key>();
      const want = all ? fixed.size : 1;
      for (let k = hay.offsets[h]!; k < hay.offsets[h + 1]! && seen.size < want; k++) {
        const key = keyAt(hay.values, k, ints);
        if (fixed.has(key)) seen.add(key);
      }
      out[i] = seen.size >= want ? T : F;
      continue;
    }
    const have = hayFixed ?? setOf(hay, h);
    let hit = all;
    for (let k = needles.offsets[d]!; k < needles.offsets[d + 1]!; k++) {
      if (have.has(keyAt(needles.values, k, ints)) !== all) {
        hit = !all;
        break;
      }
    }
    out[i] = hit ? T : F;
  }
  return { k: 'bool', n, v: out };
}

/** The items of a list vector in the comparison type. */
function itemsIn(l: ListV, item: DType, cmp: DType): V {
  const same = item.id === cmp.id && (item.id !== 'float' || (item as { bits: number }).bits === (cmp as { bits: number }).bits);
  return same || item.id === 'null' ? l.values : castV(l.values, item, cmp, false);
}

export function arrayHasV(list: V, needle: V, item: DType, cmp: DType): V {
  const n = Math.max(list.n, needle.n);
  if (list.k !== 'list' || needle.k === 'null') return { k: 'bool', n, v: new Uint8Array(n).fill(N) };
  const l = list as ListV;
  const items = itemsIn(l, item, cmp);
  const out = new Uint8Array(n);
  const scalar = needle.n === 1;
  // one comparison of every item against a constant needle; else item by item against its row's needle
  const eqAll = scalar ? compareV('=', items, needle, cmp, false) : null;
  for (let i = 0; i < n; i++) {
    const j = l.n === 1 ? 0 : i;
    if (!isValid(l.valid, j) || valueAt(needle, i) === null) {
      out[i] = N;
      continue;
    }
    let hit = false;
    for (let k = l.offsets[j]!; k < l.offsets[j + 1]! && !hit; k++) {
      if (eqAll) hit = eqAll.v[eqAll.n === 1 ? 0 : k] === T;
      else hit = compareV('=', itemAt(items, k), itemAt(needle, i), cmp, false).v[0] === T;
    }
    out[i] = hit ? T : F;
  }
  return { k: 'bool', n, v: out };
}

/** Row k of x as a length-1 vector. */
function itemAt(x: V, k: number): V {
  switch (x.k) {
    case 'num':
      return { k: 'num', n: 1, v: x.v instanceof Float32Array ? x.v.subarray(k, k + 1) : [x.v[k]!], valid: isValid(x.valid, k) ? null : Uint8Array.of(0) };
    case 'big':
      return { k: 'big', n: 1, v: [x.v[k]!], valid: isValid(x.valid, k) ? null : Uint8Array.of(0) };
    case 'str':
      return { k: 'str', n: 1, valid: isValid(x.valid, k) ? null : Uint8Array.of(0), get: () => x.get(k) };
    case 'bool':
      return { k: 'bool', n: 1, v: x.v.subarray(k, k + 1) };
    default:
      return { k: 'null', n: 1 };
  }
}

/** Number of items (NULL items count); NULL for a NULL list. */
/** array_element(list, i) / `list[i]`: item i, 1-based, negative from the end; NULL for 0, past the end, a NULL list or index. */
export function arrayElementV(list: V, index: V): V {
  const n = Math.max(list.n, index.n);
  if (list.k !== 'list' || index.k === 'null') return { k: 'null', n };
  const at = new Float64Array(n);
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = list.n === 1 ? 0 : i;
    const k = valueAt(index, index.n === 1 ? 0 : i);
    if (!isValid(list.valid, r) || k === null) continue;
    const start = list.offsets[r]!;
    const len = list.offsets[r + 1]! - start;
    const j = Number(k) > 0 ? Number(k) - 1 : Number(k) < 0 ? len + Number(k) : -1;
    if (j < 0 || j >= len) continue;
    at[i] = start + j;
    valid[i] = 1;
  }
  return gather(list.values, at, valid); // a NULL item stays NULL (gather keeps the child's validity)
}

export function arrayLengthV(list: V): V {
  if (list.k !== 'list') return { k: 'null', n: list.n };
  const n = list.n;
  const v = new BigUint64Array(n);
  for (let i = 0; i < n; i++) v[i] = BigInt(list.offsets[i + 1]! - list.offsets[i]!);
  return { k: 'big', n, v, valid: list.valid };
}
