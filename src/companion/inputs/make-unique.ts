// anndata's `make_index_unique` (what scanpy's `var_names_make_unique()` calls), reproduced exactly:
// the first occurrence keeps its name; each later duplicate v becomes `v-1`, `v-2`, … using a counter
// per name and skipping candidates that already exist anywhere in the index.

export function makeUnique(names: string[], join = '-'): string[] {
  const seen = new Set<string>();
  const dupPositions: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const v = names[i]!;
    if (seen.has(v)) dupPositions.push(i);
    else seen.add(v);
  }
  if (dupPositions.length === 0) return names.slice();
  const out = names.slice();
  const taken = new Set(names);
  const counter = new Map<string, number>();
  for (const i of dupPositions) {
    const v = names[i]!;
    for (;;) {
      const c = (counter.get(v) ?? 0) + 1;
      counter.set(v, c);
      const candidate = `${v}${join}${c}`;
      if (!taken.has(candidate)) {
        taken.add(candidate);
        out[i] = candidate;
        break;
      }
    }
  }
  return out;
}
