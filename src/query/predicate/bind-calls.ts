// Binding of function calls: names, arity and argument types checked the way LanceDB 0.39 (DataFusion
// 50) checks them, with the result types it gives (probed against the library; see README.md).
// Errors are QueryErrors pointing at the call (wrong name or arity) or at the offending argument.
//
// Functions LanceDB refuses are refused here too, by name, with what to use instead: its planner has
// no translation for sqlparser's special forms TRIM, SUBSTR/SUBSTRING, POSITION, FLOOR and CEIL.

import type { Expr } from './ast.js';
import { castTo, constant, err, isNullConst, retype, type BindContext } from './bind-context.js';
import type { Bound } from './bound.js';
import { castValue } from './cast.js';
import { regexToJs } from './regex.js';
import { BOOL, FLOAT64, INT32, INT64, isNumeric, numericCoercion, sameType, timestampCoercion, typeName, UINT64, UTF8, type DType } from './types.js';
import { DATE_PARTS, datePartNamed, datePartType } from './date-functions.js';
import { DATE_TRUNC_GRANULARITIES, type Granularity } from './date-trunc.js';
import { timeArgProblem, timeFnType, timeFnValue, TIME_FUNCTIONS } from './time-conversions.js';

type Call = Extract<Expr, { kind: 'call' }>;

/** Arity [min, max] of each supported function (max Infinity = variadic). */
const ARITY: Record<string, [number, number]> = {
  lower: [1, 1],
  upper: [1, 1],
  is_valid: [1, 1],
  abs: [1, 1],
  length: [1, 1],
  char_length: [1, 1],
  character_length: [1, 1],
  octet_length: [1, 1],
  starts_with: [2, 2],
  ends_with: [2, 2],
  coalesce: [1, Infinity],
  nvl: [2, 2],
  ifnull: [2, 2],
  nullif: [2, 2],
  btrim: [1, 2],
  ltrim: [1, 2],
  rtrim: [1, 2],
  replace: [3, 3],
  strpos: [2, 2],
  instr: [2, 2],
  contains: [2, 2],
  concat: [1, Infinity],
  left: [2, 2],
  right: [2, 2],
  round: [1, 2],
  trunc: [1, 2],
  isnan: [1, 1],
  sqrt: [1, 1],
  array_has: [2, 2],
  array_contains: [2, 2],
  list_has: [2, 2],
  array_has_any: [2, 2],
  list_has_any: [2, 2],
  arrays_overlap: [2, 2],
  array_has_all: [2, 2],
  list_has_all: [2, 2],
  make_array: [0, Infinity],
  array_length: [1, 1],
  cardinality: [1, 1],
  now: [0, 0],
  current_timestamp: [0, 0],
  current_date: [0, 0],
  today: [0, 0],
  date_part: [2, 2],
  datepart: [2, 2],
  date_trunc: [2, 2],
  datetrunc: [2, 2],
  array_element: [2, 2],
  array_extract: [2, 2],
  list_element: [2, 2],
  list_extract: [2, 2],
  regexp_like: [2, 3],
  to_timestamp: [1, Infinity],
  to_timestamp_seconds: [1, Infinity],
  to_timestamp_millis: [1, Infinity],
  to_timestamp_micros: [1, Infinity],
  to_timestamp_nanos: [1, Infinity],
  to_date: [1, Infinity],
  to_unixtime: [1, Infinity],
  from_unixtime: [1, 2],
  make_date: [3, 3],
};

/** Names LanceDB rejects (or that DataFusion does not have), with what to write instead. */
const REFUSED: Record<string, string> = {
  trim: 'TRIM() is not supported by LanceDB; use btrim(s[, chars])',
  substr: 'SUBSTR() is not supported by LanceDB; use left(s, n) / right(s, n)',
  substring: 'SUBSTRING() is not supported by LanceDB; use left(s, n) / right(s, n)',
  floor: 'FLOOR() is not supported by LanceDB',
  ceil: 'CEIL() is not supported by LanceDB',
  ceiling: 'CEILING() is not supported by LanceDB',
  position: 'POSITION() is not supported by LanceDB; use strpos(s, sub)',
  get_field: "get_field() takes a struct column and a field name in quotes: get_field(s, 'a'), which is s['a']",
};

export const SUPPORTED_FUNCTIONS: readonly string[] = Object.keys(ARITY);

/**
 * DataFusion's type union for coalesce / nullif: NULLs take the other type, numbers widen, a string
 * constant meeting numbers is converted when planning (a bad one fails, as in LanceDB). A string
 * *column* meeting numbers would be cast row by row by DataFusion: rejected up front, as in comparisons.
 */
