// Precedence-climbing (Pratt) parser for LanceDB filter strings. Precedences follow sqlparser-rs,
// which LanceDB uses, so `a = b AND NOT c OR d` groups exactly as LanceDB groups it:
//
//   OR 5 < AND 10 < NOT (prefix) 15 < IS 17 < [NOT] LIKE/ILIKE 19 < comparisons, [NOT] IN, [NOT] BETWEEN 20
//   < + - 30 < * / % || 40 < unary minus operand 40 < field access . [] 100
//
// Binary operators are left-associative (`a = b = c` is `(a = b) = c`). BETWEEN's bounds are parsed
// at comparison precedence, so `x BETWEEN 1 AND 5 AND y` is `(x BETWEEN 1 AND 5) AND y`.
// A minus sign directly before a number folds into the literal, as in LanceDB: `-5` is the literal
// int64 -5, `-9223372036854775808` the float64 (LanceDB parses the digits as i64 first, then f64).

import { children, type BinaryOp, type Expr, type IsTest, type Literal, type Logical, type TypeName } from './ast.js';
import { syntaxError, tokenize, type Token } from './lexer.js';

/** Parenthesis / prefix nesting the parser accepts (LanceDB's sqlparser stops at 50). */
const MAX_DEPTH = 256;
/** Depth of the finished tree (left-deep chains like a + b + c + ... grow it without nesting). */
const MAX_TREE_DEPTH = 1000;

/** Words with a grammatical role: they cannot be bare column names (quote them to use as names). */
export const RESERVED_WORDS = new Set([
  'AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE', 'BETWEEN', 'LIKE', 'ILIKE', 'ESCAPE',
  'CASE', 'WHEN', 'THEN', 'ELSE', 'EXISTS', 'SELECT', 'FROM', 'WHERE', 'INTERVAL', 'DISTINCT', 'UNKNOWN',
]);
/** Operators and keywords that LanceDB rejects; named so the error says so rather than "unexpected". */
const UNSUPPORTED_WORDS: Record<string, string> = {
  CASE: 'CASE expressions are not supported',
  EXISTS: 'EXISTS is not supported',
  SELECT: 'subqueries are not supported',
  INTERVAL: 'INTERVAL literals are not supported',
};

const COMPARE: Record<string, BinaryOp> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const ADDITIVE: Record<string, BinaryOp> = { '+': '+', '-': '-' };
const MULTIPLICATIVE: Record<string, BinaryOp> = { '*': '*', '/': '/', '%': '%', '||': '||' };

export const PREC = { OR: 5, AND: 10, NOT: 15, IS: 17, LIKE: 19, CMP: 20, ADD: 30, MUL: 40, UNARY: 40, FIELD: 100 } as const;

