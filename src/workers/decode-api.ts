// The DecodeApi object both worker entries expose. Errors cross as wire errors (tags survive).
import { transfer } from 'comlink';
import { toWire } from '../errors.js';
import { decodeJobs, initCodecs } from './decode-core.js';
import type { CodecLoadOptions, DecodeApi, DecodeJob } from './protocol.js';

export const decodeApi = {
  async init(opts: CodecLoadOptions) {
    try {
      const c = await initCodecs(opts);
      return { variant: c.variant };
    } catch (err) {
      throw toWire(err);
    }
  },
  async decode(jobs: DecodeJob[]) {
    try {
      const out = await decodeJobs(jobs);
      return transfer(out, out.map((b) => b.buffer as ArrayBuffer));
    } catch (err) {
      throw toWire(err);
    }
  },
} satisfies DecodeApi;

