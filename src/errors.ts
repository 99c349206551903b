// The closed set of errors ragged-atlas throws. Each class has a literal `_tag`, typed fields that
// say what failed and where, and survives a worker boundary through toWire()/fromWire().
// Bad input never produces a wrong result: it produces one of these.

export type ErrorTag =
  | 'Http'
  | 'NotFound'
  | 'CorruptData'
  | 'Codec'
  | 'Unsupported'
  | 'PredicateSyntax'
  | 'Query'
  | 'InvalidInput'
  | 'Validation'
  | 'Worker'
  | 'Aborted';

/** Fields every error carries; subclasses add their own. */
export interface ErrorFields {
  /** A path, URL, file name or logical location (`table cells, column uid, page 3`). */
  where?: string;
  [key: string]: unknown;
}

export abstract class RaggedAtlasError extends Error {
  abstract readonly _tag: ErrorTag;
  readonly fields: ErrorFields;
  constructor(message: string, fields: ErrorFields = {}, options?: { cause?: unknown }) {
    super(fields.where ? `${message} (at ${fields.where})` : message, options);
    this.fields = fields;
  }
  get where(): string | undefined {
    return this.fields.where;
  }
  /** The message without the ` (at …)` the constructor appends: to re-throw it with another `where`. */
  get detail(): string {
    const suffix = this.fields.where ? ` (at ${this.fields.where})` : '';
    return suffix && this.message.endsWith(suffix) ? this.message.slice(0, -suffix.length) : this.message;
  }
}

/** An HTTP answer that was not what was asked for: bad status, wrong Content-Range, short body. */
export class HttpError extends RaggedAtlasError {
  readonly _tag = 'Http' as const;
  override readonly name = 'HttpError';
  constructor(message: string, fields: ErrorFields & { url: string; status?: number; range?: string }, options?: { cause?: unknown }) {
    super(message, { where: fields.url, ...fields }, options);
  }
}

/** A file, table, version, dataset, feature or column that does not exist. */
export class NotFoundError extends RaggedAtlasError {
  readonly _tag = 'NotFound' as const;
  override readonly name = 'NotFoundError';
}

/** Bytes that do not decode: bad magic, checksum mismatch, truncation, out-of-range offsets. */
export class CorruptDataError extends RaggedAtlasError {
  readonly _tag = 'CorruptData' as const;
  override readonly name = 'CorruptDataError';
}

/** A codec (BP-128, zstd, lz4, ...) rejected its input; `codec` names it and `code` is its error code. */
export class CodecError extends RaggedAtlasError {
  readonly _tag = 'Codec' as const;
  override readonly name = 'CodecError';
  constructor(message: string, fields: ErrorFields & { codec: string; code?: number | string }, options?: { cause?: unknown }) {
    super(`${fields.codec}: ${message}`, fields, options);
  }
  get codec(): string {
    return this.fields.codec as string;
  }
  get code(): number | string | undefined {
    return this.fields.code as number | string | undefined;
  }
}

/** A format version, encoding, feature flag or codec we know exists but do not read (named in `feature`). */
export class UnsupportedError extends RaggedAtlasError {
  readonly _tag = 'Unsupported' as const;
  override readonly name = 'UnsupportedError';
  constructor(message: string, fields: ErrorFields & { feature: string }, options?: { cause?: unknown }) {
    super(message, fields, options);
  }
}

/** A `where` predicate that does not parse; `position` is the 0-based character offset. */
export class PredicateSyntaxError extends RaggedAtlasError {
  readonly _tag = 'PredicateSyntax' as const;
  override readonly name = 'PredicateSyntaxError';
  constructor(message: string, fields: ErrorFields & { predicate: string; position: number }) {
    super(`${message} at position ${fields.position}: ${pointAt(fields.predicate, fields.position)}`, fields);
  }
  get position(): number {
    return this.fields.position as number;
  }
}

/** A query that cannot run as built (unknown column, conflicting options, no snapshot checked out). */
export class QueryError extends RaggedAtlasError {
  readonly _tag = 'Query' as const;
  override readonly name = 'QueryError';
}

/** Input files given to the companion that are malformed; `where` names the file and position. */
export class InvalidInputError extends RaggedAtlasError {
  readonly _tag = 'InvalidInput' as const;
  override readonly name = 'InvalidInputError';
}

