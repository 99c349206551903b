// `transpose` (array → array): permutes chunk axes before serialization. We read only the trivial
// case (order = identity, a no-op) and refuse every real permutation clearly: no homeobox or
// anndata store writes one, and a silent mis-read would be worse than an error.

import { CorruptDataError, UnsupportedError } from '../../errors.js';
import type { CodecSpec } from './spec.js';

export function checkTransposeCodec(spec: CodecSpec, rank: number, where: string): void {
  const order = spec.configuration.order;
  if (!Array.isArray(order) || order.length !== rank || !order.every((d) => Number.isInteger(d))) {
    throw new CorruptDataError(`codec transpose: "order" must list ${rank} axes, got ${JSON.stringify(order)}`, { where });
  }
  if (!order.every((d, i) => d === i)) {
    throw new UnsupportedError(`codec transpose with order ${JSON.stringify(order)} is not supported (only the identity order)`, {
      feature: 'codec transpose',
      where,
    });
  }
}