const TYPE_WORDS = new Set([
  'STRING', 'BINARY', 'FLOAT', 'DOUBLE', 'REAL', 'BOOLEAN', 'BOOL', 'TINYINT', 'SMALLINT', 'INT', 'INTEGER', 'BIGINT',
  'DATE', 'TIMESTAMP', 'DATETIME', 'DECIMAL', 'VARCHAR', 'TEXT', 'CHAR', 'NUMERIC',
]);

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly sql: string,
    private readonly toks: Token[],
  ) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private fail(t: Token, message: string): never {
    throw syntaxError(this.sql, t.pos, message);
  }
  private describe(t: Token): string {
    if (t.kind === 'eof') return 'end of input';
    if (t.kind === 'string') return `string '${t.value}'`;
    if (t.kind === 'qident') return `identifier ${t.quote}${t.value}${t.quote}`;
    return `'${t.value}'`;
  }
  private isWord(t: Token, word: string): boolean {
    return t.kind === 'ident' && t.value.toUpperCase() === word;
  }
  private isOp(t: Token, op: string): boolean {
    return t.kind === 'op' && t.value === op;
  }
  private expectOp(op: string, context: string): Token {
    const t = this.peek();
    if (!this.isOp(t, op)) this.fail(t, `expected '${op}' ${context}, found ${this.describe(t)}`);
    return this.next();
  }
  private expectWord(word: string, context: string): Token {
    const t = this.peek();
    if (!this.isWord(t, word)) this.fail(t, `expected ${word} ${context}, found ${this.describe(t)}`);
    return this.next();
  }

  parseTop(): Expr {
    const first = this.peek();
    if (first.kind === 'eof') this.fail(first, 'empty predicate');
    const e = this.parseExpr(0);
    // LanceDB (sqlparser's parse_statement) tolerates one trailing ';'
    if (this.isOp(this.peek(), ';')) this.next();
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t, `unexpected ${this.describe(t)} after a complete expression`);
    return e;
  }

  /** Precedence of the infix operator at the cursor (0 = not an infix operator). */
  private infixPrec(): number {
    const t = this.peek();
    if (t.kind === 'op') {
      if (t.value in COMPARE) return PREC.CMP;
      if (t.value in ADDITIVE) return PREC.ADD;
      if (t.value in MULTIPLICATIVE) return PREC.MUL;
      return 0;
    }
    if (t.kind !== 'ident') return 0;
    switch (t.value.toUpperCase()) {
      case 'OR':
        return PREC.OR;
      case 'AND':
        return PREC.AND;
      case 'IS':
        return PREC.IS;
      case 'IN':
      case 'BETWEEN':
        return PREC.CMP;
      case 'LIKE':
      case 'ILIKE':
        return PREC.LIKE;
      case 'NOT': {
        const u = this.peek(1);
        if (this.isWord(u, 'IN') || this.isWord(u, 'BETWEEN')) return PREC.CMP;
        if (this.isWord(u, 'LIKE') || this.isWord(u, 'ILIKE')) return PREC.LIKE;
        return 0;
      }
      default:
        return 0;
    }
  }

  parseExpr(minPrec: number): Expr {
    if (++this.depth > MAX_DEPTH) this.fail(this.peek(), `expression nested more than ${MAX_DEPTH} levels deep`);
    try {
      let left = this.parsePrefix();
      for (;;) {
        const prec = this.infixPrec();
        if (prec <= minPrec) break;
        left = this.parseInfix(left, prec);
      }
      return left;
    } finally {
      this.depth--;
    }
  }

  private parseInfix(left: Expr, prec: number): Expr {
    const t = this.next();
    const pos = left.pos ?? t.pos;
    if (t.kind === 'op') {
      const op = (COMPARE[t.value] ?? ADDITIVE[t.value] ?? MULTIPLICATIVE[t.value])!;
      const right = this.parseExpr(prec);
      return { kind: 'binary', op, left, right, pos, end: right.end };
    }
    const word = t.value.toUpperCase();
    if (word === 'AND' || word === 'OR') {
      const kind = word === 'AND' ? 'and' : 'or';
      const right = this.parseExpr(prec);
      // flatten chains in place (the left node was built by this parser and is not shared)
      const node: Logical = left.kind === kind ? left : { kind, operands: [left], pos };
      if (right.kind === kind) for (const o of right.operands) node.operands.push(o);
      else node.operands.push(right);
      node.end = right.end;
      return node;
    }
    if (word === 'IS') {
      let negated = false;
      if (this.isWord(this.peek(), 'NOT')) {
        this.next();
        negated = true;
      }
      const w = this.next();
      const what = w.kind === 'ident' ? w.value.toUpperCase() : '';
      let test: IsTest;
      if (what === 'NULL') test = negated ? 'not null' : 'null';
      else if (what === 'TRUE') test = negated ? 'not true' : 'true';
      else if (what === 'FALSE') test = negated ? 'not false' : 'false';
      else if (what === 'UNKNOWN') this.fail(w, 'IS [NOT] UNKNOWN is not supported by LanceDB; use IS [NOT] NULL');
      else if (what === 'DISTINCT') this.fail(w, 'IS [NOT] DISTINCT FROM is not supported by LanceDB');
      else this.fail(w, `expected NULL, TRUE or FALSE after IS${negated ? ' NOT' : ''}, found ${this.describe(w)}`);
      return { kind: 'is', test, operand: left, pos, end: w.end };
    }
    let negated = false;
    let kw = t;
    if (word === 'NOT') {
      negated = true;
      kw = this.next();
    }
    const k = kw.value.toUpperCase();
    if (k === 'IN') {
      this.expectOp('(', 'after IN');
      if (this.isWord(this.peek(), 'SELECT')) this.fail(this.peek(), 'subqueries are not supported');
      if (this.isOp(this.peek(), ')')) this.fail(this.peek(), 'IN list is empty');
      const list = this.parseExprList();
      const close = this.expectOp(')', 'to close the IN list');
      return { kind: 'in', negated, operand: left, list, pos, end: close.end };
    }
    if (k === 'BETWEEN') {
      const low = this.parseExpr(PREC.CMP);
      this.expectWord('AND', 'between the BETWEEN bounds');
      const high = this.parseExpr(PREC.CMP);
      return { kind: 'between', negated, operand: left, low, high, pos, end: high.end };
    }
    if (k === 'LIKE' || k === 'ILIKE') {
      const pattern = this.parseExpr(PREC.LIKE);
      let escape: string | undefined;
      let end = pattern.end;
      if (this.isWord(this.peek(), 'ESCAPE')) {
        this.next();
        const s = this.next();
        if (s.kind !== 'string') this.fail(s, `ESCAPE needs a one-character string literal, found ${this.describe(s)}`);
        if ([...s.value].length > 1) this.fail(s, 'ESCAPE needs a single character');
        escape = s.value;
        end = s.end;
      }
      const like: Expr = { kind: 'like', negated, caseInsensitive: k === 'ILIKE', operand: left, pattern, pos, end };
      if (escape !== undefined) like.escape = escape;
      return like;
    }
    /* istanbul ignore next -- infixPrec only admits the cases above */
    return this.fail(kw, `unexpected ${this.describe(kw)}`);
  }

  private parsePrefix(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'eof':
        return this.fail(t, 'expected an expression, found end of input');
      case 'number':
        this.next();
        return numberLiteral(t.value, false, t.pos, t.end, this.sql);
      case 'string':
        this.next();
        return { kind: 'literal', type: 'utf8', value: t.value, pos: t.pos, end: t.end };
      case 'qident':
        return this.parseColumnOrCall();
      case 'op':
        return this.parseOpPrefix(t);
      case 'ident':
        return this.parseWordPrefix(t);
    }
  }

  private parseOpPrefix(t: Token): Expr {
    if (t.value === '(') {
      this.next();
      if (this.isWord(this.peek(), 'SELECT')) this.fail(this.peek(), 'subqueries are not supported');
      const inner = this.parseExpr(0);
      if (this.isOp(this.peek(), ',')) this.fail(this.peek(), 'row values / tuples are not supported');
      const close = this.expectOp(')', 'to close the parenthesis');
      // widen the span to include the parentheses, so errors point at the whole group
      return { ...inner, pos: t.pos, end: close.end };
    }
    if (t.value === '-') {
      this.next();
      const u = this.peek();
      if (u.kind === 'number') {
        this.next();
        return numberLiteral(u.value, true, t.pos, u.end, this.sql);
      }
      const operand = this.parseExpr(PREC.UNARY);
      return { kind: 'negate', operand, pos: t.pos, end: operand.end };
    }
    if (t.value === '+') this.fail(t, 'unary + is not supported by LanceDB');
    if (t.value === '[') return this.parseArrayLiteral(t);
    return this.fail(t, `expected an expression, found ${this.describe(t)}`);
  }

  private parseWordPrefix(t: Token): Expr {
    const w = t.value.toUpperCase();
    const next = this.peek(1);
    switch (w) {
      case 'NOT': {
        this.next();
        const operand = this.parseExpr(PREC.NOT);
        return { kind: 'not', operand, pos: t.pos, end: operand.end };
      }
      case 'NULL':
        this.next();
        return { kind: 'literal', type: 'null', value: null, pos: t.pos, end: t.end };
      case 'TRUE':
      case 'FALSE':
        this.next();
        return { kind: 'literal', type: 'bool', value: w === 'TRUE', pos: t.pos, end: t.end };
      case 'CAST':
      case 'TRY_CAST':
      case 'SAFE_CAST':
        if (this.isOp(next, '(')) return this.parseCast(t, w !== 'CAST');
        break;
      case 'TIMESTAMP':
      case 'DATE':
      case 'DATETIME':
        if (next.kind === 'string') {
          this.next();
          this.next();
          return {
            kind: 'cast',
            operand: { kind: 'literal', type: 'utf8', value: next.value, pos: next.pos, end: next.end },
            to: { name: w },
            safe: false,
            typed: true,
            pos: t.pos,
            end: next.end,
          };
        }
        break;
    }
    if (RESERVED_WORDS.has(w)) {
      // A keyword followed by an operator or the end is a column named like one (`select = 1`):
      // say how to name it rather than what the keyword would have started.
      const asName = next.kind === 'eof' || (next.kind === 'op' && next.value !== '(');
      const unsupported = asName ? undefined : UNSUPPORTED_WORDS[w];
      this.fail(t, unsupported ?? `expected an expression, found keyword ${w} (quote it with backticks or double quotes to use it as a column name: \`${t.value}\`)`);
    }
    return this.parseColumnOrCall();
  }

  private parseCast(t: Token, safe: boolean): Expr {
    this.next();
    this.expectOp('(', `after ${t.value}`);
    const operand = this.parseExpr(0);
    this.expectWord('AS', `in ${t.value.toUpperCase()}(... AS type)`);
    const to = this.parseType();
    const close = this.expectOp(')', `to close ${t.value.toUpperCase()}`);
    return { kind: 'cast', operand, to, safe, pos: t.pos, end: close.end };
  }

  private parseType(): TypeName {
    const t = this.next();
    if (t.kind !== 'ident') this.fail(t, `expected a type name, found ${this.describe(t)}`);
    const name = t.value.toUpperCase();
    if (!TYPE_WORDS.has(name)) this.fail(t, `unknown type ${t.value}`);
    if (name === 'DOUBLE' && this.isWord(this.peek(), 'PRECISION')) this.next();
    const type: TypeName = { name };
    if (this.isOp(this.peek(), '(')) {
      this.next();
      const params: number[] = [];
      for (;;) {
        const p = this.next();
        if (p.kind !== 'number' || !/^\d+$/.test(p.value)) this.fail(p, `expected an integer type parameter, found ${this.describe(p)}`);
        params.push(Number(p.value));
        if (this.isOp(this.peek(), ',')) {
          this.next();
          continue;
        }
        this.expectOp(')', 'after the type parameters');
        break;
      }
      type.params = params;
    }
    if (this.isWord(this.peek(), 'UNSIGNED')) {
      this.next();
      type.unsigned = true;
    }
    return type;
  }

  private parseColumnOrCall(): Expr {
    const first = this.next();
    const start = first.pos;
    if (first.kind === 'ident' && this.isOp(this.peek(), '(')) return this.parseCall(first);
    const path = [first.value];
    const quoted = [first.kind === 'qident'];
    let end = first.end;
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, '.')) {
        this.next();
        const f = this.next();
        // any word is a field name after '.', keywords included (gene_expression.end)
        if (f.kind !== 'ident' && f.kind !== 'qident') this.fail(f, `expected a field name after '.', found ${this.describe(f)}`);
        path.push(f.value);
        quoted.push(f.kind === 'qident'); // recorded for re-serialisation: struct children always match exactly
        end = f.end;
        continue;
      }
      if (this.isOp(t, '[')) {
        if (this.peek(1).kind !== 'string') break; // a list subscript: below
        this.next();
        const f = this.next();
        const close = this.expectOp(']', 'to close the subscript');
        path.push(f.value);
        quoted.push(true);
        end = close.end;
        continue;
      }
      break;
    }
    if (this.isOp(this.peek(), '(')) this.fail(this.peek(), 'qualified function names are not supported');
    let e: Expr = { kind: 'column', path, quoted, pos: start, end };
    // `list[i]` (1-based; negative counts from the end) is DataFusion's array_element(list, i)
    while (this.isOp(this.peek(), '[')) {
      this.next();
      const index = this.parseExpr(0);
      const close = this.expectOp(']', 'to close the subscript');
      e = { kind: 'call', name: 'array_element', args: [e, index], pos: start, end: close.end };
      if (this.isOp(this.peek(), '.')) this.fail(this.peek(), 'a field of a list item is not supported');
    }
    return e;
  }

  /** `a, b, …`: one or more comma-separated expressions (IN lists, call arguments, list literals). */
  private parseExprList(): Expr[] {
    const list = [this.parseExpr(0)];
    while (this.isOp(this.peek(), ',')) {
      this.next();
      list.push(this.parseExpr(0));
    }
    return list;
  }

  /** `[a, b, …]`: DataFusion plans it as make_array(a, b, …), and so does the binder here. */
  private parseArrayLiteral(open: Token): Expr {
    this.next(); // [
    const args = this.isOp(this.peek(), ']') ? [] : this.parseExprList();
    const close = this.expectOp(']', 'to close the array literal');
    return { kind: 'call', name: 'make_array', args, bracket: true, pos: open.pos, end: close.end };
  }

  private parseCall(name: Token): Expr {
    this.next(); // (
    if (this.isWord(this.peek(), 'DISTINCT')) this.fail(this.peek(), 'DISTINCT in function calls is not supported');
    if (this.isOp(this.peek(), '*')) this.fail(this.peek(), '* arguments are not supported');
    const args = this.isOp(this.peek(), ')') ? [] : this.parseExprList();
    const close = this.expectOp(')', `to close the call to ${name.value}`);
    // get_field(s, 'a') is DataFusion's spelling of s['a']: the same field reference
    const [s, f] = args;
    if (name.value.toLowerCase() === 'get_field' && args.length === 2 && s!.kind === 'column' && f!.kind === 'literal' && f!.type === 'utf8') {
      return { kind: 'column', path: [...s!.path, f!.value], quoted: [...s!.quoted, true], pos: name.pos, end: close.end };
    }
    return { kind: 'call', name: name.value, args, pos: name.pos, end: close.end };
  }
}

