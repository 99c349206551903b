// Node worker_threads entry: same API over comlink's node adapter.
import * as Comlink from 'comlink';
import { installComlinkErrorTransfer } from './comlink-errors.js';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort } from 'node:worker_threads';
import { decodeApi } from './decode-api.js';

if (!parentPort) throw new Error('decode-worker.node must run in a worker thread');
installComlinkErrorTransfer(Comlink);
Comlink.expose(decodeApi, nodeEndpoint(parentPort));
