// Shared fixtures for the Lance reader tests: atlas-like tables built with apache-arrow 18,
// written by @lancedb/lancedb (the oracle), served over real HTTP, and compared cell by cell.
import * as arrow from 'apache-arrow';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveDirectory, type RunningServer } from '../../../src/companion/serve.js';
import { CorruptDataError, NotFoundError } from '../../../src/errors.js';
import { builtinDecompressors, defaultDecompressors, type Decompressors } from '../../../src/lance/decompressors.js';
import { rng } from '../../helpers/rng.js';
export { rng };

export type FileFormat = '2.0' | '2.1' | '2.2';
export const FORMATS: FileFormat[] = ['2.0', '2.1', '2.2'];


/**
 * Decompressors for tests: the library default (WASM zstd from src/codecs, TS LZ4). If the codec
 * module cannot load here, fall back to the system `zstd` binary (sync, via a child process).
 */
export async function testDecompressors(): Promise<Decompressors> {
  const d = await defaultDecompressors();
  if (d !== builtinDecompressors) return d;
  return {
    ...builtinDecompressors,
    zstd: (data, max) => {
      const out = execFileSync('zstd', ['-d', '-c', '-q'], { input: data, maxBuffer: Math.max(max, 1) + 1024 });
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
  };
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function serve(root: string): Promise<RunningServer & { requests: { path: string; range?: string; bytes: number }[] }> {
  const requests: { path: string; range?: string; bytes: number }[] = [];
  const s = await serveDirectory(root, { onRequest: (e) => requests.push(e) });
  return Object.assign(s, { requests });
}

const f = (name: string, type: arrow.DataType, nullable = true) => new arrow.Field(name, type, nullable);

export const POINTER = new arrow.Struct([f('zarr_group', new arrow.Utf8()), f('start', new arrow.Int64()), f('end', new arrow.Int64()), f('zarr_row', new arrow.Int64())]);
export const POSITION = new arrow.Struct([f('zarr_group', new arrow.Utf8()), f('position', new arrow.Int64())]);

const CELL_TYPES = ['T cell', 'B cell', 'NK cell', 'monocyte', 'dendritic cell', 'erythrocyte', 'platelet'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'theta', 'lambda', 'sigma', 'omega', 'cell', 'gene', 'tissue'];

function sentence(r: () => number, minLen: number): string {
  let s = '';
  while (s.length < minLen) s += WORDS[Math.floor(r() * WORDS.length)] + ' ';
  return s;
}

export interface TableSpec {
  rows: number;
  seed?: number;
  /** Include the wide columns (128-d vectors, long strings). */
  wide?: boolean;
  /** Include one ≥ 32 KiB string every 50 rows (zstd per value). */
  huge?: boolean;
  /** Null probability for nullable columns. */
  nullRate?: number;
  startId?: number;
  /** Null struct rows (file format 2.0 cannot store them). Default true. */
  nullStructs?: boolean;
}

/** An atlas-like obs table covering every column type the reader supports. */
export function atlasTable(spec: TableSpec): arrow.Table {
  const n = spec.rows;
  const r = rng(spec.seed ?? 1);
  const p = spec.nullRate ?? 0.1;
  const start = spec.startId ?? 0;
  const nul = <T>(v: T): T | null => (r() < p ? null : v);
  const cols: Record<string, arrow.Vector> = {};
  const col = <T extends arrow.DataType>(name: string, type: T, values: unknown[]) => {
    cols[name] = arrow.vectorFromArray(values as never[], type as never);
  };
  const ids = Array.from({ length: n }, (_, i) => start + i);
  col('uid', new arrow.Utf8(), ids.map((i) => `cell_${i.toString().padStart(8, '0')}_${Math.floor(r() * 1e6).toString(36)}`));
  col('dataset_uid', new arrow.Utf8(), ids.map((i) => `dataset_${i % 3}`));
  col('cell_type', new arrow.Utf8(), ids.map(() => nul(CELL_TYPES[Math.floor(r() * CELL_TYPES.length)]!)));
  col('n_genes', new arrow.Int32(), ids.map(() => nul(Math.floor(r() * 5000))));
  col('total_counts', new arrow.Float32(), ids.map(() => Math.fround(r() * 1e4)));
  col('pct_mito', new arrow.Float64(), ids.map(() => nul(r() * 100)));
  col('flag', new arrow.Bool(), ids.map(() => nul(r() < 0.3)));
  col('i8', new arrow.Int8(), ids.map(() => nul(Math.floor(r() * 256) - 128)));
  col('i16', new arrow.Int16(), ids.map(() => Math.floor(r() * 65536) - 32768));
  col('u8', new arrow.Uint8(), ids.map(() => Math.floor(r() * 256)));
  col('u16', new arrow.Uint16(), ids.map(() => nul(Math.floor(r() * 65536))));
  col('u32', new arrow.Uint32(), ids.map(() => Math.floor(r() * 2 ** 32)));
  col('u64', new arrow.Uint64(), ids.map(() => BigInt(Math.floor(r() * 2 ** 52)) * 4099n));
  col('big', new arrow.Int64(), ids.map((i) => nul(BigInt(i) * 1_000_000_007n - 2n ** 60n)));
  col('ts', new arrow.TimestampMicrosecond(), ids.map((i) => 1_700_000_000_000 + i * 1000));
  col('day', new arrow.DateDay(), ids.map((i) => nul(new Date(Date.UTC(2020, 0, 1 + (i % 1000))))));
  col('constant', new arrow.Int32(), ids.map(() => 7));
  col('all_null', new arrow.Utf8(), ids.map(() => null));
  col('bin', new arrow.Binary(), ids.map((i) => nul(Uint8Array.from({ length: i % 9 }, (_, k) => (i + k) & 255))));
  col('large', new arrow.LargeUtf8(), ids.map((i) => nul(`large-${i % 97}-${'x'.repeat(i % 13)}`)));
  cols.emb8 = fslVector(8, ids.map(() => nul(Array.from({ length: 8 }, () => (r() < 0.05 ? null : Math.fround(r() - 0.5))))));
  // No item nulls: FixedSizeList without validity (mini-block).
  cols.emb4 = fslVector(4, ids.map((i) => (i % 10 === 0 ? null : [i, -i, i / 2, 0.25].map(Math.fround))));
  col('tags', new arrow.List(f('item', new arrow.Utf8())), ids.map((i) => (i % 11 === 0 ? null : i % 7 === 0 ? [] : Array.from({ length: 1 + (i % 4) }, (_, k) => (k === 2 && i % 5 === 0 ? null : `tag${(i * 7 + k) % 23}`)))));
  col('ints', new arrow.List(f('item', new arrow.Int32())), ids.map((i) => (i % 13 === 0 ? null : Array.from({ length: i % 5 }, (_, k) => i * 3 + k))));
  col('pointer', POINTER, ids.map((i) => {
    if (i % 17 === 0) return spec.nullStructs === false ? { zarr_group: null, start: null, end: null, zarr_row: null } : null;
    if (i % 19 === 0) return { zarr_group: null, start: null, end: null, zarr_row: null };
    return { zarr_group: `shard_${i % 5}`, start: BigInt(i * 10), end: BigInt(i * 10 + 10), zarr_row: nul(BigInt(i)) };
  }));
  col('position', POSITION, ids.map((i) => (i % 23 === 0 && spec.nullStructs !== false ? null : { zarr_group: `g${i % 3}`, position: BigInt(i) })));
  if (spec.wide) {
    cols.emb128 = fslVector(128, ids.map((i) => (i % 9 === 0 ? null : Array.from({ length: 128 }, (_, k) => (k === 5 && i % 4 === 0 ? null : Math.fround(Math.sin(i + k)))))));
    // 256 bytes per value and no item nulls: FullZip FixedSizeList without validity.
    cols.vec64 = fslVector(64, ids.map((i) => (i % 13 === 0 ? null : Array.from({ length: 64 }, (_, k) => Math.fround(Math.cos(i * k))))));
    col('long_text', new arrow.Utf8(), ids.map(() => nul(sentence(r, 260 + Math.floor(r() * 200)))));
    col('fsst_text', new arrow.Utf8(), ids.map((i) => `${sentence(r, 20)} #${i}`));
  }
  if (spec.huge) {
    col('huge', new arrow.Utf8(), ids.map((i) => (i % 50 === 3 ? sentence(r, 40_000) : i % 7 === 0 ? null : `small ${i}`)));
  }
  // Field and schema metadata as homeobox writes them.
  const t = new arrow.Table(cols);
  const schema = new arrow.Schema(
    t.schema.fields.map((x) => (x.name === 'pointer' ? new arrow.Field(x.name, x.type, x.nullable, new Map([['homeobox.feature_space', 'gene_expression']])) : x)),
    new Map([['homeobox.schema', 'obs/1']]),
  );
  return new arrow.Table(schema, t.batches.map((b) => new arrow.RecordBatch(schema, b.data)));
}

/** A fixed_size_list<float32> vector built with makeData (vectorFromArray mis-sizes null rows). */
export function fslVector(dim: number, rows: ((number | null)[] | null)[]): arrow.Vector {
  const n = rows.length;
  const values = new Float32Array(n * dim);
  const itemValid = new Uint8Array(Math.ceil((n * dim) / 8));
  const rowValid = new Uint8Array(Math.ceil(n / 8));
  let itemNulls = 0;
  let rowNulls = 0;
  rows.forEach((row, i) => {
    if (row === null) {
      // Items under a null row stay valid zeros, so columns without item nulls carry no item
      // validity (Lance then writes FixedSizeList without has_validity).
      rowNulls++;
      for (let k = 0; k < dim; k++) itemValid[(i * dim + k) >> 3]! |= 1 << ((i * dim + k) & 7);
      return;
    }
    rowValid[i >> 3]! |= 1 << (i & 7);
    row.forEach((x, k) => {
      const j = i * dim + k;
      if (x === null) itemNulls++;
      else {
        values[j] = x;
        itemValid[j >> 3]! |= 1 << (j & 7);
      }
    });
  });
  const itemType = new arrow.Float32();
  const child = arrow.makeData({ type: itemType, length: n * dim, nullCount: itemNulls, nullBitmap: itemNulls ? itemValid : undefined, data: values });
  const type = new arrow.FixedSizeList(dim, new arrow.Field('item', itemType, true));
  return arrow.makeVector(arrow.makeData({ type, length: n, nullCount: rowNulls, nullBitmap: rowNulls ? rowValid : undefined, child }));
}

/** Plain-JS form of a cell for deep comparison (vectors → arrays, structs → objects). */
export function norm(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v;
  if (typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return Array.from(v);
  if (v instanceof Date) return v.getTime();
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, norm);
  const o = v as { toArray?: () => unknown; toJSON?: () => unknown; [Symbol.iterator]?: unknown };
  if (typeof o.toArray === 'function' && typeof (o as { length?: unknown }).length === 'number') return Array.from(o as Iterable<unknown>, norm);
  if (typeof o.toJSON === 'function') {
    const j = o.toJSON() as Record<string, unknown>;
    return Object.fromEntries(Object.entries(j).map(([k, x]) => [k, norm(x)]));
  }
  return v;
}

/** Compares every cell of `ours` with `theirs` by column name; returns the mismatch list. */
export function diffTables(ours: arrow.Table, theirs: { numRows: number; getChild(n: string): { get(i: number): unknown } | null }, columns: string[], max = 10): string[] {
  const problems: string[] = [];
  if (ours.numRows !== theirs.numRows) problems.push(`row count ${ours.numRows} vs ${theirs.numRows}`);
  for (const c of columns) {
    const a = ours.getChild(c);
    const b = theirs.getChild(c);
    if (!a || !b) {
      problems.push(`column ${c} missing (${!a ? 'ours' : 'oracle'})`);
      continue;
    }
    for (let i = 0; i < Math.min(ours.numRows, theirs.numRows); i++) {
      const p = a.get(i);
      const q = b.get(i);
      if (p === q && (p === null || typeof p !== 'object')) continue;
      const x = JSON.stringify(norm(p), big);
      const y = JSON.stringify(norm(q), big);
      if (x !== y) {
        problems.push(`${c}[${i}]: ${x?.slice(0, 120)} != ${y?.slice(0, 120)}`);
        if (problems.length >= max) return problems;
      }
    }
  }
  return problems;
}

const big = (_: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);

export function columnNames(t: arrow.Table): string[] {
  return t.schema.fields.map((x) => x.name);
}

interface LanceDbConn {
  inner: { createTable(name: string, buf: Buffer, mode: string, ns: string[], storage: Record<string, string>): Promise<unknown> };
  openTable(name: string): Promise<unknown>;
}

/**
 * Creates a table from an apache-arrow table through LanceDB's native binding, with the Arrow
 * IPC written by our own apache-arrow (LanceDB's JS sanitizer rejects some types, e.g.
 * large_utf8, that its Rust core handles fine).
 */
export async function createLanceTable<T>(db: unknown, name: string, data: arrow.Table, format: FileFormat, extra: Record<string, string> = {}): Promise<T> {
  const conn = db as LanceDbConn;
  const buf = Buffer.from(arrow.tableToIPC(data, 'file'));
  await conn.inner.createTable(name, buf, 'create', [], { new_table_data_storage_version: format, ...extra });
  return (await conn.openTable(name)) as T;
}

/** Appends rows (same IPC route as createLanceTable). */
export async function appendRows(table: unknown, data: arrow.Table): Promise<void> {
  const t = table as { inner: { add(buf: Buffer, mode: string): Promise<unknown> } };
  await t.inner.add(Buffer.from(arrow.tableToIPC(data, 'file')), 'append');
}

/** Utf8 data from ASCII strings (fast path for big fixtures); `null` entries are nulls. */
export function utf8Data(values: (string | null)[]): arrow.Data<arrow.Utf8> {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += values[i]?.length ?? 0;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  const valid = new Uint8Array(Math.ceil(n / 8));
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s === null || s === undefined) {
      nulls++;
      continue;
    }
    valid[i >> 3]! |= 1 << (i & 7);
    const o = offsets[i]!;
    for (let k = 0; k < s.length; k++) bytes[o + k] = s.charCodeAt(k);
  }
  return arrow.makeData({ type: new arrow.Utf8(), length: n, nullCount: nulls, nullBitmap: nulls ? valid : undefined, valueOffsets: offsets, data: bytes });
}