/** An atlas that fails homeobox's validation rules; `problems` lists every one found. */
export class ValidationError extends RaggedAtlasError {
  readonly _tag = 'Validation' as const;
  override readonly name = 'ValidationError';
  constructor(problems: string[], fields: ErrorFields = {}) {
    super(`atlas validation failed:\n  - ${problems.join('\n  - ')}`, { ...fields, problems });
  }
  get problems(): string[] {
    return this.fields.problems as string[];
  }
}

/**
 * A decode or fetch worker that could not start (a wrong `workerUrl`, a script or wasm the page may
 * not load, a Content-Security-Policy without `blob:`), kept dying, or was used after its pool closed.
 * `where` is the worker's script URL. A browser's error event cannot tell a 404 from a blocked script,
 * so one tag covers both.
 */
export class WorkerError extends RaggedAtlasError {
  readonly _tag = 'Worker' as const;
  override readonly name = 'WorkerError';
}

/** The caller's AbortSignal fired. */
export class AbortedError extends RaggedAtlasError {
  readonly _tag = 'Aborted' as const;
  override readonly name = 'AbortError';
}

const classes = {
  Http: HttpError,
  NotFound: NotFoundError,
  CorruptData: CorruptDataError,
  Codec: CodecError,
  Unsupported: UnsupportedError,
  PredicateSyntax: PredicateSyntaxError,
  Query: QueryError,
  InvalidInput: InvalidInputError,
  Validation: ValidationError,
  Worker: WorkerError,
  Aborted: AbortedError,
} satisfies Record<ErrorTag, unknown>;

export function isRaggedAtlasError<T extends ErrorTag>(
  err: unknown,
  ...tags: T[]
): err is InstanceType<(typeof classes)[T]> {
  return err instanceof RaggedAtlasError && (tags.length === 0 || (tags as ErrorTag[]).includes(err._tag));
}

/** Plain-object form of an error, safe for postMessage (native Errors do not clone everywhere). */
export interface WireError {
  _tag: ErrorTag | 'Error';
  name: string;
  message: string;
  fields: ErrorFields;
  stack?: string;
}

export function toWire(err: unknown): WireError {
  if (err instanceof RaggedAtlasError) {
    return { _tag: err._tag, name: err.name, message: err.message, fields: err.fields, stack: err.stack };
  }
  if (err instanceof Error) {
    const tag = err.name === 'AbortError' ? 'Aborted' : 'Error';
    return { _tag: tag, name: err.name, message: err.message, fields: {}, stack: err.stack };
  }
  return { _tag: 'Error', name: 'Error', message: String(err), fields: {} };
}

export function fromWire(wire: WireError): Error {
  if (wire._tag === 'Error') {
    const e = new Error(wire.message);
    e.name = wire.name;
    if (wire.stack) e.stack = wire.stack;
    return e;
  }
  // Rebuild without re-running the constructors' message formatting.
  const e = Object.create(classes[wire._tag].prototype) as RaggedAtlasError;
  Object.defineProperty(e, 'message', { value: wire.message, writable: true, configurable: true });
  Object.defineProperty(e, 'fields', { value: wire.fields, enumerable: true });
  Object.defineProperty(e, '_tag', { value: wire._tag, enumerable: true });
  Object.defineProperty(e, 'name', { value: wire.name, writable: true, configurable: true });
  if (wire.stack) Object.defineProperty(e, 'stack', { value: wire.stack, writable: true, configurable: true });
  return e;
}

/** Throws AbortedError if the signal has fired. Call at every await boundary of long work. */
export function throwIfAborted(signal: AbortSignal | undefined, where?: string): void {
  if (signal?.aborted) throw abortedBy(signal, 'operation aborted', where);
}

/**
 * The AbortedError of a fired signal: its reason is kept as the error's `cause` (and as text in
 * `fields.reason`), so `controller.abort(new Error('user left'))` reaches the caller.
 */
export function abortedBy(signal: AbortSignal | undefined, message: string, where?: string): AbortedError {
  const reason: unknown = signal?.reason;
  const fields: ErrorFields = where === undefined ? {} : { where };
  if (reason === undefined) return new AbortedError(message, fields);
  return new AbortedError(message, { ...fields, reason: String(reason) }, { cause: reason });
}

function pointAt(text: string, pos: number): string {
  const start = Math.max(0, pos - 20);
  return `…${text.slice(start, pos)}⟦${text.slice(pos, pos + 1) || 'end'}⟧${text.slice(pos + 1, pos + 20)}…`;
}

/** A value as an argument error shows it: its type and, for primitives, the value (`string "1"`, `number NaN`). */
export function describeArgument(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return Array.isArray(v) ? 'an array' : typeof v;
}
