// AnnData's on-disk element encodings (anndata ≥ 0.8, plus the 0.7 `__categories` layout), decoded
// once over the format-neutral ElementStore so h5ad and Zarr readers share every rule.
// Reference: anndata's "on-disk format" spec — dataframe (_index, column-order), categorical
// (codes + categories), string-array, nullable-integer/-boolean/-string-array (values + mask),
// csr/csc_matrix groups, dense arrays, dict groups (layers, obsm).
import { InvalidInputError, isRaggedAtlasError, UnsupportedError } from '../../errors.js';
import { pythonFloat } from '../../text/shortest-digits.js';
import { openMatrix, type MatrixOptions } from './anndata-matrix.js';
import {
  attrString,
  attrStringList,
  dtypeName,
  isNumericDtype,
  joinPath,
  whereOf,
  type ArrayNode,
  type ElementStore,
  type NumericData,
  type ReadData,
} from './element-store.js';
import type { InputDataset, MatrixSource, ObsColumn } from './types.js';
import { isIntegerDtype, toBoolColumn, toIntColumn } from './values.js';

export type AnnDataOptions = MatrixOptions;

/** Reads the AnnData container in `store`; matrices stay lazy, dataframes and obsm are loaded. */
export async function readAnnData(store: ElementStore, source: string, opts: AnnDataOptions = {}): Promise<InputDataset> {
  const root = await store.node('');
  if (root && root.kind === 'group') {
    const enc = attrString(root.attrs, 'encoding-type');
    if (enc !== undefined && enc !== 'anndata') {
      throw new InvalidInputError(`root encoding-type is '${enc}', expected 'anndata'`, { where: whereOf(store, '') });
    }
  }
  if (!(await isPresent(store, 'obs'))) throw await notAnnData(store);
  const unreadable: Record<string, Error> = {};
  const obs = await readDataframe(store, 'obs', unreadable);
  const vars = await readDataframe(store, 'var', unreadable);
  const nObs = obs.index.length;
  const nVar = vars.index.length;

  const X = (await isPresent(store, 'X')) ? await openShaped(store, 'X', [nObs, nVar], opts) : undefined;
  const layers: Record<string, MatrixSource> = {};
  if (await isPresent(store, 'layers')) {
    for (const name of await store.children('layers')) {
      const m = await deferred(unreadable, `layers/${name}`, () => openShaped(store, joinPath('layers', name), [nObs, nVar], opts));
      if (m) layers[name] = m;
    }
  }
  const raw = await readRaw(store, nObs, opts, unreadable);
  const obsm: InputDataset['obsm'] = {};
  if (await isPresent(store, 'obsm')) {
    for (const name of await store.children('obsm')) {
      const e = await deferred(unreadable, `obsm/${name}`, () => readEmbedding(store, joinPath('obsm', name), nObs));
      if (e) obsm[name] = e;
    }
  }
  const out: InputDataset = {
    source,
    obsNames: obs.index,
    obs: obs.columns,
    varNames: vars.index,
    var: vars.columns,
    layers,
    obsm,
    close: () => store.close(),
  };
  if (Object.keys(unreadable).length) out.unreadable = unreadable;
  if (X) out.X = X;
  if (raw) out.raw = raw;
  return out;
}

/** Why a container without /obs is no AnnData: a 10x HDF5 matrix (Cell Ranger's .h5) is said as such. */
async function notAnnData(store: ElementStore): Promise<InvalidInputError> {
  const top = await store.children('').catch(() => [] as string[]);
  const tenx = top.includes('matrix') || (await Promise.all(top.map((g) => store.children(g).catch(() => [] as string[])))).some((c) => c.includes('barcodes') && c.includes('indptr'));
  const what = tenx
    ? 'a 10x HDF5 matrix (Cell Ranger .h5), not an AnnData file: ingest its matrix directory (filtered_feature_bc_matrix/) or convert it first, scanpy.read_10x_h5(path).write_h5ad(out)'
    : `not an AnnData file: it has no /obs (top level: ${top.length ? top.join(', ') : 'nothing'})`;
  return new InvalidInputError(what, { where: whereOf(store, '') });
}

