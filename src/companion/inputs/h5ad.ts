// h5ad (AnnData in HDF5) through h5wasm.
//
// File access: h5wasm's Node build ('h5wasm/node') is compiled with Emscripten's NODERAWFS, so its
// virtual FS *is* the host filesystem: `new h5wasm.File('/abs/path', 'r')` opens the real file and
// libhdf5 reads it with positioned reads (fs.readSync at offsets) as it needs blocks. Nothing is copied
// into MEMFS, no FS.mount is needed, and memory is bounded by what we slice (plus HDF5's chunk cache),
// so files larger than memory stream batch by batch. Paths are resolved to absolute first because
// NODERAWFS resolves relative ones against process.cwd().
import { open as openFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { Dataset, Group, Metadata } from 'h5wasm/node';
import { InvalidInputError, NotFoundError, UnsupportedError } from '../../errors.js';
import { readAnnData, type AnnDataOptions } from './anndata-elements.js';
import { innermostHdf5Frame, withHdf5Diagnostics, type Hdf5Outcome } from './hdf5-diagnostics.js';
import {
  normaliseAttr,
  whereOf,
  type ArrayNode,
  type Attrs,
  type ElemDtype,
  type ElementNode,
  type ElementStore,
  type ReadData,
} from './element-store.js';
import type { InputDataset } from './types.js';

export type H5adOptions = AnnDataOptions;

/** Opens an .h5ad file. Matrices are read lazily in row batches; obs/var/obsm are loaded. */
export async function openH5ad(path: string, opts: H5adOptions = {}): Promise<InputDataset> {
  const file = resolve(path);
  await checkHdf5(file);
  const store = await H5Store.open(file);
  try {
    return await readAnnData(store, path, opts);
  } catch (e) {
    await store.close();
    throw e;
  }
}

const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The HDF5 signature sits at 0 or, after a user block, at 512, 1024, 2048, … */
export async function isHdf5(file: string): Promise<boolean> {
  return (await hdf5Superblock(file)) !== undefined;
}

/**
 * Where the superblock starts and the file size it records (base address + end-of-file address,
 * HDF5 file format spec §II.A), or undefined without an HDF5 signature. `recorded` is undefined
 * for a superblock version or offset size this does not know.
 */
async function hdf5Superblock(file: string): Promise<{ at: number; size: number; recorded?: number } | undefined> {
  const fh = await openFile(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.alloc(64);
    for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
      await fh.read(buf, 0, 64, off);
      if (buf.subarray(0, 8).equals(HDF5_MAGIC)) return { at: off, size, recorded: recordedSize(buf) };
      if (off > (1 << 24)) break;
    }
    return undefined;
  } finally {
    await fh.close();
  }
}

function recordedSize(sb: Buffer): number | undefined {
  const version = sb[8]!;
  // Versions 0 and 1: offsets and lengths sizes at 13, 14; base address at 24 (v0) or 28 (v1),
  // then the free-space, end-of-file and driver addresses. Versions 2 and 3: sizes at 9, 10;
  // base address at 12, then the superblock extension and end-of-file addresses.
  const [offsetSize, base] = version <= 1 ? [sb[13]!, version === 0 ? 24 : 28] : version <= 3 ? [sb[9]!, 12] : [0, 0];
  if (offsetSize !== 8 || base + 3 * 8 > sb.length) return undefined;
  const baseAddress = sb.readBigUInt64LE(base);
  const eof = sb.readBigUInt64LE(base + 16);
  const total = baseAddress + eof;
  return total <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(total) : undefined;
}

async function checkHdf5(file: string): Promise<void> {
  const st = await stat(file).catch(() => undefined);
  if (!st) throw new NotFoundError('h5ad file not found', { where: file });
  if (!st.isFile()) throw new InvalidInputError('h5ad path is not a file', { where: file });
  const sb = await hdf5Superblock(file);
  if (!sb) throw new InvalidInputError('not an HDF5 file (no HDF5 signature)', { where: file });
  // A cut-off copy opens, and then reads as an h5ad with elements missing: say what it is instead.
  if (sb.recorded !== undefined && sb.size < sb.at + sb.recorded) {
    throw new InvalidInputError(`truncated HDF5 file: ${sb.size} bytes, but its superblock records ${sb.at + sb.recorded} (an interrupted download or copy?)`, { where: file });
  }
}

/** An InvalidInputError for a call libhdf5 failed, with its innermost error frame as the reason. */
function damaged(what: string, r: Hdf5Outcome<unknown>, where: string): InvalidInputError | UnsupportedError {
  const frame = innermostHdf5Frame(r.diagnostics);
  const thrown = r.ok ? '' : (r.error as Error)?.message ?? String(r.error);
  const reason = frame || thrown || 'no reason given'; // h5wasm's own message says less than the frame
  // A filter libhdf5 would load as a plugin (LZF, which h5py writes with compression='lzf'; blosc,
  // …): libhdf5 reports the plugin directory it could not open, which reads like a broken install.
  if (/H5PL|required filter/.test(r.diagnostics)) {
    return new UnsupportedError(`${what}: the data is compressed with an HDF5 filter this reader does not have (LZF, blosc or another plugin filter); rewrite the file with gzip, e.g. adata.write_h5ad(path, compression='gzip')`, { where, feature: 'HDF5 plugin filter' }, r.ok ? undefined : { cause: r.error });
  }
  return new InvalidInputError(`${what}: ${reason} (a damaged or unsupported file?)`, { where }, r.ok ? undefined : { cause: r.error });
}

