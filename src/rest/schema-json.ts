// The service's JSON schema (`describe` → "schema") → an apache-arrow Schema.
//
// The JSON is Lance's `JsonSchema` (rust/lance/src/arrow/json.rs): {fields: [{name, type, nullable,
// metadata?}], metadata?}, where `type` is {type: "<logical type>", fields?, length?}. Logical type
// strings come from lance-core's `LogicalType`:
//   null bool int8…int64 uint8…uint64 halffloat float double string binary large_string large_binary
//   date32:day date64:ms time32:{s,ms} time64:{us,ns} timestamp:{unit}:{tz or -} duration:{unit}
//   decimal:{128,256}:{precision}:{scale}   dict:{value type}:{key type}:{ordered}
//   list / large_list (+ fields[0]), fixed_size_list (+ fields[0], length), fixed_size_binary (+ length),
//   struct (+ fields)
// e.g. {"name":"vec","type":{"type":"fixed_size_list","fields":[{"name":"item","type":{"type":"float"},
// "nullable":true}],"length":8},"nullable":true}  →  vec: FixedSizeList[8]<Float32>.
//
// large_list has no apache-arrow 18 type and is refused with UnsupportedError rather than mapped to
// something that would decode differently.

import {
  Binary, Bool, DataType, DateDay, DateMillisecond, Decimal, Dictionary, Duration, Field, FixedSizeBinary,
  FixedSizeList, Float16, Float32, Float64, Int16, Int32, Int64, Int8, LargeBinary, LargeUtf8, List, Null,
  Schema, Struct, Time, TimeUnit, Timestamp, Uint16, Uint32, Uint64, Uint8, Utf8, type Int,
} from 'apache-arrow';
import { HttpError, UnsupportedError } from '../errors.js';

export interface JsonField {
  name: string;
  type: JsonDataType;
  nullable: boolean;
  metadata?: Record<string, string>;
}

export interface JsonDataType {
  type: string;
  fields?: JsonField[];
  length?: number;
}

export interface JsonSchema {
  fields: JsonField[];
  metadata?: Record<string, string>;
}

const SIMPLE: Record<string, () => DataType> = {
  null: () => new Null(),
  bool: () => new Bool(),
  int8: () => new Int8(),
  int16: () => new Int16(),
  int32: () => new Int32(),
  int64: () => new Int64(),
  uint8: () => new Uint8(),
  uint16: () => new Uint16(),
  uint32: () => new Uint32(),
  uint64: () => new Uint64(),
  halffloat: () => new Float16(),
  float: () => new Float32(),
  double: () => new Float64(),
  string: () => new Utf8(),
  binary: () => new Binary(),
  large_string: () => new LargeUtf8(),
  large_binary: () => new LargeBinary(),
  'date32:day': () => new DateDay(),
  'date64:ms': () => new DateMillisecond(),
};

const UNITS: Record<string, TimeUnit> = { s: TimeUnit.SECOND, ms: TimeUnit.MILLISECOND, us: TimeUnit.MICROSECOND, ns: TimeUnit.NANOSECOND };

/** Converts the `schema` member of a describe answer. `where` (the URL) goes into errors. */
export function schemaFromJson(json: unknown, where: string): Schema {
  if (!isObject(json) || !Array.isArray(json.fields)) throw bad('schema is not {fields: [...]}', where);
  const fields = json.fields.map((f, i) => fieldFromJson(f, `field ${i}`, where));
  return new Schema(fields, metadataMap(json.metadata, 'schema', where));
}

function fieldFromJson(json: unknown, path: string, where: string): Field {
  if (!isObject(json) || typeof json.name !== 'string' || !isObject(json.type) || typeof json.nullable !== 'boolean') {
    throw bad(`${path} is not {name, type, nullable}`, where);
  }
  const at = path.startsWith('field ') ? json.name : `${path}.${json.name}`;
  return new Field(json.name, typeFromJson(json.type, at, where), json.nullable, metadataMap(json.metadata, at, where));
}

