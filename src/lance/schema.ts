// The table schema: manifest fields → a field tree → Arrow types.
//
// The manifest stores the schema flattened in pre-order, each field naming its `parent_id`
// (-1 = top level) and a logical type string, e.g.
//   id 0 "uid" string | id 1 "pointer" struct | id 2 "zarr_group" string (parent 1) | …
//   "timestamp:us:-"  "fixed_size_list:float:8"  "list"  (a list's item is its child field)
//   "dict:string:int32:false"  = Arrow Dictionary<Int32, Utf8> (value type, key type, ordered)
// `Field.type` is always written as PARENT and is meaningless; the logical type decides.
//
// A field whose type we cannot read keeps its place in the schema, typed Null and with
// metadata `lance:unsupported` (why) and `lance:logical_type`; reading it throws
// UnsupportedError naming the field and its type.
import * as arrow from 'apache-arrow';
import { CorruptDataError, UnsupportedError } from '../errors.js';
import type { FieldProto } from './proto/table.js';
import type { LeafKind } from './structural/page.js';

export interface LanceField {
  id: number;
  name: string;
  logicalType: string;
  nullable: boolean;
  metadata: Map<string, string>;
  children: LanceField[];
  /** Arrow type, or an error explaining why the type is not readable (raised when projected). */
  type: arrow.DataType | UnsupportedError;
}

const text = new TextDecoder();

export function buildFieldTree(protos: FieldProto[], where: string): LanceField[] {
  const byId = new Map<number, LanceField>();
  const roots: LanceField[] = [];
  const nodes = protos.map((p) => {
    const metadata = new Map<string, string>();
    for (const [k, v] of p.metadata) metadata.set(k, text.decode(v));
    const f: LanceField = { id: p.id, name: p.name, logicalType: p.logicalType, nullable: p.nullable, metadata, children: [], type: new arrow.Null() };
    if (byId.has(p.id)) throw new CorruptDataError(`duplicate field id ${p.id}`, { where });
    byId.set(p.id, f);
    return f;
  });
  protos.forEach((p, i) => {
    const f = nodes[i]!;
    if (p.parentId < 0) roots.push(f);
    else {
      const parent = byId.get(p.parentId);
      if (!parent) throw new CorruptDataError(`field ${p.id} (${p.name}) has unknown parent ${p.parentId}`, { where });
      parent.children.push(f);
    }
  });
  const resolve = (f: LanceField, path: string): void => {
    f.children.forEach((c) => resolve(c, `${path}.${c.name}`));
    try {
      f.type = arrowType(f, where);
    } catch (e) {
      if (!(e instanceof UnsupportedError)) throw e;
      // A child's error already names the child; keep it for the parent.
      if (f.children.some((c) => c.type === e)) f.type = e;
      else {
        const at = ` (at ${e.where})`;
        const reason = e.where && e.message.endsWith(at) ? e.message.slice(0, -at.length) : e.message;
        f.type = new UnsupportedError(`cannot read field "${path}" of type ${f.logicalType}: ${reason}`, {
          ...e.fields, feature: String(e.fields.feature ?? `logical_type ${f.logicalType}`), field: path, logicalType: f.logicalType,
        });
      }
    }
  };
  roots.forEach((f) => resolve(f, f.name));
  return roots;
}

const BFLOAT16 = 'lance.bfloat16';

/** Lance's packed-struct flag (`lance-encoding:packed`, earlier plain `packed`). */
function isPacked(metadata: Map<string, string>): boolean {
  return ['lance-encoding:packed', 'packed'].some((k) => ['true', '1'].includes((metadata.get(k) ?? '').toLowerCase()));
}

const TIME_UNITS: Record<string, arrow.TimeUnit> = {
  s: arrow.TimeUnit.SECOND, ms: arrow.TimeUnit.MILLISECOND, us: arrow.TimeUnit.MICROSECOND, ns: arrow.TimeUnit.NANOSECOND,
};