/**
 * `read()`, or undefined with its error kept in `unreadable` under `path` when the element is of a
 * kind this reader does not take (typed Unsupported / InvalidInput): raised only if it is used.
 */
async function deferred<T>(unreadable: Record<string, Error> | undefined, path: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (!unreadable || !isRaggedAtlasError(err, 'Unsupported', 'InvalidInput')) throw err;
    unreadable[path] = err;
    return undefined;
  }
}

/** Absent, or written as AnnData's explicit `null` element (Zarr writes `raw` that way). */
async function isPresent(store: ElementStore, path: string): Promise<boolean> {
  const n = await store.node(path);
  return n !== undefined && attrString(n.attrs, 'encoding-type') !== 'null';
}

async function openShaped(store: ElementStore, path: string, shape: [number, number], opts: MatrixOptions): Promise<MatrixSource> {
  const m = await openMatrix(store, path, opts);
  if (m.shape[0] !== shape[0] || m.shape[1] !== shape[1]) {
    throw new InvalidInputError(`matrix shape [${m.shape.join(', ')}] does not match (n_obs, n_vars) = [${shape.join(', ')}]`, {
      where: whereOf(store, path),
    });
  }
  return m;
}

/** raw/X + raw/var (anndata ≥ 0.7 group), or the 0.6 root-level `raw.X` / `raw.var`. */
async function readRaw(store: ElementStore, nObs: number, opts: MatrixOptions, unreadable?: Record<string, Error>): Promise<InputDataset['raw']> {
  let xPath: string;
  let varPath: string;
  if (await isPresent(store, 'raw')) {
    xPath = 'raw/X';
    varPath = 'raw/var';
  } else if (await isPresent(store, 'raw.X')) {
    xPath = 'raw.X';
    varPath = 'raw.var';
  } else {
    return undefined;
  }
  const v = await readDataframe(store, varPath, unreadable);
  const X = await openShaped(store, xPath, [nObs, v.index.length], opts);
  return { X, varNames: v.index, var: v.columns };
}

export interface Dataframe {
  index: string[];
  columns: ObsColumn[];
}

/** A dataframe group: `_index` names the index array, `column-order` the columns (in order). */
export async function readDataframe(store: ElementStore, path: string, unreadable?: Record<string, Error>): Promise<Dataframe> {
  const node = await store.node(path);
  const where = whereOf(store, path);
  if (!node) throw new InvalidInputError('dataframe is missing', { where });
  if (node.kind === 'array') {
    throw new UnsupportedError('dataframes stored as one compound dataset (anndata < 0.7) are not supported', {
      where,
      feature: 'compound-dataset dataframe',
    });
  }
  const enc = attrString(node.attrs, 'encoding-type');
  if (enc !== undefined && enc !== 'dataframe') {
    throw new UnsupportedError(`expected a dataframe, found encoding-type '${enc}'`, { where, feature: `encoding-type ${enc}` });
  }
  const indexName = attrString(node.attrs, '_index') ?? '_index';
  const indexNode = await store.node(joinPath(path, indexName));
  if (!indexNode || indexNode.kind !== 'array' || indexNode.shape.length !== 1) {
    throw new InvalidInputError(`dataframe index '${indexName}' is missing or not 1-D`, { where: whereOf(store, joinPath(path, indexName)) });
  }
  const index = toStrings(await store.read(indexNode), indexNode.dtype);
  const order =
    attrStringList(node.attrs, 'column-order') ??
    (await store.children(path)).filter((c) => c !== indexName && c !== '__categories');
  const columns: ObsColumn[] = [];
  for (const name of order) {
    const c = await deferred(unreadable, `${path}/${name}`, () => readColumn(store, path, name, index.length));
    if (c) columns.push(c);
  }
  return { index, columns };
}

