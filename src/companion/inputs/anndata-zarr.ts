// AnnData stored as Zarr v3 (as anndata ≥ 0.10 writes it): a `.zarr` directory or a `.zarr.zip`.
// zarrita reads the arrays (sharding_indexed, bytes/zstd/vlen-utf8, crc32c-checked shard indexes);
// the AnnData encodings are decoded by anndata-elements.ts, the same code as for h5ad. Row batches
// become zarrita slice reads, so for sharded arrays only the shard indexes and the inner chunks that
// cover the batch are read. Zarr v2 metadata (.zgroup/.zarray/.zattrs) takes the same path but is
// untested here (no v2 writer is available to the tests).
//
// Metadata: each node's own zarr.json is read (for a zip, the last member of that name — see
// zip-store.ts). The root's inline consolidated metadata is not needed for local files and is
// ignored; listing a group uses the directory or the zip's member names instead.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as zarr from 'zarrita';
import FileSystemStore from '@zarrita/storage/fs';
import { InvalidInputError, NotFoundError, UnsupportedError } from '../../errors.js';
import { readAnnData, type AnnDataOptions } from './anndata-elements.js';
import { normaliseAttr, whereOf, type ArrayNode, type Attrs, type ElemDtype, type ElementNode, type ElementStore, type ReadData } from './element-store.js';
import type { InputDataset } from './types.js';
import { openZipStore } from './zip-store.js';

export type AnnDataZarrOptions = AnnDataOptions;

/** Opens an AnnData Zarr store: a directory or a zip file (sniffed by content, not name). */
export async function openAnnDataZarr(path: string, opts: AnnDataZarrOptions = {}): Promise<InputDataset> {
  const file = resolve(path);
  const st = await stat(file).catch(() => undefined);
  if (!st) throw new NotFoundError('zarr store not found', { where: file });
  let store: ZarrStore;
  if (st.isDirectory()) {
    store = new ZarrStore(file, new FileSystemStore(file), (dir) => listDir(file, dir), async () => {});
  } else {
    let zip: Awaited<ReturnType<typeof openZipStore>>;
    try {
      zip = await openZipStore(file);
    } catch (e) {
      throw new InvalidInputError(`not a readable zip file: ${(e as Error).message}`, { where: file }, { cause: e });
    }
    const names = await zip.names();
    store = new ZarrStore(file, zip.store, async (dir) => listZip(names, dir), zip.close);
  }
  try {
    if (!(await store.node(''))) throw new InvalidInputError('no zarr.json (or .zgroup) at the store root', { where: file });
    return await readAnnData(store, path, opts);
  } catch (e) {
    await store.close();
    throw e;
  }
}

type ZarrReadable = zarr.Readable;
type AnyArray = zarr.Array<zarr.DataType, ZarrReadable>;

const META_FILES = ['zarr.json', '.zarray', '.zgroup'];

async function listDir(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const inner = await readdir(join(root, dir, e.name)).catch(() => [] as string[]);
    if (inner.some((n) => META_FILES.includes(n))) out.push(e.name);
  }
  return out.sort();
}

function listZip(names: string[], dir: string): string[] {
  const prefix = dir === '' ? '' : `${dir}/`;
  const out = new Set<string>();
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const rest = n.slice(prefix.length).split('/');
    if (rest.length === 2 && META_FILES.includes(rest[1]!)) out.add(rest[0]!);
  }
  return [...out].sort();
}

class ZarrStore implements ElementStore {
  private readonly arrays = new Map<string, Promise<AnyArray>>();
  private readonly root: zarr.Location<ZarrReadable>;

  constructor(
    readonly file: string,
    private readonly store: ZarrReadable,
    private readonly list: (dir: string) => Promise<string[]>,
    private readonly closer: () => Promise<void>,
  ) {
    this.root = zarr.root(store);
  }

  async node(path: string): Promise<ElementNode | undefined> {
    const v3 = await this.json(path, 'zarr.json');
    if (v3) {
      const attrs = normaliseAttrs(v3['attributes']);
      if (v3['node_type'] === 'group') return { kind: 'group', path, attrs };
      if (v3['node_type'] !== 'array') return undefined;
      const arr = await this.array(path, 'v3');
      return { kind: 'array', path, attrs, shape: arr.shape, dtype: mapDtype(arr.dtype) };
    }
    const zattrs = normaliseAttrs(await this.json(path, '.zattrs'));
    if (await this.json(path, '.zgroup')) return { kind: 'group', path, attrs: zattrs };
    if (await this.json(path, '.zarray')) {
      const arr = await this.array(path, 'v2');
      return { kind: 'array', path, attrs: zattrs, shape: arr.shape, dtype: mapDtype(arr.dtype) };
    }
    return undefined;
  }

