// Where we deliberately do NOT follow LanceDB 0.39, each pinned against the library so that a
// LanceDB upgrade that changes its side shows up here.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PredicateSyntaxError } from '../../../../src/errors.js';
import { evaluatePredicate, maskToIndices, parsePredicate, type TableLike } from '../../../../src/query/predicate/index.js';
import { openOracle, type Oracle } from './oracle.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await openOracle();
});
afterAll(() => oracle?.close());

const rows = (sql: string) => Array.from(maskToIndices(evaluatePredicate(sql, oracle.table as unknown as TableLike)));

describe('LanceDB ignores whatever follows a complete expression; we reject it', () => {
  // sqlparser's parse_statement stops at the first token that cannot continue the expression and
  // LanceDB never checks that the input was consumed: `n_genes > 5 garbage` filters `n_genes > 5`.
  test.each([
    ['n_genes > 5 garbage', 'n_genes > 5', 12],
    ['n_genes > 5)', 'n_genes > 5', 11],
    ['n_genes > 5 LIMIT 1', 'n_genes > 5', 12],
    ['n_genes > 1e', 'n_genes > 1', 11],
  ])('%s', async (sql, meant, position) => {
    const lance = await oracle.where(sql);
    expect(lance).toEqual(await oracle.where(meant));
    expect(() => parsePredicate(sql)).toThrow(PredicateSyntaxError);
    try {
      parsePredicate(sql);
    } catch (e) {
      expect((e as PredicateSyntaxError).position).toBe(position);
    }
  });
});

describe("DataFusion's `a NOT IN (A) OR a NOT IN (B)` → `a NOT IN (A ∩ B)` rewrite breaks three-valued logic; we keep SQL semantics", () => {
  test('empty intersection: LanceDB also selects rows where the column is NULL', async () => {
    const sql = "cell_type NOT IN ('NK') OR cell_type NOT IN ('CD4 T cells')";
    const lance = await oracle.where(sql);
    expect('rows' in lance && lance.rows.length).toBe(oracle.table.numRows);
    expect(rows(sql)).toEqual(rows('cell_type IS NOT NULL'));
  });

  test('a NULL list item is dropped by the rewrite', async () => {
    const sql = "cell_type NOT IN ('NK', NULL) OR cell_type NOT IN ('CD4 T cells')";
    const lance = await oracle.where(sql);
    expect('rows' in lance && lance.rows.length).toBe(oracle.table.numRows);
    // SQL: 'CD4 T cells' → NULL OR FALSE; 'NK' → FALSE OR TRUE; others → NULL OR TRUE
    expect(rows(sql)).toEqual(rows("cell_type != 'CD4 T cells'"));
  });
});
