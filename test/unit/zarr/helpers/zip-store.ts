// Test-only: a ByteStore over a .zip held in memory. Parses the central directory (ZIP64 too),
// keeps the LAST member of each name (as Python's zipfile does — anndata rewrites zarr.json by
// appending), and serves stored members by slicing, deflated ones through node:zlib.
import { inflateRawSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { NotFoundError } from '../../../../src/errors.js';
import type { ByteRange, ByteStore } from '../../../../src/io/types.js';

interface Member {
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export class MemoryZipStore implements ByteStore {
  readonly url: string;
  readonly members = new Map<string, Member>();
  readonly #zip: Uint8Array;

  constructor(zip: Uint8Array, url = 'zip:memory') {
    this.#zip = zip;
    this.url = url;
    const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    let eocd = -1;
    for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
      if (dv.getUint32(i, true) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error('no end-of-central-directory record');
    let count = dv.getUint16(eocd + 10, true);
    let cdOffset = dv.getUint32(eocd + 16, true);
    if (eocd >= 20 && dv.getUint32(eocd - 20, true) === 0x07064b50) {
      const z64 = Number(dv.getBigUint64(eocd - 12, true));
      count = Number(dv.getBigUint64(z64 + 32, true));
      cdOffset = Number(dv.getBigUint64(z64 + 48, true));
    }
    let p = cdOffset;
    const td = new TextDecoder();
    for (let k = 0; k < count; k++) {
      if (dv.getUint32(p, true) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`);
      const method = dv.getUint16(p + 10, true);
      let compressedSize = dv.getUint32(p + 20, true);
      let size = dv.getUint32(p + 24, true);
      const nameLen = dv.getUint16(p + 28, true);
      const extraLen = dv.getUint16(p + 30, true);
      const commentLen = dv.getUint16(p + 32, true);
      let localOffset = dv.getUint32(p + 42, true);
      const name = td.decode(zip.subarray(p + 46, p + 46 + nameLen));
      // ZIP64 extra field: 64-bit values for whichever 32-bit fields are saturated, in this order.
      for (let e = p + 46 + nameLen; e < p + 46 + nameLen + extraLen; ) {
        const id = dv.getUint16(e, true);
        const len = dv.getUint16(e + 2, true);
        if (id === 1) {
          let q = e + 4;
          if (size === 0xffffffff) (size = Number(dv.getBigUint64(q, true))), (q += 8);
          if (compressedSize === 0xffffffff) (compressedSize = Number(dv.getBigUint64(q, true))), (q += 8);
          if (localOffset === 0xffffffff) localOffset = Number(dv.getBigUint64(q, true));
        }
        e += 4 + len;
      }
      if (!name.endsWith('/')) this.members.set(name, { method, compressedSize, size, localOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  static async fromFile(path: string): Promise<MemoryZipStore> {
    return new MemoryZipStore(new Uint8Array(await readFile(path)), `zip:${path}`);
  }

  #data(key: string): Uint8Array | undefined {
    const m = this.members.get(key);
    if (!m) return undefined;
    const dv = new DataView(this.#zip.buffer, this.#zip.byteOffset);
    const start = m.localOffset + 30 + dv.getUint16(m.localOffset + 26, true) + dv.getUint16(m.localOffset + 28, true);
    const raw = this.#zip.subarray(start, start + m.compressedSize);
    if (m.method === 0) return raw;
    if (m.method === 8) return new Uint8Array(inflateRawSync(raw));
    throw new Error(`zip method ${m.method} not supported`);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#data(key)?.slice();
  }

  async getRange(key: string, range: ByteRange): Promise<Uint8Array> {
    const d = this.#data(key);
    if (!d) throw new NotFoundError('no such member', { where: `${this.url}/${key}` });
    if (range.offset + range.length > d.length) throw new Error(`short read of ${key}`);
    return d.slice(range.offset, range.offset + range.length);
  }

  async size(key: string): Promise<number | undefined> {
    return this.members.get(key)?.size;
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.members.keys()].filter((k) => k.startsWith(prefix));
  }
}
