// Strings read as dates and timestamps exactly as arrow-rs reads them in LanceDB's casts
// (arrow-cast `parse.rs`: `string_to_datetime`, and `parse_date` for Date32/Date64), so that a
// string CAST, a typed literal (TIMESTAMP '…') or a coercion accepts and refuses the same strings:
// - a timestamp is `YYYY-MM-DD` (four-digit year, two-digit month and day), optionally followed by
//   `T`, `t` or a space and `HH:MM:SS[.fraction]` or `HHMMSS` (never `HH:MM`), then nothing, `Z`/`z`
//   (last), or a zone after optional spaces: `±HH:MM`, `±HHMM`, `±HH` or an IANA name;
// - a date (up to 10 bytes) is `YYYY-M-D` with one- or two-digit month and day, or `YYYYMMDD`; a
//   signed year (`+10999-12-31`, `-0012-05-06`) takes any number of digits; anything longer is read
//   as a timestamp and gives its UTC date.
// No whitespace is trimmed anywhere. Years are proleptic Gregorian, as chrono's.

import { instantsAtLocalMs } from './time-zone.js';
import { civilDate, divFloor } from './civil-days.js';

const NS_PER_DAY = 86_400_000_000_000n;
const NS_PER_MS = 1_000_000n;

/** A parsed timestamp string: its wall-clock time and the zone it names (null: none, read in the target's zone). */
export interface ParsedDateTime {
  /** Nanoseconds since 1970-01-01 of the written date and time (no zone applied). */
  wallNs: bigint;
  /** The zone as written (a fixed offset or IANA name; a final Z is '+00:00'), or null for none. */
  zone: string | null;
}

/** Bytes of `s` in UTF-8 (arrow measures strings in bytes), without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2; // a surrogate pair: 2 units, 4 bytes
  }
  return n;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const num = (s: string, from: number, n: number): number => Number(s.slice(from, from + n));
const digitsAt = (s: string, from: number, n: number): boolean => {
  for (let i = from; i < from + n; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
};


/** arrow's TimestampParser.time(): [ns since midnight, index after the time] or undefined. */
function timeAt(s: string): [bigint, number] | undefined {
  const at = (h: number, mi: number, sec: number, nanos: number): bigint | undefined => {
    // second 60 is chrono's leap second: 59 plus one more second of nanoseconds
    if (h > 23 || mi > 59 || sec > 60) return undefined;
    return BigInt((h * 60 + mi) * 60 + sec) * 1_000_000_000n + BigInt(nanos);
  };
  if (digitsAt(s, 11, 2) && s[13] === ':' && digitsAt(s, 14, 2) && s[16] === ':' && digitsAt(s, 17, 2)) {
    const [h, mi, sec] = [num(s, 11, 2), num(s, 14, 2), num(s, 17, 2)];
    if (s[19] !== '.') {
      const t = at(h, mi, sec, 0);
      return t === undefined ? undefined : [t, 19];
    }
    let end = 20;
    while (isDigit(s.charCodeAt(end))) end++;
    if (end === 20) return undefined;
    const t = at(h, mi, sec, Number(s.slice(20, Math.min(end, 29)).padEnd(9, '0'))); // digits past nanoseconds dropped
    return t === undefined ? undefined : [t, end];
  }
  // HHMMSS: arrow's mask of bytes 11–18 must be exactly six digits, so bytes 17 and 18 are not digits
  if (digitsAt(s, 11, 6) && !isDigit(s.charCodeAt(17)) && !isDigit(s.charCodeAt(18))) {
    const t = at(num(s, 11, 2), num(s, 13, 2), num(s, 15, 2), 0);
    return t === undefined ? undefined : [t, 17];
  }
  return undefined;
}

/** `string_to_datetime`'s grammar; a string it refuses gives the reason, in arrow's words. */
export function parseDateTime(s: string): ParsedDateTime | string {
  if (utf8Length(s) < 10) return 'timestamp must contain at least 10 characters';
  if (!(digitsAt(s, 0, 4) && s[4] === '-' && digitsAt(s, 5, 2) && s[7] === '-' && digitsAt(s, 8, 2))) return 'error parsing date';
  const days = civilDate(num(s, 0, 4), num(s, 5, 2), num(s, 8, 2));
  if (days === undefined) return 'error parsing date';
  const dayNs = BigInt(days) * NS_PER_DAY;
  if (s.length === 10) return { wallNs: dayNs, zone: null };
  if (s[10] !== 'T' && s[10] !== 't' && s[10] !== ' ') return 'invalid timestamp separator';
  const time = timeAt(s);
  if (!time) return 'error parsing time';
  const [timeNs, end] = time;
  const wallNs = dayNs + timeNs;
  if (end >= s.length) return { wallNs, zone: null };
  if ((s[end] === 'Z' || s[end] === 'z') && end === s.length - 1) return { wallNs, zone: '+00:00' };
  return { wallNs, zone: s.slice(end).trimStart() };
}

