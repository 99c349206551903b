// Logical types of predicate values, and the type rules LanceDB 0.39 / DataFusion 50 apply.
// Arrow types are read by value (`typeId`, `bitWidth`, ...), never with `instanceof`: tables coming
// out of @lancedb/lancedb are built by apache-arrow's CommonJS copy.

import { isUtcZone, knownZone } from './time-zone.js';

export type TimeUnit = 's' | 'ms' | 'us' | 'ns';

export type DType =
  | { id: 'null' }
  | { id: 'bool' }
  | { id: 'int'; bits: 8 | 16 | 32 | 64; signed: boolean }
  | { id: 'float'; bits: 16 | 32 | 64 }
  | { id: 'utf8' }
  | { id: 'timestamp'; unit: TimeUnit; tz: string | null }
  | { id: 'date'; unit: 'day' | 'ms' }
  | { id: 'struct'; fields: { name: string; type: DType }[] }
  /** Arrow List: only list functions (array_has, array_length, cardinality) and IS [NOT] NULL read it. */
  | { id: 'list'; item: DType }
  | { id: 'other'; name: string };

export const NULL: DType = { id: 'null' };
export const BOOL: DType = { id: 'bool' };
export const UTF8: DType = { id: 'utf8' };
export const INT32: DType = { id: 'int', bits: 32, signed: true };
export const INT64: DType = { id: 'int', bits: 64, signed: true };
export const UINT64: DType = { id: 'int', bits: 64, signed: false };
export const FLOAT32: DType = { id: 'float', bits: 32 };
export const FLOAT64: DType = { id: 'float', bits: 64 };

/** Minimal structural view of an apache-arrow DataType (ESM or CJS build). */
export interface ArrowTypeLike {
  typeId: number;
  bitWidth?: number;
  isSigned?: boolean;
  precision?: number;
  unit?: number;
  timezone?: string | null;
  children?: { name: string; type: ArrowTypeLike }[];
  dictionary?: ArrowTypeLike;
  toString(): string;
}

// apache-arrow `Type` enum values (stable across builds).
export const ArrowType = {
  Null: 1,
  Int: 2,
  Float: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
  List: 12,
  Struct: 13,
  FixedSizeList: 16,
  LargeBinary: 19,
  LargeUtf8: 20,
  Dictionary: -1,
} as const;

const UNITS: TimeUnit[] = ['s', 'ms', 'us', 'ns'];

/** Logical type of an Arrow column. A dictionary column has its value type. */
export function fromArrow(t: ArrowTypeLike): DType {
  switch (t.typeId) {
    case ArrowType.Null:
      return NULL;
    case ArrowType.Bool:
      return BOOL;
    case ArrowType.Int: {
      const bits = t.bitWidth as 8 | 16 | 32 | 64;
      return { id: 'int', bits, signed: !!t.isSigned };
    }
    case ArrowType.Float:
      return { id: 'float', bits: t.precision === 0 ? 16 : t.precision === 1 ? 32 : 64 };
    case ArrowType.Utf8:
    case ArrowType.LargeUtf8:
      return UTF8;
    case ArrowType.Timestamp:
      return { id: 'timestamp', unit: UNITS[t.unit ?? 0]!, tz: t.timezone ?? null };
    case ArrowType.Date:
      return { id: 'date', unit: t.unit === 0 ? 'day' : 'ms' };
    case ArrowType.List:
    case ArrowType.FixedSizeList: // (vectors: DataFusion's list functions take them too)
      return { id: 'list', item: fromArrow(t.children![0]!.type) };
    case ArrowType.Struct:
      return { id: 'struct', fields: (t.children ?? []).map((f) => ({ name: f.name, type: fromArrow(f.type) })) };
    case ArrowType.Dictionary:
      return fromArrow(t.dictionary!);
    default:
      return { id: 'other', name: String(t) };
  }
}

