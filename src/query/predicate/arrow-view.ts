// Reading apache-arrow 18 data as runtime vectors. Arrow objects come from the ESM build or from the
// CJS build that @lancedb/lancedb returns, so everything is read structurally, never with `instanceof`
// on arrow classes.

import { QueryError } from '../../errors.js';
import type { SchemaLike } from './bound.js';
import { ArrowType, type ArrowTypeLike, type Value } from './types.js';
import { andValid, dictStrings, fromValues, gather, N, stringsVector, valueAt, type StrV, type V, type Valid } from './vectors.js';

// ------------------------------------------------------------------------------------------------
// Structural views of apache-arrow objects

export interface DataLike {
  type: ArrowTypeLike;
  length: number;
  offset: number;
  nullCount: number;
  nullBitmap?: Uint8Array | null;
  values?: ArrayLike<number> | ArrayLike<bigint> | Uint8Array;
  valueOffsets?: Int32Array | BigInt64Array;
  children: DataLike[];
  dictionary?: { data: DataLike[] } | null;
}

export interface RecordBatchLike {
  schema: SchemaLike;
  numRows: number;
  data: DataLike;
}

export interface TableLike {
  schema: SchemaLike;
  numRows: number;
  batches: RecordBatchLike[];
}

export function isTable(x: TableLike | RecordBatchLike): x is TableLike {
  return Array.isArray((x as TableLike).batches);
}

/**
 * The column at `path` (top-level name, then struct fields) of one batch as a vector; a struct
 * child is NULL where any enclosing struct is.
 */
export function loadColumn(batch: RecordBatchLike, fields: SchemaLike['fields'], path: string[]): V {
  const top = fields.findIndex((f) => f.name === path[0]);
  let d = batch.data.children[top];
  if (!d) throw new QueryError(`column ${path[0]} is missing from the batch`, { column: path[0] });
  let parentValid: Valid = null;
  for (let i = 1; i < path.length; i++) {
    parentValid = andValid(bitmapValidity(d), parentValid);
    const idx = (d.type.children ?? []).findIndex((c) => c.name === path[i]);
    d = d.children[idx];
    if (!d) throw new QueryError(`field ${path.slice(0, i + 1).join('.')} is missing from the batch`, { column: path.join('.') });
  }
  return loadData(d, parentValid);
}

// ------------------------------------------------------------------------------------------------
// UTF-8

const decoder = new TextDecoder('utf-8');

function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let s = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) return decoder.decode(bytes.subarray(start, end));
      s += String.fromCharCode(b);
    }
    return s;
  }
  return decoder.decode(bytes.subarray(start, end));
}

/**
 * Decode a whole string column once and map each value's byte range to UTF-16 offsets, so that
 * reading value i is a substring. null if the bytes are not valid UTF-8 (then values decode one by one).
 */
function decodeColumn(offsets: ArrayLike<number>, bytes: Uint8Array, n: number): { text: string; units: Float64Array } | null {
  const start = offsets[0]!;
  const end = offsets[n]!;
  const text = decoder.decode(bytes.subarray(start, end));
  const units = new Float64Array(n + 1);
  let u = 0;
  let b = start;
  for (let i = 0; i <= n; i++) {
    const target = offsets[i]!;
    if (target < b) return null;
    for (; b < target; b++) {
      const x = bytes[b]!;
      if ((x & 0xc0) !== 0x80) u += x >= 0xf0 ? 2 : 1;
    }
    units[i] = u;
  }
  return u === text.length ? { text, units } : null;
}

