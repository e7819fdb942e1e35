// API keys: shown once at creation, stored as a SHA-256 hash with a visible prefix, revocable, with a
// last-used time the gateway writes in batches.
import { sql } from 'kysely';
import { appendAuditEntry, auditedTransaction } from '../audit/index.js';
import { WardenError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ApiKeysTable } from '../store/tables/gateway.js';
import { requireAccount } from './accounts.js';
import { requirePartner } from './partners.js';
import { generateApiKey, hashSecret, newRecordId } from './secrets.js';
import { recordStateChange } from './state-changes.js';
import type { ApiKeyInfo, KeyLimits, KeyRecord } from './types.js';
import { checkLimits, invalid, limitsText, parseLimitsText } from './validate.js';

export interface CreateApiKeyOptions {
  /** The account (name or id) the key belongs to; exactly one of account and partner. */
  account?: string;
  /** The partner (name or id) for a partner key, which acts for that partner's end customers. */
  partner?: string;
  name?: string;
  limits?: KeyLimits;
  /** Who creates it, for the audit log (default `cli`). */
  actor?: string;
}

export interface CreatedApiKey {
  id: string;
  /** The key itself: returned here only, never stored. */
  key: string;
  prefix: string;
  /** Account name, or null for a partner key. */
  account: string | null;
  /** Partner name for a partner key, else null. */
  partner: string | null;
}

function toKeyInfo(row: ApiKeysTable): ApiKeyInfo {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    accountId: row.account_id,
    partnerId: row.partner_id,
    limits: parseLimitsText(row.limits),
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

export async function createApiKey(
  store: Store,
  { account, partner, name, limits, actor = 'cli' }: CreateApiKeyOptions,
): Promise<CreatedApiKey> {
  if ((account === undefined) === (partner === undefined)) {
    throw invalid('a key belongs to exactly one of an account or a partner');
  }
  if (name !== undefined && (typeof name !== 'string' || name.length > 200)) {
    throw invalid('the key name must be text of at most 200 characters');
  }
  const checkedLimits = checkLimits(limits);
  const owner = account !== undefined ? await requireAccount(store, account) : null;
  const partnerRecord = partner !== undefined ? await requirePartner(store, partner) : null;
  if (owner?.status === 'terminated') {
    throw new WardenError('ADMIN_CONFLICT', {
      detail: `account ${owner.name} is terminated; it cannot get new keys`,
    });
  }
  // Prefixes name keys in lists and in `keys revoke`: draw again on the rare collision so each names one key.
  let generated = generateApiKey(partnerRecord ? 'partner' : 'account');
  for (let attempt = 0; attempt < 8; attempt++) {
    const taken = await store.db
      .selectFrom('api_keys')
      .select('id')
      .where('prefix', '=', generated.prefix)
      .executeTakeFirst();
    if (!taken) break;
    generated = generateApiKey(partnerRecord ? 'partner' : 'account');
  }
  const id = newRecordId('key');
  const now = Date.now();
  // The state change lets gateways that cached "unknown key" for this hash see the new key at once.
  await auditedTransaction(store, async (trx) => {
    await trx
      .insertInto('api_keys')
      .values({
        id,
        account_id: owner?.id ?? null,
        partner_id: partnerRecord?.id ?? null,
        prefix: generated.prefix,
        hash: hashSecret(generated.key),
        name: name ?? null,
        limits: limitsText(checkedLimits),
        created_at: now,
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    await recordStateChange(trx, 'key', id, now);
    await appendAuditEntry(trx, store.dialect, {
      actor,
      action: 'key.create',
      subject: `key:${id}`,
      details: {
        prefix: generated.prefix,
        account: owner?.id ?? null,
        partner: partnerRecord?.id ?? null,
        name: name ?? null,
        limits: checkedLimits,
      },
      ts: now,
    });
  });
  return {
    id,
    key: generated.key,
    prefix: generated.prefix,
    account: owner?.name ?? null,
    partner: partnerRecord?.name ?? null,
  };
}

/** A key by id or by its visible prefix (which must name one key), or an error. */
export async function requireApiKey(store: Store, idOrPrefix: string): Promise<ApiKeyInfo> {
  const rows = await store.db
    .selectFrom('api_keys')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)]))
    .execute();
  if (rows.length === 0) throw new WardenError('ADMIN_NOT_FOUND', { what: 'key', id: idOrPrefix });
  if (rows.length > 1) throw invalid(`prefix ${idOrPrefix} names ${rows.length} keys; give the key id`);
  return toKeyInfo(rows[0]);
}

/** Revokes a key (by id or prefix); the gateway drops it on the state change. Revoking twice is refused. */
export async function revokeApiKey(store: Store, idOrPrefix: string, actor = 'cli'): Promise<ApiKeyInfo> {
  const key = await requireApiKey(store, idOrPrefix);
  if (key.revokedAt !== null)
    throw new WardenError('ADMIN_CONFLICT', { detail: `key ${key.id} is already revoked` });
  const now = Date.now();
  await auditedTransaction(store, async (trx) => {
    await trx.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', key.id).execute();
    await recordStateChange(trx, 'key', key.id, now);
    await appendAuditEntry(trx, store.dialect, {
      actor,
      action: 'key.revoke',
      subject: `key:${key.id}`,
      details: { prefix: key.prefix, account: key.accountId, partner: key.partnerId },
      ts: now,
    });
  });
  return { ...key, revokedAt: now };
}

/**
 * The key with this hash (revoked ones included, flagged), or null. The lookup goes through the unique
 * index on the hash: a timing difference there tells an attacker only about hashes of keys it does not
 * know, which leaks nothing about any key (finding a preimage is 2^256 work).
 */
export async function findKeyByHash(store: Store, hash: string): Promise<KeyRecord | null> {
  const row = await store.db
    .selectFrom('api_keys')
    .select(['id', 'prefix', 'account_id', 'partner_id', 'revoked_at', 'limits'])
    .where('hash', '=', hash)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    prefix: row.prefix,
    accountId: row.account_id,
    partnerId: row.partner_id,
    revoked: row.revoked_at !== null,
    limits: parseLimitsText(row.limits),
  };
}

export interface ListApiKeysOptions {
  accountId?: string;
  partnerId?: string;
}

export async function listApiKeys(
  store: Store,
  { accountId, partnerId }: ListApiKeysOptions = {},
): Promise<ApiKeyInfo[]> {
  let query = store.db.selectFrom('api_keys').selectAll();
  if (accountId !== undefined) query = query.where('account_id', '=', accountId);
  if (partnerId !== undefined) query = query.where('partner_id', '=', partnerId);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  return rows.map(toKeyInfo);
}

const TOUCH_BATCH = 400;

/**
 * Writes last-used times (key id → epoch ms) in a few statements, never moving a time backwards.
 * One `UPDATE … SET last_used_at = CASE id WHEN … END` per batch runs the same on both dialects.
 */
export async function touchKeys(store: Store, lastUsed: Map<string, number>): Promise<void> {
  const entries = [...lastUsed.entries()];
  for (let start = 0; start < entries.length; start += TOUCH_BATCH) {
    const batch = entries.slice(start, start + TOUCH_BATCH);
    const newTime = sql`CASE id ${sql.join(
      batch.map(([id, ts]) => sql`WHEN ${id} THEN CAST(${Math.trunc(ts)} AS BIGINT)`),
      sql` `,
    )} END`;
    await sql`UPDATE api_keys SET last_used_at = ${newTime}
      WHERE id IN (${sql.join(batch.map(([id]) => id))})
        AND (last_used_at IS NULL OR last_used_at < ${newTime})`.execute(store.db);
  }
}
