// Exact k-nearest-neighbour search over a fixed_size_list<float32, d> column, as LanceDB returns
// without an ANN index: `_distance` is squared L2 for 'l2', 1 − cosine similarity for 'cosine',
// and 1 − dot product for 'dot' (LanceDB's conventions). Rows with a null vector are never results,
// nor are rows whose distance is NaN (cosine against a zero vector, as in LanceDB); an infinite
// distance ranks last.
import { QueryError } from '../errors.js';
import type { DistanceMetric } from './spec.js';

/**
 * Distances from `query` to each row of `values` (row-major n × d). Null rows (valid[i] = 0) get NaN.
 */
export function distances(values: Float32Array, d: number, query: Float32Array, metric: DistanceMetric, valid?: (i: number) => boolean): Float32Array {
  if (query.length !== d) throw new QueryError(`search vector has ${query.length} dimensions, the column has ${d}`);
  const n = Math.floor(values.length / d);
  const out = new Float32Array(n);
  let qnorm = 0;
  for (let j = 0; j < d; j++) qnorm += query[j]! * query[j]!;
  qnorm = Math.sqrt(qnorm);
  for (let i = 0; i < n; i++) {
    if (valid && !valid(i)) {
      out[i] = NaN;
      continue;
    }
    const base = i * d;
    if (metric === 'l2') {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = values[base + j]! - query[j]!;
        s += t * t;
      }
      out[i] = s;
    } else {
      let dot = 0;
      let norm = 0;
      for (let j = 0; j < d; j++) {
        const v = values[base + j]!;
        dot += v * query[j]!;
        norm += v * v;
      }
      out[i] = metric === 'dot' ? 1 - dot : 1 - dot / (Math.sqrt(norm) * qnorm); // a zero norm: 0 / 0 = NaN
    }
  }
  return out;
}

/** Indices of the k smallest distances that are not NaN, ascending (ties keep input order). */
export function topK(dist: Float32Array, k: number): Uint32Array {
  const idx: number[] = [];
  for (let i = 0; i < dist.length; i++) if (!Number.isNaN(dist[i]!)) idx.push(i);
  idx.sort((a, b) => (dist[a]! < dist[b]! ? -1 : dist[a]! > dist[b]! ? 1 : a - b));
  return Uint32Array.from(idx.slice(0, k));
}
