import * as arrow from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { isRaggedAtlasError, PredicateSyntaxError } from '../../../../src/errors.js';
import {
  col,
  lit,
  parsePredicate,
  referencedColumns,
  referencedPaths,
  stripPositions,
  tokenize,
  toSql,
  evaluatePredicate,
  type Expr,
  type TableLike,
} from '../../../../src/query/predicate/index.js';
import { buildObsTable } from './fixture.js';

/** Compact structural rendering: (op args...) */
function sx(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return e.path.join('.');
    case 'literal':
      return e.type === 'utf8' ? `'${e.value}'` : e.type === 'null' ? 'NULL' : `${e.type}:${String(e.value)}`;
    case 'and':
    case 'or':
      return `(${e.kind} ${e.operands.map(sx).join(' ')})`;
    case 'not':
      return `(not ${sx(e.operand)})`;
    case 'negate':
      return `(neg ${sx(e.operand)})`;
    case 'binary':
      return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'is':
      return `(is-${e.test.replace(' ', '-')} ${sx(e.operand)})`;
    case 'in':
      return `(${e.negated ? 'not-in' : 'in'} ${sx(e.operand)} [${e.list.map(sx).join(' ')}])`;
    case 'between':
      return `(${e.negated ? 'not-between' : 'between'} ${sx(e.operand)} ${sx(e.low)} ${sx(e.high)})`;
    case 'like':
      return `(${e.negated ? 'not-' : ''}${e.caseInsensitive ? 'ilike' : 'like'} ${sx(e.operand)} ${sx(e.pattern)}${e.escape !== undefined ? ` esc:${e.escape}` : ''})`;
    case 'cast':
      return `(${e.safe ? 'try-cast' : e.typed ? 'typed' : 'cast'} ${sx(e.operand)} ${e.to.name}${e.to.params ? `(${e.to.params.join(',')})` : ''}${e.to.unsigned ? ' unsigned' : ''})`;
    case 'call':
      return `(call ${e.name} ${e.args.map(sx).join(' ')})`;
  }
}

const p = (sql: string) => sx(parsePredicate(sql));

describe('precedence and associativity (as sqlparser-rs / LanceDB group them)', () => {
  test.each([
    ['a = 1 OR b = 2 AND c = 3', '(or (= a int64:1) (and (= b int64:2) (= c int64:3)))'],
    ['a = 1 AND b = 2 OR c = 3', '(or (and (= a int64:1) (= b int64:2)) (= c int64:3))'],
    ['(a = 1 OR b = 2) AND c = 3', '(and (or (= a int64:1) (= b int64:2)) (= c int64:3))'],
    ['NOT a = 1 AND b', '(and (not (= a int64:1)) b)'],
    ['NOT a AND NOT b OR c', '(or (and (not a) (not b)) c)'],
    ['NOT NOT a', '(not (not a))'],
    ['NOT a IS NULL', '(not (is-null a))'],
    ['a = 1 IS TRUE', '(is-true (= a int64:1))'],
    ['a = b = c', '(= (= a b) c)'],
    ['a + b * c > d - e / f', '(> (+ a (* b c)) (- d (/ e f)))'],
    ['a - b - c = 0', '(= (- (- a b) c) int64:0)'],
    ['a / b % c = 0', '(= (% (/ a b) c) int64:0)'],
    ["a || 'x' = 'ax'", "(= (|| a 'x') 'ax')"],
    ['x BETWEEN 1 AND 5 AND y', '(and (between x int64:1 int64:5) y)'],
    ['x BETWEEN 1 + 1 AND 5 * 2', '(between x (+ int64:1 int64:1) (* int64:5 int64:2))'],
    ['NOT x BETWEEN 1 AND 5', '(not (between x int64:1 int64:5))'],
    ['x NOT BETWEEN 1 AND 5 OR y', '(or (not-between x int64:1 int64:5) y)'],
    ['x NOT IN (1, 2) AND y', '(and (not-in x [int64:1 int64:2]) y)'],
    ['x IN (1 + 1, y)', '(in x [(+ int64:1 int64:1) y])'],
    ["x NOT LIKE 'a%' OR y", "(or (not-like x 'a%') y)"],
    ["x LIKE 'a' || '%'", "(like x (|| 'a' '%'))"],
    ['-a * b = c', '(= (* (neg a) b) c)'],
    ['-5 * b = c', '(= (* int64:-5 b) c)'],
    ['a = - -2', '(= a (neg int64:-2))'],
    ['a = -(2)', '(= a (neg int64:2))'],
    ['b = NOT TRUE', '(= b (not bool:true))'],
    ['a = 1 AND b = 2 AND c = 3 AND d = 4', '(and (= a int64:1) (= b int64:2) (= c int64:3) (= d int64:4))'],
    ['(a AND b) AND (c AND d)', '(and a b c d)'],
    ['a OR (b OR c)', '(or a b c)'],
    ['((((a))))', 'a'],
    ['a = 1;', '(= a int64:1)'],
  ])('%s', (sql, want) => {
    expect(p(sql)).toBe(want);
  });
});

