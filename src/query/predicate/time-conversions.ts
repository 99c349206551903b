// to_timestamp (and its _seconds / _millis / _micros / _nanos forms), to_date, to_unixtime,
// from_unixtime and make_date, as DataFusion 50 evaluates them in LanceDB 0.39 (probed value by
// value; casts-lancedb.test.ts checks them against LanceDB):
// - strings are read by arrow's `string_to_timestamp_nanos` (a string without a zone is UTC) and
//   must fit in nanoseconds, even for to_timestamp_seconds; to_date reads them as a DATE cast does;
// - integers are in the result's unit, except to_timestamp's, which are seconds (× 10⁹, checked);
// - to_timestamp(float) is seconds × 10⁹ saturated (NaN is 0); every other float is first cast to
//   Int64 (truncated; NaN or out of range fails);
// - a timestamp keeps its instant and loses its zone, coarser units truncate toward zero;
// - a value that does not convert fails the query, as it fails LanceDB's.
// Format-string arguments (chrono's `%Y-%m-%d`) are not supported here: bind-calls.ts refuses them.

import { QueryError } from '../../errors.js';
import { castValue, convertTimestamp, inI64, NS_PER } from './cast.js';
import { civilDate } from './civil-days.js';
import { parseDate, parseDateTime, zonedInstantNs } from './datetime-parse.js';
import { INT32, INT64, typeName, type DType, type TimeUnit, type Value } from './types.js';
import { fromValues, valueAt, type V } from './vectors.js';

export const TO_TIMESTAMP_UNIT: Readonly<Record<string, TimeUnit>> = {
  to_timestamp: 'ns',
  to_timestamp_nanos: 'ns',
  to_timestamp_micros: 'us',
  to_timestamp_millis: 'ms',
  to_timestamp_seconds: 's',
};

/** Every function this file evaluates. */
export const TIME_FUNCTIONS: ReadonlySet<string> = new Set([...Object.keys(TO_TIMESTAMP_UNIT), 'to_date', 'to_unixtime', 'from_unixtime', 'make_date']);

export const DATE32: DType = { id: 'date', unit: 'day' };

/** The result type of each function (from_unixtime's zone comes from its second argument). */
export function timeFnType(name: string, tz: string | null = null): DType {
  const unit = TO_TIMESTAMP_UNIT[name];
  if (unit) return { id: 'timestamp', unit, tz: null };
  if (name === 'to_unixtime') return { id: 'int', bits: 64, signed: true };
  if (name === 'from_unixtime') return { id: 'timestamp', unit: 's', tz };
  return DATE32; // to_date, make_date
}

/** Why `name` cannot take an argument of type `t` (LanceDB's words), or undefined when it can. */
export function timeArgProblem(name: string, t: DType): string | undefined {
  if (t.id === 'null') return undefined;
  if (name === 'make_date') {
    return t.id === 'int' || t.id === 'utf8' ? undefined : `Function 'make_date' requires Int32, but received ${typeName(t)}`;
  }
  if (name === 'from_unixtime') {
    return t.id === 'int' ? undefined : `Failed to coerce arguments to satisfy a call to 'from_unixtime' function: ${typeName(t)} is not an integer`;
  }
  const dates = name === 'to_date' || name === 'to_unixtime';
  const ok = t.id === 'utf8' || t.id === 'int' || t.id === 'float' || t.id === 'timestamp' || (dates && t.id === 'date');
  return ok ? undefined : `Unsupported data type ${typeName(t)} for function ${name}`;
}

const fail = (message: string, fn: string): never => {
  throw new QueryError(message, { function: fn });
};

/** arrow's checked cast to Int64 of an integer or float (floats truncated; NaN fails). */
const int64Of = (v: number | bigint, from: DType): bigint => castValue(v, from, INT64, false) as bigint;

/** arrow's checked cast to Int32 (strings parsed, floats truncated). */
const int32Of = (v: Value, from: DType): number => castValue(v, from, INT32, false) as number;

