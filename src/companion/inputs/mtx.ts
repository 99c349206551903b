// Streaming MatrixMarket `coordinate` parser working on raw bytes (no per-line strings on the hot
// path), yielding entries in blocks of typed arrays. Every entry is validated as it is read:
// 1-based indices within the size line's dimensions, integer values for `integer` matrices, no NaN,
// and exactly the declared number of entries. Errors name `file:line`.
import { InvalidInputError, UnsupportedError } from '../../errors.js';
import { textChunks } from './text-files.js';

export interface MtxHeader {
  field: 'integer' | 'real' | 'pattern';
  /** Rows and columns as declared (10x: genes × cells). */
  nRows: number;
  nCols: number;
  nnz: number;
}

/** A block of entries, 0-based; `lines[i]` is the 1-based line of entry i. Arrays may be longer than `n`. */
export interface EntryBlock {
  n: number;
  rows: Uint32Array;
  cols: Uint32Array;
  values: Float64Array;
  lines: Float64Array;
}

const BLOCK = 1 << 15;

/** Reads just the banner and size line. */
export async function readMtxHeader(file: string): Promise<MtxHeader> {
  const it = scan(file, { headerOnly: true });
  try {
    const r = await it.next();
    return r.value as MtxHeader;
  } finally {
    await it.return(undefined);
  }
}

/** All entries, in file order, in blocks of up to 32768; ends with a check of the declared count. */
export async function* mtxEntryBlocks(file: string): AsyncGenerator<EntryBlock> {
  for await (const x of scan(file, {})) if ('n' in x) yield x;
}

/** With headerOnly, yields just the header; otherwise entry blocks until the end. */
async function* scan(file: string, opts: { headerOnly?: boolean }): AsyncGenerator<EntryBlock | MtxHeader> {
  let line = 0;
  let header: MtxHeader | undefined;
  let seen = 0;
  let leftover: Buffer | undefined;
  let block = newBlock();
  const fail = (msg: string, at = line): never => {
    throw new InvalidInputError(msg, { where: `${file}:${at}` });
  };

  const onLine = (buf: Buffer, s: number, e: number): void => {
    if (e > s && buf[e - 1] === 13) e--; // CRLF
    if (line === 1) {
      header = { ...parseBanner(buf.toString('latin1', s, e), file), nRows: 0, nCols: 0, nnz: -1 };
      return;
    }
    if (header!.nnz < 0) {
      if (buf[s] === 37 /* % */) return; // comment
      const t = buf.toString('latin1', s, e).trim();
      if (t === '') return;
      const m = /^(\d+)\s+(\d+)\s+(\d+)$/.exec(t);
      if (!m) fail(`bad MatrixMarket size line '${t.slice(0, 80)}' (expected 'rows cols entries')`);
      header!.nRows = Number(m![1]);
      header!.nCols = Number(m![2]);
      header!.nnz = Number(m![3]);
      return;
    }
    parseEntry(buf, s, e);
  };

  const parseEntry = (buf: Buffer, s: number, e: number): void => {
    let i = s;
    while (i < e && (buf[i] === 32 || buf[i] === 9)) i++;
    if (i === e) return; // blank line
    const h = header!;
    // row (gene) and column (cell): positive decimal integers.
    let r = 0;
    let st = i;
    for (; i < e; i++) {
      const c = buf[i]!;
      if (c < 48 || c > 57) break;
      r = r * 10 + (c - 48);
    }
    if (i === st || (i < e && buf[i] !== 32 && buf[i] !== 9)) fail(`row index '${token(buf, st, e)}' is not a positive integer`);
    while (i < e && (buf[i] === 32 || buf[i] === 9)) i++;
    let col = 0;
    st = i;
    for (; i < e; i++) {
      const c = buf[i]!;
      if (c < 48 || c > 57) break;
      col = col * 10 + (c - 48);
    }
    if (i === st || (i < e && buf[i] !== 32 && buf[i] !== 9)) fail(`column index '${token(buf, st, e)}' is not a positive integer`);
    if (r < 1 || r > h.nRows) fail(`row index ${r} out of range 1..${h.nRows}`);
    if (col < 1 || col > h.nCols) fail(`column index ${col} out of range 1..${h.nCols}`);
    while (i < e && (buf[i] === 32 || buf[i] === 9)) i++;
    let v = 1;
    if (h.field !== 'pattern') {
      st = i;
      while (i < e && buf[i] !== 32 && buf[i] !== 9) i++;
      if (i === st) fail('missing value');
      v = h.field === 'integer' ? parseInteger(buf, st, i) : Number(buf.toString('latin1', st, i));
      if (Number.isNaN(v)) {
        const tok = buf.toString('latin1', st, i);
        fail(/^[+-]?nan$/i.test(tok) ? `NaN value` : h.field === 'integer' ? `non-integer value '${tok}' in an integer matrix` : `unparseable value '${tok}'`);
      }
      if (!Number.isFinite(v)) fail(`non-finite value '${buf.toString('latin1', st, i)}'`);
      while (i < e && (buf[i] === 32 || buf[i] === 9)) i++;
    }
    if (i < e) fail(`unexpected extra field '${token(buf, i, e)}'`);
    if (seen === h.nnz) fail(`more entries than the ${h.nnz} declared on the size line`);
    seen++;
    const k = block.n++;
    block.rows[k] = r - 1;
    block.cols[k] = col - 1;
    block.values[k] = v;
    block.lines[k] = line;
  };

  const where = (): string => String(line);
  for await (const chunk of textChunks(file, where)) {
    const buf = leftover && leftover.length > 0 ? Buffer.concat([leftover, chunk]) : chunk;
    let pos = 0;
    for (let nl = buf.indexOf(10, pos); nl >= 0; nl = buf.indexOf(10, pos)) {
      line++;
      try {
        onLine(buf, pos, nl);
      } catch (e) {
        // Hand over the valid entries before the bad line first, so that a consumer's own checks
        // (e.g. duplicates) on earlier lines are reported before this later error.
        if (block.n > 0) yield block;
        throw e;
      }
      pos = nl + 1;
      if (block.n === BLOCK) {
        yield block;
        block = newBlock();
      }
      if (opts.headerOnly && header && header.nnz >= 0) {
        yield header;
        return;
      }
    }
    leftover = buf.subarray(pos);
  }
  if (leftover && leftover.length > 0) {
    line++;
    try {
      onLine(leftover, 0, leftover.length);
    } catch (e) {
      if (block.n > 0) yield block;
      throw e;
    }
  }
  if (!header) fail('empty file: no MatrixMarket banner', 1);
  if (header!.nnz < 0) fail('no size line', line);
  if (opts.headerOnly) {
    yield header!;
    return;
  }
  if (block.n > 0) yield block;
  if (seen < header!.nnz) fail(`file ends after ${seen} of ${header!.nnz} entries (truncated?)`);
}

