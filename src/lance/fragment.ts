// Reading rows of one fragment: maps schema fields to data-file columns, fetches the pages a row
// window needs (planned by plan.ts, coalesced per file), decodes them and keeps decoded pages
// while later windows still need them, so streaming scans decode each page once.
//
// Field → column mapping (DataFile.fields[i] is stored in column DataFile.column_indices[i]):
//   2.1/2.2 files list leaf fields only (struct/list parents have no column); 2.0 files list every
//   field. A field in no file of the fragment (added later by schema evolution) reads as null;
//   when several files list a field, the last one wins.
import type * as arrow from 'apache-arrow';
import { CorruptDataError, UnsupportedError, throwIfAborted } from '../errors.js';
import { readRanges } from '../io/ranges.js';
import { buildField, leavesOf } from './arrow-build.js';
import { decodeColumnEncodingKind } from './proto/encodings20.js';
import type { ColumnMetadataProto } from './proto/file2.js';
import type { DataFragmentProto } from './proto/table.js';
import { groupRanges, planPages, planWholeColumns, type ColumnPages, type PageRead } from './plan.js';
import { leafKind, type LanceField } from './schema.js';
import { concatLeaves, sliceLeaf, takeLeaf, type LeafSlots } from './slots.js';
import { decodePageJob, OFFLOAD_PAGE_BYTES, type PageJob } from './page-decoder.js';
import { PART_BYTES, type TableContext } from './context.js';
import type { FileMetadata } from './file-reader.js';
import { decodeField20 } from './v2_0/field.js';
import { guard } from './guard.js';

interface Location {
  file: number;
  column: number;
}

interface CachedPage {
  rowStart: number;
  rowEnd: number;
  slots: LeafSlots;
}

/**
 * Decoded pages kept between the windows of one read (a scan of a fragment, a take). Owned by
 * the caller and dropped with it, so finished scans do not pin decoded data.
 */
export interface PageCache {
  pages: Map<string, CachedPage>;
  /** 2.0 files: whole decoded top-level fields, by `file:fieldId`. */
  fields20: Map<string, Promise<Map<number, LeafSlots>>>;
}

export const newPageCache = (): PageCache => ({ pages: new Map(), fields20: new Map() });

export class FragmentReader {
  readonly id: number;
  readonly physicalRows: number;
  readonly #ctx: TableContext;
  readonly #frag: DataFragmentProto;
  readonly #where: string;
  readonly #fieldLoc = new Map<number, Location>();

  readonly #dir: string;

  /** `dir` is where the fragment's file paths are relative to (`data` for tables). */
  constructor(ctx: TableContext, frag: DataFragmentProto, dir = 'data') {
    this.#ctx = ctx;
    this.#dir = dir;
    this.#frag = frag;
    this.id = frag.id;
    this.physicalRows = frag.physicalRows;
    this.#where = `${ctx.name} fragment ${frag.id}`;
    frag.files.forEach((f, file) => {
      f.fields.forEach((id, i) => {
        const column = f.columnIndices[i] ?? i;
        if (id >= 0 && column >= 0) this.#fieldLoc.set(id, { file, column });
      });
    });
  }

  fileKey(file: number): string {
    return `${this.#dir}/${this.#frag.files[file]!.path}`;
  }

  get fileCount(): number {
    return this.#frag.files.length;
  }

  /**
   * Starts loading every data file's metadata (shared by later reads, so it takes no caller's
   * signal); a failure is left for the read that needs it.
   */
  prefetchMetadata(): void {
    this.#frag.files.forEach((_, file) => void this.#meta(file).catch(() => undefined));
  }

