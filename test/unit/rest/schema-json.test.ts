// The service's JSON schema → apache-arrow Schema, for every Lance logical type, plus a round trip
// through the mock's converter and the refusals.
import { describe, expect, it } from 'vitest';
import {
  Bool, DateDay, DateMillisecond, Decimal, Dictionary, Duration, Field, FixedSizeList, Float16,
  Float32, Float64, Int16, Int32, Int64, Int8, LargeBinary, LargeUtf8, List, Null, Schema, Struct, Time, TimeUnit,
  Timestamp, Uint16, Uint32, Uint64, Uint8, Utf8, Binary, type DataType,
} from 'apache-arrow';
import { schemaFromJson } from '../../../src/rest/index.js';
import { schemaToLanceJson } from '../../helpers/lancedb-cloud-mock.js';

const one = (type: unknown): DataType => schemaFromJson({ fields: [{ name: 'c', type, nullable: true }] }, 'test').fields[0]!.type;

describe('schemaFromJson', () => {
  it.each([
    ['null', new Null()], ['bool', new Bool()], ['int8', new Int8()], ['int16', new Int16()], ['int32', new Int32()],
    ['int64', new Int64()], ['uint8', new Uint8()], ['uint16', new Uint16()], ['uint32', new Uint32()], ['uint64', new Uint64()],
    ['halffloat', new Float16()], ['float', new Float32()], ['double', new Float64()], ['string', new Utf8()],
    ['binary', new Binary()], ['large_string', new LargeUtf8()], ['large_binary', new LargeBinary()],
    ['date32:day', new DateDay()], ['date64:ms', new DateMillisecond()], ['time32:s', new Time(TimeUnit.SECOND, 32)],
    ['time32:ms', new Time(TimeUnit.MILLISECOND, 32)], ['time64:us', new Time(TimeUnit.MICROSECOND, 64)],
    ['time64:ns', new Time(TimeUnit.NANOSECOND, 64)], ['timestamp:us:-', new Timestamp(TimeUnit.MICROSECOND, null)],
    ['timestamp:ms:+05:00', new Timestamp(TimeUnit.MILLISECOND, '+05:00')], ['timestamp:ns:UTC', new Timestamp(TimeUnit.NANOSECOND, 'UTC')],
    ['duration:s', new Duration(TimeUnit.SECOND)], ['decimal:128:38:10', new Decimal(10, 38, 128)], ['decimal:256:76:20', new Decimal(20, 76, 256)],
  ])('%s', (name, expected) => {
    expect(String(one({ type: name }))).toBe(String(expected));
    expect(one({ type: name }).typeId).toBe(expected.typeId);
  });

  it('dict types, including a value type with colons', () => {
    const d = one({ type: 'dict:string:int32:false' }) as Dictionary;
    expect(String(d.dictionary)).toBe('Utf8');
    expect(String(d.indices)).toBe('Int32');
    const ts = one({ type: 'dict:timestamp:us:-:uint16:true' }) as Dictionary;
    expect(String(ts.dictionary)).toBe(String(new Timestamp(TimeUnit.MICROSECOND, null)));
    expect(ts.isOrdered).toBe(true);
  });

  it('nested: list, fixed_size_list, fixed_size_binary, struct, with nullability and metadata', () => {
    const s = schemaFromJson(
      {
        fields: [
          { name: 'tags', type: { type: 'list', fields: [{ name: 'item', type: { type: 'string' }, nullable: true }] }, nullable: true },
          { name: 'vec', type: { type: 'fixed_size_list', fields: [{ name: 'item', type: { type: 'float' }, nullable: false }], length: 8 }, nullable: true },
          { name: 'hash', type: { type: 'fixed_size_binary', length: 16 }, nullable: false, metadata: { 'ARROW:extension:name': 'uuid' } },
          {
            name: 'pointer',
            type: { type: 'struct', fields: [{ name: 'zarr_group', type: { type: 'string' }, nullable: true }, { name: 'start', type: { type: 'int64' }, nullable: false }] },
            nullable: true,
          },
        ],
        metadata: { atlas: 'homeobox' },
      },
      'test',
    );
    expect(String(s)).toBe('Schema<{ 0: tags: List<Utf8>, 1: vec: FixedSizeList[8]<Float32>, 2: hash: FixedSizeBinary[16], 3: pointer: Struct<{zarr_group:Utf8, start:Int64}> }>');
    expect(s.fields.map((f) => f.nullable)).toEqual([true, true, false, true]);
    expect((s.fields[1]!.type as FixedSizeList).children[0]!.nullable).toBe(false);
    expect(s.fields[2]!.metadata.get('ARROW:extension:name')).toBe('uuid');
    expect(s.metadata.get('atlas')).toBe('homeobox');
  });

  it('round-trips the mock service converter over every type arrow 18 and Lance share', () => {
    const item = (t: DataType, nullable = true) => new Field('item', t, nullable);
    const schema = new Schema([
      new Field('a', new Int64(), false), new Field('b', new Utf8()), new Field('c', new Float16()), new Field('d', new Uint8()),
      new Field('e', new Timestamp(TimeUnit.MICROSECOND, 'Europe/Paris')), new Field('f', new Decimal(3, 12, 128)),
      new Field('g', new List(item(new Float64()))), new Field('h', new FixedSizeList(3, item(new Int16(), false))),
      new Field('i', new Struct([new Field('x', new Bool()), new Field('y', new DateDay())])), new Field('j', new Dictionary(new Utf8(), new Int16())),
      new Field('k', new LargeBinary()), new Field('l', new Time(TimeUnit.MILLISECOND, 32)), new Field('m', new Duration(TimeUnit.NANOSECOND)),
    ]);
    const back = schemaFromJson(JSON.parse(JSON.stringify(schemaToLanceJson(schema))), 'test');
    expect(String(back)).toBe(String(schema));
    expect(back.fields.map((f) => f.nullable)).toEqual(schema.fields.map((f) => f.nullable));
  });

  it('refuses what arrow 18 cannot represent with UnsupportedError, and malformed JSON with HttpError', () => {
    const err = (type: unknown): unknown => {
      try {
        one(type);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(err({ type: 'large_list', fields: [{ name: 'item', type: { type: 'int8' }, nullable: true }] })).toMatchObject({ _tag: 'Unsupported', fields: { feature: 'large_list' } });
    expect(err({ type: 'dict:string:int64:false' })).toMatchObject({ _tag: 'Unsupported', fields: { feature: 'dict-int64-keys' } });
    expect(err({ type: 'interval:month_day_nano' })).toMatchObject({ _tag: 'Unsupported' });
    expect(err({ type: 'time32:xs' })).toMatchObject({ _tag: 'Unsupported' });
    expect(err({ type: 'fixed_size_list', fields: [] , length: 2 })).toMatchObject({ _tag: 'Http' });
    expect(err({ type: 'fixed_size_binary' })).toMatchObject({ _tag: 'Http' });
    expect(err({ nope: 1 })).toMatchObject({ _tag: 'Http' });
    expect(() => schemaFromJson({ fields: 'x' }, 'u')).toThrow(/schema is not \{fields/);
    expect(() => schemaFromJson({ fields: [{ name: 'a', type: { type: 'int8' } }] }, 'u')).toThrow(/not \{name, type, nullable\}/);
  });
});