function typeFromJson(t: Record<string, unknown>, path: string, where: string): DataType {
  const name = t.type;
  if (typeof name !== 'string') throw bad(`${path}: type has no "type" string`, where);
  const simple = SIMPLE[name];
  if (simple) return simple();
  const children = (): Field[] => {
    if (!Array.isArray(t.fields)) throw bad(`${path}: ${name} needs "fields"`, where);
    return t.fields.map((f) => fieldFromJson(f, path, where));
  };
  const length = (): number => {
    if (typeof t.length !== 'number' || !Number.isSafeInteger(t.length) || t.length < 0) throw bad(`${path}: ${name} needs a "length"`, where);
    return t.length;
  };
  switch (name) {
    case 'list':
    case 'list.struct':
      return new List(one(children(), path, where));
    case 'fixed_size_list':
      return new FixedSizeList(length(), one(children(), path, where));
    case 'fixed_size_binary':
      return new FixedSizeBinary(length());
    case 'struct':
      return new Struct(children());
    case 'large_list':
    case 'large_list.struct':
      throw new UnsupportedError(`column ${path}: large_list has no apache-arrow 18 type`, { feature: 'large_list', where });
  }
  return parameterised(name, path, where);
}

/** The colon-separated logical types: time32/time64/timestamp/duration/decimal/dict. */
function parameterised(name: string, path: string, where: string): DataType {
  const [kind, ...rest] = name.split(':');
  const unit = UNITS[rest[0] ?? ''];
  switch (kind) {
    case 'time32':
    case 'time64':
      if (unit === undefined) break;
      return new Time(unit as TimeUnit.SECOND, kind === 'time32' ? 32 : 64);
    case 'timestamp': {
      if (unit === undefined || rest.length < 2) break;
      const tz = rest.slice(1).join(':'); // "+05:00" contains colons
      return new Timestamp(unit, tz === '-' ? null : tz);
    }
    case 'duration':
      if (unit === undefined) break;
      return new Duration(unit);
    case 'decimal': {
      const [bits, precision, scale] = rest.map(Number);
      if ((bits !== 128 && bits !== 256) || !Number.isInteger(precision) || !Number.isInteger(scale)) break;
      return new Decimal(scale!, precision!, bits);
    }
    case 'dict': {
      // dict:{value}:{key}:{ordered}; the value type may itself contain colons (dict:timestamp:us:-:int32:false).
      if (rest.length < 3) break;
      const ordered = rest.at(-1) === 'true';
      const key = parameterisedOrSimple(rest.at(-2)!, path, where);
      const value = parameterisedOrSimple(rest.slice(0, -2).join(':'), path, where);
      if (!DataType.isInt(key)) break;
      if ((key as Int).bitWidth > 32) {
        throw new UnsupportedError(`column ${path}: 64-bit dictionary keys have no apache-arrow 18 type`, { feature: 'dict-int64-keys', where });
      }
      return new Dictionary(value, key as Int8 | Int16 | Int32 | Uint8 | Uint16 | Uint32, null, ordered);
    }
  }
  throw new UnsupportedError(`column ${path}: Lance type "${name}"`, { feature: `lance-type:${name}`, where });
}

function parameterisedOrSimple(name: string, path: string, where: string): DataType {
  return SIMPLE[name]?.() ?? parameterised(name, path, where);
}

function one(fields: Field[], path: string, where: string): Field {
  if (fields.length !== 1) throw bad(`${path}: a list type needs exactly one child field, got ${fields.length}`, where);
  return fields[0]!;
}

function metadataMap(json: unknown, path: string, where: string): Map<string, string> {
  if (json === undefined || json === null) return new Map();
  if (!isObject(json) || !Object.values(json).every((v) => typeof v === 'string')) throw bad(`${path}: metadata is not a string map`, where);
  return new Map(Object.entries(json as Record<string, string>));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(msg: string, url: string): HttpError {
  return new HttpError(`describe answer: ${msg}`, { url });
}
