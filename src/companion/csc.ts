// `add-csc`: the feature-oriented copy of a gene_expression group (homeobox
// ingestion/feature_oriented.py `add_csc`), written next to csr/:
//   csc/indices         uint32  zarr_row of every non-zero, column by column    (BP-128 delta_zigzag; or zstd)
//   csc/layers/<layer>  the layer's dtype, same order                  (uint32: BP-128; else zstd)
//   csc/indptr          int64   n_local_features + 1; column j owns [indptr[j], indptr[j+1])
// Ordering equals scipy's `csr.tocsc()`: columns ascending, rows ascending within a column.
//
// homeobox loads the whole matrix into scipy; here memory is bounded instead: one pass counts
// entries per column, then the columns are cut into blocks whose entries fit `memoryBytes`, and
// each block is filled by streaming the CSR arrays once more (a block per pass). Arrays are
// chunked like the CSR ones (40,960 / 41,943,040). csc/indptr is written unsharded with
// zarr-python's default chunking, as homeobox ≤ 0.2.3 wrote it (one ~35 KB chunk for 18,000 genes),
// unless `indptrLayout: 'sharded'` asks for HEAD's `shards="auto"` (~1 KiB chunks, two per shard,
// so ~70 shard objects for 18,000 genes). Every homeobox version reads both: it loads
// `csc/indptr[:]` whole through zarr-python. A browser reading a few genes pays a request per gene
// per dataset for the sharded layout and one per dataset for the chunked one (10 genes × 4
// datasets: 151 → 120 requests, 1,061 → 866 ms; docs/decisions.md). csc/indptr is written last,
// so an interrupted run leaves no valid-looking copy (homeobox requires csc/indptr to use the
// CSC path).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { Atlas } from './atlas.js';
import { loadWriterCodecs, type WriterCodecs } from './codecs.js';
import { bp, codecOf, layersPath, layerSpecs } from './feature-spaces.js';
import { silentProgress, type Progress } from './progress.js';
import { readRows, sqlString } from './tables/lance.js';
import { readArrayInfo, readChunks, type ArrayInfo, type ChunkSlice } from './zarr-writer/array-reader.js';
import { allocTyped, ShardedArrayWriter, type AnyTypedArray } from './zarr-writer/array-writer.js';
import { autoPartition, guessChunks, sparseChunking, CHUNK_ELEMS, SHARD_ELEMS } from './zarr-writer/chunking.js';
import { writeChunkedArray } from './zarr-writer/chunked-writer.js';
import { ensureGroup, exists } from './zarr-writer/group.js';
import { DTYPE_BYTES, type InnerCodec } from './zarr-writer/metadata.js';

export interface AddCscOptions {
  zarrGroup: string;
  /** Pointer field referencing the group (default: the one whose feature space matches). */
  field?: string;
  /** Layers to copy (default `counts`, as homeobox). */
  layers?: string[];
  /** Replace an existing csc/ copy. */
  force?: boolean;
  /** Upper bound for one column block's buffers (default 512 MiB). */
  memoryBytes?: number;
  /**
   * `chunked` (default): csc/indptr unsharded, zarr-python's default chunks (homeobox ≤ 0.2.3).
   * `sharded`: zarr-python's `shards="auto"`, byte-identical to homeobox 0.2.4+ / HEAD.
   */
  indptrLayout?: IndptrLayout;
  codecs?: WriterCodecs;
  /**
   * `bitpacking` (default): homeobox's BP-128 codec (`homeobox.bitpacking`): delta_zigzag for
   * csc/indices, plain for uint32 layers (as csr/layers/counts); `zstd`: what homeobox's add_csc
   * writes, byte-identical. homeobox reads both (its CSC spec checks dtype and shape, and zarr
   * resolves the codec by name). Plain delta, csr/indices' transform, wraps every column start to a
   * 32-bit step: on pbmc3k (70 entries per column) indices took 1.87 B per entry, against 1.02 for
   * delta_zigzag and 1.50 for zstd; on bench:query's atlas (4 × 50,000 cells, 3,100 entries per
   * column) 35 vs 38 MB per dataset. There the whole copy is 66 MB per dataset instead of 148, a
   * 40,960-entry chunk of indices decodes in ~30 µs instead of 330, and a 10-gene query reads
   * ~3 MB of chunks instead of 11.
   */
  codec?: CscCodec;
  chunkElems?: number;
  shardElems?: number;
  progress?: Progress;
}

