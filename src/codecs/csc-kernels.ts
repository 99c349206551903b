// CSC → CSR assembly through the codec module's kernels (wasm/src/csc.rs), for
// src/reconstruct/csc.ts. Every input is copied into wasm memory once, the three passes run there
// (count, prefix sum, place + scatter per layer), and the CSR is copied out. In a fresh browser page
// the same JS loops ran before V8 optimised them: 50–66 ms for a 10-gene query over 200,000 cells,
// at the very end of the query; the copies and kernels took ~25 ms there (8–9 ms on an idle core).
import { ErrorCode, jsCodecError } from './error-codes.js';
import type { CscAssemblyGroup, CscAssemblyResult, TypedValues } from './types.js';
import type { WasmInstance } from './wasm-instance.js';

const CSC = 'csc-assembly';

/** Buffers allocated in wasm memory for one call, all freed at its end (also on failure). */
class Allocations {
  readonly #list: [number, number][] = [];
  constructor(private readonly w: WasmInstance) {}

  /** `bytes` (≥ 1) of wasm memory, or undefined when memory cannot grow. */
  take(bytes: number): number | undefined {
    const len = Math.max(bytes, 4);
    const ptr = this.w.exports.ra_alloc(len) >>> 0;
    if (ptr === 0) return undefined;
    this.#list.push([ptr, len]);
    return ptr;
  }

  /** `data` copied into fresh wasm memory. */
  copy(data: ArrayBufferView): number | undefined {
    const ptr = this.take(data.byteLength);
    if (ptr !== undefined) this.w.bytes().set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ptr);
    return ptr;
  }

  freeAll(): void {
    for (const [ptr, len] of this.#list) this.w.exports.ra_free(ptr, len);
    this.#list.length = 0;
  }
}

/**
 * The CSR of `groups` (one-to-one row maps) with `layers[l][g]` the values of layer l in group g, or
 * undefined when wasm memory cannot hold the job. Bad indices throw CodecError (BadArgument).
 */
export function assembleCscIn(w: WasmInstance, groups: readonly CscAssemblyGroup[], nRows: number, layers: readonly (readonly TypedValues[])[], where?: string): CscAssemblyResult | undefined {
  return w.run(CSC, where, (ex) => {
    const mem = new Allocations(w);
    const check = (r: number) => w.check(r, { codec: CSC, where });
    try {
      const counts = mem.take(4 * nRows);
      const indptr = mem.take(4 * (nRows + 1));
      if (counts === undefined || indptr === undefined) return undefined;
      w.bytes().fill(0, counts, counts + 4 * nRows);
      const placed: { dest: number; n: number; plan: number; planLen: number }[] = [];
      for (const g of groups) {
        const n = g.rows.length;
        const [rows, one, plan, dest] = [mem.copy(g.rows), mem.copy(g.one), mem.copy(g.plan), mem.take(4 * n)];
        if (rows === undefined || one === undefined || plan === undefined || dest === undefined) return undefined;
        check(ex.ra_csc_count(rows, n, one, g.one.length, counts, nRows, dest));
        placed.push({ dest, n, plan, planLen: g.plan.length });
      }
      const nnz = check(ex.ra_csc_prefix(counts, nRows, indptr));
      const indices = mem.take(4 * nnz);
      if (indices === undefined) return undefined;
      for (const p of placed) check(ex.ra_csc_place(p.dest, p.n, p.plan, p.planLen, counts, nRows, indices, nnz));
      const data: TypedValues[] = [];
      for (const perGroup of layers) {
        if (perGroup.length !== groups.length) throw jsCodecError(CSC, ErrorCode.BadArgument, `a layer has values for ${perGroup.length} of ${groups.length} groups`, where);
        const Ctor = perGroup[0]!.constructor as new (n: number) => TypedValues;
        const elem = perGroup[0]!.BYTES_PER_ELEMENT;
        const out = mem.take(elem * nnz);
        if (out === undefined) return undefined;
        for (const [gi, src] of perGroup.entries()) {
          if (src.constructor !== Ctor || src.length !== placed[gi]!.n) {
            throw jsCodecError(CSC, ErrorCode.BadArgument, `layer values of group ${gi} are not ${placed[gi]!.n} ${Ctor.name} values`, where);
          }
          const at = mem.copy(src);
          if (at === undefined) return undefined;
          check(ex.ra_scatter(elem, at, src.length, placed[gi]!.dest, out, nnz));
        }
        const result = new Ctor(nnz);
        new Uint8Array(result.buffer).set(w.bytes().subarray(out, out + elem * nnz));
        data.push(result);
      }
      const bytes = w.bytes();
      return {
        indptr: new Int32Array(bytes.slice(indptr, indptr + 4 * (nRows + 1)).buffer),
        indices: new Int32Array(bytes.slice(indices, indices + 4 * nnz).buffer),
        data,
      };
    } finally {
      mem.freeAll();
    }
  });
}
