// planIndexLookups + combineIndexResults, executed the way the Lance reader does (see the contract in
// src/query/predicate/index-plan.ts) against simulated scalar indices, must select exactly the rows a
// full evaluation selects.
import * as arrow from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { isRaggedAtlasError, QueryError } from '../../../../src/errors.js';
import {
  combineIndexResults,
  compareFloats,
  evaluatePredicate,
  parsePredicate,
  planIndexLookups,
  toSql,
  type IndexKind,
  type IndexLookupResult,
  type IndexQuery,
  type TableLike,
} from '../../../../src/query/predicate/index.js';
import { PREDICATE_CORPUS } from './corpus.js';
import { buildObsTable, obsColumns, OBS_ROWS } from './fixture.js';

const table = buildObsTable(arrow) as unknown as TableLike;
const raw = obsColumns();
const FRAGMENT_ROWS = 1000;
const FRAGMENTS = Math.ceil(OBS_ROWS / FRAGMENT_ROWS);
const address = (row: number) => (BigInt(Math.floor(row / FRAGMENT_ROWS)) << 32n) | BigInt(row % FRAGMENT_ROWS);
const rowOf = (addr: bigint) => Number(addr >> 32n) * FRAGMENT_ROWS + Number(addr & 0xffffffffn);

/** Raw values per indexable column, straight from the fixture (not through our evaluator). */
const VALUES: Record<string, (number | bigint | string | boolean | null)[]> = {
  cell_type: raw.cell_type,
  dataset_uid: raw.dataset_uid,
  n_genes: raw.n_genes,
  n_counts: raw.n_counts,
  percent_mito: raw.percent_mito,
  is_doublet: raw.is_doublet,
  batch: raw.batch,
  tissue: raw.tissue,
  'Donor ID': raw.donor,
  collected_at: raw.collected_at.map((ms) => (ms === null ? null : BigInt(ms) * 1000n)),
  'gene_expression.zarr_group': raw.ge_zarr_group.map((v, i) => (raw.ge_valid[i] ? v : null)),
  'gene_expression.start': raw.ge_start.map((v, i) => (raw.ge_valid[i] ? v : null)),
  'protein_abundance.position': raw.pa_position.map((v, i) => (raw.pa_valid[i] ? v : null)),
};

/** Value order a Lance scalar index must use (LanceDB's comparison order; see the contract). */
function cmp(a: number | bigint | string | boolean, b: number | bigint | string | boolean): number {
  if (typeof a === 'number' && typeof b === 'number') return compareFloats(a, b);
  if (typeof a === 'string') return a < (b as string) ? -1 : a > (b as string) ? 1 : 0; // fixture strings: UTF-16 order = code point order
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const x = a as number | bigint;
  const y = b as number | bigint;
  return x < y ? -1 : x > y ? 1 : 0;
}

function simulateLookup(column: string, q: IndexQuery, covered: Set<number>): IndexLookupResult {
  const values = VALUES[column];
  if (!values) throw new Error(`no simulated index on ${column}`);
  const rows: bigint[] = [];
  values.forEach((v, row) => {
    if (v === null || !covered.has(Math.floor(row / FRAGMENT_ROWS))) return;
    let hit: boolean;
    if (q.op === 'eq' || q.op === 'in') hit = q.values.some((x) => cmp(v, x) === 0);
    else {
      hit = true;
      if (q.lower) hit &&= q.lower.inclusive ? cmp(v, q.lower.value) >= 0 : cmp(v, q.lower.value) > 0;
      if (q.upper) hit &&= q.upper.inclusive ? cmp(v, q.upper.value) <= 0 : cmp(v, q.upper.value) < 0;
    }
    if (hit) rows.push(address(row));
  });
  // indices hand rows back in their own order: shuffle a little
  rows.reverse();
  return { rows: BigUint64Array.from(rows), coveredFragments: covered };
}

interface Setup {
  name: string;
  indices: Record<string, IndexKind>;
  /** Fragments each index covers (default: all). */
  coverage?: Record<string, number[]>;
}

