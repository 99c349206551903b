// placeholder, replaced below
import type { TableContext } from '../context.js';
import type { FragmentReader } from '../fragment.js';
import type { IndexMetadataProto, ManifestProto } from '../proto/table.js';
import type { LanceField } from '../schema.js';
export interface IndexInfo { name: string }
export type IndexQuery = { op: 'eq'; value: unknown };
export interface IndexLookupResult { rows: BigUint64Array; coveredFragments: Set<number> }
export function describeIndices(_m: IndexMetadataProto[], _f: LanceField[]): IndexInfo[] { return []; }
export async function lookupIndex(_c: TableContext, _m: ManifestProto, _i: IndexMetadataProto[], _f: LanceField[], _col: string, _q: IndexQuery, _r: FragmentReader[], _s?: AbortSignal): Promise<IndexLookupResult | undefined> { return undefined; }