/** arrow's `string_to_timestamp_nanos`: the instant in ns (zone-less strings are UTC), which must fit in Int64. */
function stringNanos(s: string, fn: string): bigint {
  const p = parseDateTime(s);
  if (typeof p === 'string') return fail(`Parser error: Error parsing timestamp from '${s}': ${p}`, fn);
  const ns = zonedInstantNs(p);
  if (ns === undefined) return fail(`Parser error: Error parsing timestamp from '${s}': unknown time zone, or a wall-clock time it skips or repeats`, fn);
  if (!inI64(ns)) fail('The dates that can be represented as nanoseconds have to be between 1677-09-21T00:12:44.0 and 2262-04-11T23:47:16.854775804', fn);
  return ns;
}


function toTimestamp(v: Value, t: DType, fn: string): bigint {
  const unit = TO_TIMESTAMP_UNIT[fn]!;
  let r: bigint;
  if (t.id === 'utf8') r = stringNanos(v as string, fn) / NS_PER[unit];
  else if (t.id === 'timestamp') r = convertTimestamp(v as bigint, t.unit, unit);
  else if (t.id === 'float' && fn === 'to_timestamp') {
    // Rust's `(x * 1e9) as i64`: truncated, saturated, NaN → 0
    const ns = (v as number) * 1e9;
    r = Number.isNaN(ns) ? 0n : ns >= 2 ** 63 ? 2n ** 63n - 1n : ns <= -(2 ** 63) ? -(2n ** 63n) : BigInt(Math.trunc(ns));
  } else {
    const x = int64Of(v as number | bigint, t);
    r = fn === 'to_timestamp' ? x * 1_000_000_000n : x;
    if (!inI64(r)) fail(`Arithmetic overflow: Overflow happened on: ${x} * 1000000000`, fn);
  }
  if (!inI64(r)) fail(`Arithmetic overflow converting ${typeName(t)} value ${v} to ${unit}`, fn);
  return r;
}

function toDate(v: Value, t: DType, fn: string): number {
  if (t.id === 'utf8') return parseDate(v as string) ?? fail('Parser error: Unable to cast to Date32 for converting from i64 to i32 failed', fn);
  if (t.id === 'int' || t.id === 'float') return int32Of(v, t);
  return castValue(v, t, DATE32, false) as number; // timestamps: the date in their zone; Date64: floor
}

function toUnixtime(v: Value, t: DType, fn: string): bigint {
  if (t.id === 'utf8') return stringNanos(v as string, fn) / 1_000_000_000n;
  if (t.id === 'timestamp') return convertTimestamp(v as bigint, t.unit, 's');
  if (t.id === 'date') return t.unit === 'day' ? BigInt(v as number) * 86_400n : (v as bigint) / 1000n;
  return int64Of(v as number | bigint, t);
}

function makeDate(vals: Value[], types: DType[], fn: string): number {
  const [y, m, d] = vals.map((v, i) => int32Of(v, types[i]!));
  if (m! < 1 || m! > 12) fail(`Month value '${m}' is out of range`, fn);
  if (d! < 1 || d! > 31) fail(`Day value '${d}' is out of range`, fn);
  return civilDate(y!, m!, d!) ?? fail(`Unable to parse date from ${y}, ${m}, ${d}`, fn);
}

/**
 * One row of `fn` over already-typed argument values: NULL when any argument is NULL (from_unixtime
 * looks only at its first); a value that does not convert throws a QueryError.
 */
export function timeFnValue(fn: string, vals: Value[], types: DType[]): Value {
  const used = fn === 'from_unixtime' ? 1 : vals.length;
  for (let i = 0; i < used; i++) if (vals[i] === null) return null;
  const v = vals[0]!;
  const t = types[0]!;
  if (fn in TO_TIMESTAMP_UNIT) return toTimestamp(v, t, fn);
  switch (fn) {
    case 'to_date':
      return toDate(v, t, fn);
    case 'to_unixtime':
      return toUnixtime(v, t, fn);
    case 'from_unixtime':
      return int64Of(v as number | bigint, t);
    default:
      return makeDate(vals, types, fn);
  }
}

/** `fn` row by row over its argument vectors (length-1 vectors broadcast). */
export function timeFnV(fn: string, args: V[], types: DType[], t: DType): V {
  const n = Math.max(...args.map((a) => a.n));
  const out: Value[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = timeFnValue(
      fn,
      args.map((a) => valueAt(a, i)),
      types,
    );
  }
  return fromValues(out, t.id === 'date' ? 'num' : 'big');
}
