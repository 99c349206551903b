// Builds and runs the native x86_64 benchmark binary (wasm/src/bin/bench_native.rs): the same Rust
// BP-128 code as the wasm module, compiled for the host (scalar kernel; LLVM vectorises its 4-lane
// rows with SSE2), reading the same chunk files.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';

const WASM_DIR = fileURLToPath(new URL('../../wasm/', import.meta.url));
const TARGET_DIR = `${WASM_DIR}target/native`;

export interface NativeResult {
  file: string;
  values_per_sec: number;
  gb_per_sec: number;
  checksum: number;
}

/** Returns the binary path, or a reason why there is none. */
export function buildNative(): { binary?: string; note: string } {
  const candidates = [`${homedir()}/.cargo/bin/cargo`, '/usr/bin/cargo'];
  const cargo = candidates.find((c) => existsSync(c));
  if (!cargo) return { note: 'no cargo found: native column skipped' };
  const env = { ...process.env };
  delete env.RUSTFLAGS; // the wasm build's flags must not leak into the host build
  try {
    execFileSync(
      cargo,
      ['build', '--release', '--quiet', '--no-default-features', '--features', 'bench-native', '--bin', 'bench_native', '--target-dir', TARGET_DIR],
      { cwd: WASM_DIR, env, stdio: ['ignore', 'ignore', 'inherit'] },
    );
  } catch (err) {
    return { note: `native build failed (${String(err)}): native column skipped` };
  }
  const version = execFileSync(cargo.replace(/cargo$/, 'rustc'), ['--version']).toString().trim();
  return { binary: `${TARGET_DIR}/release/bench_native`, note: `native: ${version}, x86_64, opt-level 3 + LTO, default target CPU (SSE2)` };
}

export function runNative(binary: string, files: string[]): Map<string, NativeResult> {
  const out = execFileSync(binary, files).toString();
  const results = new Map<string, NativeResult>();
  for (const line of out.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as NativeResult;
    results.set(r.file, r);
  }
  return results;
}