function newBlock(): EntryBlock {
  return { n: 0, rows: new Uint32Array(BLOCK), cols: new Uint32Array(BLOCK), values: new Float64Array(BLOCK), lines: new Float64Array(BLOCK) };
}

function token(buf: Buffer, s: number, e: number): string {
  let i = s;
  while (i < e && buf[i] !== 32 && buf[i] !== 9) i++;
  return buf.toString('latin1', s, Math.max(i, s + 1)).slice(0, 40);
}

/** Decimal integer with optional sign; NaN if the token is anything else (e.g. '1.5', '1e3', 'nan'). */
function parseInteger(buf: Buffer, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (buf[i] === 45 || buf[i] === 43) {
    neg = buf[i] === 45;
    i++;
  }
  if (i === e) return NaN;
  let v = 0;
  for (; i < e; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  if (!Number.isSafeInteger(v)) return Infinity;
  return neg ? -v : v;
}

function parseBanner(text: string, file: string): Pick<MtxHeader, 'field'> {
  const where = `${file}:1`;
  const t = text.trim().split(/\s+/).map((s) => s.toLowerCase());
  if (t[0] !== '%%matrixmarket' || t[1] !== 'matrix' || t.length < 5) {
    throw new InvalidInputError(`not a MatrixMarket file: header is '${text.slice(0, 80)}'`, { where });
  }
  const [, , format, field, symmetry] = t as [string, string, string, string, string];
  if (format !== 'coordinate') {
    if (format === 'array') throw new UnsupportedError('dense MatrixMarket (array) files are not supported', { where, feature: 'MatrixMarket array' });
    throw new InvalidInputError(`unknown MatrixMarket format '${format}'`, { where });
  }
  if (field !== 'integer' && field !== 'real' && field !== 'pattern' && field !== 'double') {
    if (field === 'complex') throw new UnsupportedError('complex matrices are not supported', { where, feature: 'MatrixMarket complex' });
    throw new InvalidInputError(`unknown MatrixMarket field '${field}'`, { where });
  }
  if (symmetry !== 'general') {
    throw new UnsupportedError(`MatrixMarket symmetry '${symmetry}' is not supported (only general)`, { where, feature: `MatrixMarket ${symmetry}` });
  }
  return { field: field === 'double' ? 'real' : field };
}
