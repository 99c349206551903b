// Lance data file container (2.0, 2.1, 2.2): footer, column metadata and version checks. Pure
// functions over bytes; the table layer fetches the tail and calls these.
//
//   | data pages / buffers (64-byte aligned)                                    |
//   | global buffers (buffer 0 = FileDescriptor)                                |
//   | column metadata protobufs                                                 |
//   | column metadata offset table:  per column  u64 position, u64 size         |
//   | global buffer offset table:    per buffer  u64 position, u64 size         |
//   | footer (40 bytes): u64 column_meta_start | u64 cmo_table_pos | u64 gbo_table_pos |
//   |   u32 num_global_buffers | u32 num_columns | u16 major | u16 minor | "LANC" |
//
// Footer versions: (2,2) = 2.2, (2,1) = 2.1, (0,3) or (2,0) = 2.0. A 16-byte footer ending in
// (0, ≤2) is the legacy v1 format, which we refuse.
import { CorruptDataError, UnsupportedError } from '../errors.js';
import { ByteCursor, slice } from './cursor.js';
import { decodeColumnMetadata, type ColumnMetadataProto } from './proto/file2.js';

export const FOOTER_BYTES = 40;
/** Speculative tail read: usually covers footer, offset tables and all column metadata. */
export const DEFAULT_TAIL_BYTES = 64 * 1024;

export type FileVersion = '2.0' | '2.1' | '2.2';

export interface Footer {
  columnMetaStart: number;
  cmoTablePos: number;
  gboTablePos: number;
  numGlobalBuffers: number;
  numColumns: number;
  version: FileVersion;
}

const MAGIC = [0x4c, 0x41, 0x4e, 0x43]; // "LANC"

export function fileVersion(major: number, minor: number, where: string): FileVersion {
  if ((major === 0 && minor === 3) || (major === 2 && minor === 0)) return '2.0';
  if (major === 2 && minor === 1) return '2.1';
  if (major === 2 && minor === 2) return '2.2';
  if (major === 0 && minor <= 2) throw new UnsupportedError('legacy (v1) Lance data files are not supported', { feature: `lance file ${major}.${minor}`, where });
  throw new UnsupportedError(`Lance file format ${major}.${minor}`, { feature: `lance file ${major}.${minor}`, where });
}

/** Parses the footer from the last bytes of a file (`tail` must end at the end of the file). */
export function parseFooter(tail: Uint8Array, fileSize: number, where: string): Footer {
  if (tail.length < FOOTER_BYTES) throw new CorruptDataError(`file too small for a footer (${tail.length} bytes)`, { where });
  const f = tail.subarray(tail.length - FOOTER_BYTES);
  for (let i = 0; i < 4; i++) {
    if (f[36 + i] !== MAGIC[i]) throw new CorruptDataError('missing "LANC" magic at the end of the file', { where });
  }
  const c = new ByteCursor(f, where);
  const columnMetaStart = c.u64();
  const cmoTablePos = c.u64();
  const gboTablePos = c.u64();
  const numGlobalBuffers = c.u32();
  const numColumns = c.u32();
  const major = c.u16();
  const minor = c.u16();
  const version = fileVersion(major, minor, where);
  const footerPos = fileSize - FOOTER_BYTES;
  if (!(columnMetaStart <= cmoTablePos && cmoTablePos + numColumns * 16 <= gboTablePos && gboTablePos + numGlobalBuffers * 16 <= footerPos)) {
    throw new CorruptDataError(
      `footer offsets are inconsistent (column metadata ${columnMetaStart}, tables ${cmoTablePos}/${gboTablePos}, footer ${footerPos})`,
      { where },
    );
  }
  return { columnMetaStart, cmoTablePos, gboTablePos, numGlobalBuffers, numColumns, version };
}

export interface FileMetadata {
  footer: Footer;
  columns: ColumnMetadataProto[];
  /** Global buffers (buffer 0 = FileDescriptor with the file's own schema). */
  globalBuffers: { offset: number; length: number }[];
  /** The tail bytes read, from `tailOffset` to the end of the file. */
  tail: Uint8Array;
  tailOffset: number;
}

/**
 * Parses every column's metadata. `tail` holds the file bytes from offset `tailOffset` to the end
 * and must start at or before `footer.columnMetaStart`.
 */
export function parseFileMetadata(tail: Uint8Array, tailOffset: number, footer: Footer, where: string): FileMetadata {
  if (tailOffset > footer.columnMetaStart) {
    throw new CorruptDataError(`tail starts at ${tailOffset}, after the column metadata at ${footer.columnMetaStart}`, { where });
  }
  const rel = (pos: number) => pos - tailOffset;
  const table = new ByteCursor(slice(tail, rel(footer.cmoTablePos), footer.numColumns * 16, where), where);
  const columns: ColumnMetadataProto[] = [];
  for (let i = 0; i < footer.numColumns; i++) {
    const pos = table.u64();
    const size = table.u64();
    if (pos < footer.columnMetaStart || pos + size > footer.cmoTablePos) {
      throw new CorruptDataError(`column ${i} metadata at ${pos}+${size} is outside the metadata section`, { where });
    }
    columns.push(decodeColumnMetadata(slice(tail, rel(pos), size, where), `${where} column ${i}`));
  }
  const gbo = new ByteCursor(slice(tail, rel(footer.gboTablePos), footer.numGlobalBuffers * 16, where), where);
  const globalBuffers: { offset: number; length: number }[] = [];
  for (let i = 0; i < footer.numGlobalBuffers; i++) globalBuffers.push({ offset: gbo.u64(), length: gbo.u64() });
  return { footer, columns, globalBuffers, tail, tailOffset };
}
