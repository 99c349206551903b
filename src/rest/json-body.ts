// JSON request bodies, byte-for-byte as the official client writes them.
//
// The official client builds bodies with serde_json's `json!` (a BTreeMap), so keys come out sorted,
// and prints f64s with ryu (`1.0`, `1e-7`), not JS's `1` / `1e-7` / `1e+21`. Matching both lets tests
// diff our requests against the official client's as strings, and keeps any server-side request
// caching keyed on the body working the same for both clients.
//
// Two values JS numbers cannot express are wrapped:
//   JsonLiteral — an integer literal written verbatim: the query `k` without a limit is Rust's
//                 isize::MAX, 9223372036854775807, which as a JS number would print 9223372036854776000.
//   JsonFloat   — a float32 query-vector element, printed like serde_json prints the f64 it widens to.

export class JsonLiteral {
  constructor(readonly text: string) {
    if (!/^-?\d+$/.test(text)) throw new TypeError(`not an integer literal: ${text}`);
  }
}

export class JsonFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = Math.fround(value);
  }
}

export type JsonBodyValue = null | boolean | number | string | JsonLiteral | JsonFloat | JsonBodyValue[] | { [key: string]: JsonBodyValue | undefined };

/** Compact JSON with object keys sorted (code-unit order, as Rust's BTreeMap<String, _>); undefined members are dropped. */
export function stringifyBody(value: JsonBodyValue): string {
  if (value === null) return 'null';
  if (value instanceof JsonLiteral) return value.text;
  if (value instanceof JsonFloat) return ryu(value.value);
  if (Array.isArray(value)) return `[${value.map(stringifyBody).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stringifyBody(value[k]!)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`cannot send ${value} as JSON`);
  return JSON.stringify(value);
}

/**
 * Formats a finite f64 the way Rust's ryu crate does (serde_json's float printer). JS and ryu agree on
 * the shortest round-trip digits; only the layout differs: ryu keeps plain notation while the decimal
 * exponent `kk` (digits before the point) is in (−5, 16], always shows a fraction (`1.0`), and writes
 * exponents without `+` (`1e16`, `1.5e-7`).
 */
export function ryu(x: number): string {
  if (!Number.isFinite(x)) throw new TypeError(`cannot send ${x} as JSON`);
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const kk = Number(exp) + 1;
  const n = digits.length;
  let body: string;
  if (n <= kk && kk <= 16) body = `${digits}${'0'.repeat(kk - n)}.0`;
  else if (0 < kk && kk <= 16) body = `${digits.slice(0, kk)}.${digits.slice(kk)}`;
  else if (-5 < kk && kk <= 0) body = `0.${'0'.repeat(-kk)}${digits}`;
  else body = `${n === 1 ? digits : `${digits[0]}.${digits.slice(1)}`}e${kk - 1}`;
  return sign + body;
}
