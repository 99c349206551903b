// Floats spelled as Python spells them (pandas' astype(str) of numeric categories: repr for float64,
// numpy's str for float32), checked against Debian's python3 + numpy over edge and random values.
import { expect, test } from 'vitest';
import { pythonFloat } from '../../../src/text/shortest-digits.js';
import { pythonJson } from '../../helpers/python.js';
import { rng } from '../../helpers/rng.js';

test('pythonFloat spells every value as repr(float) and str(np.float32) do', () => {
  const rand = rng(7);
  const edges = [1e-5, 1e-4, 0.0001234, 9.999e-5, 1e15, 1e16, 9.999999999999998e15, 1.5e-7, 123456789012345680000, 2, 1.5, 0.1, 0.30000000000000004, -0, 0, -2.5e-5, 1e22, 5e-324, 1.7976931348623157e308, 100, 12345.678, -1e16, 65504.5, 16777217, 3.0517578125e-5];
  const xs = [...edges, ...Array.from({ length: 300 }, () => (rand() - 0.5) * 10 ** Math.floor(rand() * 44 - 22))];
  const text = xs.map((x) => (Object.is(x, -0) ? '-0.0' : x.toExponential(17)));
  const py = pythonJson<[string, string][]>(
    `import json, sys, numpy as np
print(json.dumps([[repr(float(s)), str(np.float32(float(s)))] for s in sys.argv[1].split(",")]))`,
    [text.join(',')],
  );
  xs.forEach((x, i) => {
    expect(pythonFloat(x, 64), `repr(${text[i]})`).toBe(py[i]![0]);
    if (Math.abs(x) < 3.4e38) expect(pythonFloat(Math.fround(x), 32), `str(np.float32(${text[i]}))`).toBe(py[i]![1]);
  });
});
