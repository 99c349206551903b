// The in-memory value representation between byte decoding and Arrow assembly.
//
// Decoders turn compressed bytes into Blocks; pages and chunks are concatenated as Blocks; the
// assembler turns Blocks plus rep/def levels into Arrow Data. Blocks hold only *visible* items
// (rep/def decide which rows/slots they belong to), and null items still occupy a slot.
//
//   fixed  n values of `width` bytes each, little-endian (ints, floats, dates, timestamps)
//   bits   n booleans, one byte (0/1) each; packed to Arrow bitmaps only at the end
//   var    n byte strings: offsets (n+1, offsets[0] = 0) into data
//   fsl    n fixed-size lists of `dim` child items, optional per-item validity (0/1 per item)
//   none   n slots with no stored bytes (all-null pages)
//   dict   n indices into a dictionary block (dictionary-typed columns only; every index is
//          < dict.length, or 0 when the dictionary is empty — null slots are clamped)
import { CorruptDataError } from '../errors.js';

export type Block =
  | { kind: 'fixed'; width: number; data: Uint8Array; length: number }
  | { kind: 'bits'; data: Uint8Array; length: number }
  | { kind: 'var'; offsets: Uint32Array; data: Uint8Array; length: number }
  | { kind: 'fsl'; dim: number; child: Block; validity?: Uint8Array; length: number }
  | { kind: 'dict'; indices: Uint32Array; dict: Block; length: number }
  | { kind: 'none'; length: number };

/**
 * A dictionary block. Indices past the dictionary (null slots may carry anything) become 0, so
 * every consumer can index the dictionary without checks. Takes ownership of `indices`.
 */
export function dictBlock(indices: Uint32Array, dict: Block): Extract<Block, { kind: 'dict' }> {
  const size = dict.length;
  for (let i = 0; i < indices.length; i++) if (indices[i]! >= size) indices[i] = 0;
  return { kind: 'dict', indices, dict, length: indices.length };
}

/** A block of plain values as a dictionary block (identity indices), for mixing with dict pages. */
function asDict(b: Block): Extract<Block, { kind: 'dict' }> {
  if (b.kind === 'dict') return b;
  if (b.kind === 'none') return { kind: 'dict', indices: new Uint32Array(b.length), dict: { kind: 'none', length: 0 }, length: b.length };
  const indices = new Uint32Array(b.length);
  for (let i = 0; i < indices.length; i++) indices[i] = i;
  return { kind: 'dict', indices, dict: b, length: b.length };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Same values (used to share one dictionary between pages that repeat it). */
export function blocksEqual(a: Block, b: Block): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind || a.length !== b.length) return false;
  switch (a.kind) {
    case 'fixed': return a.width === (b as typeof a).width && bytesEqual(a.data.subarray(0, a.length * a.width), (b as typeof a).data.subarray(0, a.length * a.width));
    case 'bits': return bytesEqual(a.data.subarray(0, a.length), (b as typeof a).data.subarray(0, a.length));
    case 'var': {
      const o = b as typeof a;
      for (let i = 1; i <= a.length; i++) if (a.offsets[i]! - a.offsets[0]! !== o.offsets[i]! - o.offsets[0]!) return false;
      return bytesEqual(a.data.subarray(a.offsets[0]!, a.offsets[a.length]!), o.data.subarray(o.offsets[0]!, o.offsets[a.length]!));
    }
    case 'none': return true;
    default: return false;
  }
}

/**
 * Concatenates dictionary blocks: pages that repeat a dictionary share it; different dictionaries
 * are appended and the later pages' indices shifted (entries are not deduplicated).
 */
function concatDicts(parts: Block[], length: number, where: string): Block {
  const dicts: Block[] = [];
  const bases: number[] = [];
  let size = 0;
  const indices = new Uint32Array(length);
  let at = 0;
  for (const p of parts) {
    if (p.kind === 'none') {
      at += p.length; // null slots: index 0
      continue;
    }
    const d = asDict(p);
    let k = dicts.findIndex((x) => blocksEqual(x, d.dict));
    if (k < 0 && d.dict.length > 0) {
      k = dicts.length;
      dicts.push(d.dict);
      bases.push(size);
      size += d.dict.length;
    }
    const base = k < 0 ? 0 : bases[k]!;
    for (let i = 0; i < d.length; i++) indices[at + i] = base + d.indices[i]!;
    at += d.length;
  }
  if (dicts.length === 0) return { kind: 'none', length };
  return { kind: 'dict', indices, dict: concatBlocks(dicts, where), length };
}

/** Reads integer `i` of a fixed block of width 1, 2, 4 or 8 (8 only up to 2^53). */
export function fixedIndexReader(block: Block, where: string): (i: number) => number {
  if (block.kind !== 'fixed') throw new CorruptDataError(`expected integer values, got ${block.kind}`, { where });
  const v = new DataView(block.data.buffer, block.data.byteOffset, block.data.byteLength);
  switch (block.width) {
    case 1: return (i) => block.data[i]!;
    case 2: return (i) => v.getUint16(i * 2, true);
    case 4: return (i) => v.getUint32(i * 4, true);
    case 8: return (i) => Number(v.getBigUint64(i * 8, true));
    default: throw new CorruptDataError(`unsupported integer width ${block.width}`, { where });
  }
}

