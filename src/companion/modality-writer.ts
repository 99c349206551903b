// Writes one modality (one feature space, one new zarr group) from row batches, the way
// homeobox's SparseZarrWriter / DenseZarrWriter lay it out, and returns the pointer values
// homeobox would compute:
//   sparse: csr/indices (local feature index) + csr/layers/<layer>, all of length nnz;
//           start/end = cumulative element offsets, zarr_row = 0..n-1 in write order
//   dense:  layers/<layer> of shape (n, F); position = 0..n-1
// Memory: one row batch per source plus each array writer's single inner chunk.
import { join } from 'node:path';
import { InvalidInputError } from '../errors.js';
import { castValues, type SourceValues } from './cast.js';
import type { WriterCodecs } from './codecs.js';
import { codecOf, layersPath, layerSpecs, type FeatureSpaceSpec } from './feature-spaces.js';
import type { RowBatch } from './inputs/types.js';
import { denseToCsr, lockstep, rowOf, type NamedSource } from './row-batches.js';
import { allocTyped, ShardedArrayWriter, type AnyTypedArray } from './zarr-writer/array-writer.js';
import { denseChunking, sparseChunking, CHUNK_ELEMS, SHARD_ELEMS } from './zarr-writer/chunking.js';
import { ensureGroup } from './zarr-writer/group.js';
import type { DType, InnerCodec } from './zarr-writer/metadata.js';

export interface LayerSource extends NamedSource {
  /** Destination layer name in the spec (`counts`, `log_normalized`, …). */
  layer: string;
}

export interface ModalityPlan {
  spec: FeatureSpaceSpec;
  /** zarr group path relative to the store root (a fresh uid). */
  zarrGroup: string;
  /** First entry is the structural reference (its sparsity defines csr/indices). */
  layers: LayerSource[];
  nRows: number;
  nVar: number;
  obsNames: readonly string[];
  varNames: readonly string[];
}

export interface WriteTuning {
  batchRows: number;
  /** ShardedArrayOptions.sizeHints (default true). */
  sizeHints?: boolean;
  chunkElems?: number;
  shardElems?: number;
  codecs: WriterCodecs;
  /** Called after each batch with the rows just written. */
  onRows?: (n: number) => void;
}

export type PointerColumns =
  | { kind: 'sparse'; start: Float64Array; end: Float64Array; zarrRow: Float64Array }
  | { kind: 'dense'; position: Float64Array };

export interface ModalityWriteResult {
  nRows: number;
  nnz: number;
  bytes: number;
  pointers: PointerColumns;
  arrays: { path: string; shape: number[] }[];
}

export async function writeModality(zarrRoot: string, plan: ModalityPlan, t: WriteTuning): Promise<ModalityWriteResult> {
  const { spec } = plan;
  const lspecs = layerSpecs(spec.group);
  const lp = layersPath(spec.group);
  const dtypes: DType[] = plan.layers.map((l) => lspecs.get(l.layer)!.dtypes[0]!);
  await ensureGroup(zarrRoot, plan.zarrGroup);
  const groupsToMake = new Set<string>([lp, ...spec.group.requiredArrays.map((a) => a.name.split('/').slice(0, -1).join('/')).filter(Boolean)]);
  for (const g of groupsToMake) await ensureGroup(zarrRoot, join(plan.zarrGroup, g));

  const writers: ShardedArrayWriter[] = [];
  const make: Make = (path, dtype, rowShape, chunkRows, shardRows, codec) => {
    const w = new ShardedArrayWriter({ root: zarrRoot, path: `${plan.zarrGroup}/${path}`, dtype, rowShape, chunkRows, shardRows, codec, codecs: t.codecs, sizeHints: t.sizeHints });
    writers.push(w);
    return w;
  };
  try {
    if (spec.pointer === 'sparse') return await writeSparse(plan, t, dtypes, lp, make, writers);
    if (spec.pointer === 'dense') return await writeDense(plan, t, dtypes, lp, make, writers);
    throw new InvalidInputError(`feature space '${spec.featureSpace}' (${spec.pointer} pointers) cannot be ingested from a matrix`);
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort()));
    throw err;
  }
}

type Make = (path: string, dtype: DType, rowShape: number[], chunkRows: number, shardRows: number, codec: InnerCodec) => ShardedArrayWriter;

