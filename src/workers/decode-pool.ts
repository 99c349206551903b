// ChunkDecoder backed by the worker pool: jobs are split into batches (one postMessage each,
// buffers transferred) spread over the workers; or the same decode in-thread when asked.
import { transfer } from 'comlink';
import { absoluteWasmUrls } from '../codecs/load.js';
import type { LoadOptions } from '../codecs/types.js';
import { CorruptDataError, throwIfAborted } from '../errors.js';
import { decodeJobs, initCodecs, runCsrGroupJob, runLancePages } from './decode-core.js';
import type { PageJob } from '../lance/page-decoder.js';
import { encodedReadBuffers } from '../zarr/encoded-read.js';
import { jobWhere } from '../zarr/chunk-decoder.js';
import { WorkerPool } from './pool.js';
import { isNode } from '../io/runtime.js';
import type { ChunkDecoder, CodecLoadOptions, CsrGroupJob, DecodeApi, DecodeJob } from './protocol.js';

export interface DecodePoolOptions extends Omit<CodecLoadOptions, 'wasmUrl'> {
  /**
   * The .wasm file: one URL or one per variant (Vite: `import simd from
   * 'ragged-atlas/wasm/ragged_atlas_codec_simd.wasm?url'`); relative URLs are the page's.
   */
  wasmUrl?: LoadOptions['wasmUrl'];
  /** Number of workers (default hardwareConcurrency − 1, at least 1); 0 decodes in the calling thread. */
  workers?: number;
  /** Worker script URL; defaults to the entry next to this module (pass Vite's `?worker&url` in apps). */
  workerUrl?: URL;
  /** Encoded bytes per message; batches amortise postMessage cost. Default 4 MiB. */
  batchBytes?: number;
}

export function defaultDecodeWorkerUrl(): URL {
  const ts = import.meta.url.endsWith('.ts');
  return isNode
    ? new URL(ts ? './decode-worker.node.ts' : './decode-worker.node.js', import.meta.url)
    : new URL(ts ? './decode-worker.ts' : './decode-worker.js', import.meta.url);
}

export function createDecoder(opts: DecodePoolOptions = {}): ChunkDecoder {
  if (opts.workers === 0) return inThreadDecoder(opts);
  const pool = new WorkerPool<DecodeApi>(opts.workerUrl ?? defaultDecodeWorkerUrl(), {
    size: opts.workers,
    init: async (api) => {
      await api.init({ wasmUrl: absoluteWasmUrls(opts.wasmUrl), variant: opts.variant });
    },
  });
  const batchBytes = opts.batchBytes ?? 4 * 1024 * 1024;
  return {
    async decode(jobs, { signal } = {}) {
      const batches = splitBatches(jobs, batchBytes);
      let start = 0;
      const results = await Promise.all(
        batches.map((batch) => {
          const offset = start;
          start += batch.length;
          return pool
            .run(
              async (api) => {
                // Transfer copies of the inputs' bytes: callers may still hold views on shared buffers.
                const own = batch.map((j) => ({ ...j, encoded: j.encoded.slice() }));
                return api.decode(transfer(own, own.map((j) => j.encoded.buffer as ArrayBuffer)));
              },
              { signal, cancel: finishUnwanted },
            )
            .catch((err) => {
              throw renumberJob(err, offset);
            });
        }),
      );
      return results.flat();
    },
    csrGroup(job, { signal } = {}) {
      // The job's reads and lengths are the caller's to give away; the remap is usually shared.
      const own: CsrGroupJob = { ...job, remap: job.remap.slice() };
      return pool.run((api) => api.csrGroup(transfer(own, csrJobBuffers(own))), { signal, cancel: finishUnwanted });
    },
    lancePages(jobs, { signal } = {}) {
      // Copies, transferred: page buffers and encoding messages are views into answers and file
      // metadata the reader keeps (a clone of a view would copy its whole buffer anyway).
      const own = jobs.map((j) => ({ ...j, buffers: j.buffers.map((b) => b.slice()), encoding: j.encoding && { typeUrl: j.encoding.typeUrl, value: j.encoding.value.slice() } }));
      const buffers = own.flatMap((j) => [...j.buffers.map((b) => b.buffer as ArrayBuffer), ...(j.encoding ? [j.encoding.value.buffer as ArrayBuffer] : [])]);
      return pool.run((api) => api.lancePages(transfer(own, buffers)), { signal, cancel: finishUnwanted });
    },
    close: () => pool.close(),
  };
}

export function inThreadDecoder(opts: Pick<LoadOptions, 'wasmUrl' | 'variant'> = {}): ChunkDecoder {
  return {
    async decode(jobs, { signal } = {}) {
      const c = await initCodecs(opts);
      throwIfAborted(signal);
      return decodeJobs(c, jobs);
    },
    async csrGroup(job, { signal } = {}) {
      const c = await initCodecs(opts);
      throwIfAborted(signal);
      return runCsrGroupJob(c, job);
    },
    async lancePages(jobs: PageJob[], { signal } = {}) {
      const c = await initCodecs(opts);
      throwIfAborted(signal);
      return runLancePages(c, jobs);
    },
  };
}

function csrJobBuffers(job: CsrGroupJob): ArrayBuffer[] {
  return [...encodedReadBuffers(job.indices), ...job.values.flatMap(encodedReadBuffers), job.lengths.buffer as ArrayBuffer, job.remap.buffer as ArrayBuffer];
}

/** A job error from a batch, numbered as in the caller's whole list (chunk-decoder names the chunk by it). */
function renumberJob(err: unknown, offset: number): unknown {
  if (!offset || !(err instanceof CorruptDataError) || typeof err.fields.job !== 'number') return err;
  const job = err.fields.job + offset;
  return new CorruptDataError(err.detail, { ...err.fields, job, where: jobWhere(String(err.fields.codec), job) }, { cause: err });
}

function splitBatches(jobs: DecodeJob[], batchBytes: number): DecodeJob[][] {
  const out: DecodeJob[][] = [];
  let cur: DecodeJob[] = [];
  let bytes = 0;
  for (const j of jobs) {
    if (cur.length && bytes + j.encoded.length > batchBytes) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(j);
    bytes += j.encoded.length;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * An aborted decode call is left to finish in its worker, and its result dropped. Terminating the
 * worker (the pool's default) stops the CPU at once, but a new worker must load and compile the
 * wasm before the next query can decode: an explorer's next 10-gene query after an abort that
 * landed mid-decode took 593 / 617 ms that way against 473 / 479 ms letting the call finish
 * (bench:query harness, Chromium, interleaved, medians of 6; abort at 150 / 250 ms). A decode call
 * is bounded (≤ 4 MiB of chunks, one unit, one read's pages: tens of ms), far below a respawn.
 */
const finishUnwanted = (): void => undefined;
