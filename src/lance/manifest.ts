// Manifest files (`_versions/*.manifest`): framing, decoding and the feature-flag gate.
//
// A manifest file is, from the start:
//   [optional u32 len + IndexSection proto]   (Manifest.index_section = its offset)
//   [optional u32 len + Transaction proto]    (Manifest.transaction_section)
//   u32 len + Manifest proto
//   16-byte tail: u64 LE manifest_pos | u16 0 | u16 2 | "LANC"
// Example (693-byte file): the tail `38 01 00 00 00 00 00 00 00 00 02 00 4c 41 4e 43` puts the
// manifest at 0x138, whose first 4 bytes `69 01 00 00` give its length (361).
import { CorruptDataError, UnsupportedError } from '../errors.js';
import { ByteCursor, slice } from './cursor.js';
import { decodeIndexSection, decodeManifest, type IndexMetadataProto, type ManifestProto } from './proto/table.js';

/** Reader feature flags (Manifest.reader_feature_flags) and whether we can honour them. */
export const READER_FLAGS: { bit: bigint; name: string; supported: boolean }[] = [
  { bit: 1n, name: 'deletion files', supported: true },
  { bit: 2n, name: 'stable row ids', supported: true },
  { bit: 4n, name: 'v2 format (deprecated)', supported: true },
  { bit: 8n, name: 'table config', supported: true },
  { bit: 16n, name: 'multiple base paths', supported: false },
  { bit: 32n, name: 'transactions in manifest', supported: true },
  { bit: 64n, name: 'data overlay files', supported: false },
  { bit: 128n, name: 'covered index metadata', supported: true },
  { bit: 256n, name: 'mixed data-file versions', supported: true },
  { bit: 512n, name: 'fragment reuse index', supported: true },
  { bit: 1024n, name: 'fragment reuse index (v2)', supported: true },
  { bit: 2048n, name: 'managed blobs', supported: false },
];

/** Flags that only change what indices mean: a table with them opens, its indices do not. */
export const INDEX_AFFECTING_FLAGS = 128n | 512n | 1024n;

export const SUPPORTED_DATA_FORMATS = ['2.0', '2.1', '2.2'];

/** Throws UnsupportedError naming the first flag (or data format) this reader cannot honour. */
export function checkFeatures(m: ManifestProto, where: string): void {
  let rest = m.readerFeatureFlags;
  for (const f of READER_FLAGS) {
    if ((rest & f.bit) !== 0n) {
      if (!f.supported) throw new UnsupportedError(`table requires reader feature "${f.name}" (flag ${f.bit})`, { feature: `reader flag ${f.bit}: ${f.name}`, where });
      rest &= ~f.bit;
    }
  }
  if (rest !== 0n) {
    const bit = rest & -rest;
    throw new UnsupportedError(`table requires unknown reader feature flag ${bit}`, { feature: `reader flag ${bit}`, where });
  }
  const format = m.dataFormat;
  if (format && format.fileFormat !== '' && format.fileFormat !== 'lance') {
    throw new UnsupportedError(`data file format ${format.fileFormat}`, { feature: `data_format ${format.fileFormat}`, where });
  }
  if (format && format.version !== '' && !SUPPORTED_DATA_FORMATS.includes(format.version)) {
    throw new UnsupportedError(`Lance file format ${format.version}`, { feature: `lance file ${format.version}`, where });
  }
  for (const frag of m.fragments) {
    for (const f of frag.files) {
      if (f.baseId !== undefined) throw new UnsupportedError('data files under other base paths', { feature: 'DataFile.base_id', where: `${where} fragment ${frag.id}` });
    }
    if (frag.deletionFile?.baseId !== undefined) throw new UnsupportedError('deletion files under other base paths', { feature: 'DeletionFile.base_id', where });
  }
}

/** Offset of the manifest protobuf's length prefix, from the 16-byte tail. */
export function manifestPosition(bytes: Uint8Array, where: string): number {
  if (bytes.length < 20) throw new CorruptDataError(`manifest file of ${bytes.length} bytes`, { where });
  const tail = new ByteCursor(bytes, where, bytes.length - 16);
  const pos = tail.u64();
  const major = tail.u16();
  const minor = tail.u16();
  const magic = tail.take(4);
  if (magic[0] !== 0x4c || magic[1] !== 0x41 || magic[2] !== 0x4e || magic[3] !== 0x43) {
    throw new CorruptDataError('missing "LANC" magic at the end of the manifest', { where });
  }
  if (major !== 0 || minor !== 2) throw new UnsupportedError(`manifest framing ${major}.${minor}`, { feature: `manifest ${major}.${minor}`, where });
  return pos;
}

/** Reads a u32-length-prefixed protobuf at `pos` of a manifest file. */
function section(bytes: Uint8Array, pos: number, where: string): Uint8Array {
  const c = new ByteCursor(bytes, where, 0, bytes.length - 16);
  c.seek(pos);
  const len = c.u32();
  return slice(bytes, pos + 4, len, where);
}

export function parseManifestFile(bytes: Uint8Array, where: string): ManifestProto {
  return decodeManifest(section(bytes, manifestPosition(bytes, where), where), where);
}

export function parseIndexSection(bytes: Uint8Array, m: ManifestProto, where: string): IndexMetadataProto[] {
  if (m.indexSection === undefined) return [];
  return decodeIndexSection(section(bytes, m.indexSection, where), `${where} index section`);
}
