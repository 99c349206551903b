// A single Lance file read on its own, with the schema it carries (global buffer 0 holds a
// FileDescriptor {schema, length}). Index files (`_indices/{uuid}/*.lance`) are such files.
// Columns map to fields in pre-order: every field in 2.0, leaf fields only in 2.1+.
import * as arrow from 'apache-arrow';
import { CorruptDataError } from '../errors.js';
import type { TableContext } from './context.js';
import { FragmentReader, newPageCache } from './fragment.js';
import { decodeFileDescriptor } from './proto/table.js';
import { project } from './projection.js';
import { batchOf } from './scan.js';
import { arrowSchema, buildFieldTree, type LanceField } from './schema.js';

export class LanceFile {
  readonly numRows: number;
  readonly fields: LanceField[];
  readonly schema: arrow.Schema;
  readonly #reader: FragmentReader;

  private constructor(numRows: number, fields: LanceField[], schema: arrow.Schema, reader: FragmentReader) {
    this.numRows = numRows;
    this.fields = fields;
    this.schema = schema;
    this.#reader = reader;
  }

  /** Opens `{dir}/{name}`; `size` (0 = unknown) saves a HEAD request. */
  static async open(ctx: TableContext, dir: string, name: string, size = 0, signal?: AbortSignal): Promise<LanceFile> {
    const key = `${dir}/${name}`;
    const where = `${ctx.name}/${key}`;
    const meta = await ctx.fileMetadata(key, size, signal);
    const gb = meta.globalBuffers[0];
    if (!gb) throw new CorruptDataError('file has no global buffer with its schema', { where });
    const rel = gb.offset - meta.tailOffset;
    const bytes = rel >= 0 && rel + gb.length <= meta.tail.length
      ? meta.tail.subarray(rel, rel + gb.length)
      : await ctx.store.getRange(key, gb, { signal });
    const desc = decodeFileDescriptor(bytes, where);
    const fields = buildFieldTree(desc.fields, where);
    const all: LanceField[] = [];
    const walk = (f: LanceField) => {
      if (meta.footer.version === '2.0' || f.children.length === 0) all.push(f);
      f.children.forEach(walk);
    };
    fields.forEach(walk);
    const frag = {
      id: 0, physicalRows: desc.length, hasRowIdSequence: false,
      files: [{ path: name, fields: all.map((f) => f.id), columnIndices: all.map((_, i) => i), fileMajorVersion: 2, fileMinorVersion: 0, fileSizeBytes: size }],
    };
    return new LanceFile(desc.length, fields, arrowSchema(fields, desc.metadata), new FragmentReader(ctx, frag, dir));
  }

  /** Rows [start, end) of the named columns. */
  async read(columns: string[], start = 0, end = this.numRows, signal?: AbortSignal): Promise<arrow.RecordBatch> {
    const proj = project(this.fields, this.schema, columns, false);
    const leaves = await this.#reader.readLeaves(proj.fields, start, end, newPageCache(), signal);
    return batchOf(proj.schema, this.#reader.buildColumns(proj.fields, leaves, end - start), end - start);
  }
}