/** DataFusion-style name, as in LanceDB's error messages. */
export function typeName(t: DType): string {
  switch (t.id) {
    case 'null':
      return 'Null';
    case 'bool':
      return 'Boolean';
    case 'int':
      return `${t.signed ? 'Int' : 'UInt'}${t.bits}`;
    case 'float':
      return `Float${t.bits}`;
    case 'utf8':
      return 'Utf8';
    case 'timestamp':
      return `Timestamp(${{ s: 'Second', ms: 'Millisecond', us: 'Microsecond', ns: 'Nanosecond' }[t.unit]}, ${t.tz ? `"${t.tz}"` : 'None'})`;
    case 'date':
      return t.unit === 'day' ? 'Date32' : 'Date64';
    case 'struct':
      return `Struct(${t.fields.map((f) => `${f.name} ${typeName(f.type)}`).join(', ')})`;
    case 'list':
      return `List(${typeName(t.item)})`;
    case 'other':
      return t.name;
  }
}

export function sameType(a: DType, b: DType): boolean {
  if (a.id !== b.id) return false;
  switch (a.id) {
    case 'int':
      return a.bits === (b as typeof a).bits && a.signed === (b as typeof a).signed;
    case 'float':
      return a.bits === (b as typeof a).bits;
    case 'timestamp':
      return a.unit === (b as typeof a).unit && a.tz === (b as typeof a).tz;
    case 'date':
      return a.unit === (b as typeof a).unit;
    case 'list':
      return sameType(a.item, (b as typeof a).item);
    case 'struct':
    case 'other':
      return false;
    default:
      return true;
  }
}

export const isNumeric = (t: DType): boolean => t.id === 'int' || t.id === 'float';
export const isTemporal = (t: DType): boolean => t.id === 'timestamp' || t.id === 'date';
/** Whether values of this type are held as bigint (64-bit integers, timestamps, Date64). */
export const isBig = (t: DType): boolean => (t.id === 'int' && t.bits === 64) || t.id === 'timestamp' || (t.id === 'date' && t.unit === 'ms');

/** A constant in its canonical JS form for its type (see {@link isBig}); null is SQL NULL. */
export type Value = null | boolean | number | bigint | string;

export function intRange(bits: number, signed: boolean): [bigint, bigint] {
  const b = BigInt(bits);
  return signed ? [-(1n << (b - 1n)), (1n << (b - 1n)) - 1n] : [0n, (1n << b) - 1n];
}

/**
 * LanceDB's `safe_coerce_scalar`: the literal conversions it performs before planning, when a literal
 * meets a column (`col op literal`, `col BETWEEN ...`, `col IN (...)`). `undefined` = LanceDB rejects
 * the predicate ("Received literal ... and could not convert to literal of type ...").
 *  - integers → any integer type if in range, → Float32/Float64 (rounded)
 *  - float64 → Float32/Float64 only (never to an integer column, even 1.0)
 *  - strings → strings only (never to numbers, booleans, timestamps or dates)
 *  - booleans → Boolean only; NULL → anything
 */
export function safeCoerce(type: 'null' | 'bool' | 'int64' | 'uint64' | 'float64' | 'utf8', value: Value, to: DType): { value: Value } | undefined {
  if (type === 'null') return { value: null };
  switch (type) {
    case 'int64':
    case 'uint64': {
      const v = value as bigint;
      if (to.id === 'int') {
        const [lo, hi] = intRange(to.bits, to.signed);
        if (v < lo || v > hi) return undefined;
        return { value: to.bits === 64 ? v : Number(v) };
      }
      if (to.id === 'float' && to.bits !== 16) return { value: to.bits === 32 ? Math.fround(Number(v)) : Number(v) };
      return undefined;
    }
    case 'float64':
      if (to.id === 'float' && to.bits !== 16) return { value: to.bits === 32 ? Math.fround(value as number) : (value as number) };
      return undefined;
    case 'utf8':
      return to.id === 'utf8' ? { value } : undefined;
    case 'bool':
      return to.id === 'bool' ? { value } : undefined;
  }
}

