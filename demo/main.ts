// Zero-install atlas explorer: everything below runs in this tab (Lance reader, zarr shards, BP-128
// and zstd in WASM workers). The default atlas is the bundled one `npm run demo` writes from real data.
/// <reference types="vite/client" />
import type { Table } from 'apache-arrow';
import { RaggedAtlas, toH5ad, type AnnData, type AtlasOptions } from '../src/index.js';
// The worker script and the wasm files as Vite emits them (the dev server's modules, or hashed files
// in `npm run demo:build`'s static site): the library's own defaults are paths next to its sources,
// which a production build does not keep. Apps bundling the package do the same (README).
import workerUrl from '../src/workers/decode-worker.ts?worker&url';
import simdWasm from '../wasm/dist/ragged_atlas_codec_simd.wasm?url';
import scalarWasm from '../wasm/dist/ragged_atlas_codec_scalar.wasm?url';

// A host that never answers fails an action after 30 s (one retry), not after minutes of silence.
const assets: AtlasOptions = { workerUrl: new URL(workerUrl, location.href), wasmUrl: { simd: simdWasm, scalar: scalarWasm }, timeoutMs: 30_000, retries: 1 };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const urlInput = $<HTMLInputElement>('url');
urlInput.value = params.get('atlas') ?? new URL('./atlas/', location.href).href;

let atlas: RaggedAtlas | undefined;
let lastResult: AnnData | undefined;
const palette = ['#4fb3ff', '#ff7b72', '#7ee787', '#d2a8ff', '#ffa657', '#f778ba', '#79c0ff', '#e3b341', '#56d4dd', '#a5d6ff', '#ffdf5d', '#bc8cff', '#ff9bce'];

/**
 * Each panel shows its latest request: starting one aborts the one before. The aborted query stops
 * waiting at once, and reads it shares with the new one (file metadata, arrays) go on for it.
 */
const running = new Map<string, AbortController>();
function supersede(panel: string): AbortSignal {
  running.get(panel)?.abort();
  const c = new AbortController();
  running.set(panel, c);
  return c.signal;
}

