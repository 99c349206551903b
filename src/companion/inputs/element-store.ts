// A minimal, format-neutral view of an AnnData container (HDF5 file or Zarr store): groups with
// attributes, and N-d arrays readable in row ranges along axis 0. The AnnData decoding logic
// (anndata-elements.ts) is written once against this, so h5ad and Zarr behave identically.

/** Element types the decoders understand; anything else is reported as `{ other: description }`. */
export type ElemDtype =
  | 'bool'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'float32' | 'float64'
  | 'string';

/** Attribute values normalised to plain JSON-like JS: BigInts and typed arrays become numbers/arrays. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [k: string]: AttrValue } | { reference: true };
export type Attrs = Record<string, AttrValue>;

export interface GroupNode {
  kind: 'group';
  path: string;
  attrs: Attrs;
}

export interface ArrayNode {
  kind: 'array';
  path: string;
  attrs: Attrs;
  shape: number[];
  dtype: ElemDtype | { other: string };
}

export type ElementNode = GroupNode | ArrayNode;

/** Numeric reads: bools come back as Uint8Array (0/1). */
export type NumericData =
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Float32Array | Float64Array;

export type ReadData = NumericData | string[];

export interface ElementStore {
  /** The file or directory, used in error locations. */
  readonly file: string;
  /** The node at `path` ('' or 'obs/louvain/codes'; no leading slash), or undefined if absent. */
  node(path: string): Promise<ElementNode | undefined>;
  /** Names of the direct children of a group, sorted. */
  children(path: string): Promise<string[]>;
  /**
   * Rows [start, end) along axis 0 (all of it when omitted), every other axis whole, row-major.
   * Strings come back as `string[]`.
   */
  read(node: ArrayNode, start?: number, end?: number): Promise<ReadData>;
  close(): Promise<void>;
}

/** `file:/obs/louvain` style locations for errors. */
export function whereOf(store: ElementStore, path: string, index?: number): string {
  return `${store.file}:/${path}${index === undefined ? '' : `[${index}]`}`;
}

export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** Converts an attribute value as libraries return it (BigInt, typed arrays) to AttrValue. */
export function normaliseAttr(v: unknown): AttrValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return bigToNumber(v);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? bigToNumber(x) : x));
  }
  if (Array.isArray(v)) return v.map(normaliseAttr);
  if (typeof v === 'object') {
    const out: Record<string, AttrValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = normaliseAttr(x);
    return out;
  }
  return String(v);
}

function bigToNumber(v: bigint): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v.toString();
}

export function attrString(attrs: Attrs, key: string): string | undefined {
  const v = attrs[key];
  return typeof v === 'string' ? v : undefined;
}

/** A string list attribute; h5py writes an empty list as a float64 array, and one name may be a scalar. */
export function attrStringList(attrs: Attrs, key: string): string[] | undefined {
  const v = attrs[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map((x) => String(x));
  return undefined;
}

export function attrNumberList(attrs: Attrs, key: string): number[] | undefined {
  const v = attrs[key];
  if (!Array.isArray(v)) return undefined;
  const out = v.map((x) => (typeof x === 'number' ? x : Number(x)));
  return out.every((x) => Number.isSafeInteger(x) && x >= 0) ? out : undefined;
}

export function isNumericDtype(d: ArrayNode['dtype']): d is Exclude<ElemDtype, 'string'> {
  return typeof d === 'string' && d !== 'string';
}

export function dtypeName(d: ArrayNode['dtype']): string {
  return typeof d === 'string' ? d : d.other;
}
