// Scalar conversions used by CAST, TRY_CAST, typed strings (TIMESTAMP '...') and implicit coercions.
// Failures throw QueryError (as LanceDB fails the query), or give NULL under TRY_CAST.

import { QueryError } from '../../errors.js';
import { shortestDigits } from '../../text/shortest-digits.js';
import { civilFromDays, divFloor } from './civil-days.js';
import { parseDate, parseDateTime, utf8Length, zonedInstantNs } from './datetime-parse.js';
import { atInstant, isUtcZone, toWallClock } from './time-zone.js';
import { intRange, isBig, typeName, type DType, type TimeUnit, type Value } from './types.js';

export const NS_PER: Record<TimeUnit, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n, ns: 1n };
export const MS_PER_DAY = 86_400_000;

/** The range of a 64-bit timestamp or integer: a value outside it cannot be stored (no wrap-around). */
export const inI64 = (v: bigint): boolean => v >= -(1n << 63n) && v < 1n << 63n;


/** Scale a timestamp between units (truncating toward zero when coarsening, as Arrow does). */
export function convertTimestamp(v: bigint, from: TimeUnit, to: TimeUnit): bigint {
  if (from === to) return v;
  const f = NS_PER[from];
  const t = NS_PER[to];
  return f > t ? v * (f / t) : v / (t / f);
}

function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const NS_PER_DAY = BigInt(MS_PER_DAY) * 1_000_000n;

/** Nanoseconds since 1970 as [whole days, nanoseconds into the day] (days floored before 1970). */
export function splitDay(ns: bigint): [number, bigint] {
  const dayNs = ((ns % NS_PER_DAY) + NS_PER_DAY) % NS_PER_DAY;
  return [Number((ns - dayNs) / NS_PER_DAY), dayNs];
}

const two = (x: number | bigint) => String(x).padStart(2, '0');

/**
 * A timestamp as arrow's cast to string prints it (chrono's RFC 3339 form): the wall-clock time,
 * the fraction in 3, 6 or 9 digits as needed (none when whole), then `Z` in UTC or the zone's
 * offset at that instant (`-05:00`); nothing for a zone-less timestamp.
 */
function formatDateTime(instantNs: bigint, tz: string | null): string {
  const wall = tz === null ? instantNs : toWallClock(instantNs, 'ns', tz);
  const [days, dayNs] = splitDay(wall);
  const secs = dayNs / 1_000_000_000n;
  const frac = dayNs % 1_000_000_000n;
  const fraction = frac === 0n ? '' : frac % 1_000_000n === 0n ? `.${String(frac / 1_000_000n).padStart(3, '0')}` : frac % 1000n === 0n ? `.${String(frac / 1000n).padStart(6, '0')}` : `.${String(frac).padStart(9, '0')}`;
  const time = `${two(secs / 3600n)}:${two((secs / 60n) % 60n)}:${two(secs % 60n)}${fraction}`;
  let zone = '';
  if (tz !== null) {
    const offMin = Math.round(Number((wall - instantNs) / 1_000_000n) / 60_000);
    zone = isUtcZone(tz) ? 'Z' : `${offMin < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offMin) / 60))}:${two(Math.abs(offMin) % 60)}`;
  }
  return `${formatDate(days)}T${time}${zone}`;
}

function fail(v: Value, from: DType, to: DType, safe: boolean): null {
  if (safe) return null;
  throw new QueryError(`Cast error: cannot cast ${typeName(from)} value ${formatValue(v)} to ${typeName(to)}`, { from: typeName(from), to: typeName(to) });
}

export function formatValue(v: Value): string {
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

/**
 * A float as Arrow's float→string cast prints it: the shortest digits that read back as the same
 * value of the source width (a Float32 0.1 is "0.1", not the double 0.10000000149011612), laid out
 * by ryu's rules: plain decimals from 1e-5 (Float32: 1e-6) up to 16 integer digits (Float32: 13),
 * exponent form beyond ("1e16", "1.5e-6" from a Float64, "9.007199e15" from a Float32).
 */
function formatFloat(x: number, bits: 32 | 64 = 64): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [digits, exp] = shortestDigits(Math.abs(x), bits);
  const sign = x < 0 ? '-' : '';
  const length = digits.length;
  const kk = length + exp; // 10^(kk-1) <= |x| < 10^kk
  const [high, low] = bits === 32 ? [13, -6] : [16, -5]; // ryu's format32 / format64
  if (exp >= 0 && kk <= high) return `${sign}${digits}${'0'.repeat(exp)}.0`;
  if (kk > 0 && kk <= high) return `${sign}${digits.slice(0, kk)}.${digits.slice(kk)}`;
  if (kk > low && kk <= 0) return `${sign}0.${'0'.repeat(-kk)}${digits}`;
  return `${sign}${digits[0]}${length > 1 ? `.${digits.slice(1)}` : ''}e${kk - 1}`;
}


