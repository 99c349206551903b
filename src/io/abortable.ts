// Waiting on shared work with one's own AbortSignal: the waiter stops waiting when its signal
// fires, while the work (a cached index load, a deduplicated request, an ETag check) goes on for
// the others that share it.
import { AbortedError } from '../errors.js';

/** Settles like `p`, or rejects with AbortedError (naming `where`) as soon as `signal` fires. */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined, where?: string): Promise<T> {
  if (!signal) return p;
  const fields = where === undefined ? {} : { where };
  if (signal.aborted) return Promise.reject(new AbortedError('read aborted', fields));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError('read aborted', fields));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
