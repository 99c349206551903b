// Typed decoders for `lance.encodings21` (protos/encodings_v2_1.proto), used by file formats 2.1
// and 2.2. A page's encoding is a PageLayout (structural: how rep/def and values are laid out)
// whose value/rep/def fields are CompressiveEncoding trees (how bytes become values).
//
// Oneof variants we know exist but do not decode (blob and 2.3 sparse layouts, packed structs,
// byte-stream-split, range/delta) decode to `{kind: 'unsupported', name}` so the caller can
// raise UnsupportedError naming the variant at the point where it matters; variants with a
// field number we have never heard of become `unknown(N)`.
import { readFields, type FieldReader } from '../protobuf.js';

export const RepDefLayer = {
  Unspecified: 0,
  AllValidItem: 1,
  AllValidList: 2,
  NullableItem: 3,
  NullableList: 4,
  EmptyableList: 5,
  NullAndEmptyList: 6,
} as const;

export interface BufferCompression {
  /** 0 unspecified, 1 LZ4, 2 ZSTD. */
  scheme: number;
  level?: number;
}

export type Compressive =
  | { kind: 'flat'; bitsPerValue: number; data?: BufferCompression }
  | { kind: 'variable'; offsets?: Compressive; values?: BufferCompression }
  | { kind: 'constant'; value?: Uint8Array }
  | { kind: 'outOfLineBitpacking'; uncompressedBits: number; values?: Compressive }
  | { kind: 'inlineBitpacking'; uncompressedBits: number; values?: BufferCompression }
  | { kind: 'fsst'; symbolTable: Uint8Array; values?: Compressive }
  | { kind: 'dictionary'; indices?: Compressive; items?: Compressive; numDictionaryItems: number }
  | { kind: 'rle'; values?: Compressive; runLengths?: Compressive }
  | { kind: 'general'; compression?: BufferCompression; values?: Compressive }
  | { kind: 'fixedSizeList'; itemsPerValue: number; hasValidity: boolean; values?: Compressive }
  | { kind: 'unsupported'; name: string };

export interface MiniBlockLayout {
  kind: 'miniBlock';
  repCompression?: Compressive;
  defCompression?: Compressive;
  valueCompression?: Compressive;
  dictionary?: Compressive;
  numDictionaryItems: number;
  layers: number[];
  numBuffers: number;
  repetitionIndexDepth: number;
  numItems: number;
  hasLargeChunk: boolean;
}

export interface FullZipLayout {
  kind: 'fullZip';
  bitsRep: number;
  bitsDef: number;
  bitsPerValue?: number;
  bitsPerOffset?: number;
  numItems: number;
  numVisibleItems: number;
  valueCompression?: Compressive;
  layers: number[];
}

export interface ConstantLayout {
  kind: 'constant';
  layers: number[];
  inlineValue?: Uint8Array;
  repCompression?: Compressive;
  defCompression?: Compressive;
  numRepValues: number;
  numDefValues: number;
}

export type PageLayout = MiniBlockLayout | FullZipLayout | ConstantLayout | { kind: 'unsupported'; name: string };

function bufferCompression(bytes: Uint8Array, where: string): BufferCompression {
  const b: BufferCompression = { scheme: 0 };
  readFields(bytes, where, (n, r) => {
    if (n === 1) b.scheme = r.uint();
    else if (n === 2) b.level = r.int();
  });
  return b;
}

/** Reads one oneof-variant message into a plain object using a field-number → setter table. */
function sub<T>(bytes: Uint8Array, where: string, init: T, set: (o: T, n: number, r: FieldReader) => void): T {
  readFields(bytes, where, (n, r) => set(init, n, r));
  return init;
}

const COMPRESSIVE_NAMES: Record<number, string> = {
  9: 'byte_stream_split', 12: 'packed_struct', 13: 'variable_packed_struct', 14: 'range', 15: 'delta',
};

