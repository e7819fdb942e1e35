import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDeploymentSecret } from './deployment-secret.js';

describe('deployment secret', () => {
  it('is created once beside a SQLite database and reused', () => {
    const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'warden-secret-')), 'w.db')}`;
    const a = loadDeploymentSecret(url, {});
    const b = loadDeploymentSecret(url, {});
    expect(a.derive('fingerprint').equals(b.derive('fingerprint'))).toBe(true);
    expect(a.derive('fingerprint').equals(a.derive('webhook-secrets'))).toBe(false);
  });

  it('requires WARDEN_SECRET for PostgreSQL and validates it', () => {
    expect(() => loadDeploymentSecret('postgres://x/y', {})).toThrow(/WARDEN_SECRET/);
    expect(() => loadDeploymentSecret('postgres://x/y', { WARDEN_SECRET: 'zz' })).toThrow(/64 hex/);
    const s = loadDeploymentSecret('postgres://x/y', { WARDEN_SECRET: 'ab'.repeat(32) });
    const { privateKey, publicKey } = s.auditSigningKeys();
    expect(privateKey.asymmetricKeyType).toBe('ed25519');
    expect(publicKey.asymmetricKeyType).toBe('ed25519');
  });
});
