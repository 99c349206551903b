// The decode step of the read path: encoded inner-chunk bytes + codec chain → decoded LE bytes.
//
// The heavy part (BP-128 unpacking, zstd) runs behind the injected `ChunkDecoder` — the worker
// pool (src/workers) or the in-thread decoder below; both speak the same job protocol
// (src/workers/protocol.ts: one job = encoded bytes + one InnerCodec + the exact output size).
// The cheap parts stay here, in the calling thread, because they need no wasm:
//
//   decode order = bytesCodecs reversed:
//     [crc32c …]      trailing checksums of the encoded bytes  → verified and stripped before the job
//     [compressor]    at most one of homeobox.bitpacking | zstd → the job (none: bytes pass through)
//     [crc32c …]      checksums of the serialized bytes       → verified and stripped after the job
//     bytes(big)      byte swap to little-endian               → after the job
//
// A chain with two compressors is refused (no writer we know produces one).

import { CodecError, CorruptDataError, UnsupportedError, throwIfAborted } from '../errors.js';
import type { ChunkDecoder, DecodeJob, InnerCodec } from '../workers/protocol.js';
import { byteSwapInPlace } from './codecs/bytes.js';
import type { ChunkCodecChain } from './codecs/chain.js';
import { stripCrc32c } from './codecs/crc32c.js';

export type { ChunkDecoder, DecodeJob, InnerCodec };

/** What the calling thread does around the one decoder job for a chain. */
export interface ChunkDecodePlan {
  crcBefore: number;
  codec: InnerCodec;
  crcAfter: number;
  swap: boolean;
  itemSize: number;
}

/** Splits a chain into main-thread steps and the one decoder job (pure; throws for unreadable chains). */
export function planChunkDecode(chain: ChunkCodecChain, where: string): ChunkDecodePlan {
  const rev = [...chain.bytesCodecs].reverse();
  let i = 0;
  while (rev[i]?.name === 'crc32c') i++;
  const crcBefore = i;
  let codec: InnerCodec = { name: 'bytes' };
  const c = rev[i];
  if (c && c.name !== 'crc32c') {
    codec = c.name === 'zstd' ? { name: 'zstd' } : { name: 'homeobox.bitpacking', elementSize: c.elementSize };
    i++;
  }
  const crcAfter = rev.slice(i).filter((x) => x.name === 'crc32c').length;
  if (i + crcAfter !== rev.length) {
    throw new UnsupportedError(`codec chains with more than one compressor (${chain.bytesCodecs.map((x) => x.name).join(', ')}) are not supported`, {
      feature: 'multiple compressors',
      where,
    });
  }
  return { crcBefore, codec, crcAfter, swap: chain.endian === 'big' && chain.itemSize > 1, itemSize: chain.itemSize };
}

/**
 * Decodes encoded chunks that share one plan into exactly `outBytes` bytes each (little-endian,
 * ready for a typed-array view). `where[i]` names chunk i for errors. Inputs may be views into a
 * shared request buffer; decoders must not detach them (the pool copies before transferring).
 */
export async function decodeChunks(
  decoder: ChunkDecoder,
  plan: ChunkDecodePlan,
  encoded: Uint8Array[],
  outBytes: number,
  where: string[],
  signal?: AbortSignal,
): Promise<Uint8Array[]> {
  throwIfAborted(signal);
  const jobBytes = outBytes + 4 * plan.crcAfter;
  const inputs = encoded.map((e, i) => {
    let b = e;
    for (let k = 0; k < plan.crcBefore; k++) b = stripCrc32c(b, where[i]!);
    return b;
  });
  let decoded: Uint8Array[];
  if (plan.codec.name === 'bytes') {
    decoded = inputs;
  } else {
    const jobs: DecodeJob[] = inputs.map((b) => ({ encoded: b, codec: plan.codec, outBytes: jobBytes }));
    try {
      decoded = await decoder.decode(jobs, { signal });
    } catch (err) {
      throw locate(err, where);
    }
  }
  return decoded.map((d, i) => {
    let b = d;
    if (b.length !== jobBytes) {
      throw new CorruptDataError(`chunk decoded to ${b.length} bytes, expected ${jobBytes}`, { where: where[i] });
    }
    for (let k = 0; k < plan.crcAfter; k++) b = stripCrc32c(b, where[i]!);
    if (plan.swap) {
      if (plan.codec.name === 'bytes') b = b.slice(); // never swap the caller's request buffer
      byteSwapInPlace(b, plan.itemSize);
    }
    return b;
  });
}

