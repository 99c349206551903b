// One 2.1/2.2 page → LeafSlots: picks the structural layout (MiniBlock, FullZip, Constant),
// decodes values and levels, and rebuilds the layer slots from the levels.
import { CorruptDataError, UnsupportedError } from '../../errors.js';
import type { Block } from '../blocks.js';
import type { DecodeContext } from '../encodings/compressive.js';
import { decodePageLayout } from '../proto/encodings21.js';
import type { Any } from '../protobuf.js';
import { unravel } from '../repdef.js';
import type { LeafSlots } from '../slots.js';
import { decodeConstant } from './constant.js';
import { decodeFullZip } from './fullzip.js';
import { decodeMiniBlock } from './miniblock.js';

/** What a leaf column's values look like (needed where a page does not say: constants). */
export type LeafKind =
  | { kind: 'fixed'; width: number }
  | { kind: 'bits' }
  | { kind: 'var' }
  | { kind: 'fsl'; dim: number; width: number }
  /** Arrow Dictionary column: pages keep their dictionary; `value` is the dictionary's kind. */
  | { kind: 'dict'; value: Exclude<LeafKind, { kind: 'dict' }> };

/** A decoded page before its levels are turned into slots. */
export interface LeveledPage {
  layers: number[];
  rep?: Uint16Array;
  def?: Uint16Array;
  numLevels: number;
  values: Block;
}

export function decodePage21(encoding: Any | undefined, buffers: Uint8Array[], numRows: number, kind: LeafKind, ctx: DecodeContext): LeafSlots {
  const { where } = ctx;
  if (!encoding) throw new CorruptDataError('page has no encoding', { where });
  if (!encoding.typeUrl.endsWith('lance.encodings21.PageLayout')) {
    throw new UnsupportedError(`page encoding ${encoding.typeUrl} in a 2.1+ file`, { feature: encoding.typeUrl, where });
  }
  const layout = decodePageLayout(encoding.value, where);
  let page: LeveledPage;
  switch (layout.kind) {
    case 'miniBlock':
      page = decodeMiniBlock(layout, buffers, ctx);
      break;
    case 'fullZip':
      page = decodeFullZip(layout, buffers, numRows, ctx);
      break;
    case 'constant':
      page = decodeConstant(layout, buffers, numRows, kind, ctx);
      break;
    default:
      throw new UnsupportedError(`page layout ${layout.name}`, { feature: `PageLayout.${layout.name}`, where });
  }
  const layers = unravel(page.layers, page.rep, page.def, page.numLevels, where);
  const rows = layers[layers.length - 1]!.count;
  if (rows !== numRows) throw new CorruptDataError(`page decodes to ${rows} rows, metadata says ${numRows}`, { where });
  if (layers[0]!.count !== page.values.length) {
    throw new CorruptDataError(`page has ${layers[0]!.count} value slots but ${page.values.length} values`, { where });
  }
  return { layers, values: page.values };
}
