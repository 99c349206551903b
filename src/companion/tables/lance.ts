// Thin layer over the real @lancedb/lancedb (Node, native): lazy import with a clear message
// when the optional peer dependency is missing, table creation in the file format homeobox's
// own stack writes, commit retries for concurrent writers, the version-hint safeguard, and
// plain-value reads (lancedb hands back tables built by arrow's CJS bundle, so results are read
// by value, never compared with `instanceof` against our ESM arrow).
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as arrow from 'apache-arrow';
import type { Connection, Table } from '@lancedb/lancedb';
import { UnsupportedError } from '../../errors.js';

type LanceModule = typeof import('@lancedb/lancedb');
let lancePromise: Promise<LanceModule> | undefined;

/** Imports @lancedb/lancedb on first use; the browser library never loads it. */
export function loadLance(): Promise<LanceModule> {
  lancePromise ??= import('@lancedb/lancedb').catch((cause: unknown) => {
    lancePromise = undefined;
    throw new UnsupportedError(
      'the ingest companion needs the optional peer dependency @lancedb/lancedb (0.39.0): run `npm install @lancedb/lancedb@0.39.0 apache-arrow@18.1.0`',
      { feature: '@lancedb/lancedb' },
      { cause },
    );
  });
  return lancePromise;
}

/**
 * Lance data file format for new tables. homeobox 0.2.8 locks pylance 2.0.1, which writes 2.1;
 * lancedb 0.39 would default to 2.2, which that pylance predates. 2.1 keeps our atlases
 * openable by homeobox's own stack (and appends keep a table's format).
 */
export const DEFAULT_STORAGE_VERSION = '2.1';

export async function connect(dbDir: string): Promise<Connection> {
  const lancedb = await loadLance();
  await mkdir(dbDir, { recursive: true });
  return lancedb.connect(dbDir);
}

export async function createTable(db: Connection, name: string, schema: arrow.Schema, storageVersion = DEFAULT_STORAGE_VERSION): Promise<Table> {
  const t = await db.createEmptyTable(name, schema as never, { mode: 'create', dataStorageVersion: storageVersion });
  return t;
}

const CONFLICT = /conflict|retryable|concurrent|commit.*(fail|retry)|version.*already exists|Too many concurrent writers/i;

/** True for LanceDB's optimistic-concurrency failures (another writer committed first). */
export function isCommitConflict(err: unknown): boolean {
  return err instanceof Error && CONFLICT.test(err.message);
}

/**
 * Runs a table write, retrying commit conflicts with jittered backoff. Appends in Lance rebase
 * onto concurrent appends by themselves; merge_insert, update and delete can conflict, and
 * then the whole operation is redone against the new latest version (`refresh`).
 */
export async function withCommitRetry<T>(what: string, op: () => Promise<T>, refresh?: () => Promise<void>, attempts = 12): Promise<T> {
  let delay = 20;
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (err) {
      if (!isCommitConflict(err) || i >= attempts) {
        if (err instanceof Error && isCommitConflict(err)) err.message = `${what}: gave up after ${i} commit conflicts: ${err.message}`;
        throw err;
      }
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, 2000);
      await refresh?.();
    }
  }
}

/**
 * Makes sure `<table>.lance/_versions/latest_version_hint.json` exists. Lance writes it on
 * local filesystems, and browser readers use it to find the newest manifest without LIST;
 * if a write path ever skips it, we add `{"version":N}` (never overwrite: a concurrent writer
 * may have moved it forward).
 */
export async function ensureVersionHint(dbDir: string, table: Table): Promise<void> {
  const dir = join(dbDir, `${table.name}.lance`, '_versions');
  const hint = join(dir, 'latest_version_hint.json');
  try {
    await access(hint);
  } catch {
    const version = await table.version();
    await writeFile(hint, JSON.stringify({ version }), { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST' && err.code !== 'ENOENT') throw err;
    });
  }
}

/** SQL string literal, quotes doubled (homeobox `sql_escape`). */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export type Plain = string | number | bigint | boolean | null | Plain[] | { [k: string]: Plain };

/** Rows as plain objects (int64 → number when safe, else bigint). For small and medium reads. */
export async function readRows(table: Table, opts: { where?: string; select?: string[]; limit?: number } = {}): Promise<Record<string, Plain>[]> {
  let q = table.query();
  if (opts.where) q = q.where(opts.where);
  if (opts.select) q = q.select(opts.select);
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  const t = await q.toArrow();
  const out: Record<string, Plain>[] = [];
  const names: string[] = t.schema.fields.map((f: { name: string }) => f.name);
  const cols = names.map((n) => t.getChild(n));
  for (let i = 0; i < t.numRows; i++) {
    const row: Record<string, Plain> = {};
    names.forEach((n, j) => (row[n] = toPlain(cols[j]?.get(i))));
    out.push(row);
  }
  return out;
}

/** One column of a query as plain values (faster than rows for large tables). */
export async function readColumn(table: Table, column: string, where?: string): Promise<Plain[]> {
  let q = table.query().select([column]);
  if (where) q = q.where(where);
  const t = await q.toArrow();
  const col = t.getChild(column);
  const out: Plain[] = new Array(t.numRows);
  for (let i = 0; i < t.numRows; i++) out[i] = toPlain(col?.get(i));
  return out;
}

export function toPlain(v: unknown): Plain {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  // A list cell is an arrow Vector (has `type` and `toArray`); a struct cell is a StructRow (toJSON).
  const cell = v as { type?: unknown; toArray?: () => unknown; toJSON?: () => unknown };
  if (cell.type !== undefined && typeof cell.toArray === 'function') {
    const arr = cell.toArray();
    if (ArrayBuffer.isView(arr)) return Array.from(arr as unknown as ArrayLike<number>);
    if (Array.isArray(arr)) return arr.map(toPlain);
  }
  if (typeof cell.toJSON === 'function') {
    const o: Record<string, Plain> = {};
    for (const [k, x] of Object.entries(cell.toJSON() as Record<string, unknown>)) o[k] = toPlain(x);
    return o;
  }
  return String(v);
}