function utf8Vector(offsets: ArrayLike<number>, bytes: Uint8Array, n: number, valid: Valid): StrV {
  let decoded: { text: string; units: Float64Array } | null | undefined;
  return {
    k: 'str',
    n,
    valid,
    utf8: { offsets, bytes },
    get(i) {
      if (decoded === undefined) decoded = n > 64 ? decodeColumn(offsets, bytes, n) : null;
      if (decoded === null) return decodeUtf8(bytes, offsets[i]!, offsets[i + 1]!);
      return decoded.text.substring(decoded.units[i]!, decoded.units[i + 1]!);
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Buffers

function bitmapValidity(d: DataLike): Valid {
  const n = d.length;
  if (d.type.typeId === ArrowType.Null) return new Uint8Array(n);
  const bm = d.nullBitmap;
  if (!bm || bm.length === 0 || d.nullCount === 0) return null;
  const out = new Uint8Array(n);
  const off = d.offset;
  for (let i = 0; i < n; i++) {
    const j = off + i;
    out[i] = (bm[j >> 3]! >> (j & 7)) & 1;
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function asBigInt64(values: ArrayLike<number> | ArrayLike<bigint>, signed: boolean): BigInt64Array | BigUint64Array {
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return values;
  // defensive: some builds keep 64-bit values as Int32 pairs
  const v = values as Int32Array;
  return signed ? new BigInt64Array(v.buffer, v.byteOffset, v.length >> 1) : new BigUint64Array(v.buffer, v.byteOffset, v.length >> 1);
}

/** The first n 64-bit offsets or dictionary keys as doubles (they index memory, so they fit). */
function bigToNumbers(v: ArrayLike<bigint>, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(v[i]!);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Arrow Data → vectors

/**
 * Read one Arrow Data as a runtime vector; `parentValid` is the validity of enclosing structs.
 * apache-arrow's convention (followed by its own getters): `values` and `valueOffsets` are already
 * sliced to the Data's window; `offset` applies only to bit-packed buffers (validity, booleans).
 */
function loadData(d: DataLike, parentValid: Valid): V {
  const n = d.length;
  const off = d.offset;
  const valid = andValid(bitmapValidity(d), parentValid);
  const t = d.type;
  switch (t.typeId) {
    case ArrowType.Null:
      return { k: 'null', n };
    case ArrowType.Int: {
      if (t.bitWidth === 64) return { k: 'big', n, v: asBigInt64(d.values as ArrayLike<bigint>, !!t.isSigned).subarray(0, n), valid };
      return { k: 'num', n, v: (d.values as Int32Array).subarray(0, n), valid };
    }
    case ArrowType.Float: {
      if (t.precision === 0) {
        const raw = (d.values as Uint16Array).subarray(0, n);
        const v = new Float64Array(n);
        for (let i = 0; i < n; i++) v[i] = halfToFloat(raw[i]!);
        return { k: 'num', n, v, valid };
      }
      return { k: 'num', n, v: (d.values as Float64Array).subarray(0, n), valid };
    }
    case ArrowType.Bool: {
      const bits = d.values as Uint8Array;
      const v = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) v[i] = N;
        else {
          const j = off + i;
          v[i] = (bits[j >> 3]! >> (j & 7)) & 1;
        }
      }
      return { k: 'bool', n, v };
    }
    case ArrowType.Utf8:
      return utf8Vector((d.valueOffsets as Int32Array).subarray(0, n + 1), d.values as Uint8Array, n, valid);
    case ArrowType.LargeUtf8: {
      const o = (d.valueOffsets as BigInt64Array).subarray(0, n + 1);
      return utf8Vector(bigToNumbers(o, o.length), d.values as Uint8Array, n, valid);
    }
    case ArrowType.Timestamp:
      return { k: 'big', n, v: asBigInt64(d.values as ArrayLike<bigint>, true).subarray(0, n), valid };
    case ArrowType.Date:
      if (t.unit === 0) return { k: 'num', n, v: (d.values as Int32Array).subarray(0, n), valid };
      return { k: 'big', n, v: asBigInt64(d.values as ArrayLike<bigint>, true).subarray(0, n), valid };
    case ArrowType.Dictionary:
      return loadDictionary(d, valid);
    case ArrowType.List: {
      // valueOffsets are sliced to this Data's window but still index the whole child
      const offsets = (d.valueOffsets as Int32Array).subarray(0, n + 1);
      return { k: 'list', n, valid, offsets, values: loadData(d.children[0]!, null) };
    }
    case ArrowType.FixedSizeList: {
      // every row holds listSize items (apache-arrow slices the child with the parent, by stride)
      const size = (t as { listSize?: number }).listSize ?? 0;
      const offsets = Float64Array.from({ length: n + 1 }, (_, i) => i * size);
      return { k: 'list', n, valid, offsets, values: loadData(d.children[0]!, null) };
    }
    default:
      return { k: 'opaque', n, valid };
  }
}

function loadDictionary(d: DataLike, valid: Valid): V {
  const n = d.length;
  const rawKeys = d.values as ArrayLike<number> | ArrayLike<bigint>;
  let keys: ArrayLike<number>;
  if (rawKeys instanceof BigInt64Array || rawKeys instanceof BigUint64Array) keys = bigToNumbers(rawKeys, n);
  else keys = (rawKeys as Int32Array).subarray(0, n);
  const chunks = d.dictionary?.data ?? [];
  let values: V;
  if (chunks.length === 1) values = loadData(chunks[0]!, null);
  else {
    // several dictionary chunks (deltas): decode into one list
    const parts = chunks.map((c) => loadData(c, null));
    values = concatVectors(parts);
  }
  if (values.k === 'str') return dictStrings(n, keys, values, valid);
  return gather(values, keys, valid);
}

function concatVectors(parts: V[]): V {
  const vals: Value[] = [];
  for (const p of parts) for (let i = 0; i < p.n; i++) vals.push(valueAt(p, i));
  if (parts[0]?.k === 'str') return stringsVector(vals as (string | null)[]);
  return fromValues(vals, parts[0]?.k === 'big' ? 'big' : 'num');
}
