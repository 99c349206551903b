// Wall-clock time in a time zone, for the conversions arrow-rs makes when a timestamp gains or loses
// a zone (DataFusion inserts them when a zoned column meets a zone-less value):
// - zone-less → zoned: the value is wall-clock time there (`TIMESTAMP '2020-01-01 07:30:00'` against
//   America/New_York is 12:30 UTC); a wall-clock time that is skipped (spring forward) or repeated
//   (fall back) has no single instant, which fails the cast (NULL under TRY_CAST), as chrono's
//   `LocalResult::single()` does there;
// - zoned → DATE, or printed as a string: the instant's wall-clock date / time in the zone; zoned →
//   zone-less timestamp keeps the number (UTC), as arrow-rs casts it.
// Offsets come from Intl (ICU's zone database, in every browser and in Node) or from a fixed
// offset written as the zone ("+05:30", "-0800").

import { divFloor } from './civil-days.js';
import type { TimeUnit } from './types.js';

const MINUTE = 60_000;
const HALF_DAY = 43_200_000;
const UTC_NAMES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'z', '+00:00', '+0000', '+00', '-00:00', 'zulu', 'universal']);

/** Whether a zone reads like UTC: converting to or from it moves no value. */
export function isUtcZone(tz: string): boolean {
  return UTC_NAMES.has(tz.toLowerCase());
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();

/** A fixed offset zone's offset in ms ("+05:30", "-08:00", "+0530", "+05"), else undefined. */
function fixedOffset(tz: string): number | undefined {
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(tz.trim());
  if (!m) return undefined;
  const ms = (Number(m[2]) * 60 + Number(m[3] ?? 0)) * MINUTE;
  return m[1] === '-' ? -ms : ms;
}

/** Whether `tz` names a zone this can convert in (an IANA name Intl knows, or a fixed offset). */
export function knownZone(tz: string): boolean {
  if (fixedOffset(tz) !== undefined) return true;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short' });
    formatters.set(tz, f);
  }
  return f;
}

/** Local time minus UTC, in ms, at the instant `utcMs` (zone offsets change on whole minutes). */
export function zoneOffsetMs(tz: string, utcMs: number): number {
  const fixed = fixedOffset(tz);
  if (fixed !== undefined) return fixed;
  const minute = Math.floor(utcMs / MINUTE);
  let cache = offsets.get(tz);
  if (!cache) offsets.set(tz, (cache = new Map()));
  const hit = cache.get(minute);
  if (hit !== undefined) return hit;
  const at = minute * MINUTE;
  const parts: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(new Date(at))) parts[p.type] = p.value;
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const wall = Date.UTC(year, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  // Date.UTC maps years 0–99 to 1900–1999
  const local = year >= 0 && year < 100 ? new Date(wall).setUTCFullYear(year) : wall;
  const off = local - at;
  if (cache.size > 100_000) cache.clear();
  cache.set(minute, off);
  return off;
}

/** The wall-clock time in `tz` of the instant `utcMs`. */
export function utcToLocalMs(tz: string, utcMs: number): number {
  return utcMs + zoneOffsetMs(tz, utcMs);
}

/** The instant whose wall-clock time in `tz` is `localMs`; undefined if there is none or two. */
export function localToUtcMs(tz: string, localMs: number): number | undefined {
  const hits = instantsAtLocalMs(tz, localMs);
  return hits.length === 1 ? hits[0] : undefined;
}

/**
 * The instants whose wall-clock time in `tz` is `localMs`, earliest first: one, none (a time the zone
 * skips) or two (a time it repeats).
 */
export function instantsAtLocalMs(tz: string, localMs: number): number[] {
  // the offsets around this wall-clock time: one, or the two of a transition within half a day
  const candidates = new Set([localMs - zoneOffsetMs(tz, localMs - HALF_DAY), localMs - zoneOffsetMs(tz, localMs + HALF_DAY)]);
  return [...candidates].filter((utc) => utcToLocalMs(tz, utc) === localMs).sort((a, b) => a - b);
}

/**
 * Zone moves arrow-rs makes in casts. A zone-less timestamp (or string) gaining a zone is wall-clock
 * time there: `atInstant` finds the instant (undefined for a wall-clock time the zone skips or
 * repeats: the cast fails). A zoned timestamp becoming a DATE takes its wall-clock date (`toWallClock`).
 * Everything else keeps the number: zoned → zone-less timestamp, zone → zone, DATE → zoned timestamp
 * (UTC midnight), as arrow-rs casts them.
 */
export function atInstant(v: bigint, unit: TimeUnit, tz: string | null): bigint | undefined {
  return tz === null || isUtcZone(tz) ? v : throughMs(v, unit, (ms) => localToUtcMs(tz, ms));
}

export function toWallClock(v: bigint, unit: TimeUnit, tz: string | null): bigint {
  return tz === null || isUtcZone(tz) ? v : throughMs(v, unit, (ms) => utcToLocalMs(tz, ms))!;
}

/** `f` applied to whole milliseconds of a `unit` value, the finer rest carried over (zone offsets are whole seconds). */
function throughMs(v: bigint, unit: TimeUnit, f: (ms: number) => number | undefined): bigint | undefined {
  if (unit === 's' || unit === 'ms') {
    const k = unit === 's' ? 1000n : 1n;
    const moved = f(Number(v * k));
    return moved === undefined ? undefined : BigInt(moved) / k;
  }
  const k = unit === 'us' ? 1000n : 1_000_000n;
  const ms = divFloor(v, k);
  const moved = f(Number(ms));
  return moved === undefined ? undefined : BigInt(moved) * k + (v - ms * k);
}
