// Typed decoders for `lance.encodings` (protos/encodings_v2_0.proto): the ArrayEncoding tree of
// file format 2.0 pages, and the ColumnEncoding of every 2.x column.
//
// Only the variants the 2.0 default writer produces are decoded structurally (nullable, flat,
// binary, dictionary, list, fixed_size_list, struct, and constant/fixed_size_binary which are
// cheap); everything else becomes `{kind:'unsupported', name}` and is refused at decode time.
import { readFields, type FieldReader } from '../protobuf.js';

/** A page buffer reference; buffer_type 0 = page (the only kind the 2.0 writer uses for data). */
export interface BufferRef {
  index: number;
  type: number;
}

export type ArrayEncoding =
  | { kind: 'flat'; bitsPerValue: number; buffer: BufferRef; compression?: string }
  | { kind: 'nullable'; nulls: 'none'; values?: ArrayEncoding }
  | { kind: 'nullable'; nulls: 'some'; validity?: ArrayEncoding; values?: ArrayEncoding }
  | { kind: 'nullable'; nulls: 'all' }
  | { kind: 'fixedSizeList'; dimension: number; hasValidity: boolean; items?: ArrayEncoding }
  | { kind: 'list'; offsets?: ArrayEncoding; nullOffsetAdjustment: number; numItems: number }
  | { kind: 'struct' }
  | { kind: 'binary'; indices?: ArrayEncoding; bytes?: ArrayEncoding; nullAdjustment: number }
  | { kind: 'dictionary'; indices?: ArrayEncoding; items?: ArrayEncoding; numDictionaryItems: number }
  | { kind: 'constant'; value: Uint8Array }
  | { kind: 'fixedSizeBinary'; bytes?: ArrayEncoding; byteWidth: number }
  | { kind: 'unsupported'; name: string };

const NAMES: Record<number, string> = {
  8: 'fsst', 9: 'packed_struct', 10: 'bitpacked', 12: 'bitpacked_for_non_neg', 14: 'inline_bitpacking',
  15: 'out_of_line_bitpacking', 16: 'variable', 17: 'packed_struct_fixed_width_mini_block', 18: 'block',
  19: 'rle', 20: 'general_mini_block', 21: 'byte_stream_split',
};

function bufferRef(bytes: Uint8Array, where: string): BufferRef {
  const b: BufferRef = { index: 0, type: 0 };
  readFields(bytes, where, (n, r) => {
    if (n === 1) b.index = r.uint();
    else if (n === 2) b.type = r.uint();
  });
  return b;
}

function fields(bytes: Uint8Array, where: string, set: (n: number, r: FieldReader) => void): void {
  readFields(bytes, where, set);
}