/** Widens a fixed block of 1/2/4-byte unsigned integers (rep/def levels, indices) to u32. */
export function toUint32(block: Block, where: string): Uint32Array {
  if (block.kind === 'none') return new Uint32Array(block.length);
  const read = fixedIndexReader(block, where);
  const out = new Uint32Array(block.length);
  for (let i = 0; i < out.length; i++) out[i] = read(i);
  return out;
}

export function toUint16(block: Block, where: string): Uint16Array {
  if (block.kind === 'fixed' && block.width === 2 && block.data.byteOffset % 2 === 0) {
    return new Uint16Array(block.data.buffer, block.data.byteOffset, block.length);
  }
  if (block.kind === 'none') return new Uint16Array(block.length);
  const read = fixedIndexReader(block, where);
  const out = new Uint16Array(block.length);
  for (let i = 0; i < out.length; i++) {
    const x = read(i);
    if (x > 0xffff) throw new CorruptDataError(`level ${x} does not fit 16 bits`, { where });
    out[i] = x;
  }
  return out;
}

/** Items [start, end) of a block. Fixed and bits share memory; var rebases offsets (copy). */
export function sliceBlock(b: Block, start: number, end: number): Block {
  if (start === 0 && end === b.length) return b;
  const n = end - start;
  switch (b.kind) {
    case 'fixed': return { kind: 'fixed', width: b.width, data: b.data.subarray(start * b.width, end * b.width), length: n };
    case 'bits': return { kind: 'bits', data: b.data.subarray(start, end), length: n };
    case 'none': return { kind: 'none', length: n };
    case 'dict': return { kind: 'dict', indices: b.indices.subarray(start, end), dict: b.dict, length: n };
    case 'var': {
      const base = b.offsets[start]!;
      const offsets = new Uint32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = b.offsets[start + i]! - base;
      return { kind: 'var', offsets, data: b.data.subarray(base, b.offsets[end]!), length: n };
    }
    case 'fsl': return {
      kind: 'fsl', dim: b.dim, length: n,
      child: sliceBlock(b.child, start * b.dim, end * b.dim),
      validity: b.validity?.subarray(start * b.dim, end * b.dim),
    };
  }
}

/** Concatenates blocks of one column (same kind; `none` parts become zero-filled). */
export function concatBlocks(parts: Block[], where: string): Block {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  const length = parts.reduce((s, p) => s + p.length, 0);
  const proto = nonEmpty.find((p) => p.kind !== 'none');
  if (!proto) return { kind: 'none', length };
  if (nonEmpty.some((p) => p.kind === 'dict')) return concatDicts(parts, length, where);
  for (const p of nonEmpty) {
    if (p.kind !== 'none' && p.kind !== proto.kind) {
      throw new CorruptDataError(`pages of one column decode to ${proto.kind} and ${p.kind}`, { where });
    }
  }
  switch (proto.kind) {
    case 'fixed': {
      const width = proto.width;
      const data = new Uint8Array(length * width);
      let at = 0;
      for (const p of parts) {
        if (p.kind === 'fixed') {
          if (p.width !== width) throw new CorruptDataError(`value widths ${width} and ${p.width} in one column`, { where });
          data.set(p.data.subarray(0, p.length * width), at);
        }
        at += p.length * width;
      }
      return { kind: 'fixed', width, data, length };
    }
    case 'bits': {
      const data = new Uint8Array(length);
      let at = 0;
      for (const p of parts) {
        if (p.kind === 'bits') data.set(p.data.subarray(0, p.length), at);
        at += p.length;
      }
      return { kind: 'bits', data, length };
    }
    case 'var': {
      let bytes = 0;
      for (const p of parts) if (p.kind === 'var') bytes += p.offsets[p.length]! - p.offsets[0]!;
      const data = new Uint8Array(bytes);
      const offsets = new Uint32Array(length + 1);
      let at = 0;
      let byteAt = 0;
      for (const p of parts) {
        if (p.kind === 'var') {
          const base = p.offsets[0]!;
          data.set(p.data.subarray(base, p.offsets[p.length]!), byteAt);
          for (let i = 1; i <= p.length; i++) offsets[at + i] = byteAt + p.offsets[i]! - base;
          byteAt += p.offsets[p.length]! - base;
        } else {
          for (let i = 1; i <= p.length; i++) offsets[at + i] = byteAt;
        }
        at += p.length;
      }
      return { kind: 'var', offsets, data, length };
    }
    case 'fsl': {
      const dim = proto.dim;
      const children: Block[] = [];
      const hasValidity = nonEmpty.some((p) => p.kind === 'fsl' && p.validity);
      const validity = hasValidity ? new Uint8Array(length * dim) : undefined;
      let at = 0;
      for (const p of parts) {
        if (p.kind === 'fsl') {
          children.push(p.child);
          if (validity) {
            if (p.validity) validity.set(p.validity.subarray(0, p.length * dim), at * dim);
            else validity.fill(1, at * dim, (at + p.length) * dim);
          }
        } else {
          children.push({ kind: 'none', length: p.length * dim });
        }
        at += p.length;
      }
      return { kind: 'fsl', dim, child: concatBlocks(children, where), validity, length };
    }
  }
  return proto;
}