const ALL = Array.from({ length: FRAGMENTS }, (_, i) => i);
const SETUPS: Setup[] = [
  {
    name: 'many indices, all fragments covered',
    indices: {
      cell_type: 'bitmap', dataset_uid: 'bitmap', n_genes: 'btree', n_counts: 'btree', percent_mito: 'btree', is_doublet: 'bitmap',
      batch: 'btree', tissue: 'bitmap', 'Donor ID': 'btree', collected_at: 'btree', 'gene_expression.zarr_group': 'btree',
      'gene_expression.start': 'btree', 'protein_abundance.position': 'btree',
    },
  },
  {
    name: 'some indices, the last fragment appended after indexing',
    indices: { cell_type: 'btree', n_genes: 'btree', batch: 'bitmap', n_counts: 'btree', tissue: 'btree' },
    coverage: { cell_type: [0, 1], n_genes: [0, 1], batch: [0, 1, 2], n_counts: [1, 2], tissue: [0, 2] },
  },
  { name: 'one bitmap index', indices: { cell_type: 'bitmap' }, coverage: { cell_type: [0, 2] } },
];

/** The Lance reader's side of the contract, over the in-memory table. */
function execute(sql: string, setup: Setup): number[] {
  const expr = parsePredicate(sql);
  const plan = planIndexLookups(expr, (c) => setup.indices[c], table.schema);
  const full = evaluatePredicate(plan.predicate, table);
  if (!plan.index) {
    expect(plan.lookups).toEqual([]);
    return [...full.keys()].filter((i) => full[i] === 1);
  }
  const results = plan.lookups.map((l) => simulateLookup(l.column, l.query, new Set(setup.coverage?.[l.column] ?? ALL)));
  const { rows, coveredFragments } = combineIndexResults(plan, results);
  const residual = plan.residual ? evaluatePredicate(plan.residual, table) : undefined;
  const out: number[] = [];
  for (let f = 0; f < FRAGMENTS; f++) {
    if (coveredFragments.has(f)) {
      for (const a of rows) {
        if (Number(a >> 32n) !== f) continue;
        const row = rowOf(a);
        if (!residual || residual[row] === 1) out.push(row);
      }
    } else {
      for (let row = f * FRAGMENT_ROWS; row < Math.min(OBS_ROWS, (f + 1) * FRAGMENT_ROWS); row++) if (full[row] === 1) out.push(row);
    }
  }
  return out;
}

const MIXED = [
  "cell_type = 'CD4 T cells' AND n_counts > 5000",
  "cell_type = 'CD4 T cells' AND is_doublet",
  "cell_type = 'NK' OR n_genes > 4900",
  "cell_type = 'NK' OR lower(dataset_uid) = 'ds-beta'",
  "(cell_type = 'NK' AND n_counts > 100) OR batch = 2",
  "(cell_type = 'NK' OR cell_type = 'B cell''s') AND (batch BETWEEN 2 AND 4) AND NOT is_doublet",
  "cell_type IN ('NK', 'Monocytes', NULL) AND n_genes >= 100 AND n_genes < 1000 AND percent_mito < 5",
  'n_genes BETWEEN 100 AND 50',
  '5 < n_genes AND 100 >= n_genes',
  "tissue = 'lung' AND `Donor ID` > 'D-15'",
  "tissue IN ('lung', 'blood') OR gene_expression.zarr_group = 'ds-alpha/counts'",
  'gene_expression.start BETWEEN 1000 AND 20000 AND protein_abundance.position > 10',
  'n_counts > 1e308',
  'n_counts < 0 OR n_counts = -0.0',
  'n_counts >= 0',
  'percent_mito = 0.1 OR percent_mito = 5.5',
  "collected_at > TIMESTAMP '2021-01-01' AND batch = 1",
  'n_genes > 9007199254740992',
  "NOT (cell_type = 'NK') AND n_genes < 10",
  "cell_type != 'NK' AND batch = 0",
  "cell_type NOT IN ('NK') OR n_genes = 42",
  'is_doublet = false AND dataset_uid = \'ds-gamma\'',
  "cell_type = 'NK' AND cell_type = 'NK'",
  "(cell_type = 'NK' OR batch = 1) AND (cell_type = 'CD4 T cells' OR batch = 2)",
  "CELL_TYPE = 'NK' AND N_GENES > 2000",
];

