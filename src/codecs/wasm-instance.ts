// One instance of the codec module: its raw exports, memory views, three reusable scratch regions,
// error records, and recovery from traps. wasm-codecs.ts builds the public API on top.
//
// Scratch: slot 0 holds the current call's input, slot 1 its output, slot 2 a resident input that
// many calls share (a remap table): it is written again only when its owner changes. Each region
// is reused by every call and only reallocated (freed, then allocated at ≥ 1.5× the old size) when
// a call needs more, so steady-state calls allocate nothing and memory stays flat. Any call that
// may allocate can grow memory, which detaches old views of `memory.buffer`; bytes() therefore
// re-creates its view whenever the buffer changed.
//
// Traps: the module never panics on input, but a trap (an engine limit, a bug) leaves an instance
// in an unknown state. run() catches WebAssembly.RuntimeError, replaces the instance with a fresh
// one from the same compiled module, and throws a CodecError instead.

import { ErrorCode, codecError, jsCodecError, type ErrorContext, type ErrorDetail } from './error-codes.js';

/** The module's exports (see wasm/src/wasm.rs for the contract of each). */
export interface CodecExports {
  memory: WebAssembly.Memory;
  ra_alloc(len: number): number;
  ra_free(ptr: number, len: number): void;
  ra_last_error(): number;
  ra_simd(): number;
  ra_bitpack_decoded_size(src: number, len: number, elemSize: number): number;
  ra_bitpack_decode(src: number, len: number, elemSize: number, dst: number, cap: number): number;
  ra_bitpack_encode_bound(len: number, elemSize: number): number;
  ra_bitpack_encode(src: number, len: number, elemSize: number, transform: number, dst: number, cap: number): number;
  ra_decode_chunk(kind: number, src: number, len: number, dst: number, cap: number, elemSize: number): number;
  ra_decode_chunk_remap(kind: number, src: number, len: number, dst: number, cap: number, table: number, tableLen: number): number;
  ra_remap_min(): number;
  ra_csc_count(rows: number, n: number, one: number, oneLen: number, counts: number, nRows: number, dest: number): number;
  ra_csc_prefix(counts: number, nRows: number, indptr: number): number;
  ra_csc_place(dest: number, n: number, plan: number, planLen: number, cursor: number, nRows: number, indices: number, nnz: number): number;
  ra_scatter(elem: number, src: number, n: number, dest: number, out: number, outLen: number): number;
  ra_fsst_decode(table: number, count: number, codes: number, codesLen: number, offsets: number, n: number, dst: number, cap: number, dstOffsets: number): number;
  ra_lance_miniblock(kind: number, bits: number, lengthBits: number, meta: number, metaLen: number, large: number, data: number, dataLen: number, items: number, table: number, count: number, dst: number, cap: number, dstOffsets: number): number;
  ra_zstd_content_size(src: number, len: number): number;
  ra_zstd_decompress(src: number, len: number, dst: number, cap: number): number;
  ra_zstd_compress_bound(len: number): number;
  ra_zstd_compress(src: number, len: number, dst: number, cap: number, level: number): number;
  ra_zstd_error_string(code: number): number;
  ra_zstd_version(): number;
}

interface Region {
  ptr: number;
  cap: number;
}

const MIN_REGION = 64 * 1024;

/** 0: the call's input; 1: its output; 2: the resident input (see `resident`). */
type Slot = 0 | 1 | 2;

export class WasmInstance {
  readonly module: WebAssembly.Module;
  #exports!: CodecExports;
  #view = new Uint8Array(0);
  #regions: Region[] = [];
  /** Who the bytes in slot 2 belong to; a fresh instance has none. */
  #residentOwner: object | undefined;
  #pending: Promise<void> | undefined;

  constructor(module: WebAssembly.Module, instance: WebAssembly.Instance) {
    this.module = module;
    this.#adopt(instance);
  }

  get exports(): CodecExports {
    return this.#exports;
  }

