// Constant pages (file format 2.2 ConstantLayout, and its 2.1 predecessor AllNullLayout): every
// visible value is the same scalar, or every value is null.
//
// Buffers, by whether `inline_value` is set:
//   inline, 0 buffers      every row is the inline value (fixed width ≤ 32 bytes; bool: bit 0)
//   inline, 2 buffers      [rep, def] levels
//   no inline, 1 buffer    [scalar value buffer]
//   no inline, 3 buffers   [scalar value buffer, rep, def]
//   no inline, 0 buffers   all null (no levels stored)
//   no inline, 2 buffers   all null, [rep, def]
// Levels are raw u16 unless rep_compression/def_compression say otherwise (then they hold
// num_rep_values/num_def_values block-compressed values). An empty level buffer means "none".
// Scalar value buffer = the Arrow buffers of a length-1 array: u32 count | u32 length × count |
// bytes. Example "INFO": 02000000 08000000 04000000 | 00000000 04000000 | 494e464f.
import { CorruptDataError } from '../../errors.js';
import type { Block } from '../blocks.js';
import { ByteCursor } from '../cursor.js';
import { blockDecompress, type DecodeContext } from '../encodings/compressive.js';
import type { Compressive, ConstantLayout } from '../proto/encodings21.js';
import { isListLayer, maxVisibleDef } from '../repdef.js';
import { RepDefLayer } from '../proto/encodings21.js';
import type { LeafKind, LeveledPage } from './page.js';

function levels(bytes: Uint8Array | undefined, enc: Compressive | undefined, n: number, ctx: DecodeContext): Uint16Array | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  if (enc) {
    const b = blockDecompress(enc, bytes, n, ctx);
    if (b.kind !== 'fixed') throw new CorruptDataError('levels did not decode to integers', { where: ctx.where });
    const out = new Uint16Array(b.length);
    const v = new DataView(b.data.buffer, b.data.byteOffset, b.data.byteLength);
    for (let i = 0; i < b.length; i++) out[i] = b.width === 2 ? v.getUint16(i * 2, true) : b.width === 1 ? b.data[i]! : v.getUint32(i * 4, true);
    return out;
  }
  if (bytes.length % 2 !== 0) throw new CorruptDataError(`level buffer of ${bytes.length} bytes`, { where: ctx.where });
  const copy = bytes.slice();
  return new Uint16Array(copy.buffer, 0, copy.length / 2);
}

function scalarBuffers(bytes: Uint8Array, where: string): Uint8Array[] {
  const c = new ByteCursor(bytes, where);
  const n = c.u32();
  if (n > 16) throw new CorruptDataError(`scalar value with ${n} buffers`, { where });
  const lens: number[] = [];
  for (let i = 0; i < n; i++) lens.push(c.u32());
  return lens.map((l) => c.take(l, 'scalar buffer'));
}

/** One value of the leaf's kind, repeated `n` times. */
function repeatScalar(kind: Exclude<LeafKind, { kind: 'dict' }>, raw: Uint8Array, inline: boolean, n: number, where: string): Block {
  if (kind.kind === 'bits') {
    const bit = inline ? raw[0]! & 1 : (scalarBuffers(raw, where).at(-1)?.[0] ?? 0) & 1;
    return { kind: 'bits', data: new Uint8Array(n).fill(bit), length: n };
  }
  if (kind.kind === 'var') {
    if (inline) throw new CorruptDataError('inline constant for a variable-width column', { where });
    const bufs = scalarBuffers(raw, where);
    if (bufs.length < 2) throw new CorruptDataError('string scalar without offsets and data', { where });
    const offs = bufs[bufs.length - 2]!;
    const wide = offs.length === 16;
    const v = new DataView(offs.buffer, offs.byteOffset, offs.byteLength);
    const a = wide ? Number(v.getBigUint64(0, true)) : v.getUint32(0, true);
    const b = wide ? Number(v.getBigUint64(8, true)) : v.getUint32(4, true);
    const value = bufs[bufs.length - 1]!.subarray(a, b);
    const data = new Uint8Array(value.length * n);
    const offsets = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) {
      data.set(value, i * value.length);
      offsets[i + 1] = (i + 1) * value.length;
    }
    return { kind: 'var', offsets, data, length: n };
  }
  const value = inline ? raw : scalarBuffers(raw, where).at(-1) ?? new Uint8Array(0);
  const width = kind.kind === 'fixed' ? kind.width : kind.dim * kind.width;
  if (value.length < width) throw new CorruptDataError(`constant of ${value.length} bytes for ${width}-byte values`, { where });
  const data = new Uint8Array(n * width);
  for (let i = 0; i < n; i++) data.set(value.subarray(0, width), i * width);
  if (kind.kind === 'fixed') return { kind: 'fixed', width, data, length: n };
  return { kind: 'fsl', dim: kind.dim, child: { kind: 'fixed', width: kind.width, data, length: n * kind.dim }, length: n };
}

export function decodeConstant(layout: ConstantLayout, buffers: Uint8Array[], numRows: number, kind: LeafKind, ctx: DecodeContext): LeveledPage {
  const { where } = ctx;
  const inline = layout.inlineValue;
  let scalar: Uint8Array | undefined;
  let repBuf: Uint8Array | undefined;
  let defBuf: Uint8Array | undefined;
  if (inline !== undefined) {
    if (buffers.length === 2) [repBuf, defBuf] = buffers;
    else if (buffers.length !== 0) throw new CorruptDataError(`constant page with inline value and ${buffers.length} buffers`, { where });
  } else if (buffers.length === 1 || buffers.length === 3) {
    [scalar, repBuf, defBuf] = buffers;
  } else if (buffers.length === 2) {
    [repBuf, defBuf] = buffers;
  } else if (buffers.length !== 0) {
    throw new CorruptDataError(`constant page with ${buffers.length} buffers`, { where });
  }
  const rep = levels(repBuf, layout.repCompression, layout.numRepValues, ctx);
  let def = levels(defBuf, layout.defCompression, layout.numDefValues, ctx);
  const allNull = inline === undefined && scalar === undefined;
  if (allNull && !def) {
    // No levels at all: every row is null at the outermost nullable layer.
    def = allNullDefs(layout.layers, rep?.length ?? numRows, where);
  }
  const numLevels = rep?.length ?? def?.length ?? numRows;
  const limit = layout.layers.some(isListLayer) ? maxVisibleDef(layout.layers) : Number.MAX_SAFE_INTEGER;
  let visible = numLevels;
  if (def) {
    visible = 0;
    for (let i = 0; i < def.length; i++) if (def[i]! <= limit) visible++;
  }
  const values: Block = allNull
    ? { kind: 'none', length: visible }
    : repeatScalar(kind.kind === 'dict' ? kind.value : kind, (inline ?? scalar)!, inline !== undefined, visible, where);
  return { layers: layout.layers, rep, def, numLevels, values };
}

function allNullDefs(layers: number[], n: number, where: string): Uint16Array {
  // Def value of the outermost layer that can be null.
  let d = 0;
  let outer = 0;
  for (const l of layers) {
    if (l === RepDefLayer.NullableItem || l === RepDefLayer.NullableList) outer = ++d;
    else if (l === RepDefLayer.EmptyableList) d++;
    else if (l === RepDefLayer.NullAndEmptyList) {
      outer = ++d;
      d++;
    }
  }
  if (outer === 0) throw new CorruptDataError('all-null constant page without a nullable layer', { where });
  return new Uint16Array(n).fill(outer);
}