/** `dictionary[indices[i]]` for every i: materializes dictionary-encoded values. */
export function gatherBlock(dict: Block, indices: Uint32Array, where: string): Block {
  const n = indices.length;
  if (dict.kind === 'none') return { kind: 'none', length: n };
  for (let i = 0; i < n; i++) {
    if (indices[i]! >= dict.length) {
      // Null slots may carry any index; clamp them to 0 only when the dictionary is non-empty.
      if (dict.length === 0) return { kind: 'none', length: n };
      indices[i] = 0;
    }
  }
  switch (dict.kind) {
    case 'fixed': {
      const w = dict.width;
      const data = new Uint8Array(n * w);
      for (let i = 0; i < n; i++) data.set(dict.data.subarray(indices[i]! * w, indices[i]! * w + w), i * w);
      return { kind: 'fixed', width: w, data, length: n };
    }
    case 'bits': {
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = dict.data[indices[i]!]!;
      return { kind: 'bits', data, length: n };
    }
    case 'var': {
      const doff = dict.offsets;
      const src = dict.data;
      const offsets = new Uint32Array(n + 1);
      let total = 0;
      for (let i = 0; i < n; i++) {
        const k = indices[i]!;
        total += doff[k + 1]! - doff[k]!;
        offsets[i + 1] = total;
      }
      const data = new Uint8Array(total);
      // Runs of one dictionary item (a column sorted or clustered by it, such as zarr_group) are
      // filled by doubling copies; dictionary strings are short, so single items are a byte loop
      // (no subarray() view per row).
      for (let i = 0; i < n; ) {
        const k = indices[i]!;
        let j = i + 1;
        while (j < n && indices[j] === k) j++;
        const s = doff[k]!;
        const w = doff[k + 1]! - s;
        const o = offsets[i]!;
        for (let b = 0; b < w; b++) data[o + b] = src[s + b]!;
        if (j - i > 1 && w > 0) {
          const runEnd = offsets[j]!;
          for (let filled = w; o + filled < runEnd; filled *= 2) data.copyWithin(o + filled, o, Math.min(o + 2 * filled, runEnd) - filled);
        }
        i = j;
      }
      return { kind: 'var', offsets, data, length: n };
    }
    default:
      throw new CorruptDataError(`dictionary of ${dict.kind} values is not supported`, { where });
  }
}

/** Items `idx[i]` of a block, in the order given (used to drop deleted rows and for take). */
export function takeBlock(b: Block, idx: Uint32Array | Int32Array, where: string): Block {
  const n = idx.length;
  switch (b.kind) {
    case 'none': return { kind: 'none', length: n };
    case 'dict': {
      const indices = new Uint32Array(n);
      for (let i = 0; i < n; i++) indices[i] = b.indices[idx[i]!]!;
      return { kind: 'dict', indices, dict: b.dict, length: n };
    }
    case 'fsl': {
      const d = b.dim;
      const child = new Uint32Array(n * d);
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) child[i * d + k] = idx[i]! * d + k;
      const validity = b.validity ? new Uint8Array(n * d) : undefined;
      if (validity) for (let i = 0; i < child.length; i++) validity[i] = b.validity![child[i]!]!;
      return { kind: 'fsl', dim: d, child: takeBlock(b.child, child, where), validity, length: n };
    }
    case 'fixed': {
      const w = b.width;
      const data = new Uint8Array(n * w);
      if (w === 4 || w === 8 || w === 2) {
        // Copy through aligned typed views when possible (the common numeric case).
        const src = b.data.byteOffset % w === 0 ? b.data : b.data.slice();
        const k = w === 8 ? 2 : 1;
        const S = w === 2 ? new Uint16Array(src.buffer, src.byteOffset, b.length) : new Uint32Array(src.buffer, src.byteOffset, b.length * k);
        const D = w === 2 ? new Uint16Array(data.buffer) : new Uint32Array(data.buffer);
        if (k === 1) for (let i = 0; i < n; i++) D[i] = S[idx[i]!]!;
        else for (let i = 0; i < n; i++) {
          D[2 * i] = S[2 * idx[i]!]!;
          D[2 * i + 1] = S[2 * idx[i]! + 1]!;
        }
      } else {
        for (let i = 0; i < n; i++) data.set(b.data.subarray(idx[i]! * w, idx[i]! * w + w), i * w);
      }
      return { kind: 'fixed', width: w, data, length: n };
    }
    default:
      return gatherBlock(b, Uint32Array.from(idx), where);
  }
}
