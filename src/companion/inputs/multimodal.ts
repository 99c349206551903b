// Multimodal 10x exports (e.g. CITE-seq / ECCITE-seq: RNA, ADT, HTO), one 10x directory per modality
// under a common parent. Every modality is returned with the SAME obsNames order so the writer can
// treat rows as the same cells: the reference modality's order is kept and the others are reordered
// by barcode. Different barcode sets are an error: silently dropping or padding cells would change
// the data.
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidInputError, NotFoundError } from '../../errors.js';
import { findTenxFiles, openTenx, readBarcodes, type TenxOptions } from './tenx.js';
import type { InputDataset } from './types.js';

/**
 * Opens every 10x sub-directory of `dir` (keyed by its name). The reference order is the modality
 * called RNA / GEX / "Gene Expression" (case-insensitive) if there is one, else the first by name.
 */
export async function openMultimodal10x(dir: string, opts: Pick<TenxOptions, 'windowEntries'> = {}): Promise<Record<string, InputDataset>> {
  const abs = resolve(dir);
  const entries = await readdir(abs, { withFileTypes: true }).catch(() => {
    throw new NotFoundError('multimodal 10x directory not found', { where: abs });
  });
  const modalities: { name: string; barcodesFile: string; barcodes: string[] }[] = [];
  for (const e of entries.filter((x) => x.isDirectory()).sort((x, y) => (x.name < y.name ? -1 : 1))) {
    const files = await findTenxFiles(join(abs, e.name)).catch(() => undefined);
    if (files) modalities.push({ name: e.name, barcodesFile: files.barcodes, barcodes: await readBarcodes(files.barcodes) });
  }
  if (modalities.length === 0) throw new NotFoundError('no 10x modality directories (matrix.mtx + features + barcodes) found', { where: abs });
  const ref = modalities.find((m) => /^(rna|gex|gene[ _]expression)$/i.test(m.name)) ?? modalities[0]!;

  const refSet = new Set(ref.barcodes);
  if (refSet.size !== ref.barcodes.length) {
    const dup = ref.barcodes.find((b, i) => ref.barcodes.indexOf(b) !== i);
    throw new InvalidInputError(`duplicate barcode '${dup}' (cannot align modalities)`, { where: ref.barcodesFile });
  }
  const out: Record<string, InputDataset> = {};
  for (const m of modalities) {
    if (m !== ref) {
      const mSet = new Set(m.barcodes);
      const missing = ref.barcodes.find((b) => !mSet.has(b));
      const extra = m.barcodes.find((b) => !refSet.has(b));
      if (missing !== undefined || extra !== undefined || m.barcodes.length !== ref.barcodes.length) {
        const why = missing !== undefined
          ? `lacks barcode '${missing}' present in ${ref.name}`
          : extra !== undefined
            ? `has barcode '${extra}' absent from ${ref.name}`
            : `has ${m.barcodes.length} barcodes (with repeats), ${ref.name} has ${ref.barcodes.length}`;
        throw new InvalidInputError(`modality ${m.name} ${why}`, { where: m.barcodesFile });
      }
    }
    const same = m.barcodes.length === ref.barcodes.length && m.barcodes.every((b, i) => b === ref.barcodes[i]);
    out[m.name] = await openTenx(join(abs, m.name), same ? opts : { ...opts, obsOrder: ref.barcodes });
  }
  return out;
}