describe.each(SETUPS)('$name', (setup) => {
  test.each(MIXED)('%s', (sql) => {
    const want = evaluatePredicate(sql, table);
    expect(execute(sql, setup)).toEqual([...want.keys()].filter((i) => want[i] === 1));
  });

  test('every corpus predicate that binds', () => {
    let checked = 0;
    for (const { sql } of PREDICATE_CORPUS) {
      let want: Uint8Array;
      try {
        want = evaluatePredicate(sql, table);
      } catch (e) {
        if (!isRaggedAtlasError(e, 'PredicateSyntax', 'Query')) throw e;
        continue;
      }
      expect(execute(sql, setup), sql).toEqual([...want.keys()].filter((i) => want[i] === 1));
      checked++;
    }
    expect(checked).toBeGreaterThan(150);
  });
});

describe('plan shapes', () => {
  const all = SETUPS[0]!.indices;
  const plan = (sql: string, idx: Record<string, IndexKind> = all) => planIndexLookups(parsePredicate(sql), (c) => idx[c], table.schema);

  test('indexed AND unindexed: lookup + residual', () => {
    const p = plan("cell_type = 'NK' AND lower(dataset_uid) = 'ds-beta'");
    expect(p.lookups).toEqual([{ id: 0, column: 'cell_type', index: 'bitmap', query: { op: 'eq', values: ['NK'] } }]);
    expect(p.index).toEqual({ kind: 'lookup', lookup: 0 });
    expect(toSql(p.residual!)).toBe("lower(dataset_uid) = 'ds-beta'");
  });

  test('fully indexed AND/OR: no residual', () => {
    const p = plan("(cell_type = 'NK' OR n_genes > 5) AND batch BETWEEN 1 AND 3");
    expect(p.residual).toBeNull();
    expect(p.index).toEqual({ kind: 'and', children: [{ kind: 'or', children: [{ kind: 'lookup', lookup: 0 }, { kind: 'lookup', lookup: 1 }] }, { kind: 'lookup', lookup: 2 }] });
    expect(p.lookups.map((l) => l.query)).toEqual([
      { op: 'eq', values: ['NK'] },
      { op: 'range', lower: { value: 5n, inclusive: false } },
      { op: 'range', lower: { value: 1, inclusive: true }, upper: { value: 3, inclusive: true } },
    ]);
  });

  test('OR with an unindexable branch falls back to a scan', () => {
    const p = plan("cell_type = 'NK' OR lower(dataset_uid) = 'x'");
    expect(p.index).toBeNull();
    expect(p.residual).toBe(p.predicate);
  });

  test('OR of partly indexed branches: union of candidates, whole predicate as residual', () => {
    const p = plan("(cell_type = 'NK' AND lower(dataset_uid) = 'x') OR batch = 2");
    expect(p.index).toEqual({ kind: 'or', children: [{ kind: 'lookup', lookup: 0 }, { kind: 'lookup', lookup: 1 }] });
    expect(p.residual).toBe(p.predicate);
  });

  test('literals take the column type; NULLs and duplicates leave IN lists; flipped comparisons', () => {
    expect(plan('percent_mito = 0.1').lookups[0]!.query).toEqual({ op: 'eq', values: [Math.fround(0.1)] });
    expect(plan('n_genes = 9007199254740993').lookups[0]!.query).toEqual({ op: 'eq', values: [9007199254740993n] });
    expect(plan('batch IN (1, NULL, 1, 3)').lookups[0]!.query).toEqual({ op: 'in', values: [1, 3] });
    expect(plan('batch IN (NULL)').lookups[0]!.query).toEqual({ op: 'in', values: [] });
    expect(plan('100 >= batch').lookups[0]!.query).toEqual({ op: 'range', upper: { value: 100, inclusive: true } });
    expect(plan("collected_at > TIMESTAMP '2021-01-01'").lookups[0]!.query).toEqual({
      op: 'range',
      lower: { value: BigInt(Date.UTC(2021, 0, 1)) * 1000n, inclusive: false },
    });
    expect(plan('CELL_TYPE = \'NK\'').lookups[0]!.column).toBe('cell_type');
    expect(plan("gene_expression.zarr_group = 'x'").lookups[0]!.column).toBe('gene_expression.zarr_group');
  });

  test('what is never planned', () => {
    for (const sql of [
      "NOT (cell_type = 'NK')",
      "cell_type != 'NK'",
      "cell_type NOT IN ('NK')",
      'n_genes NOT BETWEEN 1 AND 5',
      'cell_type IS NULL',
      "cell_type LIKE 'N%'",
      'cell_type = NULL',
      'n_genes + 1 > 5',
      'n_genes > n_counts',
      '(n_genes > 5) IS TRUE',
    ]) {
      expect(plan(sql).index, sql).toBeNull();
    }
    // BITMAP answers eq / in only
    expect(plan('batch > 5', { batch: 'bitmap' }).index).toBeNull();
    expect(plan('batch BETWEEN 1 AND 5', { batch: 'bitmap' }).index).toBeNull();
    expect(plan('batch = 5', { batch: 'bitmap' }).index).not.toBeNull();
  });

  test('with a schema the predicate is validated as LanceDB would', () => {
    expect(() => plan('n_genes = 1.5')).toThrow(QueryError);
    expect(() => plan('no_such = 1')).toThrow(/No column named "no_such"/);
  });

  test('without a schema: names and literals as written', () => {
    const p = planIndexLookups(parsePredicate("Cell_Type = 'NK' AND n_genes > 5 AND x BETWEEN 1.5 AND 2"), () => 'btree');
    expect(p.lookups.map((l) => [l.column, l.query])).toEqual([
      ['Cell_Type', { op: 'eq', values: ['NK'] }],
      ['n_genes', { op: 'range', lower: { value: 5n, inclusive: false } }],
      ['x', { op: 'range', lower: { value: 1.5, inclusive: true }, upper: { value: 2n, inclusive: true } }],
    ]);
  });
});

