// The deployment secret: one 32-byte key from which every keyed function derives its own key (HKDF,
// RFC 5869): fingerprint hashing, webhook-secret encryption, the audit log's Ed25519 signing key.
// Scaled out, every node must share it: set WARDEN_SECRET (64 hex chars). Embedded, it is generated on
// first start into a 0600 file beside the SQLite database, never inside the database itself, so a
// leaked database alone cannot forge audit heads or test guessed texts against the registry.
import { createPrivateKey, createPublicKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type KeyPurpose = 'fingerprint' | 'webhook-secrets' | 'audit-signing' | 'canary-sampling';

export class DeploymentSecret {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the deployment secret must be 32 bytes (64 hex characters)');
    this.#key = key;
  }

  /** A 32-byte key for one purpose; the same secret and purpose always give the same key. */
  derive(purpose: KeyPurpose): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `warden:${purpose}`, 32));
  }

  /** The audit log's Ed25519 key pair, derived from the secret. */
  auditSigningKeys(): { privateKey: KeyObject; publicKey: KeyObject } {
    // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): fixed 16-byte prefix + 32-byte seed.
    const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
    const privateKey = createPrivateKey({
      key: Buffer.concat([prefix, this.derive('audit-signing')]),
      format: 'der',
      type: 'pkcs8',
    });
    return { privateKey, publicKey: createPublicKey(privateKey) };
  }
}

/**
 * The secret for a database: $WARDEN_SECRET if set; else, for `sqlite:PATH`, the file PATH.secret
 * (created on first use); else an error, because scaled-out nodes must share one secret.
 */
export function loadDeploymentSecret(dbUrl: string, env: NodeJS.ProcessEnv = process.env): DeploymentSecret {
  const fromEnv = env.WARDEN_SECRET;
  if (fromEnv) {
    if (!/^[0-9a-fA-F]{64}$/.test(fromEnv)) throw new Error('WARDEN_SECRET must be 64 hex characters');
    return new DeploymentSecret(Buffer.from(fromEnv, 'hex'));
  }
  if (!dbUrl.startsWith('sqlite:')) {
    throw new Error(
      'set WARDEN_SECRET (64 hex characters, the same on every node) to use a PostgreSQL database',
    );
  }
  const dbPath = dbUrl.slice('sqlite:'.length);
  const file = dbPath === ':memory:' ? null : `${resolve(dbPath)}.secret`;
  if (!file) return new DeploymentSecret(randomBytes(32));
  if (existsSync(file)) return new DeploymentSecret(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'));
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return new DeploymentSecret(key);
  } catch {
    // Another process created it first: use theirs.
    return new DeploymentSecret(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'));
  }
}
