import { describe, expect, it } from 'vitest';
import { layoutUid, makeStableUid, makeUid, pythonUtcNow, stableUidIdentity } from '../../../src/companion/uids.js';

describe('homeobox identifiers', () => {
  it('make_stable_uid = uuid5(namespace, "|".join(values)).hex[:16] (values from CPython)', () => {
    expect(makeStableUid('CD3E')).toBe('2488460e76495d53');
    expect(makeStableUid('gene_0')).toBe('d859db4ebdd7541c');
    expect(makeStableUid('MALAT1')).toBe('8bf7668916c153ab');
    expect(makeStableUid('B220 (CD45R)')).toBe('cc16351d04a35d56');
    expect(makeStableUid('hg19_ACTB')).toBe('0774ef84f2d75b93');
    expect(makeStableUid('é')).toBe('9ea33c792f865be5');
    expect(makeStableUid('a', 'b')).toBe('d8805ec0c38a5a68');
  });
  it('layout_uid hashes uid‖NUL', () => {
    expect(layoutUid(['gene_0', 'gene_1'])).toBe('c4fe165bb5d45cba');
  });
  it('make_uid is uuid4 hex[:16]', () => {
    const u = makeUid();
    expect(u).toMatch(/^[0-9a-f]{12}4[0-9a-f]{3}$/);
    expect(makeUid()).not.toBe(u);
  });
  it('stable identity strings and Python timestamps', () => {
    expect(stableUidIdentity(2)).toBe('2');
    expect(stableUidIdentity(2.5)).toBe('2.5');
    expect(pythonUtcNow(new Date(Date.UTC(2026, 10, 21, 6, 11, 0, 123)))).toBe('2026-11-21T06:11:00.123000+00:00');
    expect(pythonUtcNow(new Date(Date.UTC(2026, 10, 21, 6, 11, 0, 0)))).toBe('2026-11-21T06:11:00+00:00');
  });
});