const I64_MAX = 0x7fffffffffffffffn;
const U64_MAX = 0xffffffffffffffffn;

/** Type a number literal the way LanceDB does (see the file header). */
function numberLiteral(text: string, negative: boolean, pos: number, end: number, sql: string): Literal {
  const raw = negative ? `-${text}` : text;
  if (/^[0-9]+$/.test(text)) {
    const v = BigInt(text);
    if (v <= I64_MAX) return { kind: 'literal', type: 'int64', value: negative ? -v : v, raw, pos, end };
    if (!negative && v <= U64_MAX) return { kind: 'literal', type: 'uint64', value: v, raw, pos, end };
  }
  const f = Number(text);
  if (Number.isNaN(f)) throw syntaxError(sql, pos, `malformed number '${text}'`);
  return { kind: 'literal', type: 'float64', value: negative ? -f : f, raw, pos, end };
}

/**
 * Parse a LanceDB/DataFusion SQL filter into an {@link Expr}. Never evaluates anything.
 * Throws PredicateSyntaxError (with `position`, a 0-based character offset) on malformed input.
 */
export function parsePredicate(sql: string): Expr {
  const toks = tokenize(sql);
  const expr = new Parser(sql, toks).parseTop();
  checkDepth(expr, sql);
  return expr;
}

/** Later passes recurse over the tree: refuse trees deep enough to exhaust a browser's stack. */
function checkDepth(root: Expr, sql: string): void {
  const stack: [Expr, number][] = [[root, 1]];
  while (stack.length) {
    const [e, d] = stack.pop()!;
    if (d > MAX_TREE_DEPTH) throw syntaxError(sql, e.pos ?? 0, `expression nested more than ${MAX_TREE_DEPTH} levels deep`);
    for (const c of children(e)) stack.push([c, d + 1]);
  }
}

/**
 * Predicates that AND together (each where() call, the presence filter), parsed one by one: a
 * `--` comment or an unbalanced `)` in one cannot reach into the next, as it would if their texts
 * were joined into one string. Error positions stay relative to each text.
 */
export function parseConjunction(parts: readonly string[]): Expr | undefined {
  const exprs = parts.map(parsePredicate);
  if (exprs.length <= 1) return exprs[0];
  return { kind: 'and', operands: exprs.flatMap((e) => (e.kind === 'and' ? e.operands : [e])) };
}
