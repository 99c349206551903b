// The decode work itself, free of any worker plumbing, so it runs in a worker or in-thread alike.
import { loadCodecs, sharedCodecs, type Codecs } from '../codecs/index.js';
import { decompressorsFrom } from '../lance/decompressors.js';
import { decodePageJob, type PageJob } from '../lance/page-decoder.js';
import type { LeafSlots } from '../lance/slots.js';
import type { CsrMatrix } from '../reconstruct/csr.js';
import { assembleGroupCsr } from '../reconstruct/csr-group.js';
import { decodeEncodedIndices, decodeEncodedRead } from '../zarr/encoded-read.js';
import { decodeJob } from '../zarr/chunk-decoder.js';
import type { LoadOptions } from '../codecs/types.js';
import type { CsrGroupJob, DecodeJob } from './protocol.js';

/** The codec module per load options (a thread may hold two variants); a failed load is forgotten. */
const loads = new Map<string, Promise<Codecs>>();
/** The module a worker's init() loaded: what its jobs decode with. */
let initialised: Promise<Codecs> | undefined;

/**
 * The codec module for these options, loaded once per thread and options. A load that fails is
 * not kept, so the next call (a transient wasm fetch error, a corrected URL) loads again.
 */
export function initCodecs(opts: LoadOptions = {}): Promise<Codecs> {
  const key = JSON.stringify([opts.wasmUrl ?? null, opts.variant ?? null]);
  let p = loads.get(key);
  if (!p) {
    // Default options: the thread's shared module (also the Lance decompressors' on this thread).
    const loading = opts.wasmUrl === undefined && opts.wasmBytes === undefined && (opts.variant ?? 'auto') === 'auto' ? sharedCodecs() : loadCodecs(opts);
    loads.set(key, (p = loading));
    loading.catch(() => {
      if (loads.get(key) === loading) loads.delete(key);
      if (initialised === loading) initialised = undefined;
    });
  }
  initialised = p;
  return p;
}

/** In a worker: the module init() loaded (the default one if init was never called). */
export function workerCodecs(): Promise<Codecs> {
  return initialised ?? initCodecs();
}

export function decodeJobs(c: Codecs, jobs: DecodeJob[]): Uint8Array[] {
  return jobs.map((job, i) => decodeJob(c, job, i));
}

/**
 * A CsrGroupJob, start to finish (decode, remap, sort, cast). Indices are mapped to output columns
 * by the codec module as each chunk is decoded, when the chain allows (decodeEncodedIndices).
 */
export function runCsrGroupJob(c: Codecs, job: CsrGroupJob): CsrMatrix {
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
export function runLancePages(c: Codecs, jobs: PageJob[]): LeafSlots[] {
  const dec = decompressorsFrom(c);
  return jobs.map((job) => decodePageJob(job, dec));
}

/** Buffers of a CSR matrix, to transfer. */
export function csrBuffers(m: CsrMatrix): ArrayBuffer[] {
  return [m.indptr.buffer as ArrayBuffer, m.indices.buffer as ArrayBuffer, ...Object.values(m.data).map((d) => d.buffer as ArrayBuffer)];
}
