// Which plain string columns were built from a dictionary, and from which one.
//
// Lance stores low-cardinality string pages (zarr_group: one value per dataset) as dictionary
// indices; LanceDB returns them as plain Utf8, and so do we. The reader that expands such a page
// records here the indices and items it expanded, so stringCodes (columns.ts) gets a column's
// integer codes without comparing every cell's bytes again.
//
// Slices count too (toBatches cuts scanned batches into small ones): apache-arrow slices a Utf8
// Data by taking a sub-array of its value offsets and keeping its string bytes, the very same
// Uint8Array. So the record is keyed by those bytes, and a Data is recognised as rows
// [offset, offset + length) of the recorded one only if its value offsets are exactly the recorded
// offsets' memory from `offset` on (same buffer, same position).
import type * as arrow from 'apache-arrow';

export interface DictionaryOrigin {
  /** Item of each row (null rows may hold any in-range index). */
  indices: Uint32Array;
  /** The items' UTF-8 bytes: item k is data[offsets[k], offsets[k + 1]). */
  offsets: Uint32Array;
  data: Uint8Array;
}

interface Recorded extends DictionaryOrigin {
  valueOffsets: Int32Array;
}

const origins = new WeakMap<Uint8Array, Recorded>();

/** `data`: a freshly built Utf8 Data (offset 0) whose rows are `origin`'s items at its indices. */
export function rememberDictionary(data: arrow.Data<arrow.Utf8>, origin: DictionaryOrigin): void {
  if (data.offset !== 0 || !(data.valueOffsets instanceof Int32Array)) return;
  origins.set(data.values, { ...origin, valueOffsets: data.valueOffsets });
}

/** The dictionary rows of `data` (or of the slice it is), with `base`: index of its row 0 in `indices`. */
export function dictionaryOrigin(data: arrow.Data): (DictionaryOrigin & { base: number }) | undefined {
  const rec = data.values instanceof Uint8Array ? origins.get(data.values) : undefined;
  const vo = data.valueOffsets as unknown;
  if (!rec || !(vo instanceof Int32Array)) return undefined;
  const base = data.offset;
  const same = vo.buffer === rec.valueOffsets.buffer && vo.byteOffset === rec.valueOffsets.byteOffset + 4 * base && base + data.length <= rec.indices.length;
  return same ? { indices: rec.indices, offsets: rec.offsets, data: rec.data, base } : undefined;
}
