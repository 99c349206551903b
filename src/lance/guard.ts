// Decoding untrusted bytes must end in one of our typed errors. Decoders check what they can
// (lengths, offsets, counts); this net catches what slips through — e.g. an allocation sized by
// a corrupt count, or an index out of a typed array — and reports it as corrupt data at `where`.
import { CorruptDataError, RaggedAtlasError } from '../errors.js';

export function guard<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RaggedAtlasError) throw e;
    throw new CorruptDataError(`cannot decode: ${(e as Error)?.message ?? String(e)}`, { where }, { cause: e });
  }
}
