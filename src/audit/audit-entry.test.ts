import { describe, expect, it } from 'vitest';
import { canonicalEntryBytes, entryLeafHash, normalizeEntryInput } from './audit-entry.js';
import { leafHash } from './merkle.js';

const entry = {
  index: 3,
  ts: 1_764_000_000_000,
  actor: 'admin:tok_1',
  action: 'account.suspend',
  subject: 'account:acct_1',
  details: { reason: 'distillation', case: 'case_9' },
};

describe('audit entry bytes', () => {
  it('are the sorted-key JSON of index, ts, actor, action, subject, details', () => {
    expect(canonicalEntryBytes(entry).toString('utf8')).toBe(
      '{"action":"account.suspend","actor":"admin:tok_1","details":{"case":"case_9","reason":"distillation"},' +
        '"index":3,"subject":"account:acct_1","ts":1764000000000}',
    );
    expect(entryLeafHash(entry)).toBe(leafHash(canonicalEntryBytes(entry)).toString('hex'));
  });

  it('change with every field', () => {
    const base = entryLeafHash(entry);
    for (const changed of [
      { ...entry, index: 4 },
      { ...entry, ts: entry.ts + 1 },
      { ...entry, actor: 'cli' },
      { ...entry, action: 'account.reinstate' },
      { ...entry, subject: 'account:acct_2' },
      { ...entry, details: { reason: 'distillation', case: 'case_8' } },
    ])
      expect(entryLeafHash(changed)).not.toBe(base);
  });

  it('rejects bad input with the field named', () => {
    expect(() => normalizeEntryInput({ actor: '', action: 'a.b', subject: 's' })).toThrow(/actor/);
    expect(() => normalizeEntryInput({ actor: 'cli', action: 'a.b', subject: 's', ts: 1.5 })).toThrow(/ts/);
    expect(() =>
      normalizeEntryInput({ actor: 'cli', action: 'a.b', subject: 's', details: [] as never }),
    ).toThrow(/details/);
    expect(normalizeEntryInput({ actor: 'cli', action: 'a.b', subject: 's' }, 42)).toEqual({
      actor: 'cli',
      action: 'a.b',
      subject: 's',
      details: {},
      ts: 42,
    });
  });
});
