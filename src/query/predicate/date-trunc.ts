// date_trunc(granularity, x) as DataFusion 50 answers it in LanceDB 0.39. A timestamp keeps its unit
// and zone; a date (or a string) is first cast to Timestamp(ns). Second and finer steps, and hour and
// day on a zone-less timestamp, are floored arithmetically on the stored number. Coarser steps
// truncate the wall-clock time in the timestamp's zone and map it back to an instant: a time the
// zone repeats takes the offset the value had, and a time it skips is found three hours earlier and
// moved back (DataFusion's workaround for midnight transitions such as São Paulo's), else NULL.
import { civilFromDays, daysFromCivil, divFloor } from './civil-days.js';
import { MS_PER_DAY, NS_PER } from './cast.js';
import { mondayBased } from './date-functions.js';
import { instantsAtLocalMs, isUtcZone, zoneOffsetMs } from './time-zone.js';
import type { DType, TimeUnit } from './types.js';
import { isValid, type V } from './vectors.js';

export const DATE_TRUNC_GRANULARITIES = ['microsecond', 'millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'] as const;
export type Granularity = (typeof DATE_TRUNC_GRANULARITIES)[number];

const STEP_NS: Partial<Record<Granularity, bigint>> = {
  microsecond: 1_000n,
  millisecond: 1_000_000n,
  second: 1_000_000_000n,
  minute: 60_000_000_000n,
  hour: 3_600_000_000_000n,
  day: 86_400_000_000_000n,
};
const HOUR_MS = 3_600_000;

/** `x` (a timestamp vector of type `t`) truncated to `g`. */
export function dateTruncV(x: V, t: Extract<DType, { id: 'timestamp' }>, g: Granularity): V {
  if (x.k !== 'big') return { k: 'null', n: x.n };
  const n = x.n;
  const out = new BigInt64Array(n);
  const valid = new Uint8Array(n);
  const zone = t.tz;
  const arithmetic = STEP_NS[g] !== undefined && (zone === null || (g !== 'hour' && g !== 'day'));
  for (let i = 0; i < n; i++) {
    if (!isValid(x.valid, i)) continue;
    const v = BigInt(x.v[i]!);
    const r = arithmetic ? floorTo(v, t.unit, STEP_NS[g]!) : coarse(v, t.unit, zone, g);
    if (r === undefined) continue;
    out[i] = r;
    valid[i] = 1;
  }
  return { k: 'big', n, v: out, valid };
}

/** `v` (in `unit`) floored to a multiple of `stepNs`; a step finer than the unit keeps the value. */
function floorTo(v: bigint, unit: TimeUnit, stepNs: bigint): bigint {
  const step = stepNs / NS_PER[unit];
  return step <= 1n ? v : divFloor(v, step) * step;
}

/** Hour and coarser on the wall clock of `zone` (null: the stored number is the wall clock). */
function coarse(v: bigint, unit: TimeUnit, zone: string | null, g: Granularity): bigint | undefined {
  // whole milliseconds suffice: every coarse step is a multiple of an hour
  const coarser = NS_PER[unit] >= NS_PER.ms; // s or ms: a multiple of ms; us or ns: a fraction
  const f = coarser ? NS_PER[unit] / NS_PER.ms : NS_PER.ms / NS_PER[unit];
  const utcMs = Number(coarser ? v * f : divFloor(v, f));
  const offset = zone === null || isUtcZone(zone) ? 0 : zoneOffsetMs(zone, utcMs);
  const local = truncateWallMs(utcMs + offset, g);
  let instant: number | undefined = local;
  if (zone !== null && !isUtcZone(zone)) {
    const at = instantsAtLocalMs(zone, local);
    if (at.length === 2) instant = zoneOffsetMs(zone, at[0]!) === offset ? at[0] : at[1];
    else if (at.length === 1) instant = at[0];
    else {
      const earlier = instantsAtLocalMs(zone, local - 3 * HOUR_MS);
      instant = earlier.length === 1 ? earlier[0]! + 3 * HOUR_MS : undefined;
    }
  }
  if (instant === undefined) return undefined;
  return coarser ? BigInt(instant) / f : BigInt(instant) * f;
}

/** A wall-clock time (ms since 1970, as if UTC) truncated to `g` (hour or coarser). */
function truncateWallMs(ms: number, g: Granularity): number {
  const days = Math.floor(ms / MS_PER_DAY);
  if (g === 'hour') return Math.floor(ms / HOUR_MS) * HOUR_MS;
  if (g === 'day') return days * MS_PER_DAY;
  if (g === 'week') return (days - mondayBased(days)) * MS_PER_DAY;
  const [y, m] = civilFromDays(days);
  if (g === 'month') return daysFromCivil(y, m, 1) * MS_PER_DAY;
  if (g === 'quarter') return daysFromCivil(y, m - ((m - 1) % 3), 1) * MS_PER_DAY;
  return daysFromCivil(y, 1, 1) * MS_PER_DAY; // year
}
