// Keeps ragged-atlas's tagged errors intact across a comlink boundary. comlink's own "throw"
// handler sends only {message, name, stack}, so a CodecError would arrive as a plain Error; this one
// sends toWire(err) and rebuilds the same class with fromWire(). Install it on both sides (the
// worker and the thread that wraps it); it is idempotent.

import type * as Comlink from 'comlink';
import { fromWire, toWire, type WireError } from '../errors.js';

type ComlinkModule = Pick<typeof Comlink, 'transferHandlers'>;

const INSTALLED = Symbol.for('ragged-atlas.comlink-errors');

export function installComlinkErrorTransfer(comlink: ComlinkModule): void {
  const base = comlink.transferHandlers.get('throw') as (Comlink.TransferHandler<unknown, unknown> & { [INSTALLED]?: true }) | undefined;
  if (!base || base[INSTALLED]) return;
  const handler: Comlink.TransferHandler<unknown, unknown> & { [INSTALLED]: true } = {
    [INSTALLED]: true,
    canHandle: base.canHandle,
    serialize: (thrown) => [{ wire: toWire((thrown as { value: unknown }).value) }, []],
    deserialize: (serialized) => {
      throw fromWire((serialized as { wire: WireError }).wire);
    },
  };
  comlink.transferHandlers.set('throw', handler);
}