export const OBS_CELL_TYPES = CELL_TYPES;

/**
 * The benchmark's obs table: uid, dataset_uid, cell_type, three numeric columns and a pointer
 * struct — built with makeData so a million rows take a second, not half a minute.
 */
export function obsTable(n: number, seed = 7): arrow.Table {
  const r = rng(seed);
  const i64 = (f: (i: number) => bigint) => {
    const a = new BigInt64Array(n);
    for (let i = 0; i < n; i++) a[i] = f(i);
    return arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 0, data: a });
  };
  const ngenes = new Int32Array(n);
  const counts = new Float32Array(n);
  const mito = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ngenes[i] = Math.floor(r() * 6000);
    counts[i] = r() * 30000;
    mito[i] = r() * 20;
  }
  const pointer = arrow.makeData({
    type: POINTER, length: n, nullCount: 0,
    children: [utf8Data(Array.from({ length: n }, (_, i) => `shard_${Math.floor(i / 65536)}`)), i64((i) => BigInt(i * 50)), i64((i) => BigInt(i * 50 + 50)), i64((i) => BigInt(i % 65536))],
  });
  return new arrow.Table({
    uid: arrow.makeVector(utf8Data(Array.from({ length: n }, (_, i) => `cell_${i.toString(36)}_${((i * 2654435761) >>> 0).toString(36)}`))),
    dataset_uid: arrow.makeVector(utf8Data(Array.from({ length: n }, (_, i) => `dataset_${Math.floor(i / 100_000)}`))),
    cell_type: arrow.makeVector(utf8Data(Array.from({ length: n }, () => (r() < 0.01 ? null : CELL_TYPES[Math.floor(r() * CELL_TYPES.length)]!)))),
    n_genes: arrow.makeVector(arrow.makeData({ type: new arrow.Int32(), length: n, nullCount: 0, data: ngenes })),
    total_counts: arrow.makeVector(arrow.makeData({ type: new arrow.Float32(), length: n, nullCount: 0, data: counts })),
    pct_mito: arrow.makeVector(arrow.makeData({ type: new arrow.Float64(), length: n, nullCount: 0, data: mito })),
    pointer: arrow.makeVector(pointer),
  });
}

