// A worker for pool tests: echoes, sleeps, crashes and throws on request.
import * as Comlink from 'comlink';
import { installComlinkErrorTransfer } from '../../src/workers/comlink-errors.js';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort, threadId } from 'node:worker_threads';
import { CodecError } from '../../src/errors.js';

const api = {
  id: () => threadId,
  double(buf: Uint8Array) {
    const out = buf.map((x) => x * 2);
    return Comlink.transfer(out, [out.buffer]);
  },
  sleep: (ms: number) => new Promise<number>((r) => setTimeout(() => r(threadId), ms)),
  spin(ms: number) {
    const end = Date.now() + ms;
    while (Date.now() < end) { /* busy: only terminate() stops this */ }
    return threadId;
  },
  crash: () => process.exit(3),
  fail() {
    throw new CodecError('bad block', { codec: 'homeobox.bitpacking', code: -2 });
  },
};
export type TestApi = typeof api;
installComlinkErrorTransfer(Comlink);
Comlink.expose(api, nodeEndpoint(parentPort!));