/** arrow's `parse_fixed_offset`: `±HH:MM`, `±HHMM` or `±HH`, in ms; undefined when not one. */
export function fixedOffsetMs(tz: string): number | undefined {
  const m = /^([+-])(\d\d)(?::?(\d\d))?$/.exec(tz);
  if (!m || (tz.length === 5 && tz[3] === ':') || (tz.length === 6 && tz[3] !== ':')) return undefined;
  const ms = (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
  return m[1] === '-' ? -ms : ms;
}

/**
 * Whether an IANA zone name is known (chrono-tz's list in LanceDB, ICU's here). chrono-tz matches
 * case exactly and Intl does not, so a name Intl knows under another spelling ('utc' for 'UTC') is
 * refused as LanceDB refuses it. (ICU also knows a few non-tzdb names, such as 'PST'.)
 */
function ianaZone(tz: string): boolean {
  try {
    const known = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    return tz.length > 0 && (known === tz || known.toLowerCase() !== tz.toLowerCase());
  } catch {
    return false;
  }
}

/**
 * The instant, in ns since 1970 UTC, of a string that names its zone (`zone` not null): undefined
 * when the zone is unknown, or when its wall-clock time is skipped or repeated there (arrow:
 * "error computing timezone offset").
 */
export function zonedInstantNs(p: ParsedDateTime): bigint | undefined {
  if (p.zone === null) return p.wallNs;
  const fixed = fixedOffsetMs(p.zone);
  if (fixed !== undefined) return p.wallNs - BigInt(fixed) * NS_PER_MS;
  if (!ianaZone(p.zone)) return undefined;
  const ms = divFloor(p.wallNs, NS_PER_MS);
  const hits = instantsAtLocalMs(p.zone, Number(ms));
  return hits.length === 1 ? BigInt(hits[0]!) * NS_PER_MS + (p.wallNs - ms * NS_PER_MS) : undefined;
}

/**
 * arrow's `parse_date` (Date32 / Date64 from a string): days since 1970, or undefined. Strings over
 * 10 bytes are timestamps and give the UTC date of their instant.
 */
export function parseDate(s: string): number | undefined {
  if (s.startsWith('+') || s.startsWith('-')) {
    // a signed year of at least four digits, then -month-day
    const rest = s.slice(1);
    const hyphen = rest.indexOf('-');
    if (hyphen < 4) return undefined;
    const year = rustInt(s.slice(0, hyphen + 1));
    const [ms, ds] = splitOnce(s.slice(hyphen + 2), '-');
    const month = rustUint(ms);
    const day = ds === undefined ? undefined : rustUint(ds);
    if (year === undefined || month === undefined || day === undefined) return undefined;
    return civilDate(year, month, day);
  }
  if (utf8Length(s) > 10) {
    const p = parseDateTime(s);
    if (typeof p === 'string') return undefined;
    const instant = zonedInstantNs(p);
    if (instant === undefined) return undefined;
    return Number(divFloor(instant, NS_PER_DAY));
  }
  if (s[4] !== '-') return s.length === 8 && digitsAt(s, 0, 8) ? civilDate(num(s, 0, 4), num(s, 4, 2), num(s, 6, 2)) : undefined;
  if (!digitsAt(s, 0, 4)) return undefined;
  // arrow matches the digit mask of the first 10 bytes against YYYY-MM-DD, YYYY-MM-D, YYYY-M-DD and
  // YYYY-M-D; a non-digit after the pattern is not looked at ("2024-1-1xx" is 2024-01-01)
  let mask = 0;
  for (let i = 0; i < Math.min(s.length, 10); i++) if (isDigit(s.charCodeAt(i))) mask |= 1 << i;
  const d = (i: number) => s.charCodeAt(i) - 48;
  const year = num(s, 0, 4);
  switch (mask) {
    case 0b1101101111:
      return s[7] === '-' ? civilDate(year, d(5) * 10 + d(6), d(8) * 10 + d(9)) : undefined;
    case 0b101101111:
      return s[7] === '-' ? civilDate(year, d(5) * 10 + d(6), d(8)) : undefined;
    case 0b110101111:
      return s[6] === '-' ? civilDate(year, d(5), d(7) * 10 + d(8)) : undefined;
    case 0b10101111:
      return s[6] === '-' ? civilDate(year, d(5), d(7)) : undefined;
    default:
      return undefined;
  }
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** Rust's `str::parse::<i32>()`: an optional sign, then only digits. */
function rustInt(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const v = Number(s);
  return v >= -(2 ** 31) && v < 2 ** 31 ? v : undefined;
}

/** Rust's `str::parse::<u32>()`: an optional `+`, then only digits. */
function rustUint(s: string): number | undefined {
  if (!/^\+?\d+$/.test(s)) return undefined;
  const v = Number(s);
  return v < 2 ** 32 ? v : undefined;
}
