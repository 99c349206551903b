// Test helpers for the input readers: the independent oracle is Debian's python3 with anndata 0.8 /
// scipy 1.10 / h5py (NOT the pyenv python3 on PATH, which has no anndata). Python writes fixtures and
// dumps what *it* reads as raw little-endian arrays + JSON, which the tests compare bit-for-bit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MatrixSource } from '../../../src/companion/inputs/types.js';

export const PYTHON = '/usr/bin/python3';
export const DATA = '/work/shared/data';

/** Runs a python script (stdin-free) with `argv`; returns stdout. */
export function runPython(script: string, ...argv: string[]): string {
  return execFileSync(PYTHON, ['-c', script, ...argv], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Python prelude shared by dump scripts: `dump(name, ndarray)` writes raw bytes, `dumpj(name, obj)` JSON. */
export const PY_DUMP_PRELUDE = `
import sys, os, json
import numpy as np
OUT = sys.argv[1]
def dump(name, arr):
    np.ascontiguousarray(arr).tofile(os.path.join(OUT, name))
def dumpj(name, obj):
    with open(os.path.join(OUT, name), 'w') as f: json.dump(obj, f)
`;

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `ra-inputs-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

type Ctor<T> = { new (buf: ArrayBuffer): T };
export function readBin<T>(dir: string, name: string, ctor: Ctor<T>): T {
  const b = readFileSync(join(dir, name));
  const copy = new ArrayBuffer(b.byteLength);
  new Uint8Array(copy).set(b);
  return new ctor(copy);
}
export function readJson<T = unknown>(dir: string, name: string): T {
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
}
export function writeText(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Byte-level equality of two typed arrays (bit-exact for floats, NaN payloads included). */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export interface FullCsr {
  indptr: Float64Array;
  indices: Uint32Array;
  values: Float32Array | Float64Array | Int32Array | Uint32Array;
  batches: number[];
}

/** Concatenates a source's row batches into one CSR (tests only), checking batch invariants on the way. */
export async function collectCsr(src: MatrixSource, batchRows: number): Promise<FullCsr> {
  const indptr = new Float64Array(src.shape[0] + 1);
  const idx: Uint32Array[] = [];
  const vals: FullCsr['values'][] = [];
  const batches: number[] = [];
  let row = 0;
  let nnz = 0;
  for await (const b of src.rows(batchRows)) {
    if (b.format !== 'csr') throw new Error('expected csr batches');
    if (b.rowStart !== row) throw new Error(`batch starts at ${b.rowStart}, expected ${row}`);
    if (b.indptr.length !== b.nRows + 1 || b.indptr[0] !== 0) throw new Error('bad batch indptr');
    if (b.indices.length !== b.indptr[b.nRows] || b.values.length !== b.indices.length) throw new Error('bad batch lengths');
    for (let r = 0; r < b.nRows; r++) indptr[row + r + 1] = nnz + b.indptr[r + 1]!;
    idx.push(b.indices);
    vals.push(b.values);
    nnz += b.indices.length;
    row += b.nRows;
    batches.push(b.nRows);
  }
  if (row !== src.shape[0]) throw new Error(`got ${row} rows, expected ${src.shape[0]}`);
  const indices = new Uint32Array(nnz);
  const first = vals[0] ?? new Float32Array(0);
  const values = new (first.constructor as { new (n: number): FullCsr['values'] })(nnz);
  let o = 0;
  for (let i = 0; i < idx.length; i++) {
    indices.set(idx[i]!, o);
    values.set(vals[i]! as never, o);
    o += idx[i]!.length;
  }
  return { indptr, indices, values, batches };
}

/** Concatenates dense row batches. */
export async function collectDense(src: MatrixSource, batchRows: number): Promise<{ values: Float32Array | Float64Array | Int32Array | Uint32Array; batches: number[] }> {
  const parts: (Float32Array | Float64Array | Int32Array | Uint32Array)[] = [];
  const batches: number[] = [];
  for await (const b of src.rows(batchRows)) {
    if (b.format !== 'dense') throw new Error('expected dense batches');
    parts.push(b.values);
    batches.push(b.nRows);
  }
  const n = parts.reduce((s, p) => s + p.length, 0);
  const first = parts[0] ?? new Float32Array(0);
  const out = new (first.constructor as { new (n: number): Float32Array })(n);
  let o = 0;
  for (const p of parts) {
    out.set(p as never, o);
    o += p.length;
  }
  return { values: out, batches };
}

/** Expects `p` to reject with a RaggedAtlasError of `tag` whose `where` matches. */
export async function expectError(p: Promise<unknown>, tag: string, where: RegExp, message?: RegExp): Promise<Error & { _tag: string; where?: string }> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  const e = err as Error & { _tag: string; where?: string };
  if (!e) throw new Error(`expected ${tag} error, got success`);
  if (e._tag !== tag) throw new Error(`expected ${tag}, got ${e._tag ?? e.name}: ${e.message}`);
  if (!where.test(e.where ?? '')) throw new Error(`where '${e.where}' does not match ${where}: ${e.message}`);
  if (message && !message.test(e.message)) throw new Error(`message '${e.message}' does not match ${message}`);
  return e;
}

/** Drains a matrix (to trigger lazy validation). */
export async function drain(src: MatrixSource | undefined, batchRows = 64): Promise<void> {
  if (!src) throw new Error('no matrix');
  for await (const _ of src.rows(batchRows)) void _;
}

/**
 * Python side of dataframe comparison: `dump_df(prefix, df)` writes `<prefix>.meta` (JSON, one entry per
 * column) and per-column binaries; `dump_csr(prefix, m)` writes a canonical CSR (sorted indices) of
 * any scipy matrix or ndarray.
 */
export const PY_DF_DUMP = `
import pandas as pd
import scipy.sparse as sp
def dump_df(prefix, df):
    meta = []
    for i, name in enumerate(df.columns):
        s = df[name]; dt = s.dtype; m = {'name': str(name)}
        if isinstance(dt, pd.CategoricalDtype):
            m['kind'] = 'categorical'; m['categories'] = [str(c) for c in s.cat.categories]
            dump(f'{prefix}.{i}.codes', s.cat.codes.values.astype(np.int32))
        elif str(dt) in ('Int8','Int16','Int32','Int64','UInt8','UInt16','UInt32','UInt64'):
            m['kind'] = 'int'; m['nullable'] = True
            dump(f'{prefix}.{i}.values', s.fillna(0).astype('int64').values.astype(np.int64))
            dump(f'{prefix}.{i}.valid', (~s.isna()).values.astype(np.uint8))
        elif str(dt) == 'boolean':
            m['kind'] = 'bool'; m['nullable'] = True
            dump(f'{prefix}.{i}.values', s.fillna(False).astype(bool).values.astype(np.uint8))
            dump(f'{prefix}.{i}.valid', (~s.isna()).values.astype(np.uint8))
        elif dt == bool:
            m['kind'] = 'bool'; dump(f'{prefix}.{i}.values', s.values.astype(np.uint8))
        elif np.issubdtype(dt, np.integer):
            m['kind'] = 'int'; m['dtype'] = str(dt); dump(f'{prefix}.{i}.values', s.values.astype(np.int64))
        elif np.issubdtype(dt, np.floating):
            m['kind'] = 'float'; m['dtype'] = str(dt); dump(f'{prefix}.{i}.values', s.values)
        else:
            m['kind'] = 'string'
            m['values'] = [None if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))) else str(v) for v in s]
        meta.append(m)
    dumpj(prefix + '.meta', meta)
    dumpj(prefix + '.index', [str(x) for x in df.index])
def dump_csr(prefix, m):
    m = sp.csr_matrix(m)
    m = m.sorted_indices()
    dump(prefix + '.indptr', m.indptr.astype(np.float64))
    dump(prefix + '.indices', m.indices.astype(np.uint32))
    dump(prefix + '.data', m.data)
    dumpj(prefix + '.info', {'shape': list(m.shape), 'dtype': str(m.data.dtype), 'nnz': int(m.nnz)})
`;

export function sumOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}