/**
 * Jobs carry no location, so a failure is re-thrown naming the chunk: the job's own when the error
 * says which job of the batch it was (decodeJob), else the batch's first chunk.
 */
function locate(err: unknown, where: string[]): unknown {
  if (err instanceof CorruptDataError && typeof err.fields.job === 'number' && where[err.fields.job] !== undefined) {
    const { job, ...fields } = err.fields as typeof err.fields & { job: number };
    return new CorruptDataError(err.detail, { ...fields, where: where[job] }, { cause: err });
  }
  if (!(err instanceof CodecError) || err.where) return err;
  const at = where.length === 1 ? where[0]! : `${where[0]} … one of ${where.length} chunks in this batch`;
  return new CodecError(err.message.replace(`${err.codec}: `, ''), { ...err.fields, codec: err.codec, where: at }, { cause: err });
}

/** The part of the codec module (src/codecs `Codecs`) the in-thread decoder needs. */
export interface ChunkCodecs {
  decodeChunkInto(encoded: Uint8Array, codec: Exclude<InnerCodec, { name: 'bytes' }>, out: Uint8Array): number;
}

/** Largest output one decode job may ask for (the wasm module addresses at most 4 GiB). */
const MAX_JOB_BYTES = 2 ** 31;

/** How a decode job's error names it before the caller names its chunk (see locate). */
export const jobWhere = (codec: string, i: number): string => `${codec} job ${i}`;

/**
 * One job: `outBytes` exactly, or a CorruptDataError naming job `i` of its batch (the caller names
 * the chunk). An impossible size is refused before anything is allocated.
 */
export function decodeJob(c: ChunkCodecs, job: DecodeJob, i: number): Uint8Array {
  const where = jobWhere(job.codec.name, i);
  if (!Number.isSafeInteger(job.outBytes) || job.outBytes < 0 || job.outBytes > MAX_JOB_BYTES) {
    throw new CorruptDataError(`chunk size ${job.outBytes} bytes is not one a decode can produce`, { where, job: i, codec: job.codec.name });
  }
  if (job.codec.name === 'bytes') {
    if (job.encoded.length !== job.outBytes) {
      throw new CorruptDataError(`raw chunk has ${job.encoded.length} bytes, expected ${job.outBytes}`, { where, job: i, codec: job.codec.name });
    }
    return job.encoded.slice();
  }
  const out = new Uint8Array(job.outBytes);
  const n = c.decodeChunkInto(job.encoded, job.codec, out);
  if (n !== job.outBytes) throw new CorruptDataError(`chunk decoded to ${n} bytes, expected ${job.outBytes}`, { where, job: i, codec: job.codec.name });
  return out;
}

/**
 * A ChunkDecoder that decodes in the calling thread with the wasm codecs (`sharedCodecs()` on first
 * use, or the `codecs` given). For small reads and environments without workers; the worker pool
 * is the default for large reads once wired.
 */
export function inThreadChunkDecoder(codecs?: ChunkCodecs | Promise<ChunkCodecs>): ChunkDecoder {
  let loaded: Promise<ChunkCodecs> | undefined = codecs === undefined ? undefined : Promise.resolve(codecs);
  return {
    async decode(jobs, opts = {}) {
      loaded ??= import('../codecs/load.js').then((m) => m.sharedCodecs());
      const c = await loaded;
      throwIfAborted(opts.signal);
      return jobs.map((job, i) => decodeJob(c, job, i));
    },
  };
}