const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', 'off', '0']);

/** Whether CAST(from AS to) is something this engine evaluates. */
export function castSupported(from: DType, to: DType): boolean {
  if (from.id === 'null') return to.id !== 'struct' && to.id !== 'list' && to.id !== 'other';
  const simple = (t: DType) => t.id === 'bool' || t.id === 'int' || t.id === 'float' || t.id === 'utf8';
  if (simple(from) && simple(to)) return true;
  if (from.id === 'utf8' && (to.id === 'timestamp' || to.id === 'date')) return true;
  if ((from.id === 'timestamp' || from.id === 'date') && (to.id === 'timestamp' || to.id === 'date')) return true;
  if ((from.id === 'date' || from.id === 'timestamp') && to.id === 'utf8') return true;
  // arrow-rs: any integer or float → timestamp (the number in its unit), timestamp → any number;
  // Date32 ↔ Int32/Int64 (days) and Date64 ↔ Int32/Int64 (ms), checked; no other number meets a date
  if ((from.id === 'int' || from.id === 'float') && to.id === 'timestamp') return true;
  if (from.id === 'timestamp' && (to.id === 'int' || to.id === 'float')) return true;
  const signed3264 = (t: DType) => t.id === 'int' && t.signed && t.bits >= 32;
  if ((from.id === 'date' && signed3264(to)) || (signed3264(from) && to.id === 'date')) return true;
  if (from.id === 'list' && to.id === 'list') return castSupported(from.item, to.item);
  return false;
}

