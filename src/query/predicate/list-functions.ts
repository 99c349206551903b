// List functions: array_has (array_contains, list_has) and array_length (cardinality).
// array_has(list, v) is NULL for a NULL list or needle, TRUE if a non-NULL item equals v, else FALSE —
// NULL items never match and never make the result NULL (DataFusion 50). Items compare as arrow-rs's
// `eq` does: floats by total order (NaN = NaN, -0 != 0), integers exactly.

import { castV } from './cast-vector.js';
import { compareV } from './compare.js';
import type { DType } from './types.js';
import { F, isValid, N, T, valueAt, type ListV, type V } from './vectors.js';

export function arrayHasV(list: V, needle: V, item: DType, cmp: DType): V {
  const n = Math.max(list.n, needle.n);
  if (list.k !== 'list' || needle.k === 'null') return { k: 'bool', n, v: new Uint8Array(n).fill(N) };
  const l = list as ListV;
  const items = item.id === cmp.id && (item.id !== 'float' || (item as { bits: number }).bits === (cmp as { bits: number }).bits) ? l.values : castV(l.values, item, cmp, false);
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
export function arrayLengthV(list: V): V {
  if (list.k !== 'list') return { k: 'null', n: list.n };
  const n = list.n;
  const v = new BigUint64Array(n);
  for (let i = 0; i < n; i++) v[i] = BigInt(list.offsets[i + 1]! - list.offsets[i]!);
  return { k: 'big', n, v, valid: list.valid };
}
