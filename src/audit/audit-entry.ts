// An audit entry and the exact bytes its leaf hash covers. The bytes are the canonical JSON (sorted
// keys, no whitespace; RFC 8785 style, see canonical-json.ts) of the object
// {"action", "actor", "details", "index", "subject", "ts"}, encoded as UTF-8; the leaf hash is
// RFC 6962's SHA-256(0x00 || bytes), hex. Anyone holding an entry can recompute its leaf hash.
import { canonicalJson, type JsonValue, toJsonValue } from './canonical-json.js';
import { leafHash } from './merkle.js';

export interface AuditEntryInput {
  /** Who acted: `admin:tok_…`, `policy:rule-name`, `cli`, `partner:acme`. */
  actor: string;
  /** What was done, `<object>.<verb>`: `account.suspend`, `key.revoke`, `case.decide`, `admin.login`. */
  action: string;
  /** What it was done to: `account:acct_…`, `key:key_…`, `case:case_…`, `partner:…`, `policy:…`. */
  subject: string;
  /** Reason, evidence references, before/after values; any JSON object (no secrets: it is kept forever). */
  details?: Record<string, unknown>;
  /** Epoch milliseconds; now by default. */
  ts?: number;
}

export interface AuditEntry extends Required<AuditEntryInput> {
  /** Position in the log and in the Merkle tree: 0-based and dense. */
  index: number;
  /** Hex RFC 6962 leaf hash of `canonicalEntryBytes(entry)`. */
  leafHash: string;
}

/** The fields an entry's leaf hash covers. */
export type AuditEntryFields = Omit<AuditEntry, 'leafHash'>;

/** Checks an input and fills its defaults; throws a TypeError naming the bad field. */
export function normalizeEntryInput(
  input: AuditEntryInput,
  now: number = Date.now(),
): Required<AuditEntryInput> & { details: { [key: string]: JsonValue } } {
  for (const field of ['actor', 'action', 'subject'] as const) {
    const value = input[field];
    if (typeof value !== 'string' || value.trim() === '')
      throw new TypeError(`audit entry ${field} must be a non-empty string`);
  }
  const ts = input.ts ?? now;
  if (!Number.isSafeInteger(ts) || ts < 0) throw new TypeError('audit entry ts must be epoch milliseconds');
  const raw = input.details ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new TypeError('audit entry details must be a JSON object');
  let details: JsonValue;
  try {
    details = toJsonValue(raw);
  } catch (error) {
    throw new TypeError(`audit entry details are not JSON: ${(error as Error).message}`);
  }
  return {
    actor: input.actor,
    action: input.action,
    subject: input.subject,
    details: details as { [key: string]: JsonValue },
    ts,
  };
}

/** The canonical bytes of an entry: what its leaf hash covers. */
export function canonicalEntryBytes(entry: AuditEntryFields): Buffer {
  const value: JsonValue = {
    index: entry.index,
    ts: entry.ts,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: toJsonValue(entry.details),
  };
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** The hex RFC 6962 leaf hash of an entry. */
export function entryLeafHash(entry: AuditEntryFields): string {
  return leafHash(canonicalEntryBytes(entry)).toString('hex');
}
