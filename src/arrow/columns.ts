// Reading Arrow columns in bulk, without apache-arrow's per-cell Vector#get.
//
// apache-arrow's Vector#get on a Utf8 column decodes every cell on its own (~1 µs each), which
// made uid and zarr_group handling the main-thread hot spot of large queries. Three shortcuts:
//   - stringsAt: a chunk whose bytes are all ASCII is decoded once; each cell is then a substring
//     (V8 makes those cheap slices). Other chunks fall back to per-cell decoding.
//   - stringCodes: a low-cardinality column (zarr_group: one value per dataset) becomes integer
//     codes by comparing each cell's bytes with the previous cell's, decoding only on change; a
//     column the Lance reader expanded from a dictionary page reuses that page's indices
//     (dictionary-origin.ts).
//   - numbersAt: integer/float columns straight from their value buffers (int64 as two 32-bit
//     words, exact up to 2^53, no BigInt per cell).
// Dictionary-encoded columns use their dictionary directly. Other types go through get().
// Buffers follow apache-arrow's slicing convention: a sliced Data's offsets and primitive values
// are already sub-arrays starting at the slice (index them with the row), string bytes stay
// absolute (offsets point into them), and only the validity bitmap is read at offset + row.
import * as arrow from 'apache-arrow';
import { dictionaryOrigin } from './dictionary-origin.js';

const decoder = new TextDecoder();

/** Cells of a string column at `rows` (default every row), nulls as null. */
export function stringsAt(v: arrow.Vector, rows?: ArrayLike<number>): (string | null)[] {
  const n = rows ? rows.length : v.length;
  const out = new Array<string | null>(n);
  if (!arrow.DataType.isUtf8(v.type) && !arrow.DataType.isLargeUtf8(v.type)) {
    for (let i = 0; i < n; i++) out[i] = toStr(v.get(rows ? rows[i]! : i));
    return out;
  }
  const chunks = v.data.map(asciiChunk);
  const nulls = hasNulls(v);
  const { starts, chunkOf } = chunkLocator(v);
  for (let i = 0; i < n; i++) {
    const row = rows ? rows[i]! : i;
    const c = chunkOf(row);
    const d = v.data[c]!;
    const r = row - starts[c]!;
    if (nulls[c] && !isValid(d, r)) {
      out[i] = null;
      continue;
    }
    const ascii = chunks[c];
    const o = d.valueOffsets as ArrayLike<number | bigint>;
    const s = Number(o[r]);
    const e = Number(o[r + 1]);
    out[i] = ascii ? ascii.text.slice(s - ascii.base, e - ascii.base) : decoder.decode(d.values.subarray(s, e));
  }
  return out;
}

/**
 * The first row holding each of `values` in a string column (−1 where absent), found by comparing
 * UTF-8 bytes: looking a few uids up in a registry decodes none of its strings.
 */
export function rowsOfStrings(v: arrow.Vector, values: readonly string[]): Int32Array {
  const found = new Int32Array(values.length).fill(-1);
  if (!arrow.DataType.isUtf8(v.type) && !arrow.DataType.isLargeUtf8(v.type)) {
    const at = new Map(values.map((x, k) => [x, k]));
    for (let i = 0; i < v.length; i++) {
      const k = at.get(toStr(v.get(i)) as string);
      if (k !== undefined && found[k] === -1) found[k] = i;
    }
    return found;
  }
  // Wanted values by (byte length, first byte): a row is compared only with the values sharing
  // both, and a flag table rejects most rows before any map lookup.
  const encoder = new TextEncoder();
  const wanted = values.map((x, k) => ({ bytes: encoder.encode(x), k }));
  const maxLen = wanted.reduce((m, w) => Math.max(m, w.bytes.length), 0);
  const keyOf = (len: number, first: number) => len * 256 + first;
  const flags = new Uint8Array(keyOf(maxLen, 255) + 1);
  const byKey = new Map<number, { bytes: Uint8Array; k: number }[]>();
  for (const w of wanted) {
    const key = keyOf(w.bytes.length, w.bytes[0] ?? 0);
    flags[key] = 1;
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(w);
  }
  let row = 0;
  for (const d of v.data) {
    const o = d.valueOffsets as ArrayLike<number | bigint>;
    const b = d.values as Uint8Array;
    const nulls = d.nullCount > 0;
    for (let r = 0; r < d.length; r++, row++) {
      const s = Number(o[r]);
      const len = Number(o[r + 1]) - s;
      if (len > maxLen || !flags[keyOf(len, len ? b[s]! : 0)] || (nulls && !isValid(d, r))) continue;
      for (const c of byKey.get(keyOf(len, len ? b[s]! : 0))!) {
        if (found[c.k] !== -1) continue;
        let i = 0;
        while (i < len && b[s + i] === c.bytes[i]) i++;
        if (i === len) found[c.k] = row;
      }
    }
  }
  return found;
}

