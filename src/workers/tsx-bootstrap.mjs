// Node worker bootstrap used only when the library runs from its TypeScript sources (tests, dev):
// worker_threads ignore `--import tsx`, so register tsx's loader in this thread, then load the entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