function unionType(ctx: BindContext, e: Call, args: Bound[]): DType {
  let t: DType = { id: 'null' };
  const numeric = args.some((a) => isNumeric(a.t));
  args.forEach((a, i) => {
    let at = a.t;
    if (at.id === 'utf8' && a.k === 'const' && numeric) at = { id: 'null' }; // converted below
    if (at.id === 'null') return;
    if (t.id === 'null') {
      t = at;
      return;
    }
    const both =
      isNumeric(t) && isNumeric(at) ? numericCoercion(t, at)
      : t.id === 'timestamp' && at.id === 'timestamp' && t.tz === at.tz ? timestampCoercion(t, at)
      : sameType(t, at) || (t.id === 'utf8' && at.id === 'utf8') ? t
      : undefined;
    if (!both) throw err(ctx, e.args[i], `${e.name}() arguments have incompatible types ${typeName(t)} and ${typeName(a.t)}`);
    t = both;
  });
  return t;
}

/** Convert every argument to `t` (string constants among numbers parsed as numbers). */
function unify(ctx: BindContext, e: Call, args: Bound[], t: DType): Bound[] {
  return args.map((a, i) => {
    if (t.id === 'null') return a;
    if (a.t.id === 'utf8' && a.k === 'const' && isNumeric(t)) return constant(t, castValue(a.v, UTF8, t, false));
    return retype(castTo(ctx, e.args[i], a, t), t);
  });
}

/**
 * The type two lists' items compare in (array_has_any / array_has_all): numbers widen, strings and
 * booleans compare as such; a list literal of string constants meeting numbers is converted to
 * numbers when planning (`['1']` against integers; a non-number fails, as in LanceDB). `sides` may be
 * replaced by the converted literal.
 */
function listComparison(ctx: BindContext, e: Call, sides: Bound[]): DType {
  const item = (i: number) => (sides[i]!.t as Extract<DType, { id: 'list' }>).item;
  const [a, b] = [item(0), item(1)];
  if (a.id === 'null') return b;
  if (b.id === 'null') return a;
  if (isNumeric(a) && isNumeric(b)) {
    const t = numericCoercion(a, b);
    if (t) return t;
  }
  if ((a.id === 'utf8' && b.id === 'utf8') || (a.id === 'bool' && b.id === 'bool')) return a;
  for (const [s, num] of [[1, a], [0, b]] as const) {
    const lit = sides[s]!;
    if (!isNumeric(num) || item(s).id !== 'utf8' || lit.k !== 'fn' || lit.name !== 'make_array' || !lit.args.every((x) => x.k === 'const')) continue;
    const items = lit.args.map((x) => constant(num, castValue((x as Extract<Bound, { k: 'const' }>).v, UTF8, num, false)));
    sides[s] = { ...lit, t: { id: 'list', item: num }, args: items };
    return num;
  }
  throw err(ctx, e, `${e.name}() compares list items of types ${typeName(a)} and ${typeName(b)}, which do not compare`, { function: e.name });
}