function primitive(t: string, where: string): arrow.DataType {
  switch (t) {
    case 'null': return new arrow.Null();
    case 'bool': return new arrow.Bool();
    case 'int8': return new arrow.Int8();
    case 'int16': return new arrow.Int16();
    case 'int32': return new arrow.Int32();
    case 'int64': return new arrow.Int64();
    case 'uint8': return new arrow.Uint8();
    case 'uint16': return new arrow.Uint16();
    case 'uint32': return new arrow.Uint32();
    case 'uint64': return new arrow.Uint64();
    case 'halffloat': return new arrow.Float16();
    case 'float': return new arrow.Float32();
    case 'double': return new arrow.Float64();
    case 'string': return new arrow.Utf8();
    case 'large_string': return new arrow.LargeUtf8();
    case 'binary': return new arrow.Binary();
    case 'large_binary': case 'json': return new arrow.LargeBinary();
    case 'date32:day': return new arrow.DateDay();
    case 'date64:ms': return new arrow.DateMillisecond();
  }
  const parts = t.split(':');
  const unit = TIME_UNITS[parts[1] ?? ''];
  if (parts[0] === 'timestamp' && unit !== undefined) return new arrow.Timestamp(unit, parts[2] && parts[2] !== '-' ? parts.slice(2).join(':') : null);
  if (parts[0] === 'time32' && unit !== undefined) return new arrow.Time(unit, 32);
  if (parts[0] === 'time64' && unit !== undefined) return new arrow.Time(unit, 64);
  if (parts[0] === 'duration' && unit !== undefined) return new arrow.Duration(unit);
  if (parts[0] === 'fixed_size_binary' && parts.length === 2) return new arrow.FixedSizeBinary(Number(parts[1]));
  if (parts[0] === 'decimal' && parts.length === 4) return new arrow.Decimal(Number(parts[3]), Number(parts[2]), Number(parts[1]));
  if (parts[0] === 'fixed_size_list' && parts.length >= 3) {
    const dim = Number(parts[parts.length - 1]);
    const innerType = parts.slice(1, -1).join(':');
    if (innerType === BFLOAT16) {
      // Lance's bfloat16 extension type: 2-byte values, returned like LanceDB does.
      const meta = new Map([['ARROW:extension:metadata', ''], ['ARROW:extension:name', BFLOAT16]]);
      return new arrow.FixedSizeList(dim, new arrow.Field('item', new arrow.FixedSizeBinary(2), true, meta));
    }
    return new arrow.FixedSizeList(dim, new arrow.Field('item', primitive(innerType, where), true));
  }
  throw new UnsupportedError(`logical type "${t}"`, { feature: `logical_type ${t}`, where });
}

function arrowType(f: LanceField, where: string): arrow.DataType {
  const t = f.logicalType;
  const childField = (c: LanceField) => {
    if (c.type instanceof UnsupportedError) throw c.type;
    return new arrow.Field(c.name, c.type, c.nullable, c.metadata);
  };
  if (t === 'struct') {
    // A packed struct stores all its children in one column of the struct's own id; this reader
    // has no decoder for it (format reference §3.3), and its children have no columns of their own.
    if (isPacked(f.metadata)) throw new UnsupportedError('packed struct (lance-encoding:packed)', { feature: 'packed struct', where });
    return new arrow.Struct(f.children.map(childField));
  }
  if (t === 'list' || t === 'list.struct' || t === 'large_list' || t === 'large_list.struct') {
    if (f.children.length !== 1) throw new CorruptDataError(`list field ${f.name} has ${f.children.length} children`, { where });
    if (t.startsWith('large')) throw new UnsupportedError('large_list columns', { feature: `logical_type ${t}`, where });
    return new arrow.List(childField(f.children[0]!));
  }
  if (t.startsWith('dict:')) return dictionaryType(t, where);
  return primitive(t, where);
}

