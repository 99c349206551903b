// Everything an AtlasQuery has been told, as plain data. Builders copy-and-extend it; executors read it.
export type FeatureJoin = 'union' | 'intersection';
export type DistanceMetric = 'l2' | 'cosine' | 'dot';

export interface VectorSearch {
  vector: Float32Array;
  /** fixed_size_list<float32, d> obs column; inferred when the table has exactly one. */
  column?: string;
  metric: DistanceMetric;
  /** Nearest rows to keep; homeobox defaults to 1,000,000 when no limit is given. */
  k?: number;
}

export interface QuerySpec {
  obsTable?: string;
  /** Each where() call's predicate; they AND together (each parsed on its own). */
  where?: string[];
  select?: string[];
  limit?: number;
  offset?: number;
  balanced?: { n: number; column: string };
  search?: VectorSearch;
  /** Pinned output features (registry uids) per feature space; one features() call per space. */
  features?: Record<string, string[]>;
  featureJoin: FeatureJoin;
  /** feature space → layer names; the first becomes X. */
  layers: Record<string, string[]>;
  featureSpaces?: string[];
  fields?: string[];
}

export const emptySpec = (): QuerySpec => ({ featureJoin: 'union', layers: {} });

/** The uids features() pinned for this feature space, if any. */
export const featuresOf = (spec: QuerySpec, featureSpace: string): string[] | undefined =>
  spec.features && Object.hasOwn(spec.features, featureSpace) ? spec.features[featureSpace] : undefined;
