// Credentials: API keys and admin tokens (generated, hashed, compared) and their record ids.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 43 base62 characters carry 256 bits (62^43 ≈ 2^256.03). */
export const SECRET_BODY_LENGTH = 43;

export const ACCOUNT_KEY_PREFIX = 'sk-wdn-';
export const PARTNER_KEY_PREFIX = 'sk-wdnp-';
export const ADMIN_TOKEN_PREFIX = 'wdn-admin-';
/** How many leading characters of a key are kept in the clear to name it. */
export const KEY_PREFIX_LENGTH = 12;
export const ADMIN_TOKEN_PREFIX_LENGTH = 14;

/** Uniformly random base62 text: bytes ≥ 248 are dropped so that `% 62` has no bias. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length + 8)) {
      if (byte >= 248) continue;
      out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * SHA-256 (hex) of a key or token. A fast unsalted hash is right here, unlike for passwords: every
 * secret is 256 bits from the CSPRNG, so there is nothing to brute-force or look up in a table, and
 * the gateway hashes the presented key on every request (a slow KDF would cost milliseconds each).
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time equality of two hex hashes (crypto.timingSafeEqual; unequal lengths are unequal). */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A new API key: `sk-wdn-…` for an account, `sk-wdnp-…` for a partner; its prefix is shown in lists. */
export function generateApiKey(kind: 'account' | 'partner'): { key: string; prefix: string } {
  const key = `${kind === 'partner' ? PARTNER_KEY_PREFIX : ACCOUNT_KEY_PREFIX}${randomBase62(SECRET_BODY_LENGTH)}`;
  return { key, prefix: key.slice(0, KEY_PREFIX_LENGTH) };
}

/** A new admin token `wdn-admin-<43 base62>`. */
export function generateAdminToken(): { token: string; prefix: string } {
  const token = `${ADMIN_TOKEN_PREFIX}${randomBase62(SECRET_BODY_LENGTH)}`;
  return { token, prefix: token.slice(0, ADMIN_TOKEN_PREFIX_LENGTH) };
}

/** A record id such as `acct_…`: 20 random base62 characters (~119 bits), so ids are unguessable. */
export function newRecordId(kind: 'acct' | 'key' | 'ptr' | 'adm'): string {
  return `${kind}_${randomBase62(20)}`;
}
