// A `/query/` answer → an apache-arrow Table.
//
// The service answers Arrow IPC labelled `application/vnd.apache.arrow.stream` or `…arrow.file`;
// with no Content-Type the official client assumes file framing. We accept exactly those three
// cases and refuse anything else (a JSON error body from a proxy, an HTML login page) with an
// HttpError that shows what came back. Within them the framing is taken from the bytes, which are
// self-describing (a file starts with "ARROW1"; a stream with a 0xFFFFFFFF continuation marker), so
// a mislabelled answer still decodes instead of failing like the official client's.
//
// Batches with LZ4_FRAME or ZSTD body compression are rewritten first (decompressArrowIpc), since
// apache-arrow 18 cannot read them; codecs are loaded only when an answer actually needs them.

import { tableFromIPC, type Table } from 'apache-arrow';
import { decompressArrowIpc, inspectArrowIpc, type IpcCodecName, type IpcCodecs } from '../arrow/ipc-decompress.js';
import { CorruptDataError, RaggedAtlasError } from '../errors.js';
import { nameTable, tableField, unexpectedAnswer, type Answer } from './errors.js';

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
export const ARROW_FILE = 'application/vnd.apache.arrow.file';

export async function decodeArrowAnswer(a: Answer, codecs: (needed: IpcCodecName[]) => Promise<IpcCodecs>): Promise<Table> {
  const contentType = a.headers.get('content-type');
  const media = contentType?.split(';')[0]!.trim().toLowerCase();
  if (media && media !== ARROW_STREAM && media !== ARROW_FILE) {
    throw unexpectedAnswer(a, `Arrow IPC (Content-Type ${ARROW_STREAM} or ${ARROW_FILE})`);
  }
  if (a.body.length === 0) throw new CorruptDataError('empty body where Arrow IPC was expected', { where: a.url, ...tableField(a.table) });
  try {
    const layout = inspectArrowIpc(a.body, a.url); // CorruptDataError on truncation or bad framing
    const bytes = layout.codecs.length ? decompressArrowIpc(a.body, await codecs(layout.codecs), { where: a.url }) : a.body;
    return tableFromIPC(bytes);
  } catch (err) {
    if (err instanceof RaggedAtlasError) throw nameTable(err, a.table);
    throw new CorruptDataError(`Arrow IPC does not decode: ${(err as Error)?.message ?? err}`, { where: a.url, ...tableField(a.table) }, { cause: err });
  }
}