function showError(where: Element, err: unknown): void {
  console.warn(err); // shown to the user below; a warning for whoever has the console open
  where.innerHTML = `<div class="error">${escapeHtml(String((err as Error).message ?? err))}</div>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function updateStats(): void {
  if (!atlas) return;
  const s = atlas.stats;
  $('stats').textContent = `requests ${s.requests} · bytes ${(s.bytes / 1024).toFixed(1)} KiB · snapshot v${atlas.version}`;
}

/** The atlas URL the snapshot list was read for (Open with another URL reads the list again). */
let listedUrl: string | undefined;

async function loadVersions(): Promise<void> {
  const select = $<HTMLSelectElement>('version');
  select.innerHTML = '';
  listedUrl = urlInput.value;
  const versions = await RaggedAtlas.listVersions(urlInput.value, assets);
  for (const v of versions.reverse()) {
    const o = document.createElement('option');
    o.value = String(v.version);
    o.textContent = `v${v.version} · ${v.totalRows} rows`;
    select.append(o);
  }
}

/**
 * Opens a snapshot. The latest Open wins: an earlier one still checking out is aborted, and one that
 * finished meanwhile is closed unseen (two quick Opens on a slow host showed the first snapshot,
 * or the error of its closed atlas, under the second one's name).
 */
async function open(version?: number): Promise<void> {
  const signal = supersede('open');
  const summary = $('summary').querySelector('.body')!;
  const pending = document.createElement('p');
  pending.className = 'pending';
  pending.textContent = `opening ${version === undefined ? 'the latest snapshot' : `v${version}`}…`;
  summary.prepend(pending);
  let next: RaggedAtlas;
  try {
    // The new snapshot is checked out before the old one closes: a failed Open leaves the page on
    // the atlas it shows, still usable.
    next = version === undefined ? await RaggedAtlas.checkoutLatest(urlInput.value, { ...assets, signal }) : await RaggedAtlas.checkout(urlInput.value, version, { ...assets, signal });
  } catch (err) {
    if (signal.aborted) return;
    pending.remove();
    throw err;
  }
  if (signal.aborted) return next.close();
  for (const [panel, c] of running) if (panel !== 'open') c.abort(); // their atlas is about to close
  // The query panel held the old snapshot's result, or a query now cancelled (it said "running…" for good).
  const qresult = $('qresult');
  qresult.textContent = qresult.textContent === 'running…' ? 'cancelled: another snapshot was opened' : '';
  lastResult = undefined; // a download must not give the previous snapshot's result
  atlas?.close();
  atlas = next;
  const a = atlas;
  try {
    await showAtlas(a, signal);
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

async function showAtlas(a: RaggedAtlas, signal: AbortSignal): Promise<void> {
  const total = await a.query().count({ signal });
  if (signal.aborted) return;
  $('summary').querySelector('.body')!.innerHTML = `
    <p><b>${total.toLocaleString()}</b> cells · snapshot <b>v${a.version}</b> · obs tables ${a.obsTables.join(', ')}</p>
    <p>pointer fields: ${a.pointerFields().map((p) => `${p.name} (${p.featureSpace}, ${p.kind})`).join(', ')}</p>`;
  const datasets = await a.listDatasets({ signal });
  if (signal.aborted) return;
  renderTable($('datasets').querySelector('.body') as HTMLElement, datasets, ['dataset_name', 'n_rows', 'zarr_group', 'feature_space', 'dataset_uid']);
  const schema = a.obsSchema();
  // string columns only: a pointer struct (gene_expression) prints with Utf8 children inside
  const categorical = schema.fields.filter((f) => /^(Large)?Utf8$|^Dictionary</.test(String(f.type)) && !['uid', 'dataset_uid'].includes(f.name)).map((f) => f.name);
  fillSelect($('groupcol'), ['dataset_uid', ...categorical], categorical.includes('cell_type') ? 'cell_type' : 'dataset_uid');
  const embeddings = schema.fields.filter((f) => String(f.type).startsWith('FixedSizeList')).map((f) => f.name);
  fillSelect($('embcol'), embeddings, embeddings.includes('X_umap') ? 'X_umap' : embeddings[0]);
  await Promise.all([renderCounts(), renderEmbedding()]);
  updateStats();
}

function fillSelect(el: HTMLSelectElement, values: string[], selected?: string): void {
  el.innerHTML = values.map((v) => `<option ${v === selected ? 'selected' : ''}>${escapeHtml(v)}</option>`).join('');
}

function renderTable(el: Element, table: Table, columns: string[]): void {
  const cols = columns.filter((c) => table.getChild(c));
  const rows = [...table].slice(0, 50);
  el.innerHTML = `<table><tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${cols.map((c) => `<td>${escapeHtml(String((r as Record<string, unknown>)[c] ?? ''))}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

/** The atlas the panels act on, or a message in `where` that there is none yet. */
function openAtlas(where: Element): RaggedAtlas | undefined {
  if (!atlas) where.innerHTML = '<div class="error">Open an atlas first.</div>';
  return atlas;
}

/** At most this many groups are drawn in the counts table and the legend (an id-like column has thousands). */
const SHOWN_GROUPS = 40;

async function renderCounts(): Promise<void> {
  const el = $('celltypes').querySelector('.body')!;
  const signal = supersede('counts');
  if (!openAtlas(el)) return;
  try {
    const col = $<HTMLSelectElement>('groupcol').value;
    const counts = await atlas!.query().count({ groupBy: col, signal });
    if (signal.aborted) return;
    const rows = [...counts].map((r) => ({ key: String((r as Record<string, unknown>)[col] ?? '∅'), n: Number((r as Record<string, unknown>).count) }));
    rows.sort((a, b) => b.n - a.n);
    const max = Math.max(1, ...rows.map((r) => r.n));
    el.innerHTML = `<table>${rows
      .slice(0, SHOWN_GROUPS)
      .map((r) => `<tr><td>${escapeHtml(r.key)}</td><td style="width:50%"><div class="bar" style="width:${(100 * r.n) / max}%"></div></td><td>${r.n}</td></tr>`)
      .join('')}</table>${rows.length > SHOWN_GROUPS ? `<p class="muted">… and ${rows.length - SHOWN_GROUPS} more groups</p>` : ''}`;
  } catch (err) {
    if (!signal.aborted) showError(el, err);
  }
  updateStats();
}

async function renderEmbedding(gene?: string): Promise<void> {
  const canvas = $<HTMLCanvasElement>('plot');
  const legend = $('legend');
  const emb = $<HTMLSelectElement>('embcol').value;
  const ctx = canvas.getContext('2d')!;
  const signal = supersede('embedding');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const a = openAtlas(legend);
  if (!a) return;
  if (!emb) {
    legend.textContent = 'No embedding columns in this atlas.';
    return;
  }
  try {
    const groupCol = $<HTMLSelectElement>('groupcol').value;
    let q = a.query().where(`${emb} IS NOT NULL`);
    let values: Float32Array | undefined;
    // datasets that measured the gene: elsewhere the union's zeros mean "not measured", not "none"
    let measuredIn: Set<string> | undefined;
    if (gene) {
      const uid = await findGene(a, gene);
      const [adata, found] = await Promise.all([
        q.features([uid], 'gene_expression').featureSpaces('gene_expression').toAnnData({ signal }),
        a.findDatasetsWithFeatures(uid, 'gene_expression', { signal }),
      ]);
      values = columnValues(adata);
      measuredIn = new Set(Array.from({ length: found.numRows }, (_, i) => String(found.getChild('dataset_uid')!.get(i))));
      q = q.where('gene_expression.zarr_group IS NOT NULL');
    }
    const obs = await q.select([...new Set([emb, groupCol, 'uid', 'dataset_uid'])]).toArrow({ signal });
    if (signal.aborted) return; // a later render owns the canvas now
    if (obs.numRows === 0) {
      legend.textContent = `No cell of this snapshot has ${emb}.`;
      return;
    }
    const vec = obs.getChild(emb)!;
    const groups = obs.getChild(groupCol);
    const dataset = obs.getChild('dataset_uid');
    const measured = (i: number) => !measuredIn || measuredIn.has(String(dataset?.get(i)));
    const pts: [number, number][] = [];
    for (let i = 0; i < obs.numRows; i++) {
      const v = vec.get(i) as { get(j: number): number } | null;
      pts.push(v ? [v.get(0), v.get(1)] : [NaN, NaN]);
    }
    const xs = pts.map((p) => p[0]).filter(Number.isFinite);
    const ys = pts.map((p) => p[1]).filter(Number.isFinite);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const sx = (x: number) => 10 + ((x - x0) / (x1 - x0 || 1)) * (canvas.width - 20);
    const sy = (y: number) => canvas.height - 10 - ((y - y0) / (y1 - y0 || 1)) * (canvas.height - 20);
    const cats = new Map<string, string>();
    let vmax = 1e-9;
    let nMeasured = 0;
    if (values) for (let i = 0; i < values.length; i++) if (measured(i)) (vmax = Math.max(vmax, values[i]!)), nMeasured++;
    pts.forEach(([x, y], i) => {
      if (!Number.isFinite(x)) return;
      if (values) {
        const t = values[i]! / vmax;
        ctx.fillStyle = measured(i) ? `rgb(${40 + 215 * t},${60 + 120 * t},${120 - 80 * t})` : '#3a4450';
      } else {
        const key = String(groups?.get(i) ?? '∅');
        if (!cats.has(key)) cats.set(key, palette[cats.size % palette.length]!);
        ctx.fillStyle = cats.get(key)!;
      }
      ctx.fillRect(sx(x) - 1.5, sy(y) - 1.5, 3, 3);
    });
    const notMeasured = obs.numRows - nMeasured;
    legend.innerHTML = values
      ? `${escapeHtml(gene!.trim())}: 0 → ${vmax.toFixed(2)} log1p(counts) (${nMeasured} cells)${notMeasured ? `; grey: ${notMeasured} cells of datasets that did not measure it` : ''}`
      : [...cats].slice(0, SHOWN_GROUPS).map(([k, c]) => `<span><i style="background:${c}"></i>${escapeHtml(k)}</span>`).join('') + (cats.size > SHOWN_GROUPS ? `<span>… ${cats.size - SHOWN_GROUPS} more</span>` : '');
  } catch (err) {
    if (!signal.aborted) showError(legend, err);
  }
  updateStats();
}

async function findGene(a: RaggedAtlas, symbol: string): Promise<string> {
  const reg = await a.featureRegistry('gene_expression');
  const want = symbol.trim().toLowerCase();
  for (const field of reg.schema.fields) {
    if (!/Utf8/.test(String(field.type))) continue;
    const col = reg.getChild(field.name)!;
    for (let i = 0; i < reg.numRows; i++) {
      if (String(col.get(i) ?? '').toLowerCase() === want) return String(reg.getChild('uid')!.get(i));
    }
  }
  throw new Error(`no feature named "${symbol}" in the gene_expression registry`);
}

function columnValues(adata: AnnData): Float32Array {
  const out = new Float32Array(adata.shape[0]);
  const X = adata.X;
  if (!X) return out;
  if (X.format === 'dense') {
    for (let i = 0; i < out.length; i++) out[i] = Number(X.data[i * X.shape[1]]);
    return out;
  }
  for (let i = 0; i < out.length; i++) {
    for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) out[i] = Math.log1p(Number(X.data[k]));
  }
  return out;
}

$('open').addEventListener('submit', (e) => {
  e.preventDefault();
  // Another atlas URL: its own snapshot list, and its latest snapshot.
  const other = urlInput.value !== listedUrl;
  const shown = listedUrl;
  const v = $<HTMLSelectElement>('version').value;
  const opened = other ? loadVersions().then(() => open()) : open(v === '' ? undefined : Number(v));
  void opened.catch((err) => {
    showError($('summary').querySelector('.body')!, err);
    // The panels still show the atlas that was open: say so, and put its URL and snapshots back.
    if (other && atlas && shown !== undefined) {
      const failed = urlInput.value;
      urlInput.value = shown;
      void loadVersions().then(() => {
        $<HTMLSelectElement>('version').value = String(atlas?.version ?? '');
        $('summary').querySelector('.body')!.insertAdjacentHTML('beforeend', `<p class="muted">${escapeHtml(failed)} could not be opened; still showing ${escapeHtml(shown)} v${atlas?.version}.</p>`);
      });
    }
  });
});
// (a gene in the box keeps colouring the embedding: the grouping column changes only the counts and the legend's categories)
const gene = () => $<HTMLInputElement>('gene').value.trim() || undefined;
$('groupcol').addEventListener('change', () => void Promise.all([renderCounts(), renderEmbedding(gene())]));
$('embcol').addEventListener('change', () => void renderEmbedding(gene()));
$('colour').addEventListener('click', () => void renderEmbedding(gene()));
$('gene').addEventListener('keydown', (e) => void (e.key === 'Enter' && renderEmbedding(gene())));
$('qform').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('qresult');
  const signal = supersede('query');
  lastResult = undefined; // Download gives this query's result or nothing, never the one before
  const a = openAtlas(out);
  if (!a) return;
  out.textContent = 'running…';
  try {
    const t0 = performance.now();
    const limit = $<HTMLInputElement>('limit').value.trim();
    let q = a.query().featureJoin($<HTMLSelectElement>('join').value as 'union' | 'intersection');
    if (limit !== '') q = q.limit(Number(limit)); // an empty field means no limit, not 0 rows
    const where = $<HTMLInputElement>('where').value.trim();
    if (where) q = q.where(where);
    const result = await q.featureSpaces('gene_expression').toAnnData({ signal });
    if (signal.aborted) return;
    lastResult = result;
    const X = lastResult.X;
    const nnz = X && X.format === 'csr' ? X.indices.length : 0;
    out.innerHTML = `<p>AnnData ${lastResult.shape[0]} × ${lastResult.shape[1]} · nnz ${nnz.toLocaleString()} · ${(performance.now() - t0).toFixed(0)} ms</p>`;
    renderTable(out.appendChild(document.createElement('div')), lastResult.obs, lastResult.obs.schema.fields.map((f) => f.name).slice(0, 6));
  } catch (err) {
    if (!signal.aborted) showError(out, err);
  }
  updateStats();
});
$('h5ad').addEventListener('click', async () => {
  if (!lastResult) {
    const out = $('qresult');
    if (out.textContent !== 'running…') out.insertAdjacentHTML('afterbegin', '<div class="error">Run a query first: Download saves its result.</div>');
    return;
  }
  try {
    const bytes = await toH5ad(lastResult);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/x-hdf5' }));
    a.download = 'ragged-atlas-query.h5ad';
    a.click();
  } catch (err) {
    showError($('qresult'), err);
  }
});

void loadVersions()
  .then(() => open())
  .catch((err) => showError($('summary').querySelector('.body')!, err));