/** Fast cell-by-cell comparison for flat columns (typed equality; strings/bigints by ===). */
export function diffFlatColumn(ours: arrow.Vector, theirs: { length: number; get(i: number): unknown; isValid?(i: number): boolean }, name: string, max = 5): string[] {
  const out: string[] = [];
  if (ours.length !== theirs.length) return [`${name}: length ${ours.length} vs ${theirs.length}`];
  for (let i = 0; i < ours.length; i++) {
    const a = ours.get(i) as unknown;
    const b = theirs.get(i);
    if (a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b))) continue;
    out.push(`${name}[${i}]: ${String(a)} != ${String(b)}`);
    if (out.length >= max) break;
  }
  return out;
}

/** An in-memory ByteStore (corruption tests mutate its files). */
export class MemStore {
  readonly url = 'mem://table';
  readonly files = new Map<string, Uint8Array>();
  static fromDir(root: string): MemStore {
    const s = new MemStore();
    const walk = (rel: string) => {
      for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(r);
        else s.files.set(r, new Uint8Array(readFileSync(join(root, r))));
      }
    };
    walk('');
    return s;
  }
  clone(): MemStore {
    const s = new MemStore();
    for (const [k, v] of this.files) s.files.set(k, v.slice());
    return s;
  }
  async get(key: string) {
    return this.files.get(key)?.slice();
  }
  async getRange(key: string, r: { offset: number; length: number }) {
    const f = this.files.get(key);
    if (!f) throw new NotFoundError('no such file', { where: key });
    if (r.offset + r.length > f.length) throw new CorruptDataError(`short read of ${key}`, { where: key });
    return f.slice(r.offset, r.offset + r.length);
  }
  async size(key: string) {
    return this.files.get(key)?.length;
  }
  async list(prefix: string) {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix + '/'));
  }
}

