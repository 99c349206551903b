// MuData → .h5mu bytes, laid out as mudata's write_h5mu writes them (mudata/_core/io.py, format
// 0.1.0), so that mudata.read_h5mu and per-modality anndata readers both accept them:
//   user block  512 bytes starting "MuData (format-version=0.1.0;creator=…;creator-version=…)"
//               (read_h5mu checks the first 6 bytes, and warns without them)
//   /           attrs encoding-type=MuData, encoding-version=0.1.0, encoder, encoder-version,
//               axis=0 (int64: observations are shared)
//   /obs        the shared obs dataframe, one row per global row (encoded as in h5ad-write.ts)
//   /var        the modalities' var names concatenated in modality order (an index, no columns)
//   /obsmap/<m> uint32, one per global row: 1-based row position in modality m, 0 = absent
//   /varmap/<m> uint32, one per global var: 1-based column position in modality m, 0 = elsewhere
//   /obsm /varm /obsp /varp /uns  empty dicts
//   /mod        attr mod-order = the modality names in order; /mod/<m> one AnnData group each
//               (encoding-type=anndata, as anndata writes it, plus mudata's encoder attrs)
import type { MuData } from './types.js';
import { array, H5File, strings, scalar, type ByteSink } from './hdf5/index.js';
import { dict, setEncoding, writeAnnData, writeDataFrame, type H5adOptions } from './h5ad-write.js';
import * as arrow from 'apache-arrow';
import { InvalidInputError, describeArgument } from '../errors.js';

const MUDATA_FORMAT = '0.1.0';
const ENCODER = 'ragged-atlas';
const ENCODER_VERSION = '0.1.0';

/** Same options as toH5ad (gzip), applied to every modality. */
export type H5muOptions = H5adOptions;

export async function toH5mu(mdata: MuData, options: H5muOptions = {}): Promise<Uint8Array> {
  return h5muFile(mdata, options).toBytes();
}

/** Streams the .h5mu bytes to `sink` in order. */
export async function writeH5mu(mdata: MuData, sink: ByteSink, options: H5muOptions = {}): Promise<void> {
  await h5muFile(mdata, options).writeTo(sink);
}

function h5muFile(mdata: MuData, options: H5muOptions): H5File {
  const given = mdata as unknown as Record<string, unknown> | null | undefined;
  if (typeof given !== 'object' || given === null || typeof given.mod !== 'object' || given.mod === null) {
    const hint = given && typeof given === 'object' && 'shape' in given ? ' (this is an AnnData: write it with toH5ad / writeH5ad)' : '';
    throw new InvalidInputError(`toH5mu takes a MuData (from toMuData); got ${describeArgument(mdata)}${hint}`, { where: 'toH5mu' });
  }
  const names = Object.keys(mdata.mod);
  checkMuData(mdata, names);
  const preamble = `MuData (format-version=${MUDATA_FORMAT};creator=${ENCODER};creator-version=${ENCODER_VERSION})`;
  const f = new H5File({ userBlock: new TextEncoder().encode(preamble) });
  const root = f.root;
  setEncoding(root, 'MuData', MUDATA_FORMAT);
  root.setAttr('encoder', ENCODER);
  root.setAttr('encoder-version', ENCODER_VERSION);
  root.setAttr('axis', scalar(0, 'int64'));

  writeDataFrame(root, 'obs', mdata.obs, mdata.obsNames);
  const varNames = names.flatMap((m) => mdata.mod[m]!.varNames);
  writeDataFrame(root, 'var', new arrow.Table(), varNames);
  for (const name of ['obsm', 'varm', 'obsp', 'varp', 'uns']) dict(root, name);

  const obsmap = dict(root, 'obsmap');
  const varmap = dict(root, 'varmap');
  let varOffset = 0;
  for (const m of names) {
    const present = mdata.present[m]!;
    const rows = new Uint32Array(present.length);
    for (let i = 0, k = 0; i < present.length; i++) if (present[i]) rows[i] = ++k;
    setEncoding(obsmap.createDataset(m, array(rows)), 'array', '0.2.0');
    const cols = new Uint32Array(varNames.length);
    const nVar = mdata.mod[m]!.varNames.length;
    for (let j = 0; j < nVar; j++) cols[varOffset + j] = j + 1;
    varOffset += nVar;
    setEncoding(varmap.createDataset(m, array(cols)), 'array', '0.2.0');
  }

  const mod = root.createGroup('mod');
  mod.setAttr('mod-order', strings(names));
  for (const m of names) {
    const g = mod.createGroup(m);
    writeAnnData(g, mdata.mod[m]!, `toH5mu mod ${m}`, options);
    g.setAttr('encoder', ENCODER);
    g.setAttr('encoder-version', ENCODER_VERSION);
  }
  return f;
}

/** Each modality's rows must be exactly the present global rows, in order. */
function checkMuData(mdata: MuData, names: string[]): void {
  const n = mdata.obsNames.length;
  const problems: string[] = [];
  if (mdata.obs.numCols > 0 && mdata.obs.numRows !== n) problems.push(`obs has ${mdata.obs.numRows} rows for ${n} obs names`);
  for (const m of names) {
    const present = mdata.present[m];
    const adata = mdata.mod[m]!;
    if (!present) {
      problems.push(`no presence mask for modality ${m}`);
      continue;
    }
    if (present.length !== n) {
      problems.push(`presence mask of ${m} has ${present.length} rows, not ${n}`);
      continue;
    }
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (!present[i]) continue;
      if (adata.obsNames[k] !== mdata.obsNames[i]) {
        problems.push(`row ${k} of ${m} is ${adata.obsNames[k]}, expected ${mdata.obsNames[i]}`);
        break;
      }
      k++;
    }
    if (k !== adata.obsNames.length) problems.push(`${m} has ${adata.obsNames.length} rows but ${k} are marked present`);
  }
  if (problems.length) throw new InvalidInputError(`MuData is inconsistent: ${problems.join('; ')}`, { where: 'toH5mu' });
}
