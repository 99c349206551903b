// date_part(part, x) on dates and timestamps, as DataFusion 50 answers it in LanceDB 0.39: Int32
// fields of the wall-clock time (a zoned timestamp's own zone), `second` whole seconds,
// `millisecond` / `microsecond` the seconds of the minute in those units (`nanosecond` too, as
// Int64), `dow` 0 = Sunday, `isodow` 1 = Monday … 7 = Sunday, `week` and `isoyear` ISO-8601, and
// `epoch` the Float64 seconds since 1970 (the instant, zone or not).
import type { DType } from './types.js';
import { toWallClock } from './time-zone.js';
import { civilFromDays, daysFromCivil } from './civil-days.js';
import { MS_PER_DAY, NS_PER, splitDay } from './cast.js';
import { isValid, valueAt, type V } from './vectors.js';

export const DATE_PARTS = ['year', 'isoyear', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond', 'microsecond', 'nanosecond', 'dow', 'isodow', 'doy', 'epoch'] as const;
export type DatePart = (typeof DATE_PARTS)[number];

/**
 * The names DataFusion takes for each part, case-insensitively: arrow's interval-unit names (plurals
 * and abbreviations, `ms`, `usec`, …) for the units, and its own few for the rest (`qtr`).
 */
const PART_NAMES: Record<string, DatePart> = {};
for (const [part, names] of [
  ['year', 'y yr yrs year years'],
  ['month', 'mon mons month months'],
  ['week', 'w week weeks'],
  ['day', 'd day days'],
  ['hour', 'h hr hrs hour hours'],
  ['minute', 'm min mins minute minutes'],
  ['second', 's sec secs second seconds'],
  ['millisecond', 'ms msec msecs msecond mseconds millisecond milliseconds'],
  ['microsecond', 'us usec usecs usecond useconds microsecond microseconds'],
  ['nanosecond', 'nanosecond nanoseconds'],
  ['quarter', 'qtr quarter'],
  ['isoyear', 'isoyear'],
  ['dow', 'dow'],
  ['isodow', 'isodow'],
  ['doy', 'doy'],
  ['epoch', 'epoch'],
] as const) {
  for (const n of names.split(' ')) PART_NAMES[n] = part;
}

/** The part a date_part field name stands for, or undefined (`century`, `ns`, … are refused by LanceDB too). */
export const datePartNamed = (name: string): DatePart | undefined => PART_NAMES[name.toLowerCase()];

/** date_part's result type: Float64 for `epoch`, Int64 for `nanosecond`, else Int32. */
export const datePartType = (part: DatePart): DType =>
  part === 'epoch' ? { id: 'float', bits: 64 } : part === 'nanosecond' ? { id: 'int', bits: 64, signed: true } : { id: 'int', bits: 32, signed: true };

export function datePartV(x: V, t: DType, part: DatePart): V {
  const n = x.n;
  const out = new Float64Array(part === 'nanosecond' ? 0 : n);
  const big = new BigInt64Array(part === 'nanosecond' ? n : 0);
  const valid = new Uint8Array(n);
  if (x.k !== 'num' && x.k !== 'big') return { k: 'null', n };
  for (let i = 0; i < n; i++) {
    if (!isValid(x.valid, i)) continue;
    // [ns since 1970 of the wall-clock time, ns since 1970 of the instant]
    let wall: bigint;
    let instant: bigint;
    if (t.id === 'date') {
      instant = t.unit === 'day' ? BigInt(x.v[i] as number) * BigInt(MS_PER_DAY) * 1_000_000n : BigInt(x.v[i]!) * 1_000_000n;
      wall = instant;
    } else if (t.id === 'timestamp') {
      const v = BigInt(x.v[i]!);
      instant = v * NS_PER[t.unit];
      wall = toWallClock(v, t.unit, t.tz) * NS_PER[t.unit];
    } else continue;
    if (part === 'nanosecond') big[i] = splitDay(wall)[1] % 60_000_000_000n;
    else out[i] = part === 'epoch' ? Number(instant) / 1e9 : field(wall, part);
    valid[i] = 1;
  }
  return part === 'nanosecond' ? { k: 'big', n, v: big, valid } : { k: 'num', n, v: out, valid };
}

function field(ns: bigint, part: DatePart): number {
  const [days, dayNs] = splitDay(ns);
  const [y, m, d] = civilFromDays(days);
  const secondNs = dayNs % 60_000_000_000n;
  switch (part) {
    case 'year':
      return y;
    case 'quarter':
      return Math.floor((m - 1) / 3) + 1;
    case 'month':
      return m;
    case 'day':
      return d;
    case 'hour':
      return Number(dayNs / 3_600_000_000_000n);
    case 'minute':
      return Number((dayNs / 60_000_000_000n) % 60n);
    case 'second':
      return Number(secondNs / 1_000_000_000n);
    case 'millisecond':
      return Number(secondNs / 1_000_000n);
    case 'microsecond':
      return Number(secondNs / 1_000n);
    case 'dow':
      return (((days + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    case 'isodow':
      return mondayBased(days) + 1;
    case 'isoyear':
      return civilFromDays(isoThursday(days))[0];
    case 'doy':
      return days - daysFromCivil(y, 1, 1) + 1;
    case 'week':
      return isoWeek(days);
    default:
      return NaN;
  }
}

/** ISO-8601 week of the date `days` since 1970: weeks start on Monday, week 1 holds the year's first Thursday. */
function isoWeek(days: number): number {
  const thursday = isoThursday(days);
  const [ty] = civilFromDays(thursday);
  return Math.floor((thursday - daysFromCivil(ty, 1, 1)) / 7) + 1;
}

/** The Thursday of the ISO week holding `days`: its year is the ISO week-numbering year. */
function isoThursday(days: number): number {
  return days - mondayBased(days) + 3;
}

/** The weekday of `days` since 1970, 0 = Monday (1970-01-01 was a Thursday). */
export const mondayBased = (days: number): number => (((days + 3) % 7) + 7) % 7;

/**
 * `a - b` of two dates (Date32 or Date64): the days between them as Int64, DataFusion's answer — the
 * difference in milliseconds, divided by a day and truncated toward zero.
 */
export function dateDiffV(a: V, at: DType, b: V, bt: DType): V {
  const n = Math.max(a.n, b.n);
  const out = new BigInt64Array(n);
  const valid = new Uint8Array(n);
  const ms = (x: V, t: DType, i: number): bigint | null => {
    const v = valueAt(x, i);
    if (v === null) return null;
    return t.id === 'date' && t.unit === 'day' ? BigInt(v as number) * BigInt(MS_PER_DAY) : BigInt(v as number | bigint);
  };
  for (let i = 0; i < n; i++) {
    const [l, r] = [ms(a, at, i), ms(b, bt, i)];
    if (l === null || r === null) continue;
    out[i] = (l - r) / BigInt(MS_PER_DAY); // bigint division truncates toward zero
    valid[i] = 1;
  }
  return { k: 'big', n, v: out, valid };
}