/**
 * Nested columns big enough that 2.1+ writers split them into many pages (a column's page is
 * flushed every ~8 MiB of input): list<utf8> with nulls/empties/null items, long-ish strings and a
 * pointer struct with null structs.
 */
export function pagedTable(n: number, nullStructs = true): arrow.Table {
  const ids = Array.from({ length: n }, (_, i) => i);
  return new arrow.Table({
    tags: arrow.vectorFromArray(
      ids.map((i) => (i % 11 === 0 ? null : i % 7 === 0 ? [] : Array.from({ length: i % 13 }, (_, k) => (k === 3 && i % 5 === 0 ? null : `tag-${(i * 7 + k) % 1000}-xyz`)))),
      new arrow.List(new arrow.Field('item', new arrow.Utf8(), true)),
    ),
    text: arrow.vectorFromArray(ids.map((i) => (i % 9 === 0 ? null : `row ${i} `.repeat(1 + (i % 20)))), new arrow.Utf8()),
    pointer: arrow.vectorFromArray(
      ids.map((i) => (i % 17 === 0 && nullStructs ? null : { zarr_group: `shard_${i % 5}`, start: BigInt(i * 10), end: BigInt(i * 10 + 10), zarr_row: i % 3 ? BigInt(i) : null })),
      POINTER,
    ),
  });
}

