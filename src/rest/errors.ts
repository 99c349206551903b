// How LanceDB Cloud answers become ragged-atlas errors (the official client's rules, in our tags):
//   404 on a table endpoint          → NotFoundError naming the table (and version, for checkout)
//   any other non-2xx                → HttpError "{status} {reason}: {body text}" with `status`
//   2xx that is not what was asked   → HttpError with status, saying what was expected
//     (JSON without the fields we need, JSON or HTML where Arrow IPC was expected)
// Arrow bytes that do not decode are CorruptDataError (raised where they are decoded).
// Every error about a table endpoint carries `table` in its fields (and the URL, which names it).

import { HttpError, NotFoundError, type RaggedAtlasError } from '../errors.js';

/** One finished HTTP exchange: the status, headers and the whole body. */
export interface Answer {
  url: string;
  status: number;
  statusText: string;
  headers: Headers;
  body: Uint8Array;
  requestId: string;
  /** The table the request was about, when it was about one. */
  table?: string;
}

export interface ErrorContext {
  /** The table a table endpoint is about; a 404 then means "no such table". */
  table?: string;
  /** The version asked for, named in a 404 (official: "Table 'x (version: 3)' was not found"). */
  version?: number;
}

const decoder = new TextDecoder();

export function answerText(a: Answer): string {
  return decoder.decode(a.body);
}

/** The error for a non-2xx answer. */
export function statusError(a: Answer, ctx: ErrorContext = {}): RaggedAtlasError {
  const text = preview(answerText(a), 2000);
  if (a.status === 404 && ctx.table !== undefined) {
    const what = ctx.version === undefined ? `table '${ctx.table}'` : `table '${ctx.table}' version ${ctx.version}`;
    return new NotFoundError(`${what} was not found: ${text}`, {
      where: a.url,
      table: ctx.table,
      version: ctx.version,
      status: 404,
      requestId: a.requestId,
    });
  }
  return new HttpError(`${a.status}${a.statusText ? ` ${a.statusText}` : ''}: ${text}`, {
    url: a.url,
    status: a.status,
    requestId: a.requestId,
    body: text,
    ...tableField(ctx.table ?? a.table),
  });
}

/** A 2xx answer whose body is not what the endpoint promises. */
export function unexpectedAnswer(a: Answer, expected: string, cause?: unknown): HttpError {
  const type = a.headers.get('content-type') ?? 'no Content-Type';
  return new HttpError(
    `expected ${expected}, got ${type}: ${preview(answerText(a), 200)}`,
    { url: a.url, status: a.status, requestId: a.requestId, ...tableField(a.table) },
    cause === undefined ? undefined : { cause },
  );
}

/** `{table}` when there is one (spread into error fields). */
export function tableField(table: string | undefined): { table?: string } {
  return table === undefined ? {} : { table };
}

/**
 * Adds `table` to the fields of an error raised below the REST layer (Arrow decoding) for an answer
 * about that table. Only for errors just created for this answer, before anyone has seen them.
 */
export function nameTable<E extends RaggedAtlasError>(err: E, table: string | undefined): E {
  if (table !== undefined && err.fields.table === undefined) Object.assign(err.fields, { table });
  return err;
}

/** Parses a JSON answer; a body that is not JSON becomes unexpectedAnswer. */
export function answerJson(a: Answer, expected: string): unknown {
  try {
    return JSON.parse(answerText(a));
  } catch (err) {
    throw unexpectedAnswer(a, expected, err);
  }
}

function preview(text: string, max: number): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, max)}… (${t.length} chars)` : t || '(empty body)';
}