export function bindCall(ctx: BindContext, e: Call, bind: (ctx: BindContext, e: Expr) => Bound): Bound {
  const name = e.name.toLowerCase();
  const refused = REFUSED[name];
  if (refused) throw err(ctx, e, refused, { function: e.name });
  const arity = ARITY[name];
  if (!arity) {
    throw err(ctx, e, `Unknown or unsupported function ${e.name}(). Supported: ${SUPPORTED_FUNCTIONS.join(', ')}`, { function: e.name });
  }
  const [min, max] = arity;
  if (e.args.length < min || e.args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} or ${max}`;
    throw err(ctx, e, `${e.name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${e.args.length}`, { function: e.name });
  }
  const outer = ctx.exactNames;
  ctx.exactNames = true;
  let args: Bound[];
  try {
    args = e.args.map((a) => bind(ctx, a));
  } finally {
    ctx.exactNames = outer;
  }
  const fail = (i: number, what: string): never => {
    throw err(ctx, e.args[i], `${e.name}() needs ${what} as argument ${i + 1}, got ${typeName(args[i]!.t)}`, { function: e.name });
  };
  const str = (i: number): Bound => {
    const a = args[i]!;
    if (a.t.id === 'utf8') return a;
    if (a.t.id === 'null') return retype(a, UTF8);
    return fail(i, 'a string');
  };
  const int64 = (i: number): Bound => {
    const a = args[i]!;
    if (a.t.id === 'null') return retype(a, INT64);
    if (a.t.id !== 'int' || (a.t.bits === 64 && !a.t.signed)) return fail(i, 'an integer');
    return castTo(ctx, e.args[i], a, INT64);
  };
  const num = (i: number): Bound => {
    const a = args[i]!;
    if (isNumeric(a.t) || a.t.id === 'null') return a;
    return fail(i, 'a number');
  };
  const list = (i: number): Bound => {
    const a = args[i]!;
    if (a.t.id === 'list') return a;
    return fail(i, 'a list column');
  };
  /** coalesce / nullif / make_array: scalar arguments, converted to their union type. */
  const unified = (): { t: DType; as: Bound[] } => {
    args.forEach((a, i) => (a.t.id === 'list' || a.t.id === 'struct' || a.t.id === 'other' ? fail(i, 'a scalar') : undefined));
    const t = unionType(ctx, e, args);
    return { t, as: unify(ctx, e, args, t) };
  };
  const fn = (t: DType, as: Bound[], fname = name, extra: Partial<Extract<Bound, { k: 'fn' }>> = {}): Bound => ({ k: 'fn', t, name: fname, args: as, ...extra });

  if (TIME_FUNCTIONS.has(name)) return bindTimeConversion(ctx, e, name, args, fn);
  switch (name) {
    case 'is_valid':
      return { k: 'is', t: BOOL, test: 'not null', e: args[0]! };
    case 'lower':
    case 'upper':
    case 'btrim':
    case 'ltrim':
    case 'rtrim':
    case 'replace':
      return fn(UTF8, args.map((_, i) => str(i)));
    case 'length':
    case 'char_length':
    case 'character_length':
      return fn(INT32, [str(0)], 'char_length');
    case 'octet_length':
      return fn(INT32, [str(0)]);
    case 'strpos':
    case 'instr':
      return fn(INT32, [str(0), str(1)], 'strpos');
    case 'starts_with':
    case 'ends_with':
    case 'contains':
      return fn(BOOL, [str(0), str(1)]);
    case 'left':
    case 'right':
      return fn(UTF8, [str(0), int64(1)]);
    case 'concat': {
      // DataFusion casts every argument to text, as Arrow's cast prints it (cast.ts: floats, dates,
      // timestamps in RFC 3339).
      const as = args.map((a, i) => {
        if (a.t.id === 'utf8' || a.t.id === 'null') return a;
        if (a.t.id === 'int' || a.t.id === 'float' || a.t.id === 'bool' || a.t.id === 'date' || a.t.id === 'timestamp') return castTo(ctx, e.args[i], a, UTF8);
        return fail(i, 'a string, number, boolean, date or timestamp');
      });
      return fn(UTF8, as);
    }
    case 'abs': {
      const a = args[0]!;
      if (a.t.id === 'null') return a;
      if (!isNumeric(a.t)) return fail(0, 'a number');
      return fn(a.t, [a]);
    }
    case 'coalesce':
    case 'nvl':
    case 'ifnull': {
      const { t, as } = unified();
      // the first argument that is a non-NULL constant ends the list (later ones are never reached)
      const stop = as.findIndex((a) => a.k === 'const' && a.v !== null);
      const kept = stop < 0 ? as : as.slice(0, stop + 1);
      if (kept.length === 1) return kept[0]!;
      return fn(t, kept, 'coalesce');
    }
    case 'nullif': {
      const { t, as } = unified();
      if (isNullConst(as[0]!) || as[0]!.t.id === 'null') return constant(t, null);
      if (isNullConst(as[1]!)) return as[0]!;
      return fn(t, as);
    }
    case 'round':
    case 'trunc': {
      const x = num(0);
      // Float32 stays Float32; DataFusion's trunc(Float32, Int64) signature is the first an integer
      // matches when there are two arguments; everything else is computed in Float64
      const t: DType =
        x.t.id === 'float' && x.t.bits === 32 ? x.t : x.t.id === 'int' && name === 'trunc' && args.length === 2 ? { id: 'float', bits: 32 } : FLOAT64;
      const xx = x.t.id === 'null' ? retype(x, t) : castTo(ctx, e.args[0], x, t);
      if (isNullConst(xx)) return constant(t, null);
      if (args.length === 1) return fn(t, [xx]);
      const d = args[1]!;
      if (d.t.id === 'null') return constant(t, null);
      if (d.t.id !== 'int') return fail(1, 'an integer number of decimal places');
      if (d.k === 'const') {
        const v = BigInt(d.v as number | bigint);
        if (v < -(2n ** 31n) || v >= 2n ** 31n) throw err(ctx, e.args[1], `${name} decimal_places ${v} is out of supported i32 range`, { function: e.name });
        return fn(t, [xx, constant(INT32, Number(v))]);
      }
      // trunc converts its Int64 places with a wrapping `as i32`; round fails on values outside i32.
      // Columns whose values always fit are exact either way.
      const fits = d.t.bits <= 16 || (d.t.bits === 32 && d.t.signed);
      if (!fits && name === 'trunc') return fail(1, 'a constant or an integer column of at most 32 bits (signed)');
      return fn(t, [xx, d]);
    }
    case 'isnan': {
      const x = num(0);
      if (x.t.id === 'null') return constant(BOOL, null);
      return fn(BOOL, [x]);
    }
    case 'sqrt': {
      const x = num(0);
      if (x.t.id === 'float' && x.t.bits === 32) return fn(x.t, [x]);
      if (x.t.id === 'null') return constant(FLOAT64, null);
      return fn(FLOAT64, [castTo(ctx, e.args[0], x, FLOAT64)]);
    }
    case 'array_length':
    case 'cardinality':
      return fn(UINT64, [list(0)], 'array_length');
    case 'now':
    case 'current_timestamp':
      // one instant per predicate, as DataFusion takes it once per query: Timestamp(ns, "+00:00")
      return constant({ id: 'timestamp', unit: 'ns', tz: '+00:00' }, BigInt(Date.now()) * 1_000_000n);
    case 'current_date':
    case 'today':
      return constant({ id: 'date', unit: 'day' }, Math.floor(Date.now() / 86_400_000)); // the UTC date
    case 'date_part':
    case 'datepart': {
      // date_part('year', d): the field name a constant string, the value a date or timestamp
      const p = args[0]!;
      if (p.k !== 'const' || p.t.id !== 'utf8') throw err(ctx, e.args[0], `${e.name}() needs the field as a string literal, e.g. date_part('year', d)`, { function: e.name });
      const part = datePartNamed(String(p.v));
      if (!part) throw err(ctx, e.args[0], `${e.name}() field ${JSON.stringify(p.v)} is not supported (${DATE_PARTS.join(', ')}, or their plurals and abbreviations)`, { function: e.name });
      const x = args[1]!;
      if (x.t.id === 'null') return constant(datePartType(part), null);
      if (x.t.id !== 'date' && x.t.id !== 'timestamp') return fail(1, 'a date or timestamp');
      return fn(datePartType(part), [x], 'date_part', { part });
    }
    case 'date_trunc':
    case 'datetrunc': {
      // date_trunc('month', t): the step a constant string; a date or string becomes Timestamp(ns)
      const g = args[0]!;
      if (g.k !== 'const' || g.t.id !== 'utf8') throw err(ctx, e.args[0], `${e.name}() needs the granularity as a string literal, e.g. date_trunc('month', t)`, { function: e.name });
      const granularity = String(g.v).toLowerCase() as Granularity;
      if (!DATE_TRUNC_GRANULARITIES.includes(granularity)) {
        throw err(ctx, e.args[0], `Unsupported date_trunc granularity: '${g.v}'. Supported values are: ${DATE_TRUNC_GRANULARITIES.join(', ')}`, { function: e.name });
      }
      const ns: DType = { id: 'timestamp', unit: 'ns', tz: null };
      const x = args[1]!;
      if (x.t.id === 'null') return constant(ns, null);
      if (x.t.id === 'date' || x.t.id === 'utf8') return fn(ns, [retype(castTo(ctx, e.args[1], x, ns), ns)], 'date_trunc', { granularity });
      if (x.t.id !== 'timestamp') return fail(1, 'a timestamp, date or string');
      return fn(x.t, [x], 'date_trunc', { granularity });
    }
    case 'array_element':
    case 'array_extract':
    case 'list_element':
    case 'list_extract': {
      // `list[i]`: item i (1-based; negative from the end; 0 or past the end is NULL)
      const l = list(0);
      return fn((l.t as Extract<DType, { id: 'list' }>).item, [l, int64(1)], 'array_element');
    }
    case 'array_has':
    case 'array_contains':
    case 'list_has': {
      const l = list(0);
      const item = (l.t as Extract<DType, { id: 'list' }>).item;
      const v = args[1]!;
      if (v.t.id === 'null') return constant(BOOL, null);
      let t: DType | undefined;
      if (isNumeric(item) && isNumeric(v.t)) t = numericCoercion(item, v.t);
      else if (item.id === 'utf8' && v.t.id === 'utf8') t = UTF8;
      else if (item.id === 'bool' && v.t.id === 'bool') t = BOOL;
      if (!t) return fail(1, `a value comparable with ${typeName(item)}`);
      return fn(BOOL, [l, v.t.id === 'int' && t.id === 'int' ? v : castTo(ctx, e.args[1], v, t)], 'array_has', { cmp: t });
    }
    case 'make_array': {
      // `[a, b]` parses to this call too; items take their union type, as coalesce's arguments do
      const { t, as } = unified();
      return fn({ id: 'list', item: t }, as, 'make_array');
    }
    case 'array_has_any':
    case 'list_has_any':
    case 'arrays_overlap':
    case 'array_has_all':
    case 'list_has_all': {
      const all = name.endsWith('_all');
      const sides = [0, 1].map((i) => (args[i]!.t.id === 'list' || args[i]!.t.id === 'null' ? args[i]! : fail(i, 'a list')));
      const nullSide = sides.findIndex((a) => a.t.id === 'null');
      if (nullSide >= 0) {
        // LanceDB answers NULL for array_has_any and fails when array_has_all runs
        if (all) throw err(ctx, e.args[nullSide], `${e.name}() with a NULL list fails in LanceDB; write the list, or test IS NULL`, { function: e.name });
        return constant(BOOL, null);
      }
      // DataFusion answers a needle list without items, `[]`, before looking at any list (NULLs too)
      const needles = sides[1]!;
      if (needles.k === 'fn' && needles.name === 'make_array' && needles.args.length === 0) return constant(BOOL, all);
      const cmp = listComparison(ctx, e, sides);
      return fn(BOOL, sides, all ? 'array_has_all' : 'array_has_any', { cmp });
    }
    case 'regexp_like': {
      const s = str(0);
      const p = args[1]!;
      const f = args[2];
      if (p.t.id !== 'utf8' && p.t.id !== 'null') return fail(1, 'a string pattern');
      if (f && f.t.id !== 'utf8' && f.t.id !== 'null') return fail(2, 'a string of flags');
      if (p.k !== 'const') throw err(ctx, e.args[1], 'regexp_like() needs a constant pattern (a string literal)', { function: e.name });
      if (f && f.k !== 'const') throw err(ctx, e.args[2], 'regexp_like() needs constant flags (a string literal)', { function: e.name });
      if (p.v === null) return constant(BOOL, null);
      const flags = (f?.v ?? '') as string;
      if (flags !== '' && flags !== 'i') {
        throw err(ctx, e.args[2], `regexp_like() flags ${JSON.stringify(flags)} are not supported (only 'i')`, { function: e.name });
      }
      const re = regexToJs(p.v as string, flags === 'i', (msg, at) => err(ctx, e.args[1], `${msg} at character ${at} of the pattern`, { function: e.name, pattern: p.v }));
      return fn(BOOL, [s], 'regexp_like', { regex: re });
    }
  }
  /* istanbul ignore next */
  throw err(ctx, e, `Unsupported function ${e.name}`);
}

/**
 * to_timestamp*, to_date, to_unixtime, from_unixtime, make_date (time-conversions.ts). Calls on
 * constants are computed here, as DataFusion's planner folds them, so they meet columns as literals
 * and a value that does not convert fails before any row is read.
 */
function bindTimeConversion(
  ctx: BindContext,
  e: Call,
  name: string,
  args: Bound[],
  fn: (t: DType, as: Bound[], fname?: string) => Bound,
): Bound {
  const single = name !== 'make_date' && name !== 'from_unixtime';
  if (single && args.length > 1) {
    throw err(ctx, e.args[1], `${e.name}() with format strings is not supported here; write the value as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fraction][zone]`, { function: e.name });
  }
  const used = name === 'from_unixtime' ? args.slice(0, 1) : args;
  used.forEach((a, i) => {
    const problem = timeArgProblem(name, a.t);
    if (problem) throw err(ctx, e.args[i], problem, { function: e.name });
  });
  let tz: string | null = null;
  if (name === 'from_unixtime' && args[1]) {
    const z = args[1];
    if (z.k !== 'const' || z.t.id !== 'utf8' || z.v === null) throw err(ctx, e.args[1], "from_unixtime() takes its time zone as a string literal, e.g. from_unixtime(t, 'UTC')", { function: e.name });
    tz = z.v as string;
  }
  const t = timeFnType(name, tz);
  if (!used.every((a) => a.k === 'const')) return fn(t, used);
  try {
    return constant(t, timeFnValue(name, used.map((a) => (a as Extract<Bound, { k: 'const' }>).v), used.map((a) => a.t)));
  } catch (cause) {
    throw err(ctx, e, (cause as Error).message, { function: e.name });
  }
}
