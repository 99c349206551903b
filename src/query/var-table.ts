// var of a result: the registry rows of the joined features, in global_index order, with their uids
// as varNames. Built once per joined feature set and kept (toBatches joins per batch).
import type * as arrow from 'apache-arrow';
import { NotFoundError } from '../errors.js';
import type { AtlasCatalog } from '../atlas/catalog.js';
import { positionLookup } from '../reconstruct/index.js';
import { pickRows } from './arrow-rows.js';
import { numbersAt, stringsAt } from '../arrow/columns.js';
import { sameInts } from './read-context.js';

/**
 * Per registry table: global_index → row, and the last few var tables built from it. toBatches
 * joins features per batch, and consecutive batches almost always join the same features: without
 * the cache every batch re-gathered (and re-encoded) tens of thousands of registry rows.
 */
const registryCache = new WeakMap<arrow.Table, { rowOf: (g: number) => number; built: { joined: Int32Array; table: arrow.Table; names: string[] }[] }>();
const VAR_CACHE_ENTRIES = 8;

/** var: registry rows whose global_index is in `joined`, in joined (= global_index) order. */
export async function varFor(catalog: AtlasCatalog, featureSpace: string, joined: Int32Array, signal?: AbortSignal): Promise<{ table: arrow.Table; names: string[] }> {
  const reg = await catalog.registry(featureSpace, signal);
  let cache = registryCache.get(reg);
  if (!cache) {
    // A null (or beyond 2^53) global_index is NaN here: no feature can ask for that row.
    const gi = numbersAt(reg.getChild('global_index')!, undefined, () => undefined);
    registryCache.set(reg, (cache = { rowOf: positionLookup(gi), built: [] }));
  }
  const hit = cache.built.find((b) => sameInts(b.joined, joined));
  if (hit) return { table: hit.table, names: hit.names.slice() };
  const { rowOf } = cache;
  const idx = Array.from(joined, (g) => {
    const i = rowOf(g);
    if (i < 0) throw new NotFoundError(`global feature index ${g} is not in the ${featureSpace} registry`);
    return i;
  });
  const table = pickRows(reg, idx);
  const names = stringsAt(table.getChild('uid')!).map((s) => String(s));
  cache.built.unshift({ joined: joined.slice(), table, names });
  cache.built.length = Math.min(cache.built.length, VAR_CACHE_ENTRIES);
  return { table, names: names.slice() };
}
