// Reading an atlas back the independent way: tables through @lancedb/lancedb (values, never
// instanceof: lancedb's arrow is the CJS build), arrays through plain zarrita.
import * as lancedb from '@lancedb/lancedb';
import { join } from 'node:path';

export async function openDb(atlas: string): Promise<lancedb.Connection> {
  return lancedb.connect(join(atlas, 'lance_db'));
}

export type Row = Record<string, unknown>;

export async function tableRows(atlas: string, name: string, opts: { version?: number; where?: string } = {}): Promise<Row[]> {
  const db = await openDb(atlas);
  const t = await db.openTable(name);
  if (opts.version !== undefined) await t.checkout(opts.version);
  let q = t.query();
  if (opts.where) q = q.where(opts.where);
  const rows = (await q.toArray()).map((r: Row) => plain(r) as Row);
  t.close();
  db.close();
  return rows;
}

export interface FieldInfo {
  name: string;
  type: string;
  nullable: boolean;
  metadata: Record<string, string>;
  children?: FieldInfo[];
}

export async function tableSchema(atlas: string, name: string): Promise<FieldInfo[]> {
  const db = await openDb(atlas);
  const t = await db.openTable(name);
  const s = await t.schema();
  t.close();
  db.close();
  const conv = (f: { name: string; type: { toString(): string; children?: unknown[] }; nullable: boolean; metadata: Map<string, string> }): FieldInfo => ({
    name: f.name,
    type: String(f.type),
    nullable: f.nullable,
    metadata: Object.fromEntries(f.metadata ?? []),
    ...(f.type.children && f.type.children.length ? { children: (f.type.children as never[]).map(conv) } : {}),
  });
  return s.fields.map(conv as never);
}

/** JSON-safe plain values: bigint → number, Vectors → arrays, StructRows → objects. */
export function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => plain(x));
  if (Array.isArray(v)) return v.map(plain);
  const o = v as { type?: unknown; toArray?: () => unknown; toJSON?: () => unknown };
  if (o.type !== undefined && typeof o.toArray === 'function') return plain(o.toArray());
  const j = typeof o.toJSON === 'function' ? (o.toJSON() as Record<string, unknown>) : (v as Record<string, unknown>);
  return Object.fromEntries(Object.entries(j).map(([k, x]) => [k, plain(x)]));
}
