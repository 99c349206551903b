// date_part(part, x) on dates and timestamps, as DataFusion 50 answers it in LanceDB 0.39: Int32
// fields of the wall-clock time (a zoned timestamp's own zone), `second` whole seconds,
// `millisecond` / `microsecond` the seconds of the minute in those units, `dow` 0 = Sunday, `week`
// ISO-8601, and `epoch` the Float64 seconds since 1970 (the instant, zone or not).
import type { DType } from './types.js';
import { toWallClock } from './time-zone.js';
import { civilFromDays, daysFromCivil, MS_PER_DAY, NS_PER, splitDay } from './cast.js';
import { isValid, type V } from './vectors.js';

export const DATE_PARTS = ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond', 'microsecond', 'dow', 'doy', 'epoch'] as const;
export type DatePart = (typeof DATE_PARTS)[number];

/** date_part's result type: Float64 for `epoch`, else Int32. */
export const datePartType = (part: DatePart): DType => (part === 'epoch' ? { id: 'float', bits: 64 } : { id: 'int', bits: 32, signed: true });

export function datePartV(x: V, t: DType, part: DatePart): V {
  const n = x.n;
  const out = new Float64Array(n);
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
    out[i] = part === 'epoch' ? Number(instant) / 1e9 : field(wall, part);
    valid[i] = 1;
  }
  return { k: 'num', n, v: out, valid };
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
  const dow = (((days + 3) % 7) + 7) % 7; // 0 = Monday
  const thursday = days - dow + 3;
  const [ty] = civilFromDays(thursday);
  return Math.floor((thursday - daysFromCivil(ty, 1, 1)) / 7) + 1;
}