export function decodeCompressive(bytes: Uint8Array, where: string): Compressive {
  let out: Compressive | undefined;
  readFields(bytes, where, (n, r) => {
    const b = r.bytesView();
    switch (n) {
      case 1:
        out = sub(b, where, { kind: 'flat', bitsPerValue: 0 } as Extract<Compressive, { kind: 'flat' }>, (o, k, s) => {
          if (k === 1) o.bitsPerValue = s.uint();
          else if (k === 2) o.data = bufferCompression(s.bytesView(), where);
        });
        break;
      case 2:
        out = sub(b, where, { kind: 'variable' } as Extract<Compressive, { kind: 'variable' }>, (o, k, s) => {
          if (k === 1) o.offsets = decodeCompressive(s.bytesView(), where);
          else if (k === 2) o.values = bufferCompression(s.bytesView(), where);
        });
        break;
      case 3:
        out = sub(b, where, { kind: 'constant' } as Extract<Compressive, { kind: 'constant' }>, (o, k, s) => {
          if (k === 1) o.value = s.bytesView();
        });
        break;
      case 4:
        out = sub(b, where, { kind: 'outOfLineBitpacking', uncompressedBits: 0 } as Extract<Compressive, { kind: 'outOfLineBitpacking' }>, (o, k, s) => {
          if (k === 1) o.uncompressedBits = s.uint();
          else if (k === 3) o.values = decodeCompressive(s.bytesView(), where);
        });
        break;
      case 5:
        out = sub(b, where, { kind: 'inlineBitpacking', uncompressedBits: 0 } as Extract<Compressive, { kind: 'inlineBitpacking' }>, (o, k, s) => {
          if (k === 1) o.uncompressedBits = s.uint();
          else if (k === 2) o.values = bufferCompression(s.bytesView(), where);
        });
        break;
      case 6:
        out = sub(b, where, { kind: 'fsst', symbolTable: new Uint8Array(0) } as Extract<Compressive, { kind: 'fsst' }>, (o, k, s) => {
          if (k === 1) o.symbolTable = s.bytesView();
          else if (k === 2) o.values = decodeCompressive(s.bytesView(), where);
        });
        break;
      case 7:
        out = sub(b, where, { kind: 'dictionary', numDictionaryItems: 0 } as Extract<Compressive, { kind: 'dictionary' }>, (o, k, s) => {
          if (k === 1) o.indices = decodeCompressive(s.bytesView(), where);
          else if (k === 2) o.items = decodeCompressive(s.bytesView(), where);
          else if (k === 3) o.numDictionaryItems = s.uint();
        });
        break;
      case 8:
        out = sub(b, where, { kind: 'rle' } as Extract<Compressive, { kind: 'rle' }>, (o, k, s) => {
          if (k === 1) o.values = decodeCompressive(s.bytesView(), where);
          else if (k === 2) o.runLengths = decodeCompressive(s.bytesView(), where);
        });
        break;
      case 10:
        out = sub(b, where, { kind: 'general' } as Extract<Compressive, { kind: 'general' }>, (o, k, s) => {
          if (k === 1) o.compression = bufferCompression(s.bytesView(), where);
          else if (k === 3) o.values = decodeCompressive(s.bytesView(), where);
        });
        break;
      case 11:
        out = sub(b, where, { kind: 'fixedSizeList', itemsPerValue: 0, hasValidity: false } as Extract<Compressive, { kind: 'fixedSizeList' }>, (o, k, s) => {
          if (k === 1) o.itemsPerValue = s.uint();
          else if (k === 2) o.values = decodeCompressive(s.bytesView(), where);
          else if (k === 3) o.hasValidity = s.bool();
        });
        break;
      default:
        out = { kind: 'unsupported', name: COMPRESSIVE_NAMES[n] ?? `unknown(${n})` };
    }
  });
  return out ?? { kind: 'unsupported', name: 'empty CompressiveEncoding' };
}

function layers(into: number[], r: FieldReader): void {
  r.repeatedUint(into);
}

export function decodePageLayout(bytes: Uint8Array, where: string): PageLayout {
  let out: PageLayout | undefined;
  readFields(bytes, where, (n, r) => {
    const b = r.bytesView();
    switch (n) {
      case 1: {
        const m: MiniBlockLayout = {
          kind: 'miniBlock', numDictionaryItems: 0, layers: [], numBuffers: 0, repetitionIndexDepth: 0, numItems: 0, hasLargeChunk: false,
        };
        readFields(b, where, (k, s) => {
          switch (k) {
            case 1: m.repCompression = decodeCompressive(s.bytesView(), where); break;
            case 2: m.defCompression = decodeCompressive(s.bytesView(), where); break;
            case 3: m.valueCompression = decodeCompressive(s.bytesView(), where); break;
            case 4: m.dictionary = decodeCompressive(s.bytesView(), where); break;
            case 5: m.numDictionaryItems = s.uint(); break;
            case 6: layers(m.layers, s); break;
            case 7: m.numBuffers = s.uint(); break;
            case 8: m.repetitionIndexDepth = s.uint(); break;
            case 9: m.numItems = s.uint(); break;
            case 10: m.hasLargeChunk = s.bool(); break;
          }
        });
        out = m;
        break;
      }
      case 2: {
        const c: ConstantLayout = { kind: 'constant', layers: [], numRepValues: 0, numDefValues: 0 };
        readFields(b, where, (k, s) => {
          switch (k) {
            case 5: layers(c.layers, s); break;
            case 6: c.inlineValue = s.bytesView(); break;
            case 7: c.repCompression = decodeCompressive(s.bytesView(), where); break;
            case 8: c.defCompression = decodeCompressive(s.bytesView(), where); break;
            case 9: c.numRepValues = s.uint(); break;
            case 10: c.numDefValues = s.uint(); break;
          }
        });
        out = c;
        break;
      }
      case 3: {
        const f: FullZipLayout = { kind: 'fullZip', bitsRep: 0, bitsDef: 0, numItems: 0, numVisibleItems: 0, layers: [] };
        readFields(b, where, (k, s) => {
          switch (k) {
            case 1: f.bitsRep = s.uint(); break;
            case 2: f.bitsDef = s.uint(); break;
            case 3: f.bitsPerValue = s.uint(); break;
            case 4: f.bitsPerOffset = s.uint(); break;
            case 5: f.numItems = s.uint(); break;
            case 6: f.numVisibleItems = s.uint(); break;
            case 7: f.valueCompression = decodeCompressive(s.bytesView(), where); break;
            case 8: layers(f.layers, s); break;
          }
        });
        out = f;
        break;
      }
      case 4: out = { kind: 'unsupported', name: 'blob_layout' }; break;
      case 5: out = { kind: 'unsupported', name: 'sparse_layout' }; break;
      default: out = { kind: 'unsupported', name: `unknown(${n})` };
    }
  });
  return out ?? { kind: 'unsupported', name: 'empty PageLayout' };
}
