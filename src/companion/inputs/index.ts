// Input readers for the ingest companion: h5ad, 10x matrix directories, AnnData Zarr (dir or zip).
// `openInput` sniffs the format from what is on disk (magic bytes / marker files), not just the name.
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { InvalidInputError, NotFoundError } from '../../errors.js';
import { openAnnDataZarr } from './anndata-zarr.js';
import { isHdf5, openH5ad } from './h5ad.js';
import { openTenx } from './tenx.js';
import { INPUT_FORMAT_NAMES, type InputDataset, type InputFormat } from './types.js';

export type { DenseRowBatch, InputDataset, InputFormat, MatrixSource, ObsColumn, RowBatch } from './types.js';
export { openH5ad, type H5adOptions } from './h5ad.js';
export { openAnnDataZarr, type AnnDataZarrOptions } from './anndata-zarr.js';
export { openTenx, type TenxOptions } from './tenx.js';
export { openMultimodal10x } from './multimodal.js';
export { makeUnique } from './make-unique.js';

/** Opens `path` as h5ad, 10x directory (or its matrix.mtx[.gz]), or AnnData Zarr (directory or .zip). */
export async function openInput(path: string, opts: { format?: InputFormat } = {}): Promise<InputDataset> {
  const format = opts.format ?? (await sniffFormat(path));
  switch (format) {
    case 'h5ad':
      return openH5ad(path);
    case 'zarr':
      return openAnnDataZarr(path);
    case '10x': {
      const st = await stat(path).catch(() => undefined);
      if (st?.isFile() && !/^matrix\.mtx(\.gz)?$/.test(basename(path))) {
        throw new InvalidInputError('a 10x input is a matrix directory (matrix.mtx[.gz] with barcodes and features/genes), or its matrix.mtx; a 10x HDF5 file (.h5) is not read: use the directory, or convert it with scanpy.read_10x_h5', { where: resolve(path) });
      }
      return openTenx(st?.isFile() ? dirname(path) : path);
    }
    default:
      throw new InvalidInputError(`unknown input format '${String(format)}' (${INPUT_FORMAT_NAMES})`, { where: resolve(path) });
  }
}

/** Decides the format of `path` from its content. */
export async function sniffFormat(path: string): Promise<InputFormat> {
  const abs = resolve(path);
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new NotFoundError('input not found', { where: abs });
  if (st.isDirectory()) {
    const names = await readdir(abs);
    if (names.includes('zarr.json') || names.includes('.zgroup')) return 'zarr';
    if (names.includes('matrix.mtx') || names.includes('matrix.mtx.gz')) return '10x';
    throw new InvalidInputError('directory is neither a Zarr store (zarr.json) nor a 10x matrix directory (matrix.mtx[.gz])', { where: abs });
  }
  if (await isHdf5(abs)) return 'h5ad';
  const head = Buffer.alloc(4);
  const fh = await open(abs, 'r');
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  if (head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)) return 'zarr';
  if (/^matrix\.mtx(\.gz)?$/.test(basename(abs))) return '10x';
  throw new InvalidInputError('unrecognised input: not HDF5, not a zip, not a 10x matrix', { where: abs });
}
