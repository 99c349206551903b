// A deterministic atlas-like `obs` table for the predicate engine's tests. Built with apache-arrow 18
// directly (lancedb's makeArrowTable does not handle structs of pointers or dictionaries well).
// Exported so the same data can be written through LanceDB (Node oracle), served to a browser test,
// or read back through the Lance reader.
import * as arrowNs from 'apache-arrow';
import { rng } from '../../../helpers/rng.js';
import { parsePredicate, toSql } from '../../../../src/query/predicate/index.js';

type ArrowModule = typeof arrowNs;

export const OBS_ROWS = 3000;

export const CELL_TYPES = [
  'CD4 T cells',
  'CD8 T cells',
  "B cell's",
  'Naïve B cells',
  'NK',
  'Monocytes',
  '50% mito',
  'under_score',
  'back\\slash',
  'Ünïcödé 🧬',
  'cd4 t cells',
  '',
] as const;

export const TISSUES = ['blood', 'lung', "Peyer's patch", 'bone marrow'] as const;
export const DATASETS = ['ds-alpha', 'ds-beta', 'ds-gamma'] as const;


export interface ObsColumns {
  uid: string[];
  dataset_uid: string[];
  cell_type: (string | null)[];
  n_genes: (bigint | null)[];
  n_counts: (number | null)[];
  percent_mito: (number | null)[];
  is_doublet: (boolean | null)[];
  batch: (number | null)[];
  ge_valid: boolean[];
  ge_zarr_group: (string | null)[];
  ge_start: (bigint | null)[];
  ge_end: (bigint | null)[];
  ge_zarr_row: (bigint | null)[];
  pa_valid: boolean[];
  pa_zarr_group: (string | null)[];
  pa_position: (bigint | null)[];
  collected_at: (number | null)[]; // ms since epoch (arrow-js Timestamp input)
  tissue: (string | null)[];
  donor: (string | null)[];
}

/** The raw column values, row-major decisions made once from a fixed seed. */
export function obsColumns(n = OBS_ROWS, seed = 20240611): ObsColumns {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const c: ObsColumns = {
    uid: [], dataset_uid: [], cell_type: [], n_genes: [], n_counts: [], percent_mito: [], is_doublet: [], batch: [],
    ge_valid: [], ge_zarr_group: [], ge_start: [], ge_end: [], ge_zarr_row: [], pa_valid: [], pa_zarr_group: [], pa_position: [],
    collected_at: [], tissue: [], donor: [],
  };
  let start = 0n;
  for (let i = 0; i < n; i++) {
    const ds = pick(DATASETS);
    c.uid.push(`cell-${i.toString().padStart(5, '0')}`);
    c.dataset_uid.push(ds);
    c.cell_type.push(r() < 0.08 ? null : pick(CELL_TYPES));
    let genes: bigint | null = r() < 0.02 ? null : BigInt(Math.floor(r() * 5000));
    if (i === 7) genes = 9007199254740993n;
    if (i === 8) genes = 9007199254740992n;
    if (i === 9) genes = -9223372036854775808n;
    if (i === 10) genes = 9223372036854775807n;
    if (i === 11) genes = -42n;
    c.n_genes.push(genes);
    let counts: number | null = r() < 0.05 ? null : Math.round(r() * 20000 * 100) / 100;
    if (i % 500 === 13) counts = NaN;
    if (i === 20) counts = 0;
    if (i === 21) counts = -0;
    if (i === 22) counts = Infinity;
    if (i === 23) counts = -Infinity;
    if (i === 24) counts = 1e-300;
    if (i === 25) counts = 2.5;
    c.n_counts.push(counts);
    let mito: number | null = r() < 0.03 ? null : Math.fround(r() * 20);
    if (i === 30) mito = Math.fround(0.1);
    if (i === 31) mito = Math.fround(0.2);
    if (i === 32) mito = 0;
    if (i === 33) mito = Math.fround(5.5);
    c.percent_mito.push(mito);
    const d = r();
    c.is_doublet.push(d < 0.1 ? null : d < 0.25);
    c.batch.push(r() < 0.01 ? null : Math.floor(r() * 8));
    // gene_expression pointer: ~5% null structs (children left non-null underneath, to catch readers
    // that ignore the parent's validity), ~3% present structs whose children are all null.
    const gr = r();
    const geValid = gr >= 0.05;
    const allNullChildren = geValid && gr < 0.08;
    const len = BigInt(Math.floor(r() * 300));
    c.ge_valid.push(geValid);
    if (allNullChildren) {
      c.ge_zarr_group.push(null); c.ge_start.push(null); c.ge_end.push(null); c.ge_zarr_row.push(null);
    } else {
      c.ge_zarr_group.push(geValid ? `${ds}/counts` : 'hidden/under-null');
      c.ge_start.push(start); c.ge_end.push(start + len); c.ge_zarr_row.push(BigInt(i));
    }
    start += len;
    // protein_abundance pointer: only ds-beta has proteins.
    const paValid = ds === 'ds-beta' && r() > 0.1;
    c.pa_valid.push(paValid);
    c.pa_zarr_group.push(paValid ? (r() < 0.5 ? 'adt/panel-1' : "adt/panel '2'") : null);
    c.pa_position.push(paValid ? BigInt(i * 2) : null);
    c.collected_at.push(r() < 0.1 ? null : Date.UTC(2019, 0, 1) + Math.floor(r() * 4 * 365) * 86_400_000 + (i % 86_400) * 1000);
    c.tissue.push(r() < 0.05 ? null : pick(TISSUES));
    c.donor.push(r() < 0.02 ? null : `D-${Math.floor(r() * 20)}`);
  }
  return c;
}

