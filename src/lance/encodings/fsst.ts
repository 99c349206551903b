// FSST (Fast Static Symbol Table) string decompression, as written by lance's `fsst` crate.
//
// Symbol table (the 2312-byte `Fsst.symbol_table` field):
//   u64 LE header = ("FSST" << 32) | (encoder_switch << 24) | (suffix_lim << 16) | (terminator << 8) | n
//   n × 8 bytes   symbols (symbol i is the first lens[i] bytes of its 8-byte slot)
//   n × 1 byte    lens
// Compressed strings are byte codes: code c < 255 emits symbol c; code 255 (escape) emits the next
// byte literally. If encoder_switch is 0 (the input was under the crate's size threshold) the
// "compressed" bytes are the original bytes.
// Example: symbols ["th", "e "], codes `00 01 FF 21` decode to "the !".
//
// The codec module's FSST (wasm/src/fsst.rs, `Decompressors.fsst`) decodes the same bytes several
// times faster, and in a fresh page it runs compiled while this loop is still interpreted; this
// one is the reference and the fallback.
import { CorruptDataError, isRaggedAtlasError } from '../../errors.js';
import type { Block } from '../blocks.js';
import type { Decompressors } from '../decompressors.js';

export interface SymbolTable {
  enabled: boolean;
  /** Symbol bytes, 8 per code. */
  symbols: Uint8Array;
  lens: Uint8Array;
  count: number;
  /** `symbols` then `lens`: the table after its header, as the codec module takes it. */
  body: Uint8Array;
}

export function parseSymbolTable(table: Uint8Array, where: string): SymbolTable {
  if (table.length < 8) throw new CorruptDataError('FSST symbol table shorter than its header', { where });
  if (table[7] !== 0x46 || table[6] !== 0x53 || table[5] !== 0x53 || table[4] !== 0x54) {
    throw new CorruptDataError('FSST symbol table lacks the "FSST" magic', { where });
  }
  const count = table[0]!;
  const enabled = table[3] !== 0;
  if (table.length < 8 + count * 9) throw new CorruptDataError(`FSST symbol table too short for ${count} symbols`, { where });
  const symbols = table.subarray(8, 8 + count * 8);
  const lens = table.subarray(8 + count * 8, 8 + count * 9);
  for (let i = 0; i < count; i++) {
    if (lens[i]! < 1 || lens[i]! > 8) throw new CorruptDataError(`FSST symbol ${i} has length ${lens[i]}`, { where });
  }
  return { enabled, symbols, lens, count, body: table.subarray(8, 8 + count * 9) };
}

/** Decompresses every string of a var block with one symbol table, in the codec module when `dec` has it. */
export function fsstDecode(input: Block, st: SymbolTable, where: string, dec?: Decompressors): Block {
  if (input.kind !== 'var') throw new CorruptDataError(`FSST input must be variable-width, got ${input.kind}`, { where });
  if (!st.enabled) return input;
  const { offsets, data, length } = input;
  if (dec?.fsst) {
    try {
      const out = dec.fsst(data, offsets, length, st.body);
      return { kind: 'var', offsets: out.offsets, data: out.data, length };
    } catch (err) {
      // Corrupt pages are CorruptDataErrors whichever decoder met them.
      if (isRaggedAtlasError(err, 'Codec')) throw new CorruptDataError(err.message, { where }, { cause: err });
      throw err;
    }
  }
  const { symbols, lens, count } = st;
  // Pass 1: exact output size (so pass 2 writes into a right-sized buffer, no growth).
  let total = 0;
  const end = offsets[length]!;
  for (let i = offsets[0]!; i < end; ) {
    const c = data[i]!;
    if (c === 255) {
      total += 1;
      i += 2;
    } else {
      if (c >= count) throw new CorruptDataError(`FSST code ${c} with only ${count} symbols`, { where });
      total += lens[c]!;
      i += 1;
    }
  }
  const out = new Uint8Array(total);
  const outOffsets = new Uint32Array(length + 1);
  let o = 0;
  for (let s = 0; s < length; s++) {
    let i = offsets[s]!;
    const e = offsets[s + 1]!;
    while (i < e) {
      const c = data[i++]!;
      if (c === 255) {
        if (i >= e) throw new CorruptDataError('FSST escape at the end of a string', { where });
        out[o++] = data[i++]!;
      } else {
        const len = lens[c]!;
        const base = c * 8;
        for (let k = 0; k < len; k++) out[o + k] = symbols[base + k]!;
        o += len;
      }
    }
    outOffsets[s + 1] = o;
  }
  if (o !== total) throw new CorruptDataError('FSST escape crosses a string boundary', { where });
  return { kind: 'var', offsets: outOffsets, data: out, length };
}
