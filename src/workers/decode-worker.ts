// Browser worker entry (module worker): thin on purpose — it only exposes the decode API.
import { expose } from 'comlink';
import { decodeApi } from './decode-api.js';

expose(decodeApi);