describe('constructs', () => {
  test.each([
    ['a = 1', '(= a int64:1)'],
    ['a != 1', '(!= a int64:1)'],
    ['a <> 1', '(!= a int64:1)'],
    ['a == 1', '(= a int64:1)'],
    ['a < 1 AND a <= 1 AND a > 1 AND a >= 1', '(and (< a int64:1) (<= a int64:1) (> a int64:1) (>= a int64:1))'],
    ["a IN ('x', NULL)", "(in a ['x' NULL])"],
    ['a IS NULL', '(is-null a)'],
    ['a IS NOT NULL', '(is-not-null a)'],
    ['a IS TRUE', '(is-true a)'],
    ['a IS NOT TRUE', '(is-not-true a)'],
    ['a IS FALSE', '(is-false a)'],
    ['a IS NOT FALSE', '(is-not-false a)'],
    ["a LIKE 'x%' ESCAPE '\\'", "(like a 'x%' esc:\\)"],
    ["a ILIKE '%x'", "(ilike a '%x')"],
    ["a NOT ILIKE '%x'", "(not-ilike a '%x')"],
    ['gene_expression.zarr_group IS NULL', '(is-null gene_expression.zarr_group)'],
    ["gene_expression['zarr_group'] IS NULL", '(is-null gene_expression.zarr_group)'],
    ['gene_expression.end > gene_expression.start', '(> gene_expression.end gene_expression.start)'],
    ['protein_abundance.position > 0', '(> protein_abundance.position int64:0)'],
    ['"my col" = 1', '(= my col int64:1)'],
    ['`my col` = 1', '(= my col int64:1)'],
    ['`a``b` = 1 AND "c""d" = 2', '(and (= a`b int64:1) (= c"d int64:2))'],
    ['`a.b` = 1', '(= a.b int64:1)'],
    ['s.`x y`.z = 1', '(= s.x y.z int64:1)'],
    ['`end` = 1', '(= end int64:1)'],
    ['CAST(a AS DOUBLE) > 1', '(> (cast a DOUBLE) int64:1)'],
    ['TRY_CAST(a AS BIGINT UNSIGNED) > 1', '(> (try-cast a BIGINT unsigned) int64:1)'],
    ['cast(a as timestamp(3)) IS NULL', '(is-null (cast a TIMESTAMP(3)))'],
    ['CAST(a AS DOUBLE PRECISION) > 1', '(> (cast a DOUBLE) int64:1)'],
    ["t > TIMESTAMP '2020-01-01 00:00:00'", "(> t (typed '2020-01-01 00:00:00' TIMESTAMP))"],
    ["d = DATE '2020-01-01'", "(= d (typed '2020-01-01' DATE))"],
    ['timestamp > 5', '(> timestamp int64:5)'],
    ["lower(a) = 'x'", "(= (call lower a) 'x')"],
    ["starts_with(a, 'x')", "(call starts_with a 'x')"],
    ['f() IS NULL', '(is-null (call f ))'],
    ["array_has_any(ls, ['a', NULL])", "(call array_has_any ls (call make_array 'a' NULL))"],
    ['array_has_all(ls, [])', '(call array_has_all ls (call make_array ))'],
    ['[[1], [2, x]] IS NULL', '(is-null (call make_array (call make_array int64:1) (call make_array int64:2 x)))'],
    ['TRUE', 'bool:true'],
    ['false', 'bool:false'],
    ['NULL IS NULL', '(is-null NULL)'],
  ])('%s', (sql, want) => {
    expect(p(sql)).toBe(want);
  });

  test('keywords are case-insensitive; identifiers keep their spelling', () => {
    expect(p("a in ('x') and b between 1 and 2 or c is not null and d not like 'y' escape '\\'")).toBe(
      "(or (and (in a ['x']) (between b int64:1 int64:2)) (and (is-not-null c) (not-like d 'y' esc:\\)))",
    );
    expect(p('Cell_Type iS nOt NuLl')).toBe('(is-not-null Cell_Type)');
    const e = parsePredicate('Cell_Type = 1');
    expect(e.kind === 'binary' && e.left.kind === 'column' && e.left.quoted).toEqual([false]);
    const q = parsePredicate('`Cell_Type` = 1');
    expect(q.kind === 'binary' && q.left.kind === 'column' && q.left.quoted).toEqual([true]);
  });
});