  #meta(file: number, signal?: AbortSignal): Promise<FileMetadata> {
    const f = this.#frag.files[file]!;
    return this.#ctx.fileMetadata(this.fileKey(file), f.fileSizeBytes, signal);
  }

  deleted(signal?: AbortSignal): Promise<Uint32Array> {
    return this.#ctx.deletions(this.#frag, signal);
  }

  /**
   * Decoded leaves of `fields` (top-level) for physical rows [start, end) of this fragment.
   * Pages decoded for earlier windows are reused; pages wholly before `start` are dropped.
   */
  async readLeaves(fields: LanceField[], start: number, end: number, cache: PageCache = newPageCache(), signal?: AbortSignal): Promise<Map<number, LeafSlots>> {
    for (const [k, p] of cache.pages) if (p.rowEnd <= start) cache.pages.delete(k);
    const leaves = fields.flatMap(leavesOf);
    const files = [...new Set(leaves.map((l) => this.#fieldLoc.get(l.id)?.file).filter((f): f is number => f !== undefined))];
    const metas = new Map<number, FileMetadata>();
    await Promise.all(files.map(async (f) => metas.set(f, await this.#meta(f, signal))));
    throwIfAborted(signal, this.#where);

    const out = new Map<number, LeafSlots>();
    // 2.0 files: whole top-level fields.
    const jobs20: Promise<void>[] = [];
    for (const top of fields) {
      for (const file of new Set(leavesOf(top).map((l) => this.#fieldLoc.get(l.id)?.file))) {
        if (file === undefined || metas.get(file)!.footer.version !== '2.0') continue;
        jobs20.push(this.#field20(top, file, metas.get(file)!, cache, signal).then((m) => {
          for (const [id, s] of m) out.set(id, sliceLeaf(s, start, end));
        }));
      }
    }
    // 2.1/2.2 files: leaf columns, page by page.
    const leaves21 = leaves.filter((l) => {
      const loc = this.#fieldLoc.get(l.id);
      return loc !== undefined && metas.get(loc.file)!.footer.version !== '2.0';
    });
    const cols: (ColumnPages & { leaf: LanceField })[] = leaves21.map((leaf) => {
      const loc = this.#fieldLoc.get(leaf.id)!;
      return { ...loc, leaf, pages: this.#column(metas.get(loc.file)!, loc).pages };
    });
    const reads = planPages(cols, start, end, (c, page) => cache.pages.has(`${c.file}:${c.column}:${page}`));
    const buffers = await this.#fetch(reads, signal);
    const jobs = reads.map((r, i): PageJob => {
      const col = cols.find((c) => c.file === r.file && c.column === r.column)!;
      const where = `${this.fileKey(r.file)} column ${r.column} page ${r.page}`;
      const meta = this.#column(metas.get(r.file)!, r);
      return { encoding: meta.pages[r.page]!.encoding, buffers: buffers[i]!, rows: r.rows, kind: leafKind(col.leaf.type as arrow.DataType, where), where };
    });
    const decoded = await this.#decodePages(jobs, signal);
    reads.forEach((r, i) => cache.pages.set(`${r.file}:${r.column}:${r.page}`, { rowStart: r.rowStart, rowEnd: r.rowStart + r.rows, slots: decoded[i]! }));
    for (const c of cols) {
      // Slice each page to the window first, so streaming small windows over big pages stays linear.
      const parts: LeafSlots[] = [];
      let covered = start;
      c.pages.forEach((_, i) => {
        const p = cache.pages.get(`${c.file}:${c.column}:${i}`);
        if (!p || p.rowEnd <= start || p.rowStart >= end) return;
        if (p.rowStart > covered) return;
        const a = Math.max(start, p.rowStart);
        const b = Math.min(end, p.rowEnd);
        parts.push(sliceLeaf(p.slots, a - p.rowStart, b - p.rowStart));
        covered = b;
      });
      if (covered < end || parts.length === 0) {
        throw new CorruptDataError(`pages of field ${c.leaf.name} do not cover rows ${start}..${end}`, { where: this.#where });
      }
      out.set(c.leaf.id, concatLeaves(parts, this.#where));
    }
    await Promise.all(jobs20);
    return out;
  }

  /** Arrow columns (one Data per top-level field) for the given rows of decoded leaves. */
  buildColumns(fields: LanceField[], leaves: Map<number, LeafSlots>, rows: number, keep?: Uint32Array): arrow.Data[] {
    const picked = keep ? new Map([...leaves].map(([id, s]) => [id, takeLeaf(s, keep, this.#where)])) : leaves;
    const n = keep ? keep.length : rows;
    return guard(this.#where, () => fields.map((f) => buildField(f, picked, n, this.#where)));
  }

  /** Big pages on the table's PageDecoder (in parallel with the small ones here), the rest on this thread. */
  async #decodePages(jobs: PageJob[], signal?: AbortSignal): Promise<LeafSlots[]> {
    const pages = this.#ctx.pages;
    const min = pages?.minPageBytes ?? OFFLOAD_PAGE_BYTES;
    const isAway = jobs.map((j) => pages !== undefined && j.buffers.reduce((n, b) => n + b.length, 0) >= min);
    const away = jobs.filter((_, i) => isAway[i]);
    const there = away.length ? pages!.lancePages(away, { signal }) : undefined;
    there?.catch(() => undefined); // awaited below; a page failing here first must not leave it unhandled
    const here = jobs.map((j, i) => (isAway[i] ? undefined : decodePageJob(j, this.#ctx.dec)));
    const decodedAway = there ? await there : [];
    let k = 0;
    return here.map((s, i) => (isAway[i] ? decodedAway[k++]! : s!));
  }

  #column(meta: FileMetadata, loc: Location): ColumnMetadataProto {
    const c = meta.columns[loc.column];
    const where = `${this.fileKey(loc.file)} column ${loc.column}`;
    if (!c) throw new CorruptDataError(`column ${loc.column} does not exist (file has ${meta.columns.length})`, { where });
    if (c.encoding && c.encoding.typeUrl.endsWith('ColumnEncoding')) {
      const kind = decodeColumnEncodingKind(c.encoding.value, where);
      if (kind !== 'values') throw new UnsupportedError(`column encoding ${kind}`, { feature: `ColumnEncoding.${kind}`, where });
    }
    return c;
  }

  async #fetch(reads: PageRead[], signal?: AbortSignal): Promise<Uint8Array[][]> {
    const out: Uint8Array[][] = reads.map((r) => r.ranges.map(() => new Uint8Array(0)));
    await Promise.all(
      [...groupRanges(reads)].map(async ([file, g]) => {
        // Pages inside the bytes read for the metadata (all of a small file) need no request.
        const meta = await this.#meta(file, signal);
        const held = { offset: meta.tailOffset, bytes: meta.tail };
        const bytes = await readRanges(this.#ctx.store, this.fileKey(file), g.ranges, { signal, partBytes: PART_BYTES, ...this.#ctx.io, held });
        g.owners.forEach(([ri, bi], k) => (out[ri]![bi] = bytes[k]!));
      }),
    );
    return out;
  }

  #field20(top: LanceField, file: number, meta: FileMetadata, cache: PageCache, signal?: AbortSignal): Promise<Map<number, LeafSlots>> {
    // A narrowed struct (project's structChildren) reads fewer children: its own cache entry.
    const key = `${file}:${top.id}:${top.children.map((c) => c.id).join(',')}`;
    let p = cache.fields20.get(key);
    if (!p) {
      p = (async () => {
        const ids: number[] = [];
        const walk = (f: LanceField) => {
          ids.push(f.id);
          f.children.forEach(walk);
        };
        walk(top);
        const cols = ids
          .map((id) => ({ id, loc: this.#fieldLoc.get(id) }))
          .filter((x): x is { id: number; loc: Location } => x.loc?.file === file)
          .map((x) => ({ id: x.id, file, column: x.loc.column, pages: this.#column(meta, x.loc).pages }));
        const reads = planWholeColumns(cols);
        const buffers = await this.#fetch(reads, signal);
        const byId = new Map(cols.map((c) => [c.id, c]));
        return guard(`${this.#where} field ${top.name}`, () => decodeField20(top, (id) => {
          const c = byId.get(id);
          if (!c) return undefined;
          const pageBuffers = reads.map((r, i) => (r.column === c.column ? buffers[i]! : undefined)).filter((b): b is Uint8Array[] => !!b);
          return { meta: this.#column(meta, c), pageBuffers, where: `${this.fileKey(file)} column ${c.column}` };
        }, this.#where));
      })();
      cache.fields20.set(key, p);
    }
    return p;
  }
}
