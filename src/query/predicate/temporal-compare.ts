// A timestamp column compared with a timestamp constant, the way DataFusion plans it in LanceDB
// 0.39: its unwrap-cast rule converts the constant to the column's own type instead of casting every
// row to the constant's, in comparisons, BETWEEN bounds and IN lists alike. Two consequences the
// plain coercion rules would get wrong:
// - a constant finer than the column is truncated toward zero: `ts_s = TIMESTAMP '… 12:30:00.5'`
//   matches the rows at 12:30:00, and `ts_ms < TIMESTAMP '… 12:30:00.0009'` is `< 12:30:00.000`;
// - a constant beyond what the column's unit can hold (TIMESTAMP '3000-01-01' against
//   nanoseconds, which end in 2262) does not convert and becomes NULL, so the comparison is NULL
//   for every row (`ts_ns < TIMESTAMP '3000-01-01'` selects nothing, as in LanceDB), never one with
//   a wrapped-around 64-bit number.
// A zone-less constant against a zoned column is wall-clock time in the column's zone
// (time-zone.ts atInstant). DATE constants are not unwrapped (LanceDB casts them and fails on overflow).
import { constant } from './bind-context.js';
import type { Bound } from './bound.js';
import { castValue, convertTimestamp, inI64 } from './cast.js';
import { zoneConflict } from './types.js';

/** `c` in the type of `col` when `col` is a timestamp column and `c` a timestamp constant; else `c`. */
export function inColumnUnit(col: Bound, c: Bound): Bound {
  if (col.k !== 'col' || col.t.id !== 'timestamp') return c;
  if (c.k !== 'const' || c.t.id !== 'timestamp' || c.v === null || zoneConflict(col.t, c.t)) return c;
  // into the column's zone first: a zone-less constant is wall-clock time there (one the zone skips
  // or repeats fails, as LanceDB's planner fails it: "Cannot cast timezone to different timezone")
  const zoned = castValue(c.v, c.t, { ...c.t, tz: col.t.tz }, false) as bigint;
  const v = convertTimestamp(zoned, c.t.unit, col.t.unit);
  return constant(col.t, inI64(v) ? v : null);
}