describe('literals', () => {
  const literal = (sql: string) => {
    const e = parsePredicate(`x = ${sql}`);
    if (e.kind !== 'binary' || e.right.kind !== 'literal') throw new Error(`not a literal: ${sql}`);
    return { type: e.right.type, value: e.right.value };
  };
  test.each([
    ['0', 'int64', 0n],
    ['01', 'int64', 1n],
    ['-5', 'int64', -5n],
    ['- 5', 'int64', -5n],
    ['9007199254740993', 'int64', 9007199254740993n],
    ['9223372036854775807', 'int64', 9223372036854775807n],
    ['-9223372036854775807', 'int64', -9223372036854775807n],
    ['9223372036854775808', 'uint64', 9223372036854775808n],
    ['18446744073709551615', 'uint64', 18446744073709551615n],
    ['18446744073709551616', 'float64', 18446744073709551616],
    ['-9223372036854775808', 'float64', -9223372036854775808], // LanceDB: i64 parse of the digits fails → f64
    ['1.5', 'float64', 1.5],
    ['1.', 'float64', 1],
    ['.5', 'float64', 0.5],
    ['1e3', 'float64', 1000],
    ['1E+3', 'float64', 1000],
    ['2.5e-3', 'float64', 0.0025],
    ['1e400', 'float64', Infinity],
    ['-1e400', 'float64', -Infinity],
    ["'it''s'", 'utf8', "it's"],
    ["''''", 'utf8', "'"],
    ["''", 'utf8', ''],
    ["'back\\slash'", 'utf8', 'back\\slash'],
    ["'line\nbreak'", 'utf8', 'line\nbreak'],
    ["'Naïve 🧬'", 'utf8', 'Naïve 🧬'],
    ["'--not a comment'", 'utf8', '--not a comment'],
    ['TRUE', 'bool', true],
    ['NULL', 'null', null],
  ])('%s', (sql, type, value) => {
    expect(literal(sql)).toEqual({ type, value });
  });

  test('-0.0 keeps its sign', () => {
    expect(Object.is(literal('-0.0').value, -0)).toBe(true);
    expect(literal('-0')).toEqual({ type: 'int64', value: 0n });
  });
});