/** `dict:{value}:{key}:{ordered}` (Lance's `LogicalType` for Arrow Dictionary). */
function dictionaryType(t: string, where: string): arrow.Dictionary {
  const parts = t.split(':');
  const unsupported = (why: string) => new UnsupportedError(`dictionary type ${t}: ${why}`, { feature: `logical_type ${t}`, where });
  if (parts.length !== 4) throw unsupported('expected dict:{value}:{key}:{ordered}');
  const value = primitive(parts[1]!, where);
  const key = primitive(parts[2]!, where);
  if (!arrow.DataType.isInt(key)) throw unsupported(`key type ${parts[2]} is not an integer`);
  const kind = leafKind(value, where);
  if (kind.kind === 'fsl') throw unsupported(`value type ${parts[1]}`);
  return new arrow.Dictionary(value, key as arrow.Int32, undefined, parts[3] === 'true');
}

/** The Arrow field of a readable field; throws the field's UnsupportedError otherwise. */
export function toArrowField(f: LanceField): arrow.Field {
  if (f.type instanceof UnsupportedError) throw f.type;
  return new arrow.Field(f.name, f.type, f.nullable, f.metadata);
}

/** Metadata keys marking a schema field this reader cannot read (its type is then Null). */
export const UNSUPPORTED_META = 'lance:unsupported';
export const LOGICAL_TYPE_META = 'lance:logical_type';

/**
 * The Arrow schema of all top-level fields. An unreadable field is listed as Null with
 * `lance:unsupported` / `lance:logical_type` metadata; reading it throws.
 */
export function arrowSchema(roots: LanceField[], metadata: Map<string, Uint8Array>): arrow.Schema {
  const md = new Map<string, string>();
  for (const [k, v] of metadata) md.set(k, text.decode(v));
  return new arrow.Schema(roots.map((f) => {
    if (!(f.type instanceof UnsupportedError)) return toArrowField(f);
    const meta = new Map(f.metadata);
    meta.set(UNSUPPORTED_META, f.type.message);
    meta.set(LOGICAL_TYPE_META, f.logicalType);
    return new arrow.Field(f.name, new arrow.Null(), true, meta);
  }), md);
}

/** How a leaf's values are stored (fixed width in bytes, bits, variable, or fixed-size list). */
export function leafKind(type: arrow.DataType, where: string): LeafKind {
  if (arrow.DataType.isDictionary(type)) {
    const value = leafKind(type.dictionary, where);
    if (value.kind === 'dict') throw new UnsupportedError(`dictionary of ${type.dictionary}`, { feature: String(type), where });
    return { kind: 'dict', value };
  }
  if (arrow.DataType.isBool(type)) return { kind: 'bits' };
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type) || arrow.DataType.isLargeUtf8(type) || arrow.DataType.isLargeBinary(type)) {
    return { kind: 'var' };
  }
  if (arrow.DataType.isFixedSizeList(type)) {
    const child = leafKind(type.children[0]!.type, where);
    if (child.kind !== 'fixed') throw new UnsupportedError(`fixed_size_list of ${type.children[0]!.type}`, { feature: `fixed_size_list<${type.children[0]!.type}>`, where });
    return { kind: 'fsl', dim: type.listSize, width: child.width };
  }
  const width = fixedWidth(type);
  if (width !== undefined) return { kind: 'fixed', width };
  throw new UnsupportedError(`reading ${type} values`, { feature: String(type), where });
}

export function fixedWidth(type: arrow.DataType): number | undefined {
  if (arrow.DataType.isInt(type)) return type.bitWidth / 8;
  if (arrow.DataType.isFloat(type)) return [2, 4, 8][type.precision];
  if (arrow.DataType.isDate(type)) return type.unit === arrow.DateUnit.DAY ? 4 : 8;
  if (arrow.DataType.isTimestamp(type)) return 8;
  if (arrow.DataType.isTime(type)) return type.bitWidth / 8;
  if (arrow.DataType.isDuration(type)) return 8;
  if (arrow.DataType.isDecimal(type)) return type.bitWidth / 8;
  if (arrow.DataType.isFixedSizeBinary(type)) return type.byteWidth;
  return undefined;
}