export type IndptrLayout = 'chunked' | 'sharded';
export type CscCodec = 'zstd' | 'bitpacking';

export interface AddCscResult {
  zarrGroup: string;
  nRows: number;
  nFeatures: number;
  nnz: number;
  layers: string[];
  passes: number;
}

export async function addCsc(atlas: Atlas, opts: AddCscOptions): Promise<AddCscResult> {
  const progress = opts.progress ?? silentProgress;
  const zg = opts.zarrGroup;
  const [ds] = await readRows(atlas.datasets, { where: `zarr_group = ${sqlString(zg)}`, select: ['feature_space', 'layout_uid'], limit: 1 });
  if (!ds) throw new NotFoundError(`no dataset record for zarr_group '${zg}'`);
  const fs = ds.feature_space as string;
  const spec = atlas.spec(fs);
  if (!spec.featureOriented || spec.pointer !== 'sparse') throw new InvalidInputError(`feature space '${fs}' has no feature-oriented (CSC) spec`);
  const field = opts.field ?? atlas.obsDef.pointers.find((p) => p.featureSpace === fs)?.name;
  if (!field) throw new NotFoundError(`no pointer field for feature space '${fs}'`);
  const layers = opts.layers ?? ['counts'];
  const cscLayerSpecs = layerSpecs(spec.featureOriented);
  for (const l of layers) if (!cscLayerSpecs.has(l)) throw new InvalidInputError(`the CSC spec of '${fs}' has no layer '${l}'`);
  const nFeatures = await atlas.layouts.countRows(`layout_uid = ${sqlString(ds.layout_uid as string)}`);

  // Rows of the group, ordered by zarr_row (must be exactly 0..n-1).
  const ptrs = await readRows(atlas.obs, { where: `${field}.zarr_group = ${sqlString(zg)}`, select: [field] });
  if (ptrs.length === 0) throw new NotFoundError(`no obs rows point at zarr_group '${zg}' through '${field}'`, { where: zg, cells: 0 });
  const rows = ptrs.map((r) => r[field] as { start: number; end: number; zarr_row: number }).sort((a, b) => a.zarr_row - b.zarr_row);
  rows.forEach((r, i) => {
    if (r.zarr_row !== i) {
      // homeobox's rule (format reference §3.6): a copy covers every row of the group, so a group
      // whose obs rows were deleted gets none; reads keep their path (its existing copy, or CSR)
      throw new InvalidInputError(
        `obs rows of zarr group '${zg}' were deleted: its zarr_row values are not 0..${rows.length - 1} (found ${r.zarr_row} at position ${i}), and a CSC copy covers a whole group, as homeobox builds it; queries keep reading the group as before (its existing CSC copy, if any, else CSR)`,
        { where: zg, incompleteGroup: true },
      );
    }
  });
  const n = rows.length;
  const indptr = new Float64Array(n + 1);
  indptr[0] = rows[0]!.start;
  rows.forEach((r, i) => (indptr[i + 1] = r.end));

  const root = atlas.zarrDir;
  const prefix = spec.group.layers.prefix;
  const idxInfo = await mustArray(root, `${zg}/${spec.group.requiredArrays[0]!.name}`);
  const layerInfos = await Promise.all(layers.map((l) => mustArray(root, `${zg}/${layersPath(spec.group)}/${l}`)));
  const nnz = idxInfo.shape[0]!;
  if (indptr[n]! > nnz) throw new InvalidInputError(`pointers reach element ${indptr[n]}, but ${prefix}/indices has ${nnz}`);
  const cscDir = join(root, zg, 'csc');
  if (await exists(cscDir)) {
    // A copy an interrupted run left unfinished is no copy (the reader ignores it): rebuilt as if absent.
    if (!opts.force && (await hasCscCopy(root, zg, layers))) throw new InvalidInputError(`zarr group '${zg}' already has a csc/ copy (use --force to rebuild it)`);
    await rm(cscDir, { recursive: true, force: true });
  }
  const codecs = opts.codecs ?? (await loadWriterCodecs());

  // Pass 1: entries per column.
  progress.phase(`add-csc ${zg}: counting`, nnz, 'entries');
  const colCount = new Float64Array(nFeatures);
  for await (const ch of readChunks(root, idxInfo, codecs)) {
    const v = ch.values as Uint32Array;
    const end = Math.min(v.length, indptr[n]! - ch.rowStart);
    for (let k = Math.max(0, indptr[0]! - ch.rowStart); k < end; k++) {
      const c = v[k]!;
      if (c >= nFeatures) throw new InvalidInputError(`csr/indices holds column ${c}, but the layout has ${nFeatures} features`, { where: `${zg}/csr/indices[${ch.rowStart + k}]` });
      colCount[c]!++;
    }
    progress.advance(ch.nRows);
  }
  progress.done();
  const cscPtr = new Float64Array(nFeatures + 1);
  for (let c = 0; c < nFeatures; c++) cscPtr[c + 1] = cscPtr[c]! + colCount[c]!;
  const total = cscPtr[nFeatures]!;

  // Column blocks that fit the memory budget.
  const perEntry = 4 + layerInfos.reduce((a, l) => a + DTYPE_BYTES[l.dtype], 0);
  const budget = Math.max(1, Math.floor((opts.memoryBytes ?? 512 * 2 ** 20) / perEntry));
  const blocks: [number, number][] = [];
  for (let c0 = 0; c0 < nFeatures; ) {
    let c1 = c0 + 1;
    while (c1 < nFeatures && cscPtr[c1 + 1]! - cscPtr[c0]! <= budget) c1++;
    blocks.push([c0, c1]);
    c0 = c1;
  }

  await ensureGroup(root, `${zg}/csc/layers`);
  const { chunkRows, shardRows } = sparseChunking(opts.chunkElems ?? CHUNK_ELEMS, opts.shardElems ?? SHARD_ELEMS);
  const fo = spec.featureOriented;
  const packed = (opts.codec ?? 'bitpacking') === 'bitpacking';
  const mk = (path: string, dtype: ArrayInfo['dtype'], codec: InnerCodec) =>
    new ShardedArrayWriter({ root, path: `${zg}/${path}`, dtype, rowShape: [], chunkRows, shardRows, codec, codecs, sizeHints: atlas.shardSizeHints });
  const indicesW = mk('csc/indices', 'uint32', packed ? bp('delta_zigzag') : codecOf(fo.requiredArrays[0]!));
  const layerW = layers.map((l, i) => {
    const { dtype } = layerInfos[i]!;
    return mk(`csc/layers/${l}`, dtype, packed && dtype === 'uint32' ? bp('none') : codecOf(cscLayerSpecs.get(l)!));
  });
  const writers = [indicesW, ...layerW];
  try {
    progress.phase(`add-csc ${zg}: transposing`, blocks.length, 'passes');
    for (const [c0, c1] of blocks) {
      const base = cscPtr[c0]!;
      const size = cscPtr[c1]! - base;
      const outRows = new Uint32Array(size);
      const outVals = layerInfos.map((l) => allocTyped(l.dtype, size));
      const fill = new Float64Array(c1 - c0);
      for (let c = c0; c < c1; c++) fill[c - c0] = cscPtr[c]! - base;
      let row = 0;
      for await (const [idx, ...vals] of alignedChunks(root, [idxInfo, ...layerInfos], codecs)) {
        const iv = idx!.values as Uint32Array;
        for (let k = 0; k < iv.length; k++) {
          const e = idx!.rowStart + k;
          if (e < indptr[0]! || e >= indptr[n]!) continue;
          while (e >= indptr[row + 1]!) row++;
          const c = iv[k]!;
          if (c < c0 || c >= c1) continue;
          const p = fill[c - c0]!++;
          outRows[p] = row;
          for (let j = 0; j < vals.length; j++) (outVals[j] as Float64Array)[p] = (vals[j]!.values as Float64Array)[k]!;
        }
      }
      await indicesW.append(outRows);
      for (let j = 0; j < layerW.length; j++) await layerW[j]!.append(outVals[j]!);
      progress.advance(1);
    }
    for (const w of writers) await w.finish();
    // csc/indptr last.
    await writeCscIndptr({ root, path: `${zg}/csc/indptr`, codec: codecOf(fo.requiredArrays[1]!), codecs, layout: opts.indptrLayout ?? 'chunked' }, BigInt64Array.from(cscPtr, (x) => BigInt(x)));
    progress.done();
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort()));
    await rm(cscDir, { recursive: true, force: true });
    throw err;
  }
  return { zarrGroup: zg, nRows: n, nFeatures, nnz: total, layers, passes: 1 + blocks.length };
}

