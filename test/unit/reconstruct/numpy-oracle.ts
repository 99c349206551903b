// Runs a Python snippet with Debian's numpy/scipy (/usr/bin/python3, not the pyenv one on PATH):
// the script reads JSON `inp` and assigns JSON-able `out`.
import { execFileSync } from 'node:child_process';

export function numpy<T>(script: string, input: unknown): T {
  const prog = `import json, sys\nimport numpy as np\nimport scipy.sparse as sp\ninp = json.load(sys.stdin)\n${script}\njson.dump(out, sys.stdout)\n`;
  const res = execFileSync('/usr/bin/python3', ['-c', prog], { input: JSON.stringify(input), maxBuffer: 1 << 28 });
  return JSON.parse(res.toString()) as T;
}
