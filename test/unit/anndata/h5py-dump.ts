// Test helpers: write bytes to a temp file and describe it with Debian's h5py (the oracle).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonJson } from '../../helpers/python.js';

let dir: string | undefined;
let serial = 0;

/** A fresh path in this test file's temp directory (see removeTemp). */
export function tempPath(name: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'h5w-'));
  return join(dir, `${serial++}-${name}`);
}

/** Removes the temp directory: `afterAll(removeTemp)` in each test file using these helpers. */
export function removeTemp(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

export function writeTemp(bytes: Uint8Array, name = 'out.h5'): string {
  const file = tempPath(name);
  writeFileSync(file, bytes);
  return file;
}

export interface PyValue {
  shape: number[];
  /** Flattened values (64-bit integers as decimal strings, non-finite floats as "nan"/"inf"/"-inf"). */
  values?: unknown[];
  sha256?: string;
  size: number;
}

export interface PyObject {
  kind: 'group' | 'dataset';
  attrs: Record<string, PyValue & { dtype: string; h5class: string }>;
  dtype?: string;
  h5class?: string;
  enum?: Record<string, number>;
  cset?: string | null;
  value?: PyValue;
}

export interface PyDump {
  names: string[];
  userblock: number;
  objects: Record<string, PyObject>;
}

/** Every object of the file (visititems order), with dtypes, HDF5 classes, shapes, values, attrs. */
export const DUMP = String.raw`
import sys, json, hashlib, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r')
big = int(sys.argv[2])
CLASSES = {h5py.h5t.INTEGER: 'integer', h5py.h5t.FLOAT: 'float', h5py.h5t.STRING: 'string', h5py.h5t.ENUM: 'enum', h5py.h5t.VLEN: 'vlen'}
def scal(v):
    if isinstance(v, (bytes, np.bytes_)): return v.decode('utf-8')
    if isinstance(v, (bool, np.bool_)): return bool(v)
    if isinstance(v, np.integer): return str(int(v)) if v.dtype.itemsize == 8 else int(v)
    if isinstance(v, int): return v
    if isinstance(v, (np.floating, float)):
        v = float(v)
        if v != v: return 'nan'
        if v in (float('inf'), float('-inf')): return 'inf' if v > 0 else '-inf'
        return v
    return v
def value(a, strs):
    a = np.asarray(a)
    out = {'shape': list(a.shape), 'size': int(a.size)}
    flat = a.reshape(-1)
    if a.size > big:
        if strs: out['sha256'] = hashlib.sha256('\0'.join(flat.tolist()).encode('utf-8')).hexdigest()
        else: out['sha256'] = hashlib.sha256(np.ascontiguousarray(flat).tobytes()).hexdigest()
    else:
        out['values'] = [scal(v) for v in flat]  # numpy scalars keep their width
    return out
def typeinfo(tid, dt):
    d = {'dtype': dt.str, 'h5class': CLASSES.get(tid.get_class(), str(tid.get_class()))}
    if tid.get_class() == h5py.h5t.ENUM:
        d['enum'] = {tid.get_member_name(i).decode(): int(tid.get_member_value(i)) for i in range(tid.get_nmembers())}
        d['enum_base'] = tid.get_super().get_size()
    s = h5py.check_string_dtype(dt)
    d['cset'] = s.encoding if s else None
    return d
def attrs(o):
    out = {}
    for k in o.attrs.keys():
        a = o.attrs.get_id(k)
        v = o.attrs[k]
        info = typeinfo(a.get_type(), a.dtype)
        info.update(value(v, info['cset'] is not None))
        out[k] = info
    return out
names = []
objects = {'/': {'kind': 'group', 'attrs': attrs(f)}}
def visit(name, o):
    names.append(name)
    if isinstance(o, h5py.Group):
        objects[name] = {'kind': 'group', 'attrs': attrs(o)}
    else:
        info = typeinfo(o.id.get_type(), o.dtype)
        strs = info['cset'] is not None
        info.update({'kind': 'dataset', 'attrs': attrs(o), 'value': value(o.asstr()[()] if strs else o[()], strs)})
        objects[name] = info
f.visititems(visit)
print(json.dumps({'names': names, 'userblock': f.userblock_size, 'objects': objects}))
`;

export function h5dump(file: string, big = 1000): PyDump {
  return pythonJson<PyDump>(DUMP, [file, String(big)], { timeoutMs: 300_000 });
}

export function sha256(data: ArrayBufferView | string[]): string {
  const h = createHash('sha256');
  if (Array.isArray(data)) h.update(Buffer.from(data.join('\0'), 'utf8'));
  else h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return h.digest('hex');
}

/** What DUMP reports for these JS values. */
export function expected(values: ArrayLike<number | bigint | boolean | string>): unknown[] {
  return Array.from(values as ArrayLike<unknown>, (v) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    return v;
  });
}