describe('combineIndexResults', () => {
  const r = (rows: bigint[], covered: number[]): IndexLookupResult => ({ rows: BigUint64Array.from(rows), coveredFragments: new Set(covered) });
  const A = (f: number, o: number) => (BigInt(f) << 32n) | BigInt(o);

  test('AND intersects, OR unites, over the fragments every lookup covers', () => {
    const p = planIndexLookups(parsePredicate('(a = 1 OR b = 2) AND c = 3'), () => 'btree');
    const out = combineIndexResults(p, [
      r([A(0, 5), A(0, 1), A(1, 7), A(2, 1)], [0, 1, 2]),
      r([A(0, 2), A(0, 1), A(2, 9)], [0, 2]),
      r([A(0, 1), A(0, 2), A(0, 3), A(2, 9), A(2, 1), A(1, 7)], [0, 1, 2]),
    ]);
    expect([...out.coveredFragments].sort()).toEqual([0, 2]);
    expect([...out.rows]).toEqual([A(0, 1), A(0, 2), A(2, 1), A(2, 9)]);
  });

  test('duplicates and unsorted input', () => {
    const p = planIndexLookups(parsePredicate('a = 1'), () => 'btree');
    expect([...combineIndexResults(p, [r([A(1, 3), A(0, 9), A(1, 3), A(0, 0)], [0, 1])]).rows]).toEqual([A(0, 0), A(0, 9), A(1, 3)]);
  });

  test('no plan, missing results', () => {
    const none = planIndexLookups(parsePredicate('a + 1 = 2'), () => 'btree');
    expect(combineIndexResults(none, []).rows.length).toBe(0);
    const p = planIndexLookups(parsePredicate('a = 1 AND b = 2'), () => 'btree');
    expect(() => combineIndexResults(p, [r([], [0])])).toThrow(RangeError);
  });
});
