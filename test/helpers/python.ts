// Runs Debian's python3 (with anndata/scipy/h5py from apt) as an independent oracle.
// The `python3` on PATH may be a pyenv build without anndata: always use /usr/bin/python3.
import { execFileSync } from 'node:child_process';

export const PYTHON = process.env.ORACLE_PYTHON ?? '/usr/bin/python3';

/** Runs `code` with argv and returns its stdout parsed as JSON. */
export function pythonJson<T = any>(code: string, args: string[] = [], opts: { timeoutMs?: number } = {}): T {
  const out = execFileSync(PYTHON, ['-c', code, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: opts.timeoutMs ?? 120_000,
    env: { ...process.env, PYTHONWARNINGS: 'ignore' },
  });
  return JSON.parse(out) as T;
}
