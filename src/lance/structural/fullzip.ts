// FullZip pages (file format 2.1/2.2): wide values (≥ 256 bytes: long strings, big vectors),
// stored one level after another with the rep/def "zipped" in front of each value.
//
// Buffer 0, per level:  [control word][value]
//   control word: 0 bytes if bits_rep + bits_def = 0, else 1, 2 or 4 bytes (≤ 8, ≤ 16, more),
//                 LE, = (rep << bits_def) | def
//   fixed width (bits_per_value):  bits_per_value/8 bytes for every visible level (nulls too)
//   variable (bits_per_offset 32|64): u32|u64 length + bytes, only when def == 0 (valid value)
// Buffer 1 (optional) is a row → byte offset index for random access; a full read ignores it.
// Example, nullable long strings: `01` (null row) `00 61020000 "Lorem ipsum…"` (0x261 bytes).
// Values are then decompressed one at a time (`value_compression`: Flat, FixedSizeList, Variable,
// Fsst(Variable), or General(ZSTD) for values of 32 KiB and more).
import { CorruptDataError } from '../../errors.js';
import type { Block } from '../blocks.js';
import { ByteCursor } from '../cursor.js';
import { perValueFixed, perValueVariable, type DecodeContext } from '../encodings/compressive.js';
import type { FullZipLayout } from '../proto/encodings21.js';
import { isListLayer, maxVisibleDef } from '../repdef.js';
import type { LeveledPage } from './page.js';

function controlBytes(bits: number): number {
  return bits === 0 ? 0 : bits <= 8 ? 1 : bits <= 16 ? 2 : 4;
}

export function decodeFullZip(layout: FullZipLayout, buffers: Uint8Array[], numRows: number, ctx: DecodeContext): LeveledPage {
  const { where } = ctx;
  if (buffers.length < 1) throw new CorruptDataError('full-zip page without a data buffer', { where });
  const data = buffers[0]!;
  const c = new ByteCursor(data, where);
  const cw = controlBytes(layout.bitsRep + layout.bitsDef);
  const numLevels = cw === 0 ? numRows : layout.numItems;
  if (numLevels * cw > data.length) throw new CorruptDataError(`${numLevels} levels do not fit a ${data.length}-byte page`, { where });
  const rep = layout.bitsRep > 0 ? new Uint16Array(numLevels) : undefined;
  const def = layout.bitsDef > 0 ? new Uint16Array(numLevels) : undefined;
  const defMask = 2 ** layout.bitsDef - 1;
  // Which levels own a value slot (num_visible_items cross-checks the count below).
  const visibleLimit = chooseVisibleLimit(layout);

  const readCtl = (): number => (cw === 1 ? c.u8() : cw === 2 ? c.u16() : cw === 4 ? c.u32() : 0);
  let values: Block;
  if (layout.bitsPerValue !== undefined) {
    if (layout.bitsPerValue % 8 !== 0) throw new CorruptDataError(`full-zip value width ${layout.bitsPerValue} bits`, { where });
    const w = layout.bitsPerValue / 8;
    if (layout.numVisibleItems * w > data.length) {
      throw new CorruptDataError(`${layout.numVisibleItems} values of ${w} bytes do not fit a ${data.length}-byte page`, { where });
    }
    const out = new Uint8Array(layout.numVisibleItems * w);
    let v = 0;
    for (let i = 0; i < numLevels; i++) {
      const ctl = readCtl();
      const d = ctl & defMask;
      if (rep) rep[i] = Math.floor(ctl / 2 ** layout.bitsDef);
      if (def) def[i] = d;
      if (d <= visibleLimit) {
        if (v >= layout.numVisibleItems) throw new CorruptDataError('more visible levels than num_visible_items', { where });
        out.set(c.take(w, 'fixed value'), v * w);
        v++;
      }
    }
    if (v !== layout.numVisibleItems) throw new CorruptDataError(`found ${v} visible values, layout says ${layout.numVisibleItems}`, { where });
    values = perValueFixed(layout.valueCompression, out, v, ctx);
  } else {
    const bits = layout.bitsPerOffset ?? 32;
    if (bits !== 32 && bits !== 64) throw new CorruptDataError(`full-zip offsets of ${bits} bits`, { where });
    const starts: number[] = [];
    const lens: number[] = [];
    let v = 0;
    for (let i = 0; i < numLevels; i++) {
      const ctl = readCtl();
      const d = ctl & defMask;
      if (rep) rep[i] = Math.floor(ctl / 2 ** layout.bitsDef);
      if (def) def[i] = d;
      if (d <= visibleLimit) {
        if (d === 0) {
          const len = bits === 32 ? c.u32() : c.u64();
          c.need(len, 'variable value');
          starts.push(c.pos);
          lens.push(len);
          c.pos += len;
        } else {
          starts.push(0);
          lens.push(0);
        }
        v++;
      }
    }
    if (v !== layout.numVisibleItems) throw new CorruptDataError(`found ${v} visible values, layout says ${layout.numVisibleItems}`, { where });
    values = perValueVariable(layout.valueCompression, gather(data, starts, lens), ctx);
  }
  return { layers: layout.layers, rep, def, numLevels, values };
}

function gather(data: Uint8Array, starts: number[], lens: number[]): Block {
  const n = starts.length;
  const offsets = new Uint32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += lens[i]!;
    offsets[i + 1] = total;
  }
  const out = new Uint8Array(total);
  for (let i = 0; i < n; i++) if (lens[i]) out.set(data.subarray(starts[i]!, starts[i]! + lens[i]!), offsets[i]!);
  return { kind: 'var', offsets, data: out, length: n };
}

/** Levels with def ≤ this own a value slot (for non-list columns, every level does). */
function chooseVisibleLimit(layout: FullZipLayout): number {
  return layout.layers.some(isListLayer) ? maxVisibleDef(layout.layers) : Number.MAX_SAFE_INTEGER;
}
