// Typed decoders for `lance.table` (protos/table.proto) and `lance.file.Field` (protos/file.proto):
// the messages a reader needs from a manifest. Field numbers are the proto's; fields we do not
// use are skipped. u64 values that can exceed 2^53 (deletion-file ids) stay BigInt.
import { decodeAny, readFields, readMapEntry, type Any } from '../protobuf.js';

export interface FieldProto {
  name: string;
  id: number;
  parentId: number;
  logicalType: string;
  nullable: boolean;
  metadata: Map<string, Uint8Array>;
  extensionName: string;
}

export interface DataFileProto {
  path: string;
  fields: number[];
  columnIndices: number[];
  fileMajorVersion: number;
  fileMinorVersion: number;
  /** 0 = unknown. */
  fileSizeBytes: number;
  baseId?: number;
}

export interface DeletionFileProto {
  /** 0 = ARROW_ARRAY (.arrow), 1 = BITMAP (.bin). */
  fileType: number;
  readVersion: bigint;
  id: bigint;
  numDeletedRows: number;
  baseId?: number;
}

export interface DataFragmentProto {
  id: number;
  files: DataFileProto[];
  deletionFile?: DeletionFileProto;
  physicalRows: number;
  /** Set when the fragment uses stable row ids (inline_row_ids / external_row_ids). */
  hasRowIdSequence: boolean;
}

export interface BasePathProto {
  id: number;
  name?: string;
  isDatasetRoot: boolean;
  path: string;
}

export interface ManifestProto {
  fields: FieldProto[];
  schemaMetadata: Map<string, Uint8Array>;
  fragments: DataFragmentProto[];
  version: number;
  writerVersion?: { library: string; version: string };
  indexSection?: number;
  /** Commit time in ms since the epoch (from google.protobuf.Timestamp). */
  timestampMs?: number;
  readerFeatureFlags: bigint;
  writerFeatureFlags: bigint;
  maxFragmentId?: number;
  transactionSection?: number;
  dataFormat?: { fileFormat: string; version: string };
  config: Map<string, string>;
  basePaths: BasePathProto[];
  branch?: string;
}

export interface IndexMetadataProto {
  /** 16 raw bytes. */
  uuid: Uint8Array;
  fields: number[];
  name: string;
  datasetVersion: number;
  /** Roaring32 (portable) of covered fragment ids; empty = unknown. */
  fragmentBitmap: Uint8Array;
  indexDetails?: Any;
  indexVersion?: number;
  createdAt?: number;
  baseId?: number;
  /** Files of the segment with their sizes (newer writers; empty when not recorded). */
  files: { path: string; sizeBytes: number }[];
}

const text = new TextDecoder();

export function decodeField(bytes: Uint8Array, where: string): FieldProto {
  const f: FieldProto = { name: '', id: 0, parentId: 0, logicalType: '', nullable: false, metadata: new Map(), extensionName: '' };
  readFields(bytes, where, (n, r) => {
    switch (n) {
      case 2: f.name = r.string(); break;
      case 3: f.id = r.int(); break;
      case 4: f.parentId = r.int(); break;
      case 5: f.logicalType = r.string(); break;
      case 6: f.nullable = r.bool(); break;
      case 9: f.extensionName = r.string(); break;
      case 10: {
        const [k, v] = readMapEntry(r.bytesView(), where);
        f.metadata.set(k, v);
        break;
      }
    }
  });
  return f;
}

export function decodeDataFile(bytes: Uint8Array, where: string): DataFileProto {
  const d: DataFileProto = { path: '', fields: [], columnIndices: [], fileMajorVersion: 0, fileMinorVersion: 0, fileSizeBytes: 0 };
  readFields(bytes, where, (n, r) => {
    switch (n) {
      case 1: d.path = r.string(); break;
      case 2: r.repeatedInt(d.fields); break;
      case 3: r.repeatedInt(d.columnIndices); break;
      case 4: d.fileMajorVersion = r.uint(); break;
      case 5: d.fileMinorVersion = r.uint(); break;
      case 6: d.fileSizeBytes = r.uint(); break;
      case 7: d.baseId = r.uint(); break;
    }
  });
  return d;
}

export function decodeDeletionFile(bytes: Uint8Array, where: string): DeletionFileProto {
  const d: DeletionFileProto = { fileType: 0, readVersion: 0n, id: 0n, numDeletedRows: 0 };
  readFields(bytes, where, (n, r) => {
    switch (n) {
      case 1: d.fileType = r.uint(); break;
      case 2: d.readVersion = r.uint64(); break;
      case 3: d.id = r.uint64(); break;
      case 4: d.numDeletedRows = r.uint(); break;
      case 7: d.baseId = r.uint(); break;
    }
  });
  return d;
}

export function decodeFragment(bytes: Uint8Array, where: string): DataFragmentProto {
  const f: DataFragmentProto = { id: 0, files: [], physicalRows: 0, hasRowIdSequence: false };
  readFields(bytes, where, (n, r) => {
    switch (n) {
      case 1: f.id = r.uint(); break;
      case 2: f.files.push(decodeDataFile(r.bytesView(), where)); break;
      case 3: f.deletionFile = decodeDeletionFile(r.bytesView(), where); break;
      case 4: f.physicalRows = r.uint(); break;
      case 5: case 6: f.hasRowIdSequence = true; break;
    }
  });
  return f;
}

