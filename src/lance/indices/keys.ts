// Index keys: reading key values out of Arrow data and comparing them with query values in the
// order Lance sorts them (numbers numerically, 64-bit integers as BigInt, strings by code point —
// the same as UTF-8 byte order, which Rust's `str` ordering uses; JS `<` on strings compares
// UTF-16 units and disagrees for characters above U+FFFF).
import * as arrow from 'apache-arrow';
import { stringsAt } from '../../arrow/columns.js';
import { QueryError, UnsupportedError } from '../../errors.js';

export type IndexValue = number | bigint | string | boolean | Date;
export type Key = number | bigint | string;

/** Query predicates an index can answer. Bounds of `range` default to inclusive. */
export type IndexQuery =
  | { op: 'eq'; value: IndexValue }
  | { op: 'in'; values: IndexValue[] }
  | { op: 'range'; lower?: IndexValue; upper?: IndexValue; lowerInclusive?: boolean; upperInclusive?: boolean }
  | { op: 'isNull' };

/**
 * Key order. Numbers follow arrow-rs / DataFusion's float order (IEEE totalOrder), in which NaN sorts
 * after +Infinity, so `f > 1` matches NaN rows with and without an index, as in LanceDB. (A
 * negative NaN, which sorts first there, cannot be told apart once read into a JS number; it is
 * taken as NaN. Zeros compare equal: index queries compare with literals, and LanceDB makes
 * -0 = +0 for a zero literal.)
 */
export function compareKeys(a: Key, b: Key): number {
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (typeof a === 'number' && typeof b === 'number' && (a !== a || b !== b)) return a !== a ? (b !== b ? 0 : 1) : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (U+D800–DFFF, i.e. a code point ≥ U+10000) sorts after every BMP character.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

type KeyKind = 'number' | 'bigint' | 'string' | 'bool' | 'temporal';

export function keyKind(type: arrow.DataType, where: string): KeyKind {
  if (arrow.DataType.isInt(type)) return type.bitWidth === 64 ? 'bigint' : 'number';
  if (arrow.DataType.isFloat(type)) return 'number';
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) return 'string';
  if (arrow.DataType.isBool(type)) return 'bool';
  if (arrow.DataType.isTimestamp(type) || arrow.DataType.isDate(type)) return 'temporal';
  throw new UnsupportedError(`index lookups on ${type} keys`, { feature: `index key ${type}`, where });
}

/** Reads key i of a vector as a comparable value (null for nulls). Temporal keys: raw storage. */
export function keyReader(v: arrow.Vector, kind: KeyKind): (i: number) => Key | null {
  if (kind === 'temporal') {
    // Compare the stored integers (days, or time units since the epoch) exactly.
    const datas = v.data;
    return (i) => {
      let k = i;
      for (const d of datas) {
        if (k < d.length) {
          if (!d.getValid(k)) return null;
          const x = (d.values as unknown as ArrayLike<number | bigint>)[d.offset + k]!;
          return typeof x === 'bigint' ? x : BigInt(x);
        }
        k -= d.length;
      }
      return null;
    };
  }
  if (kind === 'string') {
    // All keys decoded at once from the buffers (a btree page holds thousands): Vector.get decodes one by one.
    const all = stringsAt(v);
    return (i) => all[i] ?? null;
  }
  return (i) => {
    const x = v.get(i) as unknown;
    if (x === null || x === undefined) return null;
    if (kind === 'bool') return x ? 1 : 0;
    return x as Key;
  };
}

/** A query value as a key comparable with `kind` keys of `type`. */
export function queryKey(value: IndexValue, kind: KeyKind, type: arrow.DataType, where: string): Key {
  const bad = (): never => {
    throw new QueryError(`value ${String(value)} cannot be compared with ${type} keys`, { where });
  };
  switch (kind) {
    case 'number':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      return bad();
    case 'bigint':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      if (typeof value === 'number') return bad();
      return bad();
    case 'string':
      return typeof value === 'string' ? value : bad();
    case 'bool':
      return typeof value === 'boolean' ? (value ? 1 : 0) : bad();
    case 'temporal': {
      const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : typeof value === 'bigint' ? value : bad();
      if (typeof ms === 'bigint') return ms;
      return BigInt(Math.round(ms * temporalPerMs(type)));
    }
  }
}

/** Storage units per millisecond for dates/timestamps (query values are ms or Dates). */
function temporalPerMs(type: arrow.DataType): number {
  if (arrow.DataType.isDate(type)) return type.unit === arrow.DateUnit.DAY ? 1 / 86_400_000 : 1;
  const unit = (type as arrow.Timestamp).unit;
  return unit === arrow.TimeUnit.SECOND ? 1e-3 : unit === arrow.TimeUnit.MILLISECOND ? 1 : unit === arrow.TimeUnit.MICROSECOND ? 1e3 : 1e6;
}

/**
 * Compiled predicate over keys, plus an overlap test for [min, max] page ranges. Nulls sort
 * first, so a page holding nulls and values has min = null (read: unbounded below); a page of
 * only nulls has max = null too.
 */
export interface KeyPredicate {
  matches(k: Key | null): boolean;
  overlaps(min: Key | null, max: Key | null, nullCount: number): boolean;
}

export function compile(q: IndexQuery, toKey: (v: IndexValue) => Key): KeyPredicate {
  switch (q.op) {
    case 'isNull':
      return { matches: (k) => k === null, overlaps: (_a, _b, nulls) => nulls > 0 };
    case 'eq':
    case 'in': {
      const keys = (q.op === 'eq' ? [q.value] : q.values).map(toKey).sort(compareKeys);
      const set = new Set(keys);
      return {
        matches: (k) => k !== null && set.has(k),
        overlaps: (min, max) => max !== null && keys.some((x) => (min === null || compareKeys(min, x) <= 0) && compareKeys(x, max) <= 0),
      };
    }
    case 'range': {
      const lo = q.lower === undefined ? undefined : toKey(q.lower);
      const hi = q.upper === undefined ? undefined : toKey(q.upper);
      const loInc = q.lowerInclusive ?? true;
      const hiInc = q.upperInclusive ?? true;
      const inRange = (k: Key) => {
        if (lo !== undefined) {
          const c = compareKeys(k, lo);
          if (c < 0 || (c === 0 && !loInc)) return false;
        }
        if (hi !== undefined) {
          const c = compareKeys(k, hi);
          if (c > 0 || (c === 0 && !hiInc)) return false;
        }
        return true;
      };
      return {
        matches: (k) => k !== null && inRange(k),
        overlaps: (min, max) =>
          max !== null && (hi === undefined || min === null || compareKeys(min, hi) <= 0) && (lo === undefined || compareKeys(max, lo) >= 0),
      };
    }
  }
}