/** Integer codes of a (low-cardinality) string column: values[codes[i]] is row i's value; code −1 = null. */
export function stringCodes(v: arrow.Vector): { codes: Int32Array; values: string[] } {
  const codes = new Int32Array(v.length);
  const values: string[] = [];
  const byValue = new Map<string, number>();
  const codeOf = (s: string) => {
    let k = byValue.get(s);
    if (k === undefined) byValue.set(s, (k = values.push(s) - 1));
    return k;
  };
  let row = 0;
  let origin: ReturnType<typeof dictionaryOrigin>;
  for (const d of v.data) {
    if (arrow.DataType.isDictionary(d.type) && d.dictionary) {
      const dict = stringsAt(d.dictionary);
      const map = dict.map((s) => (s === null ? -1 : codeOf(s)));
      const idx = d.values as ArrayLike<number | bigint>;
      const nulls = d.nullCount > 0;
      for (let r = 0; r < d.length; r++) codes[row++] = nulls && !isValid(d, r) ? -1 : map[Number(idx[r])]!;
    } else if ((origin = dictionaryOrigin(d))) {
      // Expanded from a Lance dictionary page: the page's indices are the codes (per item).
      const { indices, offsets, data, base } = origin;
      const map = Array.from({ length: offsets.length - 1 }, (_, k) => codeOf(decoder.decode(data.subarray(offsets[k], offsets[k + 1]))));
      const nulls = d.nullCount > 0;
      for (let r = 0; r < d.length; r++) codes[row++] = nulls && !isValid(d, r) ? -1 : map[indices[base + r]!]!;
    } else if (arrow.DataType.isUtf8(d.type) || arrow.DataType.isLargeUtf8(d.type)) {
      const o = d.valueOffsets as ArrayLike<number | bigint>;
      const bytes = d.values as Uint8Array;
      let prevS = -1;
      let prevE = -1;
      let prevCode = -1;
      // apache-arrow's nullCount is a getter (a type check and a field read): once per chunk.
      const nulls = d.nullCount > 0;
      for (let r = 0; r < d.length; r++) {
        if (nulls && !isValid(d, r)) {
          codes[row++] = -1;
          continue;
        }
        const s = Number(o[r]);
        const e = Number(o[r + 1]);
        if (prevCode < 0 || !sameBytes(bytes, s, e, prevS, prevE)) prevCode = codeOf(decoder.decode(bytes.subarray(s, e)));
        prevS = s;
        prevE = e;
        codes[row++] = prevCode;
      }
    } else {
      const part = arrow.makeVector(d);
      for (let r = 0; r < d.length; r++) {
        const x = part.get(r);
        codes[row++] = x === null || x === undefined ? -1 : codeOf(String(x));
      }
    }
  }
  return { codes, values };
}

/**
 * Cells of a numeric column at `rows` (every row when undefined) as doubles (int64 exact up to
 * 2^53). A null cell, or an int64 beyond 2^53, calls `onBad(row)`: throw there, or return to get
 * NaN for that cell.
 */
export function numbersAt(v: arrow.Vector, rows: ArrayLike<number> | undefined, onBad: (row: number) => void): Float64Array {
  const n = rows ? rows.length : v.length;
  const out = new Float64Array(n);
  const half = arrow.DataType.isFloat(v.type) && (v.type as arrow.Float).precision === arrow.Precision.HALF; // stored as raw bits
  if ((!arrow.DataType.isInt(v.type) && !arrow.DataType.isFloat(v.type)) || half) {
    for (let i = 0; i < n; i++) {
      const row = rows ? rows[i]! : i;
      const x = v.get(row);
      if (x === null || x === undefined) onBad(row);
      out[i] = x === null || x === undefined ? NaN : Number(x);
    }
    return out;
  }
  if (!rows) {
    // Whole column: chunk by chunk, each through one tight loop (a query's first call runs cold,
    // and a per-row chunk lookup made it several times slower).
    let at = 0;
    for (const d of v.data) {
      numbersOfChunk(d, out, undefined, at, at + d.length, at, onBad);
      at += d.length;
    }
    return out;
  }
  const { starts, chunkOf } = chunkLocator(v);
  // Runs of rows within one chunk go through one call (rows mostly ascend: few runs).
  for (let i = 0; i < n; ) {
    const c = chunkOf(rows[i]!);
    const lo = starts[c]!;
    const hi = starts[c + 1]!;
    let j = i + 1;
    while (j < n && rows[j]! >= lo && rows[j]! < hi) j++;
    numbersOfChunk(v.data[c]!, out, rows, i, j, lo, onBad);
    i = j;
  }
  return out;
}