async function readColumn(store: ElementStore, dfPath: string, name: string, n: number): Promise<ObsColumn> {
  const path = joinPath(dfPath, name);
  const where = whereOf(store, path);
  const node = await store.node(path);
  if (!node) throw new InvalidInputError(`column '${name}' is listed in column-order but missing`, { where });
  const enc = attrString(node.attrs, 'encoding-type');

  if (node.kind === 'group') {
    switch (enc) {
      case 'categorical': {
        const codes = await readCodes(store, await arrayChild(store, path, 'codes', n));
        const categories = await readCategories(store, await arrayChild(store, path, 'categories'));
        return { name, kind: 'categorical', categories, codes: checkCodes(codes, categories.length, whereOf(store, joinPath(path, 'codes'))) };
      }
      case 'nullable-integer': {
        const values = await arrayChild(store, path, 'values', n);
        if (!isIntegerDtype(dtypeName(values.dtype))) throw new InvalidInputError(`nullable-integer values are ${dtypeName(values.dtype)}`, { where });
        const valid = await readValid(store, path, n);
        return { name, kind: 'int', values: toIntColumn(await readNumbers(store, values), whereOf(store, values.path)), valid };
      }
      case 'nullable-boolean': {
        const values = await arrayChild(store, path, 'values', n);
        const valid = await readValid(store, path, n);
        return { name, kind: 'bool', values: toBoolColumn(await readNumbers(store, values)), valid };
      }
      case 'nullable-string-array': {
        const values = await arrayChild(store, path, 'values', n);
        const strings = toStrings(await store.read(values), values.dtype);
        const valid = await readValid(store, path, n);
        return { name, kind: 'string', values: strings.map((s, i) => (valid[i] ? s : null)) };
      }
      default:
        throw new UnsupportedError(`column encoding-type '${enc ?? 'none'}' is not supported`, { where, feature: `encoding-type ${enc ?? 'none'}` });
    }
  }

  if (node.shape.length !== 1 || node.shape[0] !== n) {
    throw new InvalidInputError(`column has shape [${node.shape.join(', ')}], expected [${n}]`, { where });
  }
  // anndata 0.7: codes array whose `categories` attribute references `<df>/__categories/<name>`.
  if (node.attrs['categories'] !== undefined && enc === undefined) {
    const catNode = await store.node(joinPath(dfPath, '__categories', name));
    if (!catNode || catNode.kind !== 'array') {
      throw new InvalidInputError(`legacy categorical has no __categories/${name}`, { where });
    }
    const categories = await readCategories(store, catNode);
    return { name, kind: 'categorical', categories, codes: checkCodes(await readCodes(store, node), categories.length, where) };
  }
  if (enc !== undefined && enc !== 'array' && enc !== 'string-array') {
    throw new UnsupportedError(`column encoding-type '${enc}' is not supported`, { where, feature: `encoding-type ${enc}` });
  }
  const d = node.dtype;
  if (d === 'string') return { name, kind: 'string', values: toStrings(await store.read(node), d) };
  if (d === 'bool') return { name, kind: 'bool', values: toBoolColumn(await readNumbers(store, node)) };
  if (d === 'float32' || d === 'float64') {
    const v = await readNumbers(store, node);
    return { name, kind: 'float', values: v as Float32Array | Float64Array };
  }
  if (typeof d === 'string' && isIntegerDtype(d)) {
    return { name, kind: 'int', values: toIntColumn(await readNumbers(store, node), where) };
  }
  throw new UnsupportedError(`column of type ${dtypeName(d)} is not supported`, { where, feature: `column dtype ${dtypeName(d)}` });
}

async function arrayChild(store: ElementStore, path: string, name: string, n?: number): Promise<ArrayNode> {
  const p = joinPath(path, name);
  const node = await store.node(p);
  if (!node || node.kind !== 'array' || node.shape.length !== 1) {
    throw new InvalidInputError(`'${name}' is missing or not a 1-D array`, { where: whereOf(store, p) });
  }
  if (n !== undefined && node.shape[0] !== n) {
    throw new InvalidInputError(`'${name}' has ${node.shape[0]} entries, expected ${n}`, { where: whereOf(store, p) });
  }
  return node;
}

/** AnnData masks are True where the value is MISSING; `valid` is the complement. */
async function readValid(store: ElementStore, path: string, n: number): Promise<Uint8Array> {
  const mask = toBoolColumn(await readNumbers(store, await arrayChild(store, path, 'mask', n)));
  for (let i = 0; i < mask.length; i++) mask[i] = mask[i] ? 0 : 1;
  return mask;
}