/** Build the obs table with the given apache-arrow module (ESM here; a CJS copy works the same). */
export function buildObsTable(arrow: ArrowModule = arrowNs, n = OBS_ROWS, seed?: number): arrowNs.Table {
  const c = obsColumns(n, seed);
  const A = arrow;
  const vec = (values: unknown[], type: arrowNs.DataType) => A.vectorFromArray(values as never[], type as never).data[0]!;
  const validity = (valid: boolean[]) => {
    const bm = new Uint8Array(Math.ceil(valid.length / 8));
    let nulls = 0;
    valid.forEach((v, i) => (v ? (bm[i >> 3]! |= 1 << (i & 7)) : nulls++));
    return { bm, nulls };
  };
  const geFields = [
    new A.Field('zarr_group', new A.Utf8(), true),
    new A.Field('start', new A.Int64(), true),
    new A.Field('end', new A.Int64(), true),
    new A.Field('zarr_row', new A.Int64(), true),
  ];
  const geV = validity(c.ge_valid);
  const ge = A.makeData({
    type: new A.Struct(geFields),
    length: n,
    nullCount: geV.nulls,
    nullBitmap: geV.bm,
    children: [vec(c.ge_zarr_group, new A.Utf8()), vec(c.ge_start, new A.Int64()), vec(c.ge_end, new A.Int64()), vec(c.ge_zarr_row, new A.Int64())],
  });
  const paFields = [new A.Field('zarr_group', new A.Utf8(), true), new A.Field('position', new A.Int64(), true)];
  const paV = validity(c.pa_valid);
  const pa = A.makeData({
    type: new A.Struct(paFields),
    length: n,
    nullCount: paV.nulls,
    nullBitmap: paV.bm,
    children: [vec(c.pa_zarr_group, new A.Utf8()), vec(c.pa_position, new A.Int64())],
  });
  const dictType = new A.Dictionary(new A.Utf8(), new A.Int32());
  const keys = vec(c.tissue.map((t) => (t === null ? null : TISSUES.indexOf(t as (typeof TISSUES)[number]))), new A.Int32());
  const tissue = A.makeData({
    type: dictType,
    length: n,
    nullCount: keys.nullCount,
    nullBitmap: keys.nullBitmap,
    data: keys.values,
    dictionary: A.vectorFromArray([...TISSUES], new A.Utf8()),
  } as never);
  const cols: [string, arrowNs.DataType, boolean, arrowNs.Data][] = [
    ['uid', new A.Utf8(), false, vec(c.uid, new A.Utf8())],
    ['dataset_uid', new A.Utf8(), false, vec(c.dataset_uid, new A.Utf8())],
    ['cell_type', new A.Utf8(), true, vec(c.cell_type, new A.Utf8())],
    ['n_genes', new A.Int64(), true, vec(c.n_genes, new A.Int64())],
    ['n_counts', new A.Float64(), true, vec(c.n_counts, new A.Float64())],
    ['percent_mito', new A.Float32(), true, vec(c.percent_mito, new A.Float32())],
    ['is_doublet', new A.Bool(), true, vec(c.is_doublet, new A.Bool())],
    ['batch', new A.Int32(), true, vec(c.batch, new A.Int32())],
    ['gene_expression', new A.Struct(geFields), true, ge],
    ['protein_abundance', new A.Struct(paFields), true, pa],
    ['collected_at', new A.TimestampMicrosecond(), true, vec(c.collected_at, new A.TimestampMicrosecond())],
    ['tissue', dictType, true, tissue],
    ['Donor ID', new A.Utf8(), true, vec(c.donor, new A.Utf8())],
  ];
  const fields = cols.map(([name, type, nullable]) => new A.Field(name, type, nullable));
  const schema = new A.Schema(fields);
  const batch = new A.RecordBatch(schema, A.makeData({ type: new A.Struct(fields), length: n, nullCount: 0, children: cols.map((x) => x[3]) }));
  return new A.Table([batch]);
}

/** The predicate as toSql prints it back (what LanceDB Cloud is sent), or undefined if it does not parse. */
export function reprinted(sql: string): { expr: ReturnType<typeof parsePredicate>; again: string } | undefined {
  let expr;
  try {
    expr = parsePredicate(sql);
  } catch {
    return undefined;
  }
  return { expr, again: toSql(expr) };
}