export function decodeArrayEncoding(bytes: Uint8Array, where: string): ArrayEncoding {
  let out: ArrayEncoding | undefined;
  readFields(bytes, where, (n, r) => {
    const b = r.bytesView();
    switch (n) {
      case 1: {
        const o = { kind: 'flat' as const, bitsPerValue: 0, buffer: { index: 0, type: 0 }, compression: undefined as string | undefined };
        fields(b, where, (k, s) => {
          if (k === 1) o.bitsPerValue = s.uint();
          else if (k === 2) o.buffer = bufferRef(s.bytesView(), where);
          else if (k === 3) fields(s.bytesView(), where, (c, t) => { if (c === 1) o.compression = t.string(); });
        });
        out = o;
        break;
      }
      case 2: {
        let o: ArrayEncoding = { kind: 'unsupported', name: 'empty nullable' };
        fields(b, where, (k, s) => {
          const inner = s.bytesView();
          if (k === 1) {
            const x: Extract<ArrayEncoding, { nulls: 'none' }> = { kind: 'nullable', nulls: 'none' };
            fields(inner, where, (c, t) => { if (c === 1) x.values = decodeArrayEncoding(t.bytesView(), where); });
            o = x;
          } else if (k === 2) {
            const x: Extract<ArrayEncoding, { nulls: 'some' }> = { kind: 'nullable', nulls: 'some' };
            fields(inner, where, (c, t) => {
              if (c === 1) x.validity = decodeArrayEncoding(t.bytesView(), where);
              else if (c === 2) x.values = decodeArrayEncoding(t.bytesView(), where);
            });
            o = x;
          } else if (k === 3) {
            o = { kind: 'nullable', nulls: 'all' };
          }
        });
        out = o;
        break;
      }
      case 3: {
        const o: Extract<ArrayEncoding, { kind: 'fixedSizeList' }> = { kind: 'fixedSizeList', dimension: 0, hasValidity: false };
        fields(b, where, (k, s) => {
          if (k === 1) o.dimension = s.uint();
          else if (k === 2) o.items = decodeArrayEncoding(s.bytesView(), where);
          else if (k === 3) o.hasValidity = s.bool();
        });
        out = o;
        break;
      }
      case 4: {
        const o: Extract<ArrayEncoding, { kind: 'list' }> = { kind: 'list', nullOffsetAdjustment: 0, numItems: 0 };
        fields(b, where, (k, s) => {
          if (k === 1) o.offsets = decodeArrayEncoding(s.bytesView(), where);
          else if (k === 2) o.nullOffsetAdjustment = s.uint();
          else if (k === 3) o.numItems = s.uint();
        });
        out = o;
        break;
      }
      case 5:
        out = { kind: 'struct' };
        break;
      case 6: {
        const o: Extract<ArrayEncoding, { kind: 'binary' }> = { kind: 'binary', nullAdjustment: 0 };
        fields(b, where, (k, s) => {
          if (k === 1) o.indices = decodeArrayEncoding(s.bytesView(), where);
          else if (k === 2) o.bytes = decodeArrayEncoding(s.bytesView(), where);
          else if (k === 3) o.nullAdjustment = s.uint();
        });
        out = o;
        break;
      }
      case 7: {
        const o: Extract<ArrayEncoding, { kind: 'dictionary' }> = { kind: 'dictionary', numDictionaryItems: 0 };
        fields(b, where, (k, s) => {
          if (k === 1) o.indices = decodeArrayEncoding(s.bytesView(), where);
          else if (k === 2) o.items = decodeArrayEncoding(s.bytesView(), where);
          else if (k === 3) o.numDictionaryItems = s.uint();
        });
        out = o;
        break;
      }
      case 11: {
        const o: Extract<ArrayEncoding, { kind: 'fixedSizeBinary' }> = { kind: 'fixedSizeBinary', byteWidth: 0 };
        fields(b, where, (k, s) => {
          if (k === 1) o.bytes = decodeArrayEncoding(s.bytesView(), where);
          else if (k === 2) o.byteWidth = s.uint();
        });
        out = o;
        break;
      }
      case 13: {
        const o: Extract<ArrayEncoding, { kind: 'constant' }> = { kind: 'constant', value: new Uint8Array(0) };
        fields(b, where, (k, s) => { if (k === 1) o.value = s.bytesView(); });
        out = o;
        break;
      }
      default:
        out = { kind: 'unsupported', name: NAMES[n] ?? `unknown(${n})` };
    }
  });
  return out ?? { kind: 'unsupported', name: 'empty ArrayEncoding' };
}

/** ColumnEncoding: `values` (1) is the ordinary case; zone_index (2) and blob (3) are refused. */
export function decodeColumnEncodingKind(bytes: Uint8Array, where: string): 'values' | 'zone_index' | 'blob' | `unknown(${number})` {
  let kind: 'values' | 'zone_index' | 'blob' | `unknown(${number})` = 'values';
  readFields(bytes, where, (n, r) => {
    r.skip();
    kind = n === 1 ? 'values' : n === 2 ? 'zone_index' : n === 3 ? 'blob' : `unknown(${n})`;
  });
  return kind;
}