/** DataFusion's binary_numeric_coercion (both sides numeric). `undefined` for UInt64 vs signed (Decimal128). */
export function numericCoercion(a: DType, b: DType): DType | undefined {
  if (a.id === 'float' || b.id === 'float') {
    const bits = Math.max(a.id === 'float' ? a.bits : 0, b.id === 'float' ? b.bits : 0);
    // DataFusion: Float64 wins; otherwise Float32 (even against Int64); Float16 only with itself / small ints
    return { id: 'float', bits: bits === 64 ? 64 : bits === 32 ? 32 : 16 } as DType;
  }
  if (a.id !== 'int' || b.id !== 'int') return undefined;
  if (a.signed === b.signed) return { id: 'int', bits: Math.max(a.bits, b.bits) as 8 | 16 | 32 | 64, signed: a.signed };
  const s = a.signed ? a : b;
  const u = a.signed ? b : a;
  if (u.bits < s.bits) return s;
  if (u.bits === 64) return undefined;
  return { id: 'int', bits: (u.bits * 2) as 16 | 32 | 64, signed: true };
}

const UNIT_RANK: Record<TimeUnit, number> = { s: 0, ms: 1, us: 2, ns: 3 };

/**
 * Where two timestamps meet (DataFusion's timeunit_coercion): the coarser unit, the finer side
 * truncated toward zero by the cast, and the zone of whichever side has one (a zone-less side is read
 * as wall-clock time there).
 */
export function timestampCoercion(a: Extract<DType, { id: 'timestamp' }>, b: Extract<DType, { id: 'timestamp' }>): DType {
  return { ...(UNIT_RANK[a.unit] <= UNIT_RANK[b.unit] ? a : b), tz: a.tz ?? b.tz };
}

/** DataFusion's comparison_coercion, restricted to what this engine evaluates. */
export function comparisonCoercion(a: DType, b: DType): DType | undefined {
  if (a.id === 'null') return b.id === 'struct' || b.id === 'list' || b.id === 'other' ? undefined : b;
  if (b.id === 'null') return a.id === 'struct' || a.id === 'list' || a.id === 'other' ? undefined : a;
  if (isNumeric(a) && isNumeric(b)) {
    const t = numericCoercion(a, b);
    // UInt64 vs signed integers compare exactly in Decimal128(20, 0); integers compare exactly here anyway
    return t ?? INT64;
  }
  if (a.id === 'utf8' && b.id === 'utf8') return UTF8;
  if (a.id === 'bool' && b.id === 'bool') return BOOL;
  if (a.id === 'timestamp' && b.id === 'timestamp') return timestampCoercion(a, b);
  // whole lists compare item by item, in the items' common type
  if (a.id === 'list' && b.id === 'list') {
    const item = a.item.id === 'null' ? b.item : b.item.id === 'null' ? a.item : a.item.id === 'list' || b.item.id === 'list' ? undefined : comparisonCoercion(a.item, b.item);
    return item && { id: 'list', item };
  }
  if (a.id === 'date' && b.id === 'date') return a.unit === 'ms' ? a : b;
  if (a.id === 'timestamp' && b.id === 'date') return a;
  if (a.id === 'date' && b.id === 'timestamp') return b;
  if (a.id === 'utf8' && isTemporal(b)) return b;
  if (b.id === 'utf8' && isTemporal(a)) return a;
  return undefined;
}

/**
 * Why `a` and `b` cannot meet here, or undefined: a zoned timestamp meeting a zone-less value
 * converts through the zone's rules (time-zone.ts), so a zone neither Intl nor a fixed offset
 * describes is refused rather than read as UTC.
 */
export function zoneConflict(a: DType, b: DType): string | undefined {
  const zoned = (t: DType) => t.id === 'timestamp' && t.tz !== null && !isUtcZone(t.tz);
  const plain = (t: DType) => (t.id === 'timestamp' && t.tz === null) || t.id === 'date' || t.id === 'utf8';
  const [z, p] = zoned(a) && plain(b) ? [a, b] : zoned(b) && plain(a) ? [b, a] : [];
  if (!z || !p) return undefined;
  const tz = (z as { tz: string }).tz;
  return knownZone(tz) ? undefined : `${typeName(z)} meets ${typeName(p)}, which has no time zone, and the time zone "${tz}" is unknown here (neither an IANA name this runtime's Intl knows nor a fixed offset like +05:30)`;
}
