// Typed decoders for `lance.file.v2` (protos/file2.proto): the per-column metadata stored near
// the end of every 2.x data file.
//
//   ColumnMetadata { Encoding encoding = 1; repeated Page pages = 2;
//                    repeated uint64 buffer_offsets = 3; repeated uint64 buffer_sizes = 4 }
//   Page { repeated uint64 buffer_offsets = 1; repeated uint64 buffer_sizes = 2;
//          uint64 length = 3 /* rows */; Encoding encoding = 4; uint64 priority = 5 /* first row */ }
//   Encoding { oneof { DeferredEncoding indirect = 1; DirectEncoding direct = 2 {bytes encoding = 1};
//              Empty none = 3 } }
//
// `direct.encoding` is a serialized google.protobuf.Any whose type URL says which encoding
// family the page uses ("/lance.encodings21.PageLayout" for 2.1+, "/lance.encodings.ArrayEncoding"
// for 2.0). Buffer offsets are absolute file offsets.
import { UnsupportedError } from '../../errors.js';
import { decodeAny, readFields, type Any } from '../protobuf.js';

export interface PageProto {
  bufferOffsets: number[];
  bufferSizes: number[];
  /** Number of rows in the page. */
  length: number;
  encoding?: Any;
  /** Row number of the first row (pages of a column are in row order). */
  priority: number;
}

export interface ColumnMetadataProto {
  encoding?: Any;
  pages: PageProto[];
  bufferOffsets: number[];
  bufferSizes: number[];
}

/** Decodes an `Encoding` message to its Any payload (undefined for `none`). */
export function decodeEncoding(bytes: Uint8Array, where: string): Any | undefined {
  let out: Any | undefined;
  readFields(bytes, where, (n, r) => {
    if (n === 2) {
      const direct = r.bytesView();
      readFields(direct, where, (k, s) => {
        if (k === 1) out = decodeAny(s.bytesView(), where);
      });
    } else if (n === 1) {
      throw new UnsupportedError('deferred (indirect) page encodings are not supported', { feature: 'file2.Encoding.indirect', where });
    } else if (n !== 3) {
      r.skip();
    }
  });
  return out;
}

export function decodePage(bytes: Uint8Array, where: string): PageProto {
  const p: PageProto = { bufferOffsets: [], bufferSizes: [], length: 0, priority: 0 };
  readFields(bytes, where, (n, r) => {
    switch (n) {
      case 1: r.repeatedUint(p.bufferOffsets); break;
      case 2: r.repeatedUint(p.bufferSizes); break;
      case 3: p.length = r.uint(); break;
      case 4: p.encoding = decodeEncoding(r.bytesView(), where); break;
      case 5: p.priority = r.uint(); break;
    }
  });
  return p;
}

export function decodeColumnMetadata(bytes: Uint8Array, where: string): ColumnMetadataProto {
  const c: ColumnMetadataProto = { pages: [], bufferOffsets: [], bufferSizes: [] };
  readFields(bytes, where, (n, r) => {
    switch (n) {
      case 1: c.encoding = decodeEncoding(r.bytesView(), where); break;
      case 2: c.pages.push(decodePage(r.bytesView(), `${where} page ${c.pages.length}`)); break;
      case 3: r.repeatedUint(c.bufferOffsets); break;
      case 4: r.repeatedUint(c.bufferSizes); break;
    }
  });
  return c;
}