async function writeSparse(plan: ModalityPlan, t: WriteTuning, dtypes: DType[], lp: string, make: Make, writers: ShardedArrayWriter[]): Promise<ModalityWriteResult> {
  const { chunkRows, shardRows } = sparseChunking(t.chunkElems ?? CHUNK_ELEMS, t.shardElems ?? SHARD_ELEMS);
  const structural = plan.spec.group.requiredArrays[0]!; // csr/indices
  const indicesW = make(structural.name, 'uint32', [], chunkRows, shardRows, codecOf(structural));
  const ls = layerSpecs(plan.spec.group);
  const layerW = plan.layers.map((l, i) => make(`${lp}/${l.layer}`, dtypes[i]!, [], chunkRows, shardRows, codecOf(ls.get(l.layer)!)));
  const start = new Float64Array(plan.nRows);
  const end = new Float64Array(plan.nRows);
  const zarrRow = new Float64Array(plan.nRows);
  let elems = 0;
  for await (const batches of lockstep(plan.layers, t.batchRows, plan.nRows)) {
    const csr = batches.map((b) => (b.format === 'dense' ? denseToCsr(b, plan.nVar) : b));
    const ref = csr[0]!;
    for (let i = 1; i < csr.length; i++) sameStructure(ref, csr[i]!, plan.layers[0]!, plan.layers[i]!, plan);
    await indicesW.append(ref.indices);
    for (let i = 0; i < csr.length; i++) {
      const b = csr[i]!;
      const src = plan.layers[i]!;
      const vals = castValues(b.values as SourceValues, dtypes[i]!, (k) => locate(src, plan, b.rowStart + rowOf(b.indptr, k), b.indices[k]!));
      await layerW[i]!.append(vals);
    }
    for (let r = 0; r < ref.nRows; r++) {
      const row = ref.rowStart + r;
      start[row] = elems + ref.indptr[r]!;
      end[row] = elems + ref.indptr[r + 1]!;
      zarrRow[row] = row;
    }
    elems += ref.indptr[ref.nRows]!;
    t.onRows?.(ref.nRows);
  }
  const arrays = await finishAll(writers);
  return { nRows: plan.nRows, nnz: elems, bytes: writers.reduce((a, w) => a + w.bytesWritten, 0), pointers: { kind: 'sparse', start, end, zarrRow }, arrays };
}

async function writeDense(plan: ModalityPlan, t: WriteTuning, dtypes: DType[], lp: string, make: Make, writers: ShardedArrayWriter[]): Promise<ModalityWriteResult> {
  const F = plan.nVar;
  const { chunkRows, shardRows } = denseChunking(F, t.chunkElems ?? CHUNK_ELEMS, t.shardElems ?? SHARD_ELEMS);
  const ls = layerSpecs(plan.spec.group);
  const layerW = plan.layers.map((l, i) => make(`${lp}/${l.layer}`, dtypes[i]!, [F], chunkRows, shardRows, codecOf(ls.get(l.layer)!)));
  const position = new Float64Array(plan.nRows);
  let nnz = 0;
  for await (const batches of lockstep(plan.layers, t.batchRows, plan.nRows)) {
    const b0 = batches[0]!;
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i]!;
      const src = plan.layers[i]!;
      let dense: AnyTypedArray;
      if (b.format === 'dense') {
        dense = castValues(b.values, dtypes[i]!, (k) => locate(src, plan, b.rowStart + Math.floor(k / F), k % F));
      } else {
        const vals = castValues(b.values, dtypes[i]!, (k) => locate(src, plan, b.rowStart + rowOf(b.indptr, k), b.indices[k]!));
        dense = allocTyped(dtypes[i]!, b.nRows * F);
        for (let r = 0; r < b.nRows; r++) {
          for (let k = b.indptr[r]!; k < b.indptr[r + 1]!; k++) (dense as Float64Array)[r * F + b.indices[k]!] = (vals as Float64Array)[k]!;
        }
      }
      if (i === 0) for (let k = 0; k < dense.length; k++) if (dense[k] !== 0) nnz++;
      await layerW[i]!.append(dense);
    }
    for (let r = 0; r < b0.nRows; r++) position[b0.rowStart + r] = b0.rowStart + r;
    t.onRows?.(b0.nRows);
  }
  const arrays = await finishAll(writers);
  return { nRows: plan.nRows, nnz, bytes: writers.reduce((a, w) => a + w.bytesWritten, 0), pointers: { kind: 'dense', position }, arrays };
}

async function finishAll(writers: ShardedArrayWriter[]): Promise<{ path: string; shape: number[] }[]> {
  const out: { path: string; shape: number[] }[] = [];
  for (const w of writers) out.push({ path: w.options.path, shape: (await w.finish()).shape });
  return out;
}

/** Layers share csr/indices (`match_shape_of`): every source must have the same sparsity. */
function sameStructure(a: RowBatch, b: RowBatch, sa: LayerSource, sb: LayerSource, plan: ModalityPlan): void {
  for (let r = 0; r <= a.nRows; r++) {
    if (a.indptr[r] !== b.indptr[r]) {
      const row = a.rowStart + Math.max(0, r - 1);
      throw new InvalidInputError(
        `layer '${sb.layer}' (${sb.file}: ${sb.matrix}) and layer '${sa.layer}' (${sa.file}: ${sa.matrix}) have different sparsity patterns: they must share csr/indices`,
        { where: `${sb.file}: ${sb.matrix}, row ${row} (obs '${plan.obsNames[row] ?? '?'}')` },
      );
    }
  }
  for (let k = 0; k < a.indices.length; k++) {
    if (a.indices[k] !== b.indices[k]) {
      const row = a.rowStart + rowOf(a.indptr, k);
      throw new InvalidInputError(`layer '${sb.layer}' and layer '${sa.layer}' store different columns: they must share csr/indices`, {
        where: locate(sb, plan, row, b.indices[k]!),
      });
    }
  }
}

function locate(s: LayerSource, plan: ModalityPlan, row: number, col: number): string {
  return `${s.file}: ${s.matrix}, row ${row} (obs '${plan.obsNames[row] ?? '?'}'), column ${col} (var '${plan.varNames[col] ?? '?'}')`;
}
