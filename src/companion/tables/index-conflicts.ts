// global_index conflicts in a feature registry: an index two uids hold, or a uid holding two. Two
// optimize runs that overlap an ingest can number features alike (each reads the same maximum),
// and queries would then add different features into one column. optimize repairs them
// (unindexConflicts), validate reports them.

export interface IndexConflicts {
  /** Every uid's indices (as strings: int64 values arrive as bigint or number). */
  indexOf: Map<string, Set<string>>;
  /** Indices held by more than one uid, with their holders. */
  shared: [index: string, uids: Set<string>][];
  /** uids holding more than one index. */
  split: [uid: string, indices: Set<string>][];
}

/** The conflicts among registry rows with a global_index. */
export function indexConflicts(rows: readonly Record<string, unknown>[]): IndexConflicts {
  const holders = new Map<string, Set<string>>();
  const indexOf = new Map<string, Set<string>>();
  for (const r of rows) {
    const [u, i] = [String(r.uid), String(r.global_index)];
    (holders.get(i) ?? holders.set(i, new Set()).get(i)!).add(u);
    (indexOf.get(u) ?? indexOf.set(u, new Set()).get(u)!).add(i);
  }
  return { indexOf, shared: [...holders].filter(([, us]) => us.size > 1), split: [...indexOf].filter(([, is]) => is.size > 1) };
}