  /** A view of all of wasm memory, current after any growth. */
  bytes(): Uint8Array {
    const buffer = this.#exports.memory.buffer;
    if (this.#view.buffer !== buffer) this.#view = new Uint8Array(buffer);
    return this.#view;
  }

  memoryBytes(): number {
    return this.#exports.memory.buffer.byteLength;
  }

  /** Pointer to scratch region `slot` with room for `size` bytes. */
  region(slot: Slot, size: number, codec: string): number {
    const r = (this.#regions[slot] ??= { ptr: 0, cap: 0 });
    if (size <= r.cap) return r.ptr;
    const cap = Math.max(Math.ceil(size / MIN_REGION) * MIN_REGION, Math.ceil((r.cap * 1.5) / MIN_REGION) * MIN_REGION);
    if (r.ptr) this.#exports.ra_free(r.ptr, r.cap);
    r.ptr = 0;
    r.cap = 0;
    const ptr = this.#exports.ra_alloc(cap) >>> 0;
    if (ptr === 0) {
      throw jsCodecError(codec, ErrorCode.OutOfMemory, `out of memory: cannot allocate ${cap} bytes of scratch`);
    }
    r.ptr = ptr;
    r.cap = cap;
    return ptr;
  }

  /** Copies `data` into scratch region `slot`; returns its pointer. */
  write(slot: 0 | 1, data: Uint8Array, codec: string): number {
    const ptr = this.region(slot, data.length, codec);
    this.bytes().set(data, ptr);
    return ptr;
  }

  /**
   * Pointer to `data` in slot 2, copied there only if `owner` did not put it there last: the owner
   * promises `data` never changes. Calls that share an input (one remap table for every chunk of
   * a read) pay for one copy.
   */
  resident(owner: object, data: Uint8Array, codec: string): number {
    if (this.#residentOwner === owner) return this.#regions[2]!.ptr;
    this.#residentOwner = undefined;
    const ptr = this.region(2, data.length, codec);
    this.bytes().set(data, ptr);
    this.#residentOwner = owner;
    return ptr;
  }

  /** The detail record of the last failed call. */
  lastError(): ErrorDetail {
    const at = this.#exports.ra_last_error() >>> 0;
    const dv = new DataView(this.#exports.memory.buffer, at, 20);
    const word = (i: number) => dv.getUint32(4 * i, true);
    return { code: word(0), block: word(1), offset: word(2), value: word(3), stream: word(4) };
  }

  /** Returns `result` if it is a size, else throws the CodecError the module's error record describes. */
  check(result: number, ctx: ErrorContext): number {
    if (result >= 0) return result;
    const detail = this.lastError();
    // The record belongs to this call only if its code matches the return value.
    if (detail.code !== -result) detail.block = detail.offset = 0xffffffff;
    detail.code = -result;
    throw codecError(detail, { zstdErrorString: (c) => this.#cString(this.#exports.ra_zstd_error_string(c)), ...ctx });
  }

  /** Runs `fn` against this instance; a trap replaces the instance and becomes a CodecError. */
  run<T>(codec: string, where: string | undefined, fn: (ex: CodecExports) => T): T {
    if (this.#pending) {
      throw jsCodecError(codec, ErrorCode.Trap, 'the codec module is being re-instantiated after a trap; retry shortly', where);
    }
    try {
      return fn(this.#exports);
    } catch (err) {
      // A stack overflow inside wasm surfaces as a RangeError and leaves the shadow stack pointer
      // wherever it was: as poisoned as any other trap.
      const trapped = err instanceof WebAssembly.RuntimeError || (err instanceof RangeError && /call stack/i.test(err.message));
      if (!trapped) throw err;
      this.#replace();
      throw jsCodecError(codec, ErrorCode.Trap, `the codec module trapped (${(err as Error).message}); it was re-instantiated`, where, err);
    }
  }

  #replace(): void {
    try {
      this.#adopt(new WebAssembly.Instance(this.module, {}));
    } catch {
      // Some engines refuse synchronous instantiation of large modules on a page's main thread.
      this.#pending = WebAssembly.instantiate(this.module, {}).then(
        (instance) => {
          this.#adopt(instance);
          this.#pending = undefined;
        },
        () => {
          this.#pending = undefined;
        },
      );
    }
  }

  #adopt(instance: WebAssembly.Instance): void {
    this.#exports = instance.exports as unknown as CodecExports;
    this.#view = new Uint8Array(this.#exports.memory.buffer);
    this.#regions = [];
    this.#residentOwner = undefined;
  }

  #cString(ptr: number): string {
    const bytes = this.bytes();
    let end = ptr >>> 0;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(ptr >>> 0, end));
  }
}