/**
 * Whether `zg` holds a finished CSC copy with `layers`: every array's zarr.json, which each writer
 * writes last (csc/indptr after all the others). A copy without them is what an interrupted
 * add-csc leaves; readers ignore it and read CSR.
 */
export async function hasCscCopy(zarrRoot: string, zg: string, layers: readonly string[] = ['counts']): Promise<boolean> {
  const arrays = ['indptr', 'indices', ...layers.map((l) => `layers/${l}`)];
  for (const a of arrays) if (!(await exists(join(zarrRoot, zg, 'csc', a, 'zarr.json')))) return false;
  return true;
}

/** Writes csc/indptr (int64) in `layout` (AddCscOptions.indptrLayout). */
export async function writeCscIndptr(o: { root: string; path: string; codec: InnerCodec; codecs: WriterCodecs; layout: IndptrLayout }, ptr: BigInt64Array): Promise<void> {
  const n = ptr.length;
  if (o.layout === 'chunked') {
    await writeChunkedArray({ root: o.root, path: o.path, dtype: 'int64', chunkRows: guessChunks([n], 8)[0]!, codec: o.codec, codecs: o.codecs }, ptr);
    return;
  }
  const { chunks, shards } = autoPartition([n], 8);
  // No size attribute: these ~2 KiB shards are read whole, and the document stays 0.2.4+'s exactly.
  const w = new ShardedArrayWriter({ root: o.root, path: o.path, dtype: 'int64', rowShape: [], chunkRows: chunks[0]!, shardRows: shards[0]!, codec: o.codec, codecs: o.codecs, sizeHints: false });
  await w.append(ptr);
  await w.finish();
}

