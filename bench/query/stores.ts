// Builds (once, cached) the two stores the bench compares, from the same raw synthetic CSR:
//   <dir>/atlas/             a homeobox ragged atlas written by the Node companion: one ingest per
//                            dataset, the CSC copy of every group (`add-csc`), optimize, snapshot;
//   <dir>/atlas-indptr-sharded/  the same atlas (hard links) with csc/indptr rewritten the way
//                            homeobox 0.2.4+ shards it, to measure the gene query on HEAD's layout;
//   <dir>/anndata-csr.zarr/  AnnData-Zarr (zarr v2) written by Debian's reference anndata 0.8 +
//   <dir>/anndata-csc.zarr/  zarr 2.13 (write_anndata.py): X as csr_matrix / csc_matrix.
// Each store is complete when its `.done.json` exists; a half-written store is rebuilt.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Atlas } from '../../src/companion/atlas.js';
import { addCsc, writeCscIndptr, type CscCodec, type IndptrLayout } from '../../src/companion/csc.js';
import { DEFAULT_ZSTD } from '../../src/companion/zarr-writer/metadata.js';
import { loadWriterCodecs } from '../../src/companion/codecs.js';
import { FsStore } from '../../src/io/fs-store.js';
import { openArray, readAll } from '../../src/zarr/index.js';
import { ingest } from '../../src/companion/ingest.js';
import { optimize } from '../../src/companion/optimize.js';
import { snapshot } from '../../src/companion/snapshot.js';
import { inputDataset, RawCsr, type SynthMeta } from './synthetic.js';

export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const WRITER = fileURLToPath(new URL('./write_anndata.py', import.meta.url));

export interface AtlasBuildInfo {
  ingestSeconds: number;
  cscSeconds: number;
  optimizeSeconds: number;
  snapshotSeconds: number;
  bytes: number;
  cscBytes: number;
  groups: string[];
  /** Layout of csc/indptr (the companion's default since it became 'chunked'); a cached atlas without it is rebuilt. */
  indptrLayout?: IndptrLayout;
  /** Codec of the CSC copies (add-csc's default); builds from before it was BP-128 are rebuilt. */
  cscCodec?: CscCodec;
  /** zarr.json records shard sizes (the companion's default since it started to); else rebuilt. */
  shardSizeHints?: boolean;
}

export interface AnnDataBuildInfo {
  seconds: number;
  bytes: number;
  chunkElements: number;
  compressor: string;
}

export function readDone<T>(path: string): T | undefined {
  const f = join(path, '.done.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as T) : undefined;
}

export function duBytes(path: string): number {
  let total = 0;
  const walk = (p: string) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const q = join(p, e.name);
      if (e.isDirectory()) walk(q);
      else if (e.isFile()) total += statSync(q).size;
    }
  };
  if (existsSync(path)) walk(path);
  return total;
}

export async function ensureAtlas(dir: string, meta: SynthMeta, opts: { csc: boolean }, log: (s: string) => void): Promise<AtlasBuildInfo> {
  const root = join(dir, opts.csc ? 'atlas' : 'atlas-nocsc');
  const done = readDone<AtlasBuildInfo>(root);
  if (done && done.shardSizeHints && (!opts.csc || (done.indptrLayout === 'chunked' && done.cscCodec === 'bitpacking'))) return done;
  rmSync(root, { recursive: true, force: true });
  if (opts.csc) rmSync(join(dir, 'atlas-indptr-sharded'), { recursive: true, force: true }); // hard links into the old build
  const raw = new RawCsr(dir);
  const atlas = await Atlas.create(root, {
    obs: {
      columns: [
        { name: 'barcode', type: 'string', nullable: false },
        { name: 'cell_type', type: 'string', nullable: true },
        { name: 'n_genes', type: 'int64', nullable: true },
        { name: 'total_counts', type: 'float64', nullable: true },
        { name: 'pct_mito', type: 'float64', nullable: true },
      ],
    },
  });
  const info: AtlasBuildInfo = { ingestSeconds: 0, cscSeconds: 0, optimizeSeconds: 0, snapshotSeconds: 0, bytes: 0, cscBytes: 0, groups: [], shardSizeHints: true, ...(opts.csc ? { indptrLayout: 'chunked' as const, cscCodec: 'bitpacking' as const } : {}) };
  try {
    for (let d = 0; d < meta.datasets.length; d++) {
      const t0 = performance.now();
      const res = await ingest(atlas, {
        modalities: [{ field: 'gene_expression', input: inputDataset(raw, meta, d) }],
        obsMap: { _index: 'barcode' },
        name: meta.datasets[d]!.name,
      });
      const s = (performance.now() - t0) / 1000;
      info.ingestSeconds += s;
      info.groups.push(res.modalities[0]!.zarrGroup);
      log(`  ingested ${meta.datasets[d]!.name}: ${res.nObs} cells, nnz ${res.modalities[0]!.nnz} in ${s.toFixed(1)} s`);
    }
    if (opts.csc) {
      for (const g of info.groups) {
        const t0 = performance.now();
        await addCsc(atlas, { zarrGroup: g });
        const s = (performance.now() - t0) / 1000;
        info.cscSeconds += s;
        log(`  add-csc ${g}: ${s.toFixed(1)} s`);
      }
    }
    let t0 = performance.now();
    await optimize(atlas);
    info.optimizeSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await snapshot(atlas);
    info.snapshotSeconds = (performance.now() - t0) / 1000;
  } finally {
    atlas.close();
    raw.close();
  }
  info.bytes = duBytes(root);
  info.cscBytes = info.groups.reduce((a, g) => a + duBytes(join(root, 'zarr_store', g, 'csc')), 0);
  writeFileSync(join(root, '.done.json'), JSON.stringify(info, null, 2));
  return info;
}