/** Every layout / encoding name used by the pages of a table's data files (test coverage census). */
export async function encodingCensus(tableDir: string): Promise<Set<string>> {
  const { parseFooter, parseFileMetadata } = await import('../../../src/lance/file-reader.js');
  const { decodePageLayout } = await import('../../../src/lance/proto/encodings21.js');
  const { decodeArrayEncoding } = await import('../../../src/lance/proto/encodings20.js');
  const out = new Set<string>();
  const walk = (x: unknown, prefix = ''): void => {
    if (!x || typeof x !== 'object' || x instanceof Uint8Array) return;
    const o = x as Record<string, unknown>;
    if (typeof o.kind === 'string') {
      let name = o.kind;
      if (o.kind === 'fixedSizeList') name += o.hasValidity ? '+validity' : '';
      if (o.kind === 'general') name += `(${(o.compression as { scheme: number } | undefined)?.scheme === 2 ? 'zstd' : 'lz4'})`;
      if (o.kind === 'nullable') name += `(${String(o.nulls)})`;
      if (o.kind === 'miniBlock' && o.dictionary) out.add('miniBlock+dictionary');
      out.add(prefix + name);
    }
    for (const v of Object.values(o)) walk(v, prefix);
  };
  for (const f of readdirSync(join(tableDir, 'data'))) {
    const bytes = new Uint8Array(readFileSync(join(tableDir, 'data', f)));
    const footer = parseFooter(bytes, bytes.length, f);
    for (const c of parseFileMetadata(bytes, 0, footer, f).columns) {
      for (const p of c.pages) walk(footer.version === '2.0' ? decodeArrayEncoding(p.encoding!.value, f) : decodePageLayout(p.encoding!.value, f));
    }
  }
  return out;
}

/**
 * A temporary LanceDB database served over real HTTP for one test file: registers the beforeAll /
 * afterAll that connect, serve and clean up. Read `db` and `server` inside tests (set by beforeAll).
 */
export function lanceFixture(prefix: string): { dir: ReturnType<typeof tempDir>; db: lancedb.Connection; server: RunningServer } {
  const dir = tempDir(prefix);
  const fx = { dir } as { dir: ReturnType<typeof tempDir>; db: lancedb.Connection; server: RunningServer };
  beforeAll(async () => {
    fx.db = await lancedb.connect(dir.path);
    fx.server = await serve(dir.path);
  });
  afterAll(async () => {
    await fx.server?.close();
    dir.remove();
  });
  return fx;
}
