import { describe, expect, it } from 'vitest';
import { generateAdminToken, generateApiKey, hashesEqual, hashSecret, randomBase62 } from './secrets.js';

describe('secrets', () => {
  it('makes keys of the documented shapes with a 12-character prefix', () => {
    const account = generateApiKey('account');
    expect(account.key).toMatch(/^sk-wdn-[0-9A-Za-z]{43}$/);
    expect(account.prefix).toBe(account.key.slice(0, 12));
    expect(generateApiKey('partner').key).toMatch(/^sk-wdnp-[0-9A-Za-z]{43}$/);
    expect(generateAdminToken().token).toMatch(/^wdn-admin-[0-9A-Za-z]{43}$/);
  });

  it('draws every base62 character with roughly equal frequency', () => {
    const counts = new Map<string, number>();
    for (const c of randomBase62(62_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 1000 expected per character; 6 standard deviations (~190) either way.
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(190);
  });

  it('hashes with SHA-256 hex and compares hashes exactly', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashesEqual(hashSecret('a'), hashSecret('a'))).toBe(true);
    expect(hashesEqual(hashSecret('a'), hashSecret('b'))).toBe(false);
    expect(hashesEqual(hashSecret('a'), 'short')).toBe(false);
  });
});