/** Convert one non-null value of type `from` to `to`. */
export function castValue(v: Value, from: DType, to: DType, safe: boolean): Value {
  if (v === null) return null;
  switch (to.id) {
    case 'bool':
      if (from.id === 'bool') return v;
      if (from.id === 'int' || from.id === 'float') return typeof v === 'bigint' ? v !== 0n : v !== 0;
      if (from.id === 'utf8') {
        const s = (v as string).trim().toLowerCase();
        if (TRUE_WORDS.has(s)) return true;
        if (FALSE_WORDS.has(s)) return false;
      }
      return fail(v, from, to, safe);
    case 'int': {
      let big: bigint | undefined;
      if (from.id === 'bool') big = v ? 1n : 0n;
      else if (from.id === 'int' || from.id === 'timestamp' || from.id === 'date') big = BigInt(v as number | bigint);
      else if (from.id === 'float') {
        const x = v as number;
        if (Number.isFinite(x)) big = BigInt(Math.trunc(x));
      } else if (from.id === 'utf8') {
        const s = v as string;
        if (/^[+-]?\d+$/.test(s)) big = BigInt(s);
      }
      if (big === undefined) return fail(v, from, to, safe);
      const [lo, hi] = intRange(to.bits, to.signed);
      if (big < lo || big > hi) return fail(v, from, to, safe);
      return to.bits === 64 ? big : Number(big);
    }
    case 'float': {
      let x: number | undefined;
      if (from.id === 'bool') x = v ? 1 : 0;
      else if (from.id === 'int' || from.id === 'float' || from.id === 'timestamp') x = Number(v);
      else if (from.id === 'utf8') {
        const s = (v as string).trim();
        if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) x = Number(s);
        else if (/^[+-]?(inf|infinity)$/i.test(s)) x = s.startsWith('-') ? -Infinity : Infinity;
        else if (/^[+-]?nan$/i.test(s)) x = NaN;
      }
      if (x === undefined) return fail(v, from, to, safe);
      return to.bits === 64 ? x : Math.fround(x);
    }
    case 'utf8':
      if (from.id === 'utf8') return v;
      if (from.id === 'bool') return v ? 'true' : 'false';
      if (from.id === 'int') return String(v);
      if (from.id === 'float') return formatFloat(v as number, from.bits === 64 ? 64 : 32);
      if (from.id === 'date' && from.unit === 'day') return formatDate(v as number);
      // Date64 prints as a datetime, as arrow does
      if (from.id === 'date') return formatDateTime(BigInt(v as number | bigint) * 1_000_000n, null);
      if (from.id === 'timestamp') return formatDateTime(BigInt(v as bigint) * NS_PER[from.unit], from.tz);
      return fail(v, from, to, safe);
    case 'timestamp': {
      let t: bigint | undefined;
      if (from.id === 'timestamp') t = from.tz === null ? atInstant(convertTimestamp(v as bigint, from.unit, to.unit), to.unit, to.tz) : convertTimestamp(v as bigint, from.unit, to.unit);
      else if (from.id === 'int') t = BigInt(v as number | bigint);
      else if (from.id === 'float' && Number.isFinite(v as number)) t = BigInt(Math.trunc(v as number)); // through Int64, checked below
      else if (from.id === 'utf8') {
        // arrow's grammar (datetime-parse.ts), in nanoseconds without a range limit (years 1677–2262
        // fit in int64 ns; coarser units reach much further); a string without a zone is wall-clock
        // time in `to`'s zone. Digits finer than the unit are dropped from the written fraction,
        // which before 1970 is a floor, not a truncation toward zero ('1969-12-31 23:59:59.999000001'
        // is -1000 µs).
        const p = parseDateTime(v as string);
        if (typeof p !== 'string') {
          if (p.zone === null) t = atInstant(divFloor(p.wallNs, NS_PER[to.unit]), to.unit, to.tz);
          else {
            const instant = zonedInstantNs(p);
            if (instant !== undefined) t = divFloor(instant, NS_PER[to.unit]);
          }
        }
      } else if (from.id === 'date') t = convertTimestamp((from.unit === 'day' ? BigInt(v as number) * 86_400_000n : (v as bigint)), 'ms', to.unit);
      // Arrow: "Overflow happened" (CAST) or NULL (TRY_CAST), never a wrapped-around value
      if (t === undefined || !inI64(t)) return fail(v, from, to, safe);
      return t;
    }
    case 'date': {
      if (from.id === 'int') {
        // the number is the date's own: days (checked to fit Int32) or milliseconds
        const b = BigInt(v as number | bigint);
        if (to.unit === 'ms') return inI64(b) ? b : fail(v, from, to, safe);
        return b >= -(2n ** 31n) && b < 2n ** 31n ? Number(b) : fail(v, from, to, safe);
      }
      let ms: bigint | undefined;
      if (from.id === 'date') ms = from.unit === 'day' ? BigInt(v as number) * BigInt(MS_PER_DAY) : (v as bigint);
      else if (from.id === 'timestamp') ms = divFloor(toWallClock(convertTimestamp(v as bigint, from.unit, 'ns'), 'ns', from.tz), 1_000_000n); // the date in the column's zone
      else if (from.id === 'utf8') {
        // arrow's Date32 / Date64 parsers: a date, or a longer string read as a timestamp, which
        // Date32 cuts to its UTC date and Date64 keeps to the millisecond
        const str = v as string;
        const p = to.unit === 'ms' && utf8Length(str) > 10 ? parseDateTime(str) : undefined;
        if (p === undefined) {
          const days = parseDate(str);
          if (days !== undefined) ms = BigInt(days) * BigInt(MS_PER_DAY);
        } else if (typeof p !== 'string') {
          const instant = zonedInstantNs(p);
          if (instant !== undefined) ms = divFloor(instant, 1_000_000n);
        }
      }
      if (ms === undefined) return fail(v, from, to, safe);
      if (to.unit === 'ms') return ms;
      // arrow divides a Date64 by the day length (truncating toward zero: 1969-12-31T12:00 is
      // 1970-01-01); timestamps and strings have their date, the floor
      return Number(from.id === 'date' ? ms / BigInt(MS_PER_DAY) : divFloor(ms, BigInt(MS_PER_DAY)));
    }
    default:
      return fail(v, from, to, safe);
  }
}

/** Canonical JS form of a value of type `t` (bigint for 64-bit types). */
export function canonical(v: Value, t: DType): Value {
  if (v === null) return null;
  if (isBig(t)) return typeof v === 'bigint' ? v : BigInt(v as number);
  if ((t.id === 'int' || t.id === 'float' || t.id === 'date') && typeof v === 'bigint') return Number(v);
  return v;
}