  children(path: string): Promise<string[]> {
    return this.list(path);
  }

  async read(node: ArrayNode, start?: number, end?: number): Promise<ReadData> {
    const arr = await this.array(node.path);
    const sel: (zarr.Slice | null)[] = arr.shape.map(() => null);
    if (arr.shape.length === 0) {
      throw new UnsupportedError('scalar arrays are not read', { where: whereOf(this, node.path), feature: 'zarr scalar' });
    }
    const a = start ?? 0;
    const b = end ?? arr.shape[0]!;
    sel[0] = zarr.slice(a, b);
    let chunk: { data: unknown; shape: number[]; stride: number[] };
    try {
      chunk = (await zarr.get(arr, sel)) as typeof chunk;
    } catch (e) {
      // zarrita's tagged error for a compressor it has no codec for (numcodecs' lzma, bz2, …): not
      // a damaged store, and rewriting it with a common codec is the way out
      if ((e as { _tag?: string })._tag === 'UnknownCodecError') {
        const codec = String((e as { codec?: unknown }).codec);
        throw new UnsupportedError(
          `the array is compressed with ${codec}, which this reader does not have (it reads blosc, zstd, gzip, lz4 and uncompressed Zarr); rewrite the store with one of them, e.g. adata.write_zarr(path) with zarr's default Blosc`,
          { where: whereOf(this, node.path), feature: `zarr codec ${codec}` },
          { cause: e },
        );
      }
      throw new InvalidInputError(`zarr read failed: ${(e as Error).message}`, { where: whereOf(this, node.path, a) }, { cause: e });
    }
    return toReadData(chunk, node, whereOf(this, node.path));
  }

  close(): Promise<void> {
    return this.closer();
  }

  private async json(path: string, name: string): Promise<Record<string, unknown> | undefined> {
    const key = `/${path === '' ? '' : `${path}/`}${name}` as `/${string}`;
    const bytes = await this.store.get(key);
    if (!bytes) return undefined;
    try {
      const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
      return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
    } catch (e) {
      throw new InvalidInputError(`invalid JSON in ${name}`, { where: `${this.file}:${key}` }, { cause: e });
    }
  }

  /** The zarrita array at `path` (opened once; `node()` has already told which Zarr version it is). */
  private array(path: string, version?: 'v2' | 'v3'): Promise<AnyArray> {
    const cached = this.arrays.get(path);
    if (cached) return cached;
    const loc = this.root.resolve(path);
    const opened = version === 'v2' ? zarr.open.v2(loc, { kind: 'array' }) : zarr.open.v3(loc, { kind: 'array' });
    const p = opened.catch((e: unknown) => {
      throw new InvalidInputError(`cannot open zarr array: ${(e as Error).message}`, { where: whereOf(this, path) }, { cause: e });
    });
    this.arrays.set(path, p);
    return p;
  }
}

function normaliseAttrs(v: unknown): Attrs {
  if (typeof v !== 'object' || v === null) return {};
  const out: Attrs = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = normaliseAttr(x);
  return out;
}

function mapDtype(d: string): ArrayNode['dtype'] {
  switch (d) {
    case 'bool': case 'int8': case 'int16': case 'int32': case 'int64': case 'uint8': case 'uint16':
    case 'uint32': case 'uint64': case 'float32': case 'float64': case 'string':
      return d as ElemDtype;
    case 'v2:object':
      return 'string'; // anndata writes object arrays only for strings (vlen-utf8)
    default:
      return /^v2:[US]\d+$/.test(d) ? 'string' : { other: d };
  }
}

/** zarrita results → ReadData: C-order, bools as Uint8Array, any string container as string[]. */
function toReadData(chunk: { data: unknown; shape: number[]; stride: number[] }, node: ArrayNode, where: string): ReadData {
  let data = chunk.data;
  if (data instanceof zarr.BoolArray) data = new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (data instanceof zarr.UnicodeStringArray || data instanceof zarr.ByteStringArray) data = Array.from(data);
  if (Array.isArray(data)) {
    return data.map((s) => (typeof s === 'string' ? s : s === null || s === undefined ? '' : String(s)));
  }
  if (!ArrayBuffer.isView(data)) throw new UnsupportedError('unexpected zarr data container', { where, feature: `zarr ${String(node.dtype)}` });
  const typed = data as Exclude<ReadData, string[]>;
  const { shape, stride } = chunk;
  if (shape.length === 2 && !(stride[1] === 1 && stride[0] === shape[1])) {
    // F-ordered (or otherwise strided) result: copy into C order.
    const out = new (typed.constructor as { new (n: number): typeof typed })(typed.length);
    const [r, c] = shape as [number, number];
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = typed[i * stride[0]! + j * stride[1]!]!;
    return out;
  }
  return typed;
}
