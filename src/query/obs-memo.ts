// Decoded obs selections of one checked-out atlas, for later queries that select the same rows and
// columns. A checkout pins every table to a version, so a selection never goes stale. An explorer's
// next gene (`features()` over the same cells) then skips reading and decoding every cell's uid and
// pointer: at 200,000 cells ~110 ms of page-thread work per query in Chromium.
// Bounded by bytes, least recently used out first. Only finished selections are kept (no shared
// in-flight promise), so one caller's abort never fails another caller's query.
import type * as arrow from 'apache-arrow';

export class ObsMemo {
  readonly #entries = new Map<string, { table: arrow.Table; bytes: number }>();
  /** Every table ever kept, evicted or not: results built on one share its buffers with other results. */
  readonly #kept = new WeakSet<arrow.Table>();
  #bytes = 0;

  constructor(readonly budgetBytes: number) {}

  get(key: string): arrow.Table | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    this.#entries.delete(key); // most recently used last
    this.#entries.set(key, e);
    return e.table;
  }

  set(key: string, table: arrow.Table): void {
    const bytes = tableBytes(table);
    if (bytes > this.budgetBytes) return;
    const old = this.#entries.get(key);
    if (old) this.#bytes -= old.bytes;
    this.#entries.delete(key);
    this.#entries.set(key, { table, bytes });
    this.#kept.add(table);
    this.#bytes += bytes;
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.budgetBytes) break;
      this.#entries.delete(k);
      this.#bytes -= e.bytes;
    }
  }

  /** Whether `table` was kept here (then callers get copies of it, never the buffers themselves). */
  kept(table: arrow.Table): boolean {
    return this.#kept.has(table);
  }

  get bytes(): number {
    return this.#bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}

/** Bytes held by a table's buffers (each buffer counted once, views of one buffer included). */
export function tableBytes(table: arrow.Table): number {
  const seen = new Set<ArrayBufferLike>();
  let total = 0;
  const add = (a: ArrayBufferView | undefined) => {
    if (!a || seen.has(a.buffer)) return;
    seen.add(a.buffer);
    total += a.buffer.byteLength;
  };
  const visit = (d: arrow.Data) => {
    add(d.values as ArrayBufferView | undefined);
    add(d.valueOffsets);
    add(d.nullBitmap);
    add(d.typeIds);
    for (const c of d.children) visit(c);
    if (d.dictionary) for (const dd of d.dictionary.data) visit(dd);
  };
  for (const b of table.batches) visit(b.data);
  return total;
}
