// The decode work itself, free of any worker plumbing, so it runs in a worker or in-thread alike.
import { loadCodecs, type Codecs } from '../codecs/index.js';
import { CorruptDataError } from '../errors.js';
import type { CodecLoadOptions, DecodeJob } from './protocol.js';

let codecs: Promise<Codecs> | undefined;

export function initCodecs(opts: CodecLoadOptions = {}): Promise<Codecs> {
  codecs ??= loadCodecs(opts as Parameters<typeof loadCodecs>[0]);
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
