// Column projection: names (or dotted paths through structs) → the fields to read and the Arrow
// schema of the result. `pointer.zarr_group` projects one child of a struct; its validity
// already includes the parent's (a null struct makes its children read as null).
import * as arrow from 'apache-arrow';
import { QueryError, UnsupportedError } from '../errors.js';
import { type LanceField, toArrowField } from './schema.js';

export interface Projection {
  /** Fields to read (top-level fields, or struct children for dotted paths). */
  fields: LanceField[];
  /** Output schema, one field per projected column (+ `_rowaddr` when asked). */
  schema: arrow.Schema;
}

export const ROW_ADDRESS = '_rowaddr';

/** Struct columns to read with only some of their children: column name → child names. */
export type StructChildren = Readonly<Record<string, readonly string[]>>;

/**
 * `structChildren` narrows the named struct columns to those children (the column keeps its name;
 * the other children are neither read nor present), e.g. the two pointer fields a read path uses.
 */
export function project(roots: LanceField[], schema: arrow.Schema, columns: string[] | undefined, withRowAddress: boolean, structChildren?: StructChildren): Projection {
  const fields: LanceField[] = [];
  const out: arrow.Field[] = [];
  // Every field, readable or not: an unreadable one throws its UnsupportedError here.
  const names = columns ? [...new Set(columns)] : roots.map((f) => f.name); // a column named twice comes once, as LanceDB's select
  for (const name of names) {
    const resolved = resolvePath(roots, name);
    const keep = structChildren?.[name];
    const f = keep ? narrowed(resolved, keep, name) : resolved;
    fields.push(f);
    out.push(columns && name.includes('.') && !roots.includes(resolved) ? renamed(f, name) : toArrowField(f));
  }
  if (withRowAddress) out.push(new arrow.Field(ROW_ADDRESS, new arrow.Uint64(), false));
  return { fields, schema: new arrow.Schema(out, schema.metadata) };
}

function narrowed(f: LanceField, keep: readonly string[], name: string): LanceField {
  if (f.logicalType !== 'struct' || f.type instanceof UnsupportedError) throw new QueryError(`"${name}" is not a readable struct; its children cannot be narrowed`, { where: name });
  const missing = keep.filter((k) => !f.children.some((c) => c.name === k));
  if (missing.length) throw new QueryError(`struct "${name}" has no child ${missing.map((m) => `"${m}"`).join(', ')}`, { where: name });
  const children = f.children.filter((c) => keep.includes(c.name));
  return { ...f, children, type: new arrow.Struct(children.map(toArrowField)) };
}

function renamed(f: LanceField, name: string): arrow.Field {
  const a = toArrowField(f);
  return new arrow.Field(name, a.type, true, a.metadata);
}

export function resolvePath(roots: LanceField[], path: string): LanceField {
  const direct = roots.find((f) => f.name === path);
  if (direct) return direct;
  const parts = path.split('.');
  let level = roots;
  let f: LanceField | undefined;
  for (const [i, p] of parts.entries()) {
    f = level.find((x) => x.name === p);
    if (!f) throw new QueryError(`no column named "${path}"`, { where: path });
    if (i < parts.length - 1 && f.logicalType !== 'struct') {
      throw new QueryError(`"${parts.slice(0, i + 1).join('.')}" is not a struct; only struct children can be projected`, { where: path });
    }
    level = f.children;
  }
  return f!;
}
