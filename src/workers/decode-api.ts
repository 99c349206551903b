// The DecodeApi object both worker entries expose. Thrown errors keep their class across the
// boundary through the comlink error transfer each entry installs (comlink-errors.ts).
import { transfer } from 'comlink';
import { decodeJobs, initCodecs } from './decode-core.js';
import type { CodecLoadOptions, DecodeApi, DecodeJob } from './protocol.js';

export const decodeApi = {
  async init(opts: CodecLoadOptions) {
    return { variant: (await initCodecs(opts)).variant };
  },
  async decode(jobs: DecodeJob[]) {
    const out = await decodeJobs(jobs);
    return transfer(out, out.map((b) => b.buffer as ArrayBuffer));
  },
} satisfies DecodeApi;
