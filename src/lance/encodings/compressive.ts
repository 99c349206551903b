// Dispatch of 2.1/2.2 CompressiveEncoding trees to the per-encoding decoders.
//
// The same encoding tree is interpreted in three contexts (as lance-encoding does):
//   mini-block  — the value buffers of one mini-block chunk (`miniBlockDecompress`)
//   block       — one whole buffer: rep/def levels, dictionaries, constant-layout levels
//   per-value   — FullZip values, one value at a time (`perValueFixed`, `perValueVariable`)
// Each case below names the byte layout it expects; the encodings themselves live one per file.
import { CorruptDataError, UnsupportedError } from '../../errors.js';
import type { Block } from '../blocks.js';
import type { Decompressors } from '../decompressors.js';
import type { Compressive } from '../proto/encodings21.js';
import { unpackInline, unpackOutOfLine } from './fastlanes.js';
import { decodeFlat, unpackBits } from './flat.js';
import { fsstDecode, parseSymbolTable } from './fsst.js';
import { decompressBuffer } from './general.js';
import { decodeRle, decodeRleBlock } from './rle.js';
import { decodeVariableBlock, decodeVariableMiniBlock, decodeVariableSplit } from './variable.js';

export interface DecodeContext {
  dec: Decompressors;
  where: string;
}

function unsupported(e: Compressive | undefined, context: string, where: string): never {
  const name = e === undefined ? 'missing' : e.kind === 'unsupported' ? e.name : e.kind;
  throw new UnsupportedError(`${name} encoding in ${context} context`, { feature: `CompressiveEncoding.${name}`, where });
}

function flatData(e: Extract<Compressive, { kind: 'flat' }>, bytes: Uint8Array, ctx: DecodeContext): Uint8Array {
  return e.data && e.data.scheme !== 0 ? decompressBuffer(e.data.scheme, bytes, ctx.dec, ctx.where) : bytes;
}

function need(buffers: Uint8Array[], n: number, e: string, where: string): void {
  if (buffers.length < n) throw new CorruptDataError(`${e} needs ${n} chunk buffers, got ${buffers.length}`, { where });
}

/** Values of one mini-block chunk: `buffers` are the chunk's value buffers in order. */
export function miniBlockDecompress(e: Compressive | undefined, buffers: Uint8Array[], n: number, ctx: DecodeContext): Block {
  const { where } = ctx;
  switch (e?.kind) {
    case 'flat':
      need(buffers, 1, 'flat', where);
      return decodeFlat(flatData(e, buffers[0]!, ctx), e.bitsPerValue, n, where);
    case 'variable': {
      if (e.values && e.values.scheme !== 0) unsupported({ kind: 'unsupported', name: 'variable(values compressed)' }, 'mini-block', where);
      if (buffers.length >= 2) {
        const offsets = blockDecompress(e.offsets, buffers[0]!, n + 1, ctx);
        return decodeVariableSplit(offsets, buffers[1]!, n, where);
      }
      need(buffers, 1, 'variable', where);
      if (e.offsets?.kind !== 'flat') unsupported(e.offsets, 'variable offsets', where);
      return decodeVariableMiniBlock(buffers[0]!, e.offsets.bitsPerValue, n, where);
    }
    case 'inlineBitpacking': {
      need(buffers, 1, 'inline bit-packing', where);
      const bytes = e.values && e.values.scheme !== 0 ? decompressBuffer(e.values.scheme, buffers[0]!, ctx.dec, where) : buffers[0]!;
      return unpackInline(bytes, e.uncompressedBits, n, where);
    }
    case 'fsst':
      return fsstDecode(miniBlockDecompress(e.values, buffers, n, ctx), parseSymbolTable(e.symbolTable, where), where, ctx.dec);
    case 'rle':
      need(buffers, 2, 'rle', where);
      return decodeRle(buffers[0]!, buffers[1]!, e, n, where);
    case 'general': {
      need(buffers, 1, 'general', where);
      const first = decompressBuffer(e.compression?.scheme ?? 0, buffers[0]!, ctx.dec, where);
      return miniBlockDecompress(e.values, [first, ...buffers.slice(1)], n, ctx);
    }
    case 'fixedSizeList': {
      const dim = e.itemsPerValue;
      if (e.values?.kind === 'fixedSizeList') unsupported({ kind: 'unsupported', name: 'nested fixed_size_list' }, 'mini-block', where);
      if (e.hasValidity) {
        need(buffers, 2, 'fixed-size list with validity', where);
        const validity = unpackBits(buffers[0]!, n * dim, where);
        const child = miniBlockDecompress(e.values, buffers.slice(1), n * dim, ctx);
        return { kind: 'fsl', dim, child, validity: validity.data, length: n };
      }
      return { kind: 'fsl', dim, child: miniBlockDecompress(e.values, buffers, n * dim, ctx), length: n };
    }
    case 'constant':
      return constantBlock(e.value, n);
    case 'outOfLineBitpacking':
      need(buffers, 1, 'out-of-line bit-packing', where);
      return blockDecompress(e, buffers[0]!, n, ctx);
    default:
      return unsupported(e, 'mini-block', where);
  }
}