// HDF5 type classes (H5Tpublic.h).
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_ENUM = 8;

class H5Store implements ElementStore {
  private constructor(
    readonly file: string,
    private readonly h5: InstanceType<typeof h5wasm.File>,
  ) {}

  static async open(file: string): Promise<H5Store> {
    await h5wasm.ready;
    // A file HDF5 cannot open is no exception in h5wasm: it hands back a File with a negative id.
    const r = withHdf5Diagnostics(() => new h5wasm.File(file, 'r'));
    if (!r.ok || r.value.file_id < 0n) throw damaged('HDF5 cannot open the file', r, file);
    return new H5Store(file, r.value);
  }

  /**
   * `fn()` on this file, where libhdf5 reporting an error is one (h5wasm itself may return null,
   * an empty list or even an object it could not read): an object HDF5 fails to read is damaged,
   * not missing. A path that is simply not there reports nothing and stays null.
   */
  private call<T>(what: string, where: string, fn: () => T): T {
    const r = withHdf5Diagnostics(fn);
    if (!r.ok || r.diagnostics) throw damaged(`HDF5 ${what}`, r, where);
    return r.value;
  }

  private get(path: string): ReturnType<InstanceType<typeof h5wasm.File>['get']> {
    const key = path === '' ? '/' : `/${path}`;
    return this.call(`cannot read ${key}`, `${this.file}:${key}`, () => this.h5.get(key));
  }

  async node(path: string): Promise<ElementNode | undefined> {
    const obj = this.get(path);
    return this.call(`cannot read /${path}`, `${this.file}:/${path}`, (): ElementNode | undefined => {
      if (obj instanceof h5wasm.Group) return { kind: 'group', path, attrs: readAttrs(obj) };
      if (obj instanceof h5wasm.Dataset) {
        const meta = obj.metadata;
        return { kind: 'array', path, attrs: readAttrs(obj), shape: meta.shape ?? [], dtype: elemDtype(meta) };
      }
      return undefined;
    });
  }

  async children(path: string): Promise<string[]> {
    const obj = this.get(path);
    if (!(obj instanceof h5wasm.Group)) return [];
    return this.call(`cannot list /${path}`, `${this.file}:/${path}`, () => obj.keys()).sort();
  }

  async read(node: ArrayNode, start?: number, end?: number): Promise<ReadData> {
    const ds = this.get(node.path) as Dataset;
    const rows = node.shape[0] ?? 1;
    const a = start ?? 0;
    const b = end ?? rows;
    if (b <= a) return emptyOf(node);
    const out = this.call('read failed', whereOf(this, node.path, a), () => (a === 0 && b === rows ? ds.value : ds.slice([[a, b]])) as unknown);
    if (Array.isArray(out)) return out.map((s) => (typeof s === 'string' ? s : String(s)));
    if (node.dtype === 'bool' && ArrayBuffer.isView(out)) return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    if (ArrayBuffer.isView(out)) return out as Exclude<ReadData, string[]>;
    throw new UnsupportedError(`cannot read ${node.path} as an array`, { where: whereOf(this, node.path), feature: 'HDF5 datatype' });
  }

  async close(): Promise<void> {
    // Closing a file whose metadata HDF5 failed to read can fail in turn (Emscripten reports an
    // abort): the error that made us close is the one to report, and the handle is gone either way.
    withHdf5Diagnostics(() => this.h5.close());
  }
}

function readAttrs(obj: Group | Dataset): Attrs {
  const out: Attrs = {};
  for (const [name, attr] of Object.entries(obj.attrs)) {
    try {
      const v = attr.value;
      // Object references (anndata 0.7 categorical `categories`) only matter as a marker.
      out[name] = v instanceof Object && 'ref_data' in v ? { reference: true } : normaliseAttr(v);
    } catch {
      out[name] = null;
    }
  }
  return out;
}

function elemDtype(meta: Metadata): ArrayNode['dtype'] {
  switch (meta.type) {
    case H5T_INTEGER: {
      const bits = meta.size * 8;
      if (![8, 16, 32, 64].includes(bits)) return { other: `int${bits}` };
      return `${meta.signed ? 'int' : 'uint'}${bits}` as ElemDtype;
    }
    case H5T_FLOAT:
      return meta.size === 4 ? 'float32' : meta.size === 8 ? 'float64' : { other: `float${meta.size * 8}` };
    case H5T_STRING:
      return 'string';
    case H5T_ENUM: {
      // h5py stores numpy bool as an enum {FALSE: 0, TRUE: 1}.
      const m = meta.enum_type?.members ?? {};
      const keys = Object.keys(m).sort().join(',');
      return keys === 'FALSE,TRUE' ? 'bool' : { other: `enum(${keys})` };
    }
    default:
      return { other: `HDF5 type class ${meta.type}` };
  }
}

function emptyOf(node: ArrayNode): ReadData {
  switch (node.dtype) {
    case 'string': return [];
    case 'float32': return new Float32Array(0);
    case 'float64': return new Float64Array(0);
    case 'int8': return new Int8Array(0);
    case 'int16': return new Int16Array(0);
    case 'int32': return new Int32Array(0);
    case 'int64': return new BigInt64Array(0);
    case 'uint16': return new Uint16Array(0);
    case 'uint32': return new Uint32Array(0);
    case 'uint64': return new BigUint64Array(0);
    default: return new Uint8Array(0);
  }
}
