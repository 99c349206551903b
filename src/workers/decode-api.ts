// The DecodeApi object both worker entries expose. Thrown errors keep their class across the
// boundary through the comlink error transfer each entry installs (comlink-errors.ts).
import { transfer } from 'comlink';
import { leafSlotsBuffers } from '../lance/page-decoder.js';
import { csrBuffers, decodeJobs, initCodecs, runCsrGroupJob, runLancePages, workerCodecs } from './decode-core.js';
import { cancelWorkerFetch, workerSideFetch } from './fetch-core.js';
import type { CodecLoadOptions, CsrGroupJob, DecodeApi, DecodeJob } from './protocol.js';

export const decodeApi = {
  async init(opts: CodecLoadOptions) {
    return { variant: (await initCodecs(opts)).variant };
  },
  async decode(jobs: DecodeJob[]) {
    const out = decodeJobs(await workerCodecs(), jobs);
    return transfer(out, out.map((b) => b.buffer as ArrayBuffer));
  },
  async lancePages(jobs) {
    const slots = runLancePages(await workerCodecs(), jobs);
    return transfer(slots, leafSlotsBuffers(slots));
  },
  fetch: workerSideFetch,
  cancelFetch: cancelWorkerFetch,
  async csrGroup(job: CsrGroupJob) {
    const m = runCsrGroupJob(await workerCodecs(), job);
    return transfer(m, csrBuffers(m));
  },
} satisfies DecodeApi;
