// Independent readers of the shared real data, written for the tests only (no code shared
// with src/companion/inputs): a MatrixMarket parser, anndata's make_index_unique, h5ad through
// h5wasm directly, and the AnnData-Zarr zip through zarrita's own ZipFileStore.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import h5wasm from 'h5wasm/node';
import { ZipFileStore } from '@zarrita/storage';
import * as zarr from 'zarrita';
import { registerBitpacking } from './zarrita.js';

export const DATA = '/work/shared/data';

export interface Csr {
  nRows: number;
  nCols: number;
  indptr: number[];
  indices: number[];
  data: number[];
}

/** A genes × cells MatrixMarket file as a cells × genes CSR, columns ascending in each row. */
export async function readMtxTransposed(path: string): Promise<Csr> {
  let buf = await readFile(path);
  if (path.endsWith('.gz')) buf = gunzipSync(buf);
  const lines = buf.toString('utf8').split('\n');
  let i = 0;
  while (lines[i]!.startsWith('%')) i++;
  const [nGenes, nCells, nnz] = lines[i++]!.trim().split(/\s+/).map(Number) as [number, number, number];
  const rows: [number, number][][] = Array.from({ length: nCells }, () => []);
  for (let k = 0; k < nnz; k++) {
    const [g, c, v] = lines[i + k]!.trim().split(/\s+/).map(Number) as [number, number, number];
    rows[c - 1]!.push([g - 1, v]);
  }
  const csr: Csr = { nRows: nCells, nCols: nGenes, indptr: [0], indices: [], data: [] };
  for (const r of rows) {
    r.sort((a, b) => a[0] - b[0]);
    for (const [g, v] of r) {
      csr.indices.push(g);
      csr.data.push(v);
    }
    csr.indptr.push(csr.indices.length);
  }
  return csr;
}

export async function readLines(path: string, col = 0): Promise<string[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.length)
    .map((l) => l.split('\t')[col]!);
}

/** anndata `make_index_unique` (join '-'). */
export function makeIndexUnique(values: string[]): string[] {
  const taken = new Set(values);
  const first = new Set<string>();
  const counter = new Map<string, number>();
  return values.map((v) => {
    if (!first.has(v)) {
      first.add(v);
      return v;
    }
    for (;;) {
      const c = (counter.get(v) ?? 0) + 1;
      counter.set(v, c);
      if (!taken.has(`${v}-${c}`)) {
        taken.add(`${v}-${c}`);
        return `${v}-${c}`;
      }
    }
  });
}

export async function h5(path: string): Promise<InstanceType<typeof h5wasm.File>> {
  await h5wasm.ready;
  return new h5wasm.File(path, 'r');
}

export function h5Values(f: InstanceType<typeof h5wasm.File>, path: string): unknown {
  const d = f.get(path) as { value: unknown } | null;
  if (!d) throw new Error(`no ${path}`);
  return d.value;
}

/** `layers/<name>` CSR of the AnnData-Zarr zip (last zip entry of a name wins, as in Python). */
export async function zarrZipCsr(path: string, element: string): Promise<{ indptr: number[]; indices: number[]; data: number[] }> {
  await registerBitpacking();
  const buf = await readFile(path);
  const store = ZipFileStore.fromBlob(new Blob([buf]));
  const get = async (name: string) => {
    const arr = await zarr.open.v3(zarr.root(store).resolve(`${element}/${name}`), { kind: 'array' });
    return Array.from((await zarr.get(arr)).data as ArrayLike<number | bigint>, Number);
  };
  return { indptr: await get('indptr'), indices: await get('indices'), data: await get('data') };
}

/** Element-wise equality for large arrays; reports the first difference (vitest's diff of
 * 100k-element arrays takes minutes). */
export function sameArray(actual: ArrayLike<number | bigint>, expected: ArrayLike<number | bigint>, what = 'array'): string | undefined {
  if (actual.length !== expected.length) return `${what}: length ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (Number(actual[i]) !== Number(expected[i]) && !(Number.isNaN(Number(actual[i])) && Number.isNaN(Number(expected[i])))) {
      return `${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`;
    }
  }
  return undefined;
}

/** Sorts the entries of every CSR row by column (scipy `sort_indices`). */
export function sortRows(indptr: ArrayLike<number>, indices: ArrayLike<number>, data: ArrayLike<number>): { indices: number[]; data: number[] } {
  const outI: number[] = [];
  const outD: number[] = [];
  for (let r = 0; r + 1 < indptr.length; r++) {
    const row: [number, number][] = [];
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) row.push([indices[k]!, data[k]!]);
    row.sort((a, b) => a[0] - b[0]);
    for (const [i, d] of row) {
      outI.push(i);
      outD.push(d);
    }
  }
  return { indices: outI, data: outD };
}
