import { markOwned } from './owned.js';
import type { ByteRange, ByteStore, ReadOptions } from './types.js';

/** A merged request covering several wanted ranges of one file. */
export interface CoalescedRequest {
  range: ByteRange;
  /** Indices into the input ranges served by this request. */
  members: number[];
}

/**
 * Plans the fewest requests that cover `ranges` of one file: sorted by offset, neighbours whose gap
 * is at most `maxGap` bytes are merged, and no merged request grows past `maxRequest` bytes unless a
 * single range is larger. Pure: no I/O, so the plan itself is testable.
 */
export function coalesceRanges(ranges: readonly ByteRange[], maxGap: number, maxRequest = Infinity): CoalescedRequest[] {
  const order = ranges.map((_, i) => i).filter((i) => ranges[i]!.length > 0);
  order.sort((a, b) => ranges[a]!.offset - ranges[b]!.offset);
  const out: CoalescedRequest[] = [];
  let cur: CoalescedRequest | undefined;
  for (const i of order) {
    const r = ranges[i]!;
    if (cur) {
      const end = cur.range.offset + cur.range.length;
      const newEnd = Math.max(end, r.offset + r.length);
      if (r.offset - end <= maxGap && newEnd - cur.range.offset <= maxRequest) {
        cur.range.length = newEnd - cur.range.offset;
        cur.members.push(i);
        continue;
      }
    }
    cur = { range: { offset: r.offset, length: r.length }, members: [i] };
    out.push(cur);
  }
  return out;
}

/** Bytes of a file already in memory (e.g. a Lance file's tail), from `offset` on. */
export interface HeldBytes {
  offset: number;
  bytes: Uint8Array;
}

/**
 * Reads several ranges of one file through a coalesced plan; results line up with `ranges`.
 * Ranges wholly inside `held` are served from it, with no request.
 */
export async function readRanges(
  store: ByteStore,
  key: string,
  ranges: readonly ByteRange[],
  opts: ReadOptions & { maxGap?: number; maxRequest?: number; concurrency?: number; held?: HeldBytes; partBytes?: number } = {},
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = ranges.map(() => new Uint8Array(0));
  const { held } = opts;
  const rest: number[] = [];
  ranges.forEach((r, i) => {
    const at = held ? r.offset - held.offset : -1;
    if (held && at >= 0 && at + r.length <= held.bytes.length) out[i] = held.bytes.subarray(at, at + r.length);
    else rest.push(i);
  });
  const plan = coalesceRanges(rest.map((i) => ranges[i]!), opts.maxGap ?? 64 * 1024, opts.maxRequest ?? 16 * 1024 * 1024);
  for (const req of plan) req.members = req.members.map((m) => rest[m]!);
  const parts = plan.flatMap((req) => splitRange(req.range, opts.partBytes).map((part) => ({ req, part })));
  const partial = new Map<CoalescedRequest, { bytes: Uint8Array; left: number }>();
  const place = (req: CoalescedRequest, bytes: Uint8Array) => {
    for (const i of req.members) {
      const r = ranges[i]!;
      const start = r.offset - req.range.offset;
      out[i] = bytes.subarray(start, start + r.length);
    }
  };
  await mapLimit(parts, opts.concurrency ?? 6, async ({ req, part }) => {
    const bytes = await store.getRange(key, part, opts);
    if (part === req.range) return place(req, bytes);
    let whole = partial.get(req);
    if (!whole) partial.set(req, (whole = { bytes: markOwned(new Uint8Array(req.range.length)), left: req.range.length }));
    whole.bytes.set(bytes, part.offset - req.range.offset);
    if ((whole.left -= part.length) === 0) place(req, whole.bytes);
  });
  return out;
}

/**
 * A range longer than twice `partBytes`, as consecutive parts of about `partBytes` (else the range
 * itself). Fetched in parallel, the parts of one big read arrive at the bandwidth of several
 * connections, not one: servers and CDNs limit throughput per response (S3's guidance for large
 * objects is the same: concurrent ranged GETs).
 */
export function splitRange(range: ByteRange, partBytes: number | undefined): ByteRange[] {
  if (!partBytes || range.length <= 2 * partBytes) return [range];
  const n = Math.ceil(range.length / partBytes);
  const size = Math.ceil(range.length / n);
  const out: ByteRange[] = [];
  for (let at = 0; at < range.length; at += size) out.push({ offset: range.offset + at, length: Math.min(size, range.length - at) });
  return out;
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects on the first failure. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return results;
}