describe('malformed predicates → PredicateSyntaxError at the right offset', () => {
  const cases: [string, number][] = [
    ['', 0],
    ['   ', 3],
    ['n_genes >', 9],
    ["cell_type = 'abc", 12],
    ['"cell_type = 1', 0],
    ['`abc', 0],
    ['n_genes > 5 AND', 15],
    ['n_genes IN ()', 12],
    ['n_genes IN (1, 2', 16],
    ['n_genes IN 1', 11],
    ['(n_genes > 5', 12],
    ['n_genes > 5)', 11],
    ['n_genes > 5 garbage', 12],
    ['n_genes BETWEEN 1', 17],
    ['n_genes BETWEEN 1 OR 2', 18],
    ['n_genes IS', 10],
    ['n_genes IS 5', 11],
    ['n_genes IS NOT', 14],
    ['n_genes IS UNKNOWN', 11],
    ['x IS DISTINCT FROM y', 5],
    ["a LIKE 'x' ESCAPE", 17],
    ["a LIKE 'x' ESCAPE 'ab'", 18],
    ["a LIKE 'x' ESCAPE 5", 18],
    ['n_genes > 1e', 11],
    ['n_genes > 1_000', 11],
    ['n_genes > 0x10', 11],
    ['n_genes > 1.2.3', 13],
    ['n_genes ! 5', 8],
    ['n_genes > 5 AND AND b', 16],
    ['AND n_genes > 5', 0],
    ['n_genes > > 5', 10],
    ['CAST(n_genes AS) > 5', 15],
    ['CAST(n_genes AS VARCHAR2) > 5', 16],
    ['CAST(n_genes DOUBLE)', 13],
    ['lower(cell_type > 5', 19],
    ['gene_expression. > 5', 17],
    ['ls[1', 4],
    ['ls[1].a = 1', 5],
    ['n_genes > 5 /* unclosed', 12],
    ["n_genes = 'a' 'b'", 14],
    ['NOT', 3],
    ['-', 1],
    ["n_genes > 5 AND (cell_type = 'x' OR)", 35],
    ['n_genes IN (SELECT 1)', 12],
    ['CASE WHEN a THEN b END', 0],
    ['n_genes > 5; n_genes < 3', 13],
    ['n_genes NOT 5', 8],
    ['[1,2', 4],
    ['[1,,2] IS NULL', 3],
    ['[1 2] IS NULL', 3],
    [']', 0],
    ['a.b.', 4],
    ['+5 > n_genes', 0],
    ['n_genes > 5 é', 12],
    ['n_genes > 5 #', 12],
    ['(', 1],
    ['()', 1],
    ["'it''s", 0],
    ['a = (1, 2)', 6],
    ['`` = 1', 0],
    ['a.b(1)', 3],
    ['count(*) > 1', 6],
    ['"a" = 1 AND', 11],
  ];

  test('there are at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  test.each(cases)('%j fails at %i', (sql, position) => {
    let err: unknown;
    try {
      parsePredicate(sql);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PredicateSyntaxError);
    const pe = err as PredicateSyntaxError;
    expect(pe._tag).toBe('PredicateSyntax');
    expect(pe.position).toBe(position);
    expect(pe.fields.predicate).toBe(sql);
    expect(pe.message).toContain(`at position ${position}`);
  });

  test('a list subscript is array_element (1-based, any integer expression); a string one is a struct field', () => {
    expect(parsePredicate('ls[1] = 2')).toMatchObject({ kind: 'binary', left: { kind: 'call', name: 'array_element', args: [{ kind: 'column', path: ['ls'] }, { kind: 'literal', value: 1n }] } });
    expect(parsePredicate('m[1][2] IS NULL')).toMatchObject({ kind: 'is', operand: { kind: 'call', name: 'array_element', args: [{ kind: 'call', name: 'array_element' }, { kind: 'literal' }] } });
    expect(parsePredicate("st['a'] = 1")).toMatchObject({ kind: 'binary', left: { kind: 'column', path: ['st', 'a'] } });
    expect(toSql(parsePredicate('ls[i + 1] = 2'))).toBe('array_element(ls, i + 1) = 2');
  });

  test('a keyword used as a column name says how to quote it (`select = 1` read as a subquery)', () => {
    for (const [sql, word] of [['select = 1', 'SELECT'], ['case > 2', 'CASE'], ['a = 1 AND exists', 'EXISTS']] as const) {
      expect(() => parsePredicate(sql)).toThrow(new RegExp(`found keyword ${word} \\(quote it with backticks or double quotes to use it as a column name`));
    }
    expect(() => parsePredicate('a IN (SELECT 1)')).toThrow(/subqueries are not supported/);
    expect(() => parsePredicate('`select` = 1')).not.toThrow();
  });

  test('nesting limits give PredicateSyntaxError, not a stack overflow', () => {
    for (const sql of ['('.repeat(100_000), 'NOT '.repeat(10_000) + 'a', 'a' + ' + a'.repeat(20_000) + ' > 1', '- '.repeat(5000) + '1']) {
      expect(() => parsePredicate(sql)).toThrow(PredicateSyntaxError);
    }
  });

  test('long flat AND / OR chains and IN lists parse (flattened, no deep recursion)', () => {
    const and = parsePredicate(Array.from({ length: 50_000 }, (_, i) => `a = ${i}`).join(' AND '));
    expect(and.kind === 'and' && and.operands.length).toBe(50_000);
    const inList = parsePredicate(`a IN (${Array.from({ length: 50_000 }, (_, i) => i).join(', ')})`);
    expect(inList.kind === 'in' && inList.list.length).toBe(50_000);
  });
});

