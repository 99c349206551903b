// Floats as text: the shortest decimal digits that identify a value at its width. Rust (ryu, in
// LanceDB's casts) and Python (repr, in pandas) agree on the digits and differ only in layout, which
// each caller applies.

/** The shortest significant digits (no trailing zeros) and exponent with digits × 10^exp === x at `bits` width. */
export function shortestDigits(x: number, bits: 32 | 64): [string, number] {
  let text = x.toExponential(); // ECMAScript: as few digits as identify the double
  if (bits === 32) {
    for (let p = 1; p <= 9; p++) {
      const t = x.toExponential(p - 1);
      if (Math.fround(Number(t)) === x) {
        text = t;
        break;
      }
    }
  }
  const [mantissa, e] = text.split('e') as [string, string];
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  return [digits, Number(e) - (digits.length - 1)];
}

/**
 * A float as Python's repr / pandas' astype(str) spells it (numpy's float32 repr for `bits` 32):
 * positional for 1e-4 <= |x| < 1e16 with `.0` after whole numbers, otherwise `1e-05`, `1.5e+16`.
 */
export function pythonFloat(x: number, bits: 32 | 64 = 64): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [digits, exp] = shortestDigits(Math.abs(x), bits);
  const sign = x < 0 ? '-' : '';
  const point = digits.length + exp; // 10^(point-1) <= |x| < 10^point
  // the switch compares the value itself: float32(0.0001) is 9.99999974e-05, so numpy writes 1e-04
  if (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e16) {
    const e = point - 1;
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (exp >= 0) return `${sign}${digits}${'0'.repeat(exp)}.0`;
  if (point > 0) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign}0.${'0'.repeat(-point)}${digits}`;
}
