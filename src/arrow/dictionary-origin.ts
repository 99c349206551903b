// Which plain string columns were built from a dictionary, and from which one.
//
// Lance stores low-cardinality string pages (zarr_group: one value per dataset) as dictionary
// indices; LanceDB returns them as plain Utf8, and so do we. The reader that expands such a page
// records here the indices and items it expanded, so stringCodes (columns.ts) gets a column's
// integer codes without comparing every cell's bytes again. Keyed by the very arrow.Data object:
// a slice is a new Data and simply takes the byte-comparing path.
import type * as arrow from 'apache-arrow';

export interface DictionaryOrigin {
  /** Item of each row (null rows may hold any in-range index). */
  indices: Uint32Array;
  /** The items' UTF-8 bytes: item k is data[offsets[k], offsets[k + 1]). */
  offsets: Uint32Array;
  data: Uint8Array;
}

const origins = new WeakMap<arrow.Data, DictionaryOrigin>();

export function rememberDictionary(data: arrow.Data, origin: DictionaryOrigin): void {
  origins.set(data, origin);
}

export function dictionaryOrigin(data: arrow.Data): DictionaryOrigin | undefined {
  return origins.get(data);
}
