// Ingest-time obs alignment with homeobox's rules (obs_alignment.py `align_obs_to_schema`):
// rename input columns through the obs map (`louvain=cell_type`), refuse when a required schema
// field is missing, fill absent optional fields with nulls, drop columns the schema does not
// have. Types must be compatible the way pyarrow's safe `pa.array(values, type=…)` is: strings
// and categoricals into utf8, integers (and integral floats) into int64, numbers into floats,
// booleans into bool. The input's obs index is available as the virtual column `_index`.
import type * as arrow from 'apache-arrow';
import { InvalidInputError } from '../errors.js';
import type { InputDataset, ObsColumn } from './inputs/types.js';
import { boolData, fixedSizeListData, float32Data, float64Data, int32Data, int64Data, nullData, utf8Data } from './tables/arrow-build.js';
import { embeddingType, obsSchema, type ObsColumnDef, type ObsSchemaDef } from './tables/schemas.js';

export const INDEX_COLUMN = '_index';

export interface AlignedObs {
  /** Arrow data per obs column and embedding (schema order), length = number of cells. */
  columns: Map<string, arrow.Data>;
  /** Input columns not in the schema (dropped, as homeobox does). */
  dropped: string[];
  /** obsm entries no embedding field takes (dropped too, and said). */
  droppedObsm: string[];
  /** Optional schema fields the input lacked (null-filled). */
  nullFilled: string[];
}

export function alignObs(input: InputDataset, def: ObsSchemaDef, obsMap: Record<string, string> = {}): AlignedObs {
  const n = input.obsNames.length;
  const source: ObsColumn[] = [{ name: INDEX_COLUMN, kind: 'string', values: input.obsNames }, ...input.obs];
  const byName = new Map<string, ObsColumn>();
  // An element the reader could not take fails the ingest only here, where it is used.
  const raiseIfUnreadable = (path: string) => {
    const err = input.unreadable?.[path];
    if (err) throw err;
  };
  for (const [from] of Object.entries(obsMap)) {
    if (!source.some((c) => c.name === from) && !(from in input.obsm) && !input.unreadable?.[`obsm/${from}`]) {
      raiseIfUnreadable(`obs/${from}`);
      throw new InvalidInputError(`--obs-map names obs column '${from}', which the input does not have (columns: ${input.obs.map((c) => c.name).join(', ')})`, {
        where: input.source,
      });
    }
  }
  for (const c of source) {
    const target = obsMap[c.name] ?? c.name;
    if (c.name === INDEX_COLUMN && !(c.name in obsMap)) continue; // the index joins only when mapped
    if (byName.has(target)) throw new InvalidInputError(`two input columns map to obs field '${target}'`, { where: input.source });
    byName.set(target, c);
  }
  const schemaNames = new Set([...def.columns.map((c) => c.name), ...def.embeddings.map((e) => e.name)]);
  // An explicit mapping to a field the schema lacks would drop the column without a word.
  for (const [from, to] of Object.entries(obsMap)) {
    if (!schemaNames.has(to)) {
      throw new InvalidInputError(`--obs-map maps '${from}' to obs field '${to}', which the obs schema does not have (fields: ${[...schemaNames].join(', ') || 'none'}; declare it with create --obs ${to}:<type>)`, {
        where: input.source,
      });
    }
  }
  // An obsm key maps to an embedding of another name like a column does (X_umap_harmony=X_umap).
  const obsmKeyOf = new Map(def.embeddings.map((e) => [e.name, Object.keys(obsMap).find((k) => obsMap[k] === e.name && (k in input.obsm || input.unreadable?.[`obsm/${k}`])) ?? e.name]));
  for (const c of def.columns) if (!byName.has(c.name)) raiseIfUnreadable(`obs/${c.name}`);
  for (const key of obsmKeyOf.values()) if (!input.obsm[key]) raiseIfUnreadable(`obsm/${key}`);
  const missing = def.columns.filter((c) => !c.nullable && !byName.has(c.name)).map((c) => c.name);
  if (missing.length) {
    throw new InvalidInputError(`Cannot align obs to schema: missing required column(s) ${missing.map((m) => `'${m}'`).join(', ')} (use --obs-map source=field)`, {
      where: input.source,
    });
  }
  const columns = new Map<string, arrow.Data>();
  const nullFilled: string[] = [];
  for (const c of def.columns) {
    const src = byName.get(c.name);
    if (!src) {
      columns.set(c.name, nullData(arrowTypeFor(c), n));
      nullFilled.push(c.name);
      continue;
    }
    columns.set(c.name, convert(src, c, n, input.source));
  }
  for (const e of def.embeddings) {
    const m = input.obsm[obsmKeyOf.get(e.name)!];
    if (!m) {
      columns.set(e.name, nullData(embeddingType(e.dim), n));
      nullFilled.push(e.name);
      continue;
    }
    if (m.dim !== e.dim) {
      throw new InvalidInputError(`obsm '${e.name}' has ${m.dim} dimensions, the obs schema declares ${e.dim}`, { where: `${input.source}: obsm/${e.name}` });
    }
    if (m.values.length !== n * e.dim) {
      throw new InvalidInputError(`obsm '${e.name}' has ${m.values.length / e.dim} rows for ${n} cells`, { where: `${input.source}: obsm/${e.name}` });
    }
    const nan = firstNaN(m.values);
    if (nan >= 0) {
      // LanceDB refuses NaN in a vector column when the rows are appended, after the registry and
      // layouts were written: refused here, before anything is.
      throw new InvalidInputError(`obsm '${e.name}' holds NaN (cell ${Math.floor(nan / e.dim)}, dimension ${nan % e.dim}); LanceDB stores no NaN in a vector column`, {
        where: `${input.source}: obsm/${e.name}`,
      });
    }
    columns.set(e.name, fixedSizeListData(embeddingType(e.dim), m.values));
  }
  const dropped = source.filter((c) => c.name !== INDEX_COLUMN && !schemaNames.has(obsMap[c.name] ?? c.name)).map((c) => c.name);
  const taken = new Set(obsmKeyOf.values());
  const obsmKeys = [...new Set([...Object.keys(input.obsm), ...Object.keys(input.unreadable ?? {}).filter((k) => k.startsWith('obsm/')).map((k) => k.slice(5))])];
  return { columns, dropped, droppedObsm: obsmKeys.filter((k) => !taken.has(k)).sort(), nullFilled };
}