/**
 * `<dir>/atlas-indptr-sharded`: hard links to the built atlas, except each csc/indptr, rewritten
 * with zarr-python's `shards="auto"` as homeobox 0.2.4+ writes it (`add-csc --indptr-layout sharded`
 * gives the same bytes, but would rewrite 600 MB of CSC arrays to get them).
 */
export async function ensureShardedIndptrAtlas(dir: string, built: AtlasBuildInfo): Promise<string> {
  const root = join(dir, 'atlas-indptr-sharded');
  if (readDone(root)) return root;
  rmSync(root, { recursive: true, force: true });
  const cp = spawnSync('cp', ['-al', join(dir, 'atlas'), root], { encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`cp -al failed: ${cp.stderr}`);
  rmSync(join(root, '.done.json'), { force: true });
  const zarrRoot = join(root, 'zarr_store');
  for (const g of built.groups) {
    const path = `${g}/csc/indptr`;
    const values = (await readAll(await openArray(new FsStore(zarrRoot), path))) as BigInt64Array;
    rmSync(join(zarrRoot, path), { recursive: true }); // unlinks the copy's links only
    await writeCscIndptr({ root: zarrRoot, path, codec: DEFAULT_ZSTD, codecs: await loadWriterCodecs(), layout: 'sharded' }, values);
  }
  writeFileSync(join(root, '.done.json'), JSON.stringify({ ...built, indptrLayout: 'sharded' }, null, 2));
  return root;
}

/** Both AnnData-Zarr stores (one Python run: the CSC transpose reuses the CSR pass). */
export function ensureAnnData(dir: string, log: (s: string) => void): { csr: AnnDataBuildInfo; csc: AnnDataBuildInfo } {
  const csrPath = join(dir, 'anndata-csr.zarr');
  const cscPath = join(dir, 'anndata-csc.zarr');
  let csr = readDone<AnnDataBuildInfo>(csrPath);
  let csc = readDone<AnnDataBuildInfo>(cscPath);
  if (csr && csc) return { csr, csc };
  const check = spawnSync(PYTHON, ['-c', 'import anndata, zarr, numcodecs'], { encoding: 'utf8' });
  if (check.status !== 0) {
    throw new Error(`${PYTHON} cannot import anndata + zarr (${check.stderr.trim().split('\n').pop()}); install them: apt-get install -y python3-anndata python3-zarr`);
  }
  const t0 = performance.now();
  const formats = [!csr ? 'csr' : '', !csc ? 'csc' : ''].filter(Boolean).join(',');
  log(`  writing AnnData-Zarr (${formats}) with ${PYTHON} (anndata + zarr v2)…`);
  const r = spawnSync(PYTHON, [WRITER, dir, formats], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`write_anndata.py failed (exit ${r.status})`);
  log(`  AnnData-Zarr written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  csr = readDone<AnnDataBuildInfo>(csrPath);
  csc = readDone<AnnDataBuildInfo>(cscPath);
  if (!csr || !csc) throw new Error('write_anndata.py finished without .done.json markers');
  return { csr, csc };
}
