// Decoding 2.1+ pages away from the reading thread.
//
// A FragmentReader decodes the pages it fetched; with a PageDecoder in its table's context (the
// atlas passes its decode worker pool), pages of at least OFFLOAD_PAGE_BYTES are decoded there
// instead, so a big obs read (200,000 uids and pointers: ~200 ms of decoding) does not hold the
// page thread while the feature side of a query waits for it. The job is plain data (the page's
// encoding message, its buffers, its row count and leaf kind) and so is the answer (LeafSlots):
// `decodePageJob` is the one function both sides run.
import type { Any } from './protobuf.js';
import type { Decompressors } from './decompressors.js';
import type { LeafSlots } from './slots.js';
import type { Block } from './blocks.js';
import { decodePage21, type LeafKind } from './structural/page.js';
import { guard } from './guard.js';

/** Pages with at least this many encoded bytes go to the PageDecoder; smaller ones cost more to post than to decode. */
export const OFFLOAD_PAGE_BYTES = 256 * 1024;

export interface PageJob {
  encoding: Any | undefined;
  buffers: Uint8Array[];
  rows: number;
  kind: LeafKind;
  /** File, column and page, for errors. */
  where: string;
}

export interface PageDecoder {
  /** Decodes every job (results line up with `jobs`); takes ownership of the jobs' buffers. */
  lancePages(jobs: PageJob[], opts?: { signal?: AbortSignal }): Promise<LeafSlots[]>;
  /** Pages with fewer encoded bytes stay on the reading thread (default OFFLOAD_PAGE_BYTES). */
  minPageBytes?: number;
}

/** One page, decoded; any failure is a typed error naming the page. */
export function decodePageJob(job: PageJob, dec: Decompressors): LeafSlots {
  return guard(job.where, () => decodePage21(job.encoding, job.buffers, job.rows, job.kind, { dec, where: job.where }));
}

/** Every ArrayBuffer decoded slots hold, each once (to transfer them). */
export function leafSlotsBuffers(slots: LeafSlots[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView | undefined) => a && out.add(a.buffer as ArrayBuffer);
  const block = (b: Block): void => {
    if ('data' in b) add(b.data);
    if ('offsets' in b) add(b.offsets);
    if ('indices' in b) add(b.indices);
    if ('validity' in b) add(b.validity);
    if (b.kind === 'fsl') block(b.child);
    if (b.kind === 'dict') block(b.dict);
  };
  for (const s of slots) {
    for (const l of s.layers) {
      add(l.validity);
      add(l.offsets);
    }
    block(s.values);
  }
  return [...out];
}
