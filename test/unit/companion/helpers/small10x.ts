// pbmc_small (80 cells x 230 genes, an exact subset of pbmc3k) laid out as a 10x directory.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DATA } from './oracles.js';

export async function small10x(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await copyFile(join(DATA, 'pbmc_small/counts_matrix.mtx'), join(dir, 'matrix.mtx'));
  await copyFile(join(DATA, 'pbmc_small/counts_features.tsv'), join(dir, 'features.tsv'));
  await copyFile(join(DATA, 'pbmc_small/counts_barcodes.tsv'), join(dir, 'barcodes.tsv'));
  return dir;
}
