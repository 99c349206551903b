// Independent copies of Arrow tables: a caller's result must not share buffers with anything the
// library keeps (the checkout's obs memo), or writing into one changes what later queries return.
// Each buffer is copied over the range its view covers, so a copy of rows sliced out of a large
// decoded page does not keep the whole page alive either.
import * as arrow from 'apache-arrow';

export function copyTable(table: arrow.Table): arrow.Table {
  return new arrow.Table(table.schema, table.batches.map((b) => new arrow.RecordBatch(b.schema, copyData(b.data))));
}

function copyData<T extends arrow.DataType>(d: arrow.Data<T>): arrow.Data<T> {
  // Arrow's Buffers: [OFFSET, DATA, VALIDITY, TYPE] (apache-arrow's BufferType).
  const buffers = [d.valueOffsets?.slice(), d.values?.slice(), d.nullBitmap?.slice(), d.typeIds?.slice()] as unknown as arrow.Data<T>['buffers'];
  const dictionary = d.dictionary && new arrow.Vector(d.dictionary.data.map(copyData));
  return new arrow.Data(d.type, d.offset, d.length, d.nullCount, buffers, d.children.map(copyData), dictionary);
}