describe('fuzz: random token strings parse or fail with PredicateSyntaxError, never hang or crash', () => {
  const vocab = [
    'n_genes', 'cell_type', 'gene_expression', '.', 'zarr_group', 'is_doublet', 'batch', 'n_counts', 'tissue', '(', ')', ',',
    'AND', 'OR', 'NOT', 'IN', 'BETWEEN', 'LIKE', 'ILIKE', 'IS', 'NULL', 'TRUE', 'FALSE', '=', '==', '!=', '<>', '<', '<=', '>',
    '>=', '+', '-', '*', '/', '%', '||', "'a'", "'it''s'", "'%x_'", '5', '-3', '1.5', '1e3', '.5', '9223372036854775808', 'CAST',
    'TRY_CAST', 'AS', 'DOUBLE', 'BIGINT', 'lower', 'upper', 'ESCAPE', "'\\'", '"Donor ID"', '`x`', '[', ']', ';', '--', '/*',
    '*/', "'", '"', '`', 'TIMESTAMP', "'2020-01-01'", 'UNKNOWN', 'DISTINCT', 'FROM', 'SELECT', 'CASE', '@', '#', '$', 'é', '🧬',
    '\n', '\t', '!', '?', ':', '::', '{', '}', '0x1', '1_0', '\\',
  ];
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };

  const small = buildObsTable(arrow, 200) as unknown as TableLike;

  test('5,000 random token strings (and whatever parses also binds and evaluates, or fails with QueryError)', () => {
    let parsed = 0;
    let evaluated = 0;
    const t0 = performance.now();
    for (let k = 0; k < 5000; k++) {
      const len = 1 + Math.floor(rand() * 14);
      const parts: string[] = [];
      for (let i = 0; i < len; i++) parts.push(vocab[Math.floor(rand() * vocab.length)]!);
      const sql = parts.join(rand() < 0.8 ? ' ' : '');
      let e: Expr;
      try {
        e = parsePredicate(sql);
      } catch (err) {
        if (!isRaggedAtlasError(err, 'PredicateSyntax')) throw new Error(`${JSON.stringify(sql)} threw ${String(err)}`);
        const pos = (err as PredicateSyntaxError).position;
        expect(pos >= 0 && pos <= sql.length, sql).toBe(true);
        continue;
      }
      parsed++;
      // whatever parses re-serialises to SQL that parses back to the same tree
      expect(stripPositions(parsePredicate(toSql(e))), `${sql} → ${toSql(e)}`).toEqual(stripPositions(e));
      try {
        expect(evaluatePredicate(e, small).length).toBe(200);
        evaluated++;
      } catch (err) {
        if (!isRaggedAtlasError(err, 'Query')) throw new Error(`${JSON.stringify(sql)} threw ${String(err)}`);
      }
    }
    expect(parsed).toBeGreaterThan(50);
    expect(evaluated).toBeGreaterThan(10);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  test('5,000 random character strings', () => {
    const chars = "abnNOTIS_ ()'\"`.,=<>!-+*/%|;[]0123456789eE\\\n#é🧬";
    const cps = [...chars];
    for (let k = 0; k < 5000; k++) {
      const len = Math.floor(rand() * 30);
      let sql = '';
      for (let i = 0; i < len; i++) sql += cps[Math.floor(rand() * cps.length)];
      try {
        const e = parsePredicate(sql);
        expect(stripPositions(parsePredicate(toSql(e)))).toEqual(stripPositions(e));
      } catch (err) {
        if (!isRaggedAtlasError(err, 'PredicateSyntax')) throw new Error(`${JSON.stringify(sql)} threw ${String(err)}`);
      }
    }
  });
});

describe('toSql', () => {
  test.each([
    ["cell_type = 'B cell''s'", "cell_type = 'B cell''s'"],
    ['`my col` = 1', '`my col` = 1'],
    ['"my col" = 1', '`my col` = 1'],
    ['`a``b` = 1', '`a``b` = 1'],
    ['a = 1 OR b = 2 AND c = 3', 'a = 1 OR b = 2 AND c = 3'],
    ['(a = 1 OR b = 2) AND c = 3', '(a = 1 OR b = 2) AND c = 3'],
    ['NOT (a AND b)', 'NOT (a AND b)'],
    ['NOT a = 1', 'NOT a = 1'],
    ['(NOT a) IS NULL', '(NOT a) IS NULL'],
    ['a - (b - c) = 0', 'a - (b - c) = 0'],
    ['(a - b) - c = 0', 'a - b - c = 0'],
    ['a - -5 = 0', 'a - -5 = 0'],
    ['a = -(5)', 'a = -(5)'],
    ['-a = 5', '-(a) = 5'],
    ["x BETWEEN (a OR b) AND c", 'x BETWEEN (a OR b) AND c'],
    ["x LIKE 'a\\%' ESCAPE '\\'", "x LIKE 'a\\%' ESCAPE '\\'"],
    ["t > TIMESTAMP '2020-01-01'", "t > TIMESTAMP '2020-01-01'"],
    ['CAST(a AS BIGINT UNSIGNED) > 1', 'CAST(a AS BIGINT UNSIGNED) > 1'],
    ['a = -0.0', 'a = -0.0'],
    ['a = 1e400', 'a = 1e400'],
    ['a IN (1, NULL, TRUE)', 'a IN (1, NULL, TRUE)'],
    ["gene_expression['zarr_group'] IS NULL", 'gene_expression.`zarr_group` IS NULL'],
    ['gene_expression.end = 1', 'gene_expression.end = 1'],
    ['(a = 1) = (b = 2)', 'a = 1 = (b = 2)'],
  ])('%s → %s', (sql, want) => {
    const e = parsePredicate(sql);
    expect(toSql(e)).toBe(want);
    expect(stripPositions(parsePredicate(toSql(e)))).toEqual(stripPositions(e));
  });

  test('hand-built trees', () => {
    expect(toSql({ kind: 'binary', op: '=', left: col('select'), right: lit("o'k") })).toBe("`select` = 'o''k'");
    expect(toSql({ kind: 'binary', op: '>', left: col('gene_expression', 'end'), right: lit(2n ** 63n) })).toBe('gene_expression.end > 9223372036854775808');
    expect(toSql({ kind: 'binary', op: '>', left: col('x'), right: lit(2.0) })).toBe('x > 2');
    expect(toSql({ kind: 'binary', op: '>', left: col('x'), right: { kind: 'literal', type: 'float64', value: 2 } })).toBe('x > 2.0');
    expect(toSql({ kind: 'binary', op: '>', left: col('x'), right: lit(-0) })).toBe('x > -0.0');
    expect(toSql({ kind: 'binary', op: '>', left: col('x'), right: lit(NaN) })).toBe("x > CAST('NaN' AS DOUBLE)");
    expect(toSql({ kind: 'and', operands: [{ kind: 'or', operands: [col('a'), col('b')] }, col('c')] })).toBe('(a OR b) AND c');
  });
});

describe('tokens and columns', () => {
  test('tokens carry offsets', () => {
    expect(tokenize("a >= 'x''y' -- c\n AND `b`").map((t) => [t.kind, t.value, t.pos, t.end])).toEqual([
      ['ident', 'a', 0, 1],
      ['op', '>=', 2, 4],
      ['string', "x'y", 5, 11],
      ['ident', 'AND', 18, 21],
      ['qident', 'b', 22, 25],
      ['eof', '', 25, 25],
    ]);
  });

  test('referencedColumns / referencedPaths', () => {
    const e = parsePredicate("gene_expression.zarr_group IS NOT NULL AND (N_GENES > 5 OR lower(cell_type) = 'x') AND gene_expression.start > n_genes");
    expect(referencedColumns(e)).toEqual(['gene_expression', 'N_GENES', 'cell_type', 'n_genes']);
    expect(referencedPaths(e)).toEqual([['gene_expression', 'zarr_group'], ['N_GENES'], ['cell_type'], ['gene_expression', 'start'], ['n_genes']]);
  });
});
