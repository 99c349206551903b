// Option objects of the public entry points are checked before anything runs. A misspelt option
// was silently ignored: `count({groupby: 'cell_type'})` returned a number instead of a table,
// `{worker: 0}` started workers anyway, `{cache: 'disk'}` cached in memory. TypeScript catches
// these in object literals; notebooks and plain JavaScript pages do not.
import { describeArgument, QueryError } from './errors.js';

/** Throws a QueryError for the first key of `options` that `known` does not list, naming the nearest known one. */
export function checkOptionNames(options: unknown, known: readonly string[], where: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new QueryError(`${where} takes an options object, got ${describeArgument(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = nearest(key, known);
    throw new QueryError(`${where} has no option '${key}'${near ? ` (did you mean '${near}'?)` : ''}; it takes ${known.map((k) => `'${k}'`).join(', ')}`);
  }
}

/**
 * Every option name of `T`, checked by the compiler both ways: a name `T` lacks does not compile,
 * nor does a list that leaves one of `T`'s out (a new option must be added to its check).
 * Usage: `optionNames<RunOptions>()(['signal', 'onProgress', 'sortIndices'])`.
 */
export function optionNames<T>() {
  return <const K extends readonly (keyof T & string)[]>(keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> })): K => keys;
}

/** Throws a QueryError unless `value` is undefined or a number ≥ `min` (an integer where `integer`). */
export function checkNumberOption(value: unknown, name: string, opts: { min?: number; integer?: boolean } = {}): void {
  if (value === undefined) return;
  const min = opts.min ?? 0;
  const ok = typeof value === 'number' && (opts.integer ? Number.isSafeInteger(value) : Number.isFinite(value)) && value >= min;
  if (!ok) throw new QueryError(`option '${name}' must be ${opts.integer ? 'an integer' : 'a number'} ≥ ${min}, got ${describeArgument(value)}`);
}

/** Throws a QueryError unless `value` is undefined or one of `allowed` (or, with `orObject`, an object). */
export function checkChoiceOption(value: unknown, name: string, allowed: readonly string[], orObject?: string): void {
  if (value === undefined || allowed.includes(value as string) || (orObject && value !== null && typeof value === 'object')) return;
  const choices = allowed.map((a) => `'${a}'`).join(', ');
  throw new QueryError(`option '${name}' must be ${orObject ? `${choices} or ${orObject}` : `one of ${choices}`}, got ${describeArgument(value)}`);
}

/** The known name a user most likely meant: the same but for case, or at most two edits away. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}
