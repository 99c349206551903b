// Read planning: which byte ranges of which data files a read needs. Pure functions, no I/O —
// the fragment reader calls them, then fetches exactly what they return (hyparquet's
// "plan, then fetch" split), so the plan can be tested and counted without a server.
//
// Example: a 2.2 file with columns uid (pages of 600k and 400k rows) and score (one page of 1M).
// Rows [700000, 800000) of [uid] need only uid's page 1:
//   planPages([{file: 0, column: 0, pages: uidPages}], 700000, 800000)
//     → [{file: 0, column: 0, page: 1, rowStart: 600000, rows: 400000, ranges: [page 1 buffers]}]
// and `groupRanges` turns a list of page reads into one list of ranges per file, which the I/O
// layer coalesces (neighbours within `maxGap` bytes become one request).
import type { ByteRange } from '../io/types.js';
import type { PageProto } from './proto/file2.js';

export interface ColumnPages {
  file: number;
  column: number;
  pages: PageProto[];
}

export interface PageRead {
  file: number;
  column: number;
  page: number;
  /** First row of the page within the file (from page lengths; pages are in row order). */
  rowStart: number;
  rows: number;
  /** The page's buffers, in page order. */
  ranges: ByteRange[];
}

/** First row of every page, plus the total as a final element. */
export function pageRowStarts(pages: PageProto[]): number[] {
  const out = [0];
  for (const p of pages) out.push(out[out.length - 1]! + p.length);
  return out;
}

/** Pages of each column that overlap rows [start, end). */
export function planPages(columns: ColumnPages[], start: number, end: number, skip?: (c: ColumnPages, page: number) => boolean): PageRead[] {
  const out: PageRead[] = [];
  for (const c of columns) {
    const starts = pageRowStarts(c.pages);
    c.pages.forEach((p, i) => {
      const a = starts[i]!;
      const b = starts[i + 1]!;
      const overlaps = (b > start && a < end) || (p.length === 0 && a >= start && a < end);
      if (!overlaps || skip?.(c, i)) return;
      out.push({ file: c.file, column: c.column, page: i, rowStart: a, rows: p.length, ranges: pageRanges(p) });
    });
  }
  return out;
}

/** Every page of the given columns (2.0 reads whole columns). */
export function planWholeColumns(columns: ColumnPages[]): PageRead[] {
  return planPages(columns, 0, Number.MAX_SAFE_INTEGER);
}

export function pageRanges(p: PageProto): ByteRange[] {
  return p.bufferOffsets.map((offset, k) => ({ offset, length: p.bufferSizes[k] ?? 0 }));
}

/** Per file: all ranges to read, and for each range which (read, buffer) it serves. */
export function groupRanges(reads: PageRead[]): Map<number, { ranges: ByteRange[]; owners: [number, number][] }> {
  const byFile = new Map<number, { ranges: ByteRange[]; owners: [number, number][] }>();
  reads.forEach((r, ri) => {
    let g = byFile.get(r.file);
    if (!g) byFile.set(r.file, (g = { ranges: [], owners: [] }));
    r.ranges.forEach((range, bi) => {
      g!.ranges.push(range);
      g!.owners.push([ri, bi]);
    });
  });
  return byFile;
}