async function mustArray(root: string, path: string): Promise<ArrayInfo> {
  const info = await readArrayInfo(root, path);
  if (!info) throw new NotFoundError(`${path} is not an array`);
  return info;
}

/** Chunks of several 1-D arrays of equal length, re-cut to common element ranges. */
async function* alignedChunks(root: string, infos: ArrayInfo[], codecs: WriterCodecs): AsyncGenerator<ChunkSlice[]> {
  const its = infos.map((i) => readChunks(root, i, codecs));
  const cur: (ChunkSlice | undefined)[] = infos.map(() => undefined);
  const off = infos.map(() => 0);
  const total = infos[0]!.shape[0]!;
  let pos = 0;
  try {
    while (pos < total) {
      for (let i = 0; i < its.length; i++) {
        while (!cur[i] || off[i] === cur[i]!.nRows) {
          const nx = await its[i]!.next();
          if (nx.done) throw new InvalidInputError(`${infos[i]!.path} is shorter than ${infos[0]!.path}`);
          cur[i] = nx.value;
          off[i] = 0;
        }
      }
      const step = Math.min(...cur.map((c, i) => c!.nRows - off[i]!));
      yield cur.map((c, i) => ({ rowStart: pos, nRows: step, values: (c!.values as AnyTypedArray).subarray(off[i]!, off[i]! + step) as AnyTypedArray }));
      for (let i = 0; i < its.length; i++) off[i]! += step;
      pos += step;
    }
  } finally {
    // Close the chunk readers (their open file handles) whether we finished, failed or were abandoned.
    await Promise.all(its.map((it) => it.return(undefined)));
  }
}
