// Partner webhook secrets at rest: AES-256-GCM under a key derived from the deployment secret
// ('webhook-secrets'), bound to the partner's id as associated data so that a ciphertext copied onto
// another partner's row does not decrypt. The HMAC signer needs the secret back, so it cannot be hashed.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DeploymentSecret } from '../config/deployment-secret.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function encryptWebhookSecret(secret: DeploymentSecret, partnerId: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', secret.derive('webhook-secrets'), iv);
  cipher.setAAD(Buffer.from(`partner:${partnerId}`, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

export function decryptWebhookSecret(secret: DeploymentSecret, partnerId: string, stored: string): string {
  const [version, payload] = stored.split(':', 2);
  if (version !== VERSION || !payload) throw new Error('the stored webhook secret has an unknown format');
  const raw = Buffer.from(payload, 'base64');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    secret.derive('webhook-secrets'),
    raw.subarray(0, IV_BYTES),
  );
  decipher.setAAD(Buffer.from(`partner:${partnerId}`, 'utf8'));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new Error(
      `the webhook secret of partner ${partnerId} does not decrypt: the deployment secret changed or the row was altered`,
    );
  }
}