async function readNumbers(store: ElementStore, node: ArrayNode): Promise<NumericData> {
  const d = await store.read(node);
  if (Array.isArray(d)) throw new InvalidInputError('expected numbers, found strings', { where: whereOf(store, node.path) });
  return d;
}

async function readCodes(store: ElementStore, node: ArrayNode): Promise<Int32Array> {
  const d = dtypeName(node.dtype);
  if (!isIntegerDtype(d)) throw new InvalidInputError(`categorical codes must be integers, found ${d}`, { where: whereOf(store, node.path) });
  const v = await readNumbers(store, node);
  return v instanceof Int32Array ? v : Int32Array.from(v as ArrayLike<number | bigint>, Number);
}

function checkCodes(codes: Int32Array, nCat: number, where: string): Int32Array {
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c < -1 || c >= nCat) throw new InvalidInputError(`categorical code ${c} out of range [-1, ${nCat})`, { where: `${where}[${i}]` });
  }
  return codes;
}

/** Categories as strings; numeric/bool categories are spelled as pandas prints them ('True', '1.0'). */
async function readCategories(store: ElementStore, node: ArrayNode): Promise<string[]> {
  const d = await store.read(node);
  if (Array.isArray(d)) return d;
  if (node.dtype === 'bool') return Array.from(d as Uint8Array, (v) => (v ? 'True' : 'False'));
  if (node.dtype === 'float32' || node.dtype === 'float64') {
    const bits = node.dtype === 'float32' ? 32 : 64;
    return Array.from(d as ArrayLike<number>, (v) => pythonFloat(v, bits));
  }
  return Array.from(d as ArrayLike<number | bigint>, (v) => String(v));
}

function toStrings(d: ReadData, dtype: ArrayNode['dtype']): string[] {
  if (Array.isArray(d)) return d;
  if (!isNumericDtype(dtype)) return Array.from(d as ArrayLike<number>, String);
  return Array.from(d as ArrayLike<number | bigint>, (v) => String(v));
}

/** A dense 2-D (or 1-D) numeric obsm entry → row-major Float32Array; sparse/dataframe entries are skipped. */
async function readEmbedding(store: ElementStore, path: string, nObs: number): Promise<InputDataset['obsm'][string] | undefined> {
  const node = await store.node(path);
  if (!node) return undefined;
  // Refused (raised only when the schema declares this embedding), never read as missing: a
  // declared embedding would be stored as NULL for every cell without a word.
  if (node.kind !== 'array') {
    throw new UnsupportedError(`obsm entry is a group (a dataframe or sparse matrix), not a dense array: store it with np.asarray(...)`, { where: whereOf(store, path), feature: 'obsm group' });
  }
  if (!isNumericDtype(node.dtype) || node.dtype === 'bool') {
    throw new UnsupportedError(`obsm entry holds ${node.dtype} values, which this reader does not take: store the embedding as float32 (or another integer or float type)`, { where: whereOf(store, path), feature: `obsm ${node.dtype}` });
  }
  if (node.shape.length < 1 || node.shape.length > 2 || node.shape[0] !== nObs) {
    throw new InvalidInputError(`obsm entry has shape [${node.shape.join(', ')}], expected [${nObs}, d]`, { where: whereOf(store, path) });
  }
  const dim = node.shape[1] ?? 1;
  const values = new Float32Array(nObs * dim);
  // Read in row slices so a 64-bit source never needs a second full-size copy.
  const step = Math.max(1, Math.floor((1 << 20) / Math.max(1, dim)));
  for (let a = 0; a < nObs; a += step) {
    const b = Math.min(a + step, nObs);
    const part = await store.read(node, a, b);
    if (Array.isArray(part)) throw new InvalidInputError('expected numbers, found strings', { where: whereOf(store, path) });
    if (part instanceof BigInt64Array || part instanceof BigUint64Array) {
      for (let i = 0; i < part.length; i++) values[a * dim + i] = Number(part[i]!);
    } else {
      values.set(part, a * dim);
    }
  }
  return { dim, values };
}