function constantBlock(value: Uint8Array | undefined, n: number): Block {
  if (!value || value.length === 0) return { kind: 'none', length: n };
  const w = value.length;
  const data = new Uint8Array(n * w);
  for (let i = 0; i < n; i++) data.set(value, i * w);
  return { kind: 'fixed', width: w, data, length: n };
}

/** A whole buffer holding `n` values (rep/def levels, dictionary items). */
export function blockDecompress(e: Compressive | undefined, buffer: Uint8Array, n: number, ctx: DecodeContext): Block {
  const { where } = ctx;
  switch (e?.kind) {
    case 'flat':
      return decodeFlat(flatData(e, buffer, ctx), e.bitsPerValue, n, where);
    case 'variable':
      return decodeVariableBlock(buffer, n, where);
    case 'constant':
      return constantBlock(e.value, n);
    case 'inlineBitpacking':
      return unpackInline(buffer, e.uncompressedBits, n, where);
    case 'outOfLineBitpacking': {
      if (e.values?.kind !== 'flat') unsupported(e.values, 'out-of-line bit-packing values', where);
      return unpackOutOfLine(buffer, e.uncompressedBits, e.values.bitsPerValue, n, where);
    }
    case 'rle':
      return decodeRleBlock(buffer, e, n, where);
    case 'general':
      return blockDecompress(e.values, decompressBuffer(e.compression?.scheme ?? 0, buffer, ctx.dec, where), n, ctx);
    case 'fsst':
      return fsstDecode(blockDecompress(e.values, buffer, n, ctx), parseSymbolTable(e.symbolTable, where), where, ctx.dec);
    default:
      return unsupported(e, 'block', where);
  }
}

/** FullZip fixed-width values, already unzipped into one buffer of n values. */
export function perValueFixed(e: Compressive | undefined, data: Uint8Array, n: number, ctx: DecodeContext): Block {
  const { where } = ctx;
  switch (e?.kind) {
    case 'flat':
      return decodeFlat(data, e.bitsPerValue, n, where);
    case 'fixedSizeList': {
      const dim = e.itemsPerValue;
      const inner = e.values;
      if (inner?.kind === 'constant' && !inner.value) {
        // Every item null: only validity bytes are stored.
        return { kind: 'fsl', dim, child: { kind: 'none', length: n * dim }, validity: new Uint8Array(n * dim), length: n };
      }
      if (inner?.kind !== 'flat' || inner.bitsPerValue % 8 !== 0) unsupported(inner, 'per-value fixed-size list', where);
      const itemWidth = inner.bitsPerValue / 8;
      if (!e.hasValidity) return { kind: 'fsl', dim, child: decodeFlat(data, inner.bitsPerValue, n * dim, where), length: n };
      // Each value is [ceil(dim/8) validity bytes][dim items].
      const vBytes = Math.ceil(dim / 8);
      const stride = vBytes + dim * itemWidth;
      if (data.length < n * stride) throw new CorruptDataError(`${n} vectors need ${n * stride} bytes, have ${data.length}`, { where });
      const validity = new Uint8Array(n * dim);
      const values = new Uint8Array(n * dim * itemWidth);
      for (let i = 0; i < n; i++) {
        const base = i * stride;
        for (let k = 0; k < dim; k++) validity[i * dim + k] = (data[base + (k >>> 3)]! >>> (k & 7)) & 1;
        values.set(data.subarray(base + vBytes, base + stride), i * dim * itemWidth);
      }
      return { kind: 'fsl', dim, child: { kind: 'fixed', width: itemWidth, data: values, length: n * dim }, validity, length: n };
    }
    default:
      return unsupported(e, 'per-value fixed', where);
  }
}

/** FullZip variable-width values, unzipped into a var block, one compressed value per item. */
export function perValueVariable(e: Compressive | undefined, values: Block, ctx: DecodeContext): Block {
  const { where } = ctx;
  switch (e?.kind) {
    case 'variable':
      return values;
    case 'fsst':
      return fsstDecode(perValueVariable(e.values, values, ctx), parseSymbolTable(e.symbolTable, where), where, ctx.dec);
    case 'general': {
      if (values.kind !== 'var') throw new CorruptDataError('general per-value compression over fixed values', { where });
      const parts: Uint8Array[] = [];
      let total = 0;
      for (let i = 0; i < values.length; i++) {
        const raw = values.data.subarray(values.offsets[i]!, values.offsets[i + 1]!);
        const out = raw.length === 0 ? raw : decompressBuffer(e.compression?.scheme ?? 0, raw, ctx.dec, where);
        parts.push(out);
        total += out.length;
      }
      const data = new Uint8Array(total);
      const offsets = new Uint32Array(values.length + 1);
      let at = 0;
      parts.forEach((p, i) => {
        data.set(p, at);
        at += p.length;
        offsets[i + 1] = at;
      });
      return perValueVariable(e.values, { kind: 'var', offsets, data, length: values.length }, ctx);
    }
    default:
      return unsupported(e, 'per-value variable', where);
  }
}
