// A small table for the function tests: every column type the new functions read (strings, int64,
// int32, float64 with NaN / -0 / ±inf, float32, bool, date, timestamp, list<utf8>, list<int64>), with
// NULLs, written through LanceDB by functions-lancedb.test.ts.
import * as arrowNs from 'apache-arrow';
import { rng } from '../../../helpers/rng.js';

type ArrowModule = typeof arrowNs;

const WORDS = ['abc', '  pad  ', 'xxhixx', '', 'Ünï 🧬', 'a.b', 'AbC', 'hello world', 'x', 'tab\there', 'line\nbreak', 'Straße', '123', 'a1b2', 'ǅemal', '½ half', 'x y', 'aaa', '-_-', 'ÉCOLE'];
const ITEMS = ['a', 'b', 'c', 'x', 'z', 'abc', 'Ü'];

export const FN_ROWS = 160;

export function buildFunctionsTable(A: ArrowModule = arrowNs, n = FN_ROWS): arrowNs.Table {
  const r = rng(424242);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = <T>(v: T, p = 0.1): T | null => (r() < p ? null : v);
  const floats = [NaN, -0, 0, Infinity, -Infinity, 1.5, -2.5, 2.675, 0.5, 3, -0.4, 1e-300, 123456.789, -7.25];
  const cols = {
    id: [] as number[],
    s: [] as (string | null)[],
    p: [] as (string | null)[],
    i: [] as (bigint | null)[],
    i32: [] as (number | null)[],
    f: [] as (number | null)[],
    f32: [] as (number | null)[],
    b: [] as (boolean | null)[],
    d: [] as (Date | null)[],
    ts: [] as (number | null)[],
    ls: [] as ((string | null)[] | null)[],
    li: [] as ((bigint | null)[] | null)[],
    lf: [] as ((number | null)[] | null)[],
    fv: [] as (number[] | null)[],
  };
  // lf has its own stream, so the columns before it keep the rows they always had
  const r2 = rng(97531);
  const r3 = rng(8642);
  const listFloats = [NaN, -0, 0, 1.5, 2, -2.5, Infinity];
  for (let k = 0; k < n; k++) {
    cols.id.push(k);
    cols.s.push(k < WORDS.length ? WORDS[k]! : maybe(pick(WORDS)));
    cols.p.push(maybe(pick(['x', 'a', 'b', '', 'Ü', 'hi', ' '])));
    let i: bigint | null = maybe(BigInt(Math.floor(r() * 21) - 10));
    if (k === 3) i = 9223372036854775807n;
    if (k === 4) i = -9223372036854775808n;
    cols.i.push(i);
    cols.i32.push(maybe(Math.floor(r() * 9) - 3));
    const f = k < floats.length ? floats[k]! : maybe(Math.round((r() * 200 - 100) * 1000) / 1000);
    cols.f.push(f);
    cols.f32.push(f === null ? null : Math.fround(f));
    cols.b.push(maybe(r() < 0.5));
    cols.d.push(maybe(new Date(Date.UTC(2020, 0, 1) + Math.floor(r() * 1000) * 86_400_000)));
    cols.ts.push(maybe(Date.UTC(2021, 0, 1) + Math.floor(r() * 1e6) * 1000));
    const len = Math.floor(r() * 4);
    cols.ls.push(maybe(Array.from({ length: len }, () => (r() < 0.1 ? null : pick(ITEMS)))));
    cols.li.push(maybe(Array.from({ length: len }, () => (r() < 0.1 ? null : BigInt(Math.floor(r() * 6))))));
    const lenF = Math.floor(r2() * 4);
    cols.lf.push(r2() < 0.1 ? null : Array.from({ length: lenF }, () => (r2() < 0.1 ? null : listFloats[Math.floor(r2() * listFloats.length)]!)));
    // (its own stream too) a vector column: fixed-size lists of 3
    cols.fv.push(r3() < 0.1 ? null : Array.from({ length: 3 }, () => Math.floor(r3() * 5) - 2));
  }
  const ls = new A.List(new A.Field('item', new A.Utf8(), true));
  const li = new A.List(new A.Field('item', new A.Int64(), true));
  const lf = new A.List(new A.Field('item', new A.Float64(), true));
  const v = (vals: unknown[], t: arrowNs.DataType) => A.vectorFromArray(vals as never[], t as never);
  return new A.Table({
    id: v(cols.id, new A.Int32()),
    s: v(cols.s, new A.Utf8()),
    p: v(cols.p, new A.Utf8()),
    i: v(cols.i, new A.Int64()),
    i32: v(cols.i32, new A.Int32()),
    f: v(cols.f, new A.Float64()),
    f32: v(cols.f32, new A.Float32()),
    b: v(cols.b, new A.Bool()),
    d: v(cols.d, new A.DateDay()),
    ts: v(cols.ts, new A.TimestampMicrosecond()),
    ls: v(cols.ls, ls),
    li: v(cols.li, li),
    lf: v(cols.lf, lf),
    fv: v(cols.fv, new A.FixedSizeList(3, new A.Field('item', new A.Float32(), true))),
  } as never);
}
