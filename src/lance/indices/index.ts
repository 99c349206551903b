// Scalar index lookups: from the manifest's IndexSection to matching row addresses.
//
// An index may have several segments (IndexMetadata entries with one name), each covering the
// fragments in its `fragment_bitmap`. A lookup unions the segments' answers, keeps only rows of
// fragments that still exist and are covered, and drops deleted rows. Fragments written after
// the index (appends, updates) are not covered: the caller scans those and filters them itself.
//
// Usage (what a predicate planner maps `cell_type = 'B cell'`, `x IN (…)`, `a BETWEEN 1 AND 5`,
// `a > 3`, `a IS NULL` to):
//   const hit = await table.indexLookup('cell_type', { op: 'eq', value: 'B cell' });
//   if (hit) { rows = hit.rows; scan the fragments not in hit.coveredFragments }
import { QueryError, UnsupportedError } from '../../errors.js';
import type { TableContext } from '../context.js';
import type { FragmentReader } from '../fragment.js';
import { INDEX_AFFECTING_FLAGS } from '../manifest.js';
import type { IndexMetadataProto, ManifestProto } from '../proto/table.js';
import { resolvePath } from '../projection.js';
import { decodeRoaring, sortedHas } from '../roaring.js';
import type { LanceField } from '../schema.js';
import { bitmapLookup } from './bitmap.js';
import { btreeLookup } from './btree.js';
import type { IndexQuery } from './keys.js';
import type { RowSet } from './row-id-tree-map.js';
import { unionInto } from './rowset.js';

export type { IndexQuery, IndexValue } from './keys.js';

export type IndexType = 'btree' | 'bitmap' | 'label_list' | 'inverted' | 'ngram' | 'zonemap' | 'vector' | 'other';

export interface IndexInfo {
  name: string;
  /** Segment uuid (8-4-4-4-12 hex). */
  uuid: string;
  type: IndexType;
  typeUrl: string;
  fieldIds: number[];
  /** Column names (dotted paths for struct children). */
  columns: string[];
  datasetVersion: number;
  /** Fragments this segment covers (undefined when the manifest does not say). */
  fragments?: Set<number>;
  /** Whether indexLookup can use it. */
  queryable: boolean;
}

export interface IndexLookupResult {
  /** Sorted row addresses `(fragment_id << 32) | offset` of live matching rows. */
  rows: BigUint64Array;
  /** Fragments the index searched; rows of other fragments must be found by scanning. */
  coveredFragments: Set<number>;
  /** Index segments used. */
  segments: string[];
}

const TYPES: [string, IndexType][] = [
  ['BTreeIndexDetails', 'btree'], ['BitmapIndexDetails', 'bitmap'], ['LabelListIndexDetails', 'label_list'],
  ['InvertedIndexDetails', 'inverted'], ['NGramIndexDetails', 'ngram'], ['ZoneMapIndexDetails', 'zonemap'], ['VectorIndexDetails', 'vector'],
];

export function uuidString(b: Uint8Array): string {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function fieldPaths(roots: LanceField[]): Map<number, string> {
  const out = new Map<number, string>();
  const walk = (f: LanceField, prefix: string) => {
    const path = prefix ? `${prefix}.${f.name}` : f.name;
    out.set(f.id, path);
    f.children.forEach((c) => walk(c, path));
  };
  roots.forEach((f) => walk(f, ''));
  return out;
}

export function describeIndices(meta: IndexMetadataProto[], roots: LanceField[]): IndexInfo[] {
  const paths = fieldPaths(roots);
  return meta.map((m) => {
    const typeUrl = m.indexDetails?.typeUrl ?? '';
    const type = TYPES.find(([k]) => typeUrl.endsWith(k))?.[1] ?? 'other';
    let fragments: Set<number> | undefined;
    if (m.fragmentBitmap.length) fragments = new Set(decodeRoaring(m.fragmentBitmap, `index ${m.name} fragment bitmap`));
    return {
      name: m.name, uuid: uuidString(m.uuid), type, typeUrl, fieldIds: m.fields,
      columns: m.fields.map((id) => paths.get(id) ?? `#${id}`), datasetVersion: m.datasetVersion, fragments,
      queryable: (type === 'btree' || type === 'bitmap') && m.fields.length === 1,
    };
  });
}

export async function lookupIndex(
  ctx: TableContext, manifest: ManifestProto, meta: IndexMetadataProto[], roots: LanceField[], column: string, q: IndexQuery,
  readers: FragmentReader[], signal?: AbortSignal,
): Promise<IndexLookupResult | undefined> {
  const field = resolvePath(roots, column);
  const segments = describeIndices(meta, roots).filter((i) => i.queryable && i.fieldIds[0] === field.id);
  if (segments.length === 0) return undefined;
  const where = `${ctx.name} index on ${column}`;
  if ((manifest.readerFeatureFlags & INDEX_AFFECTING_FLAGS) !== 0n) {
    throw new UnsupportedError('indices of tables with fragment-reuse or covered-index metadata', { feature: 'index reader flags', where });
  }
  if ((manifest.readerFeatureFlags & 2n) !== 0n) {
    throw new UnsupportedError('indices of tables with stable row ids (they store row ids, not addresses)', { feature: 'stable row ids', where });
  }
  if (q.op === 'in' && q.values.length === 0) return { rows: new BigUint64Array(0), coveredFragments: new Set(), segments: [] };
  if (q.op !== 'eq' && q.op !== 'in' && q.op !== 'range' && q.op !== 'isNull') {
    throw new QueryError(`unknown index operation ${(q as { op: string }).op}`, { where });
  }
  const live = new Map(readers.map((r) => [r.id, r]));
  const found: RowSet = new Map();
  const covered = new Set<number>();
  for (const s of segments) {
    const dir = `_indices/${s.uuid}`;
    // File sizes from the manifest (when recorded) save a HEAD request per index file.
    const sizes = new Map(meta.find((m) => uuidString(m.uuid) === s.uuid)?.files.map((f) => [f.path, f.sizeBytes]) ?? []);
    const sizeOf = (name: string) => sizes.get(name) ?? 0;
    const rows = s.type === 'btree' ? await btreeLookup(ctx, dir, q, sizeOf, signal) : await bitmapLookup(ctx, dir, q, sizeOf, signal);
    unionInto(found, rows);
    for (const f of s.fragments ?? []) if (live.has(f)) covered.add(f);
  }
  // Row addresses as (offset, fragment) u32 word pairs (little-endian u64), without BigInt per row.
  const words: number[] = [];
  for (const fid of [...found.keys()].sort((a, b) => a - b)) {
    const reader = live.get(fid);
    if (!reader || !covered.has(fid)) continue;
    const deleted = await reader.deleted(signal);
    const rows = found.get(fid)!;
    if (rows === 'all') {
      for (let o = 0; o < reader.physicalRows; o++) if (!sortedHas(deleted, o)) words.push(o, fid);
    } else {
      for (const o of rows) if (o < reader.physicalRows && !sortedHas(deleted, o)) words.push(o, fid);
    }
  }
  const out = new BigUint64Array(words.length / 2);
  new Uint32Array(out.buffer).set(words);
  return { rows: out, coveredFragments: covered, segments: segments.map((s) => s.uuid) };
}
