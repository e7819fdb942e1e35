// Input checks shared by the CLI and the admin API, so both refuse the same things with the same words.
// Every failure is a WardenError ADMIN_INVALID (HTTP 400, CLI exit 2) and nothing is written.
import { WardenError } from '../errors.js';
import type { AccountLimits } from './types.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const RECORD_ID = /^(acct|key|ptr|adm)_/;

export function invalid(detail: string): WardenError {
  return new WardenError('ADMIN_INVALID', { detail });
}

/** Account and partner names: 1–128 of letters, digits and `. _ : @ -`, not shaped like a record id. */
export function checkName(what: 'account' | 'partner', name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid(
      `invalid ${what} name ${JSON.stringify(name)}: use 1-128 letters, digits or . _ : @ - (starting with a letter or digit)`,
    );
  }
  if (RECORD_ID.test(name))
    throw invalid(`invalid ${what} name "${name}": names may not look like record ids`);
  return name;
}

/** The partner's identifier of an end customer (the X-Warden-End-Customer header): same alphabet as names. */
export function checkExternalId(externalId: unknown): string {
  if (typeof externalId !== 'string' || !NAME.test(externalId)) {
    throw invalid(
      `invalid external id ${JSON.stringify(externalId)}: use 1-128 letters, digits or . _ : @ - (starting with a letter or digit)`,
    );
  }
  return externalId;
}

/** A reason for a status change: required, trimmed, at most 2000 characters. */
export function checkReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (!text) throw invalid('a reason is required');
  if (text.length > 2000) throw invalid('the reason is longer than 2000 characters');
  return text;
}

/** Limits: each of rpm, tpm, daily_tokens a positive integer when present; no other fields. */
export function checkLimits(limits: unknown): AccountLimits {
  if (limits === undefined || limits === null) return {};
  if (typeof limits !== 'object' || Array.isArray(limits)) throw invalid('limits must be an object');
  const out: AccountLimits = {};
  for (const [field, value] of Object.entries(limits)) {
    if (field !== 'rpm' && field !== 'tpm' && field !== 'daily_tokens') {
      throw invalid(`unknown limit "${field}": use rpm, tpm or daily_tokens`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw invalid(`limit ${field} must be a positive integer, got ${JSON.stringify(value)}`);
    }
    out[field] = value;
  }
  return out;
}

/** A webhook URL: absolute http(s), without credentials in it. */
export function checkWebhookUrl(url: unknown): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw invalid(`invalid webhook URL ${JSON.stringify(url)}: give an absolute http(s) URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw invalid(`invalid webhook URL "${url}": only http and https are supported`);
  }
  if (parsed.username || parsed.password) {
    throw invalid('the webhook URL may not carry credentials; use the webhook secret');
  }
  return parsed.toString();
}

/** A webhook signing secret chosen by the partner: 16–256 printable characters. */
export function checkWebhookSecret(secret: unknown): string {
  if (
    typeof secret !== 'string' ||
    secret.length < 16 ||
    secret.length > 256 ||
    !/^[\x21-\x7e]+$/.test(secret)
  ) {
    throw invalid('the webhook secret must be 16-256 printable ASCII characters without spaces');
  }
  return secret;
}

export function parseLimitsText(text: string | null): AccountLimits {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as AccountLimits;
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

export function limitsText(limits: AccountLimits): string | null {
  return Object.keys(limits).length > 0 ? JSON.stringify(limits) : null;
}

/** Whether a database error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