function firstNaN(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return i;
  return -1;
}

/** The schema's Arrow type of one column (so null columns match it exactly). */
function arrowTypeFor(c: ObsColumnDef): arrow.DataType {
  return obsSchema({ columns: [c], embeddings: [], pointers: [] }).fields[2]!.type;
}

function convert(src: ObsColumn, c: ObsColumnDef, n: number, file: string): arrow.Data {
  const where = (i?: number) => `${file}: obs/${src.name}${i === undefined ? '' : `, row ${i}`}`;
  const incompatible = () =>
    new InvalidInputError(`obs column '${src.name}' (${src.kind}) cannot be stored in obs field '${c.name}' (${c.type})`, { where: where() });
  const requireNonNull = (valid: ArrayLike<number>) => {
    if (c.nullable) return;
    for (let i = 0; i < n; i++) if (!valid[i]) throw new InvalidInputError(`required obs field '${c.name}' has a missing value`, { where: where(i) });
  };
  if (lengthOf(src) !== n) throw new InvalidInputError(`obs column '${src.name}' has ${lengthOf(src)} values for ${n} cells`, { where: where() });
  switch (c.type) {
    case 'string': {
      let values: (string | null)[];
      if (src.kind === 'string') values = src.values;
      else if (src.kind === 'categorical') values = Array.from(src.codes, (k) => (k < 0 ? null : (src.categories[k] ?? null)));
      else throw incompatible();
      requireNonNull(values.map((v) => (v === null ? 0 : 1)));
      return utf8Data(values);
    }
    case 'int64':
    case 'int32': {
      const valid = new Uint8Array(n).fill(1);
      let ints: Float64Array;
      if (src.kind === 'int') {
        ints = Float64Array.from(src.values as ArrayLike<number | bigint>, Number);
        if (src.valid) valid.set(src.valid);
      } else if (src.kind === 'float') {
        ints = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const v = src.values[i]!;
          if (Number.isNaN(v)) valid[i] = 0;
          else if (!Number.isInteger(v)) throw new InvalidInputError(`non-integer value ${v} for integer obs field '${c.name}'`, { where: where(i) });
          else ints[i] = v;
        }
      } else throw incompatible();
      requireNonNull(valid);
      if (c.type === 'int32') {
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          if (valid[i] && (ints[i]! > 2147483647 || ints[i]! < -2147483648)) throw new InvalidInputError(`value ${ints[i]} does not fit int32 field '${c.name}'`, { where: where(i) });
          out[i] = ints[i]!;
        }
        return int32Data(out, valid);
      }
      // Beyond int64 a float would wrap modulo 2^64 (pyarrow refuses the cast; so do we). Integer
      // input is int64 already (uint64 beyond it is refused when read: values.ts).
      let out: BigInt64Array;
      if (src.kind === 'int' && src.values instanceof BigInt64Array) out = src.values;
      else {
        for (let i = 0; i < n; i++) {
          if (valid[i] && !(ints[i]! >= -(2 ** 63) && ints[i]! < 2 ** 63)) throw new InvalidInputError(`value ${ints[i]} does not fit int64 field '${c.name}'`, { where: where(i) });
        }
        out = BigInt64Array.from(ints, (v) => BigInt(v));
      }
      return int64Data(out, valid);
    }
    case 'float64':
    case 'float32': {
      let valid: Uint8Array | undefined;
      let vals: Float64Array;
      if (src.kind === 'float') vals = Float64Array.from(src.values);
      else if (src.kind === 'int') {
        // pyarrow's safe conversion: integers only within ±2^53 (float64) or ±2^24 (float32), where
        // every integer is exact; beyond, a value would come back as another number
        const limit = c.type === 'float64' ? 2 ** 53 : 2 ** 24;
        const big = BigInt(limit);
        const values = src.values;
        for (let i = 0; i < n; i++) {
          const v = values[i]!;
          const out = typeof v === 'bigint' ? v > big || v < -big : v > limit || v < -limit;
          if (out && (src.valid === undefined || src.valid[i])) {
            throw new InvalidInputError(`integer ${v} is not exact in ${c.type} obs field '${c.name}' (range ±${limit}); declare it int64`, { where: where(i) });
          }
        }
        vals = Float64Array.from(src.values as ArrayLike<number | bigint>, Number);
        valid = src.valid;
      } else throw incompatible();
      if (valid) requireNonNull(valid);
      return c.type === 'float64' ? float64Data(vals, valid) : float32Data(Float32Array.from(vals), valid);
    }
    case 'bool': {
      if (src.kind !== 'bool') throw incompatible();
      if (src.valid) requireNonNull(src.valid);
      return boolData(src.values, src.valid);
    }
  }
}

function lengthOf(c: ObsColumn): number {
  return c.kind === 'categorical' ? c.codes.length : c.values.length;
}
