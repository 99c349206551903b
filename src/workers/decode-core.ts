// The decode work itself, free of any worker plumbing, so it runs in a worker or in-thread alike.
import { loadCodecs, type Codecs } from '../codecs/index.js';
import { CorruptDataError } from '../errors.js';
import { decompressorsFrom } from '../lance/decompressors.js';
import { decodePageJob, type PageJob } from '../lance/page-decoder.js';
import type { LeafSlots } from '../lance/slots.js';
import type { CsrMatrix } from '../reconstruct/csr.js';
import { assembleGroupCsr } from '../reconstruct/csr-group.js';
import { decodeEncodedIndices, decodeEncodedRead } from '../zarr/encoded-read.js';
import type { LoadOptions } from '../codecs/types.js';
import type { CsrGroupJob, DecodeJob } from './protocol.js';

let codecs: Promise<Codecs> | undefined;

export function initCodecs(opts: LoadOptions = {}): Promise<Codecs> {
  codecs ??= loadCodecs(opts);
  return codecs;
}

export async function decodeJobs(jobs: DecodeJob[]): Promise<Uint8Array[]> {
  const c = await initCodecs();
  return jobs.map((job, i) => {
    if (job.codec.name === 'bytes') {
      if (job.encoded.length !== job.outBytes) {
        throw new CorruptDataError(`raw chunk has ${job.encoded.length} bytes, expected ${job.outBytes}`, { where: `job ${i}` });
      }
      return job.encoded.slice();
    }
    const out = new Uint8Array(job.outBytes);
    const n = c.decodeChunkInto(job.encoded, job.codec, out);
    if (n !== job.outBytes) {
      throw new CorruptDataError(`chunk decoded to ${n} bytes, expected ${job.outBytes}`, { where: `${job.codec.name} job ${i}` });
    }
    return out;
  });
}

/**
 * A CsrGroupJob, start to finish (decode, remap, sort, cast). Indices are mapped to output columns
 * by the codec module as each chunk is decoded, when the chain allows (decodeEncodedIndices).
 */
export async function runCsrGroupJob(job: CsrGroupJob): Promise<CsrMatrix> {
  const c = await initCodecs();
  const mapped = decodeEncodedIndices(job.indices, c, job.remap);
  const values = Object.fromEntries(job.layers.map((l, i) => [l, decodeEncodedRead(job.values[i]!, c)]));
  const common = { lengths: job.lengths, values, remap: job.remap };
  return assembleGroupCsr(
    mapped
      ? { ...common, mapped, localAt: (entry: number) => decodeEncodedRead(job.indices, c)[entry]! as number }
      : { ...common, indices: decodeEncodedRead(job.indices, c) as ArrayLike<number> },
    { nCols: job.nCols, layers: Object.fromEntries(job.layers.map((l, i) => [l, job.outDtypes[i]!])), sortIndices: job.sortIndices, reuseIndices: true },
  );
}

/** Lance pages, decoded with this thread's codec module. */
export async function runLancePages(jobs: PageJob[]): Promise<LeafSlots[]> {
  const dec = decompressorsFrom(await initCodecs());
  return jobs.map((job) => decodePageJob(job, dec));
}

/** Buffers of a CSR matrix, to transfer. */
export function csrBuffers(m: CsrMatrix): ArrayBuffer[] {
  return [m.indptr.buffer as ArrayBuffer, m.indices.buffer as ArrayBuffer, ...Object.values(m.data).map((d) => d.buffer as ArrayBuffer)];
}