function decodeBasePath(bytes: Uint8Array, where: string): BasePathProto {
  const b: BasePathProto = { id: 0, isDatasetRoot: false, path: '' };
  readFields(bytes, where, (n, r) => {
    switch (n) {
      case 1: b.id = r.uint(); break;
      case 2: b.name = r.string(); break;
      case 3: b.isDatasetRoot = r.bool(); break;
      case 4: b.path = r.string(); break;
    }
  });
  return b;
}

/** google.protobuf.Timestamp {seconds = 1, nanos = 2} as epoch milliseconds. */
function decodeTimestampMs(bytes: Uint8Array, where: string): number {
  let seconds = 0;
  let nanos = 0;
  readFields(bytes, where, (n, r) => {
    if (n === 1) seconds = r.int();
    else if (n === 2) nanos = r.int();
  });
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

export function decodeManifest(bytes: Uint8Array, where: string): ManifestProto {
  const m: ManifestProto = {
    fields: [], schemaMetadata: new Map(), fragments: [], version: 0, readerFeatureFlags: 0n, writerFeatureFlags: 0n,
    config: new Map(), basePaths: [],
  };
  readFields(bytes, where, (n, r) => {
    switch (n) {
      case 1: m.fields.push(decodeField(r.bytesView(), where)); break;
      case 2: m.fragments.push(decodeFragment(r.bytesView(), where)); break;
      case 3: m.version = r.uint(); break;
      case 5: {
        const [k, v] = readMapEntry(r.bytesView(), where);
        m.schemaMetadata.set(k, v);
        break;
      }
      case 6: m.indexSection = r.uint(); break;
      case 7: m.timestampMs = decodeTimestampMs(r.bytesView(), where); break;
      case 9: m.readerFeatureFlags = r.uint64(); break;
      case 10: m.writerFeatureFlags = r.uint64(); break;
      case 11: m.maxFragmentId = r.uint(); break;
      case 13: {
        const wv = { library: '', version: '' };
        readFields(r.bytesView(), where, (k, s) => {
          if (k === 1) wv.library = s.string();
          else if (k === 2) wv.version = s.string();
        });
        m.writerVersion = wv;
        break;
      }
      case 15: {
        const df = { fileFormat: '', version: '' };
        readFields(r.bytesView(), where, (k, s) => {
          if (k === 1) df.fileFormat = s.string();
          else if (k === 2) df.version = s.string();
        });
        m.dataFormat = df;
        break;
      }
      case 16: {
        const [k, v] = readMapEntry(r.bytesView(), where);
        m.config.set(k, text.decode(v));
        break;
      }
      case 18: m.basePaths.push(decodeBasePath(r.bytesView(), where)); break;
      case 20: m.branch = r.string(); break;
      case 21: m.transactionSection = r.uint(); break;
    }
  });
  return m;
}

export function decodeIndexMetadata(bytes: Uint8Array, where: string): IndexMetadataProto {
  const x: IndexMetadataProto = { uuid: new Uint8Array(0), fields: [], name: '', datasetVersion: 0, fragmentBitmap: new Uint8Array(0), files: [] };
  readFields(bytes, where, (n, r) => {
    switch (n) {
      case 1: readFields(r.bytesView(), where, (k, s) => { if (k === 1) x.uuid = s.bytesView(); }); break;
      case 2: r.repeatedInt(x.fields); break;
      case 3: x.name = r.string(); break;
      case 4: x.datasetVersion = r.uint(); break;
      case 5: x.fragmentBitmap = r.bytesView(); break;
      case 6: x.indexDetails = decodeAny(r.bytesView(), where); break;
      case 7: x.indexVersion = r.int(); break;
      case 8: x.createdAt = r.uint(); break;
      case 9: x.baseId = r.uint(); break;
      case 10: {
        // IndexFile {string path = 1; uint64 size_bytes = 2} (seen in lance 12 manifests)
        const f = { path: '', sizeBytes: 0 };
        readFields(r.bytesView(), where, (k, s) => {
          if (k === 1) f.path = s.string();
          else if (k === 2) f.sizeBytes = s.uint();
        });
        x.files.push(f);
        break;
      }
    }
  });
  return x;
}

export function decodeIndexSection(bytes: Uint8Array, where: string): IndexMetadataProto[] {
  const out: IndexMetadataProto[] = [];
  readFields(bytes, where, (n, r) => {
    if (n === 1) out.push(decodeIndexMetadata(r.bytesView(), where));
  });
  return out;
}

/** lance.file.FileDescriptor {Schema schema = 1 {fields = 1, metadata = 5}; uint64 length = 2}. */
export interface FileDescriptorProto {
  fields: FieldProto[];
  metadata: Map<string, Uint8Array>;
  length: number;
}

export function decodeFileDescriptor(bytes: Uint8Array, where: string): FileDescriptorProto {
  const d: FileDescriptorProto = { fields: [], metadata: new Map(), length: 0 };
  readFields(bytes, where, (n, r) => {
    if (n === 1) {
      readFields(r.bytesView(), where, (k, s) => {
        if (k === 1) d.fields.push(decodeField(s.bytesView(), where));
        else if (k === 5) {
          const [key, v] = readMapEntry(s.bytesView(), where);
          d.metadata.set(key, v);
        }
      });
    } else if (n === 2) d.length = r.uint();
  });
  return d;
}
