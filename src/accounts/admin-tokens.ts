// Admin tokens: a role (viewer, analyst, admin, or partner scoped to one partner), stored as a hash
// with a visible prefix; presented tokens are compared in constant time.
import { appendAuditEntry, auditedTransaction } from '../audit/index.js';
import { WardenError } from '../errors.js';
import type { Store } from '../store/store.js';
import { requirePartner } from './partners.js';
import {
  ADMIN_TOKEN_PREFIX,
  ADMIN_TOKEN_PREFIX_LENGTH,
  generateAdminToken,
  hashesEqual,
  hashSecret,
  newRecordId,
  SECRET_BODY_LENGTH,
} from './secrets.js';
import { ADMIN_ROLES, type AdminRole, type AdminTokenIdentity } from './types.js';
import { invalid } from './validate.js';

export interface CreateAdminTokenOptions {
  role: AdminRole;
  name?: string;
  /** Required for role `partner` (name or id), refused for the others. */
  partner?: string;
  /** Who creates it, for the audit log (default `cli`). */
  actor?: string;
}

export interface CreatedAdminToken {
  id: string;
  /** The token itself: returned here only, never stored. */
  token: string;
  role: AdminRole;
  /** Partner name for a partner token, else null. */
  partner: string | null;
}

export async function createAdminToken(
  store: Store,
  { role, name, partner, actor = 'cli' }: CreateAdminTokenOptions,
): Promise<CreatedAdminToken> {
  if (!ADMIN_ROLES.includes(role))
    throw invalid(`unknown role ${JSON.stringify(role)}: use ${ADMIN_ROLES.join(', ')}`);
  if (role === 'partner' && partner === undefined)
    throw invalid('a partner token needs the partner it acts for');
  if (role !== 'partner' && partner !== undefined)
    throw invalid(`a ${role} token belongs to no partner; use role partner`);
  if (name !== undefined && (typeof name !== 'string' || name.length > 200)) {
    throw invalid('the token name must be text of at most 200 characters');
  }
  const partnerRecord = partner !== undefined ? await requirePartner(store, partner) : null;
  let generated = generateAdminToken();
  for (let attempt = 0; attempt < 8; attempt++) {
    const taken = await store.db
      .selectFrom('admin_tokens')
      .select('id')
      .where('prefix', '=', generated.prefix)
      .executeTakeFirst();
    if (!taken) break;
    generated = generateAdminToken();
  }
  const id = newRecordId('adm');
  const now = Date.now();
  await auditedTransaction(store, async (trx) => {
    await trx
      .insertInto('admin_tokens')
      .values({
        id,
        role,
        prefix: generated.prefix,
        hash: hashSecret(generated.token),
        name: name ?? null,
        partner_id: partnerRecord?.id ?? null,
        created_at: now,
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    await appendAuditEntry(trx, store.dialect, {
      actor,
      action: 'admin_token.create',
      subject: `admin_token:${id}`,
      details: { role, prefix: generated.prefix, name: name ?? null, partner: partnerRecord?.id ?? null },
      ts: now,
    });
  });
  return { id, token: generated.token, role, partner: partnerRecord?.name ?? null };
}

const TOKEN_SHAPE = new RegExp(`^${ADMIN_TOKEN_PREFIX}[0-9A-Za-z]{${SECRET_BODY_LENGTH}}$`);

/**
 * The identity behind a presented admin token, or null (unknown, malformed or revoked). Rows are found
 * by the token's public prefix; the secret part is checked by comparing hashes with timingSafeEqual.
 */
export async function findAdminToken(store: Store, token: string): Promise<AdminTokenIdentity | null> {
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return null;
  const presented = hashSecret(token);
  const candidates = await store.db
    .selectFrom('admin_tokens')
    .select(['id', 'role', 'hash', 'partner_id', 'revoked_at'])
    .where('prefix', '=', token.slice(0, ADMIN_TOKEN_PREFIX_LENGTH))
    .execute();
  let found: AdminTokenIdentity | null = null;
  for (const row of candidates) {
    // Compare against every candidate (no early exit) so timing does not depend on which one matched.
    if (hashesEqual(presented, row.hash) && row.revoked_at === null) {
      found = { id: row.id, role: row.role, partnerId: row.partner_id };
    }
  }
  return found;
}

/** Records that a token was used (the admin API calls this at most once a minute per token). */
export async function touchAdminToken(store: Store, id: string, now: number = Date.now()): Promise<void> {
  await store.db.updateTable('admin_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
}

/** Revokes an admin token by id. */
export async function revokeAdminToken(store: Store, id: string, actor = 'cli'): Promise<void> {
  await auditedTransaction(store, async (trx) => {
    const result = await trx
      .updateTable('admin_tokens')
      .set({ revoked_at: Date.now() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0)
      throw new WardenError('ADMIN_NOT_FOUND', { what: 'active admin token', id });
    await appendAuditEntry(trx, store.dialect, {
      actor,
      action: 'admin_token.revoke',
      subject: `admin_token:${id}`,
    });
  });
}

/** Records an admin sign-in in the audit log (POST /admin/v1/session). */
export async function recordAdminLogin(
  store: Store,
  identity: AdminTokenIdentity,
  details: Record<string, unknown> = {},
): Promise<void> {
  await auditedTransaction(store, async (trx) => {
    await appendAuditEntry(trx, store.dialect, {
      actor:
        identity.role === 'partner' ? `partner:${identity.partnerId}` : `${identity.role}:${identity.id}`,
      action: 'admin.login',
      subject: `admin_token:${identity.id}`,
      details: { role: identity.role, ...details },
    });
  });
}