/**
 * out[k] for k in [from, to): chunk `d`'s cell at rows[k] − base (at k − base without rows). 64-bit
 * integers are read as two 32-bit little-endian words: no BigInt per cell; beyond 2^53 (or null)
 * calls onBad with the vector row and leaves NaN.
 */
function numbersOfChunk(d: arrow.Data, out: Float64Array, rows: ArrayLike<number> | undefined, from: number, to: number, base: number, onBad: (row: number) => void): void {
  const nulls = d.nullCount > 0;
  const vals = d.values as ArrayLike<number> | BigInt64Array | BigUint64Array;
  if (vals instanceof BigInt64Array || vals instanceof BigUint64Array) {
    const w = new Int32Array(vals.buffer, vals.byteOffset, vals.length * 2);
    const signed = vals instanceof BigInt64Array;
    for (let k = from; k < to; k++) {
      const r = (rows ? rows[k]! : k) - base;
      const x = nulls && !isValid(d, r) ? NaN : (signed ? w[2 * r + 1]! : w[2 * r + 1]! >>> 0) * 4294967296 + (w[2 * r]! >>> 0);
      // Rounding is monotonic, so an int64 beyond 2^53 never lands on a safe integer.
      if (Number.isSafeInteger(x)) out[k] = x;
      else {
        onBad(r + base);
        out[k] = NaN;
      }
    }
    return;
  }
  if (!rows && !nulls) {
    // One copy converts every integer up to 32 bits and every float exactly.
    out.set((vals as Float64Array).subarray(0, to - from), from);
    return;
  }
  for (let k = from; k < to; k++) {
    const r = (rows ? rows[k]! : k) - base;
    if (nulls && !isValid(d, r)) {
      onBad(r + base);
      out[k] = NaN;
    } else out[k] = (vals as ArrayLike<number>)[r]!;
  }
}

/** Per chunk: whether it has nulls (apache-arrow's nullCount is a getter; read it once per chunk). */
function hasNulls(v: arrow.Vector): boolean[] {
  return v.data.map((d) => d.nullCount > 0);
}

function sameBytes(b: Uint8Array, s: number, e: number, ps: number, pe: number): boolean {
  if (e - s !== pe - ps) return false;
  for (let i = 0; i < e - s; i++) if (b[s + i] !== b[ps + i]) return false;
  return true;
}

/**
 * The chunk's cells' bytes decoded at once when they are all ASCII (then string index = byte
 * offset − base), else undefined. Only this chunk's byte span is read, so slices of a big parent
 * (toBatches) cost their own size.
 */
function asciiChunk(d: arrow.Data): { text: string; base: number } | undefined {
  const o = d.valueOffsets as ArrayLike<number | bigint> | undefined;
  if (!o || d.length === 0) return undefined;
  const s = Number(o[0]);
  const e = Number(o[d.length]);
  const bytes = d.values as Uint8Array;
  for (let i = s; i < e; i++) if (bytes[i]! > 0x7f) return undefined;
  return { text: decoder.decode(bytes.subarray(s, e)), base: s };
}

/** Which chunk of a vector holds a row: chunk start rows, with the last hit remembered (rows mostly ascend). */
export function chunkLocator(v: arrow.Vector): { starts: number[]; chunkOf(row: number): number } {
  const starts = [0];
  for (const d of v.data) starts.push(starts[starts.length - 1]! + d.length);
  let last = 0;
  return {
    starts,
    chunkOf(row) {
      if (row >= starts[last]! && row < starts[last + 1]!) return last;
      let lo = 0;
      let hi = starts.length - 2;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (starts[mid]! <= row) lo = mid;
        else hi = mid - 1;
      }
      return (last = lo);
    },
  };
}

/** Row `r` of chunk `d` is not null. */
export function isValid(d: arrow.Data, r: number): boolean {
  const bm = d.nullBitmap;
  if (!bm || bm.length === 0) return true;
  const i = d.offset + r;
  return ((bm[i >> 3]! >> (i & 7)) & 1) === 1;
}

function toStr(x: unknown): string | null {
  return x === null || x === undefined ? null : String(x);
}
