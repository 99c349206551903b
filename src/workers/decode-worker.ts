// Browser worker entry (module worker): thin on purpose — it only exposes the decode API.
import * as Comlink from 'comlink';
import { installComlinkErrorTransfer } from './comlink-errors.js';
import { decodeApi } from './decode-api.js';

installComlinkErrorTransfer(Comlink);
Comlink.expose(decodeApi);
