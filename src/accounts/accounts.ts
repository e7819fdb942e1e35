// Accounts: create, look up, list, and change status (the one write that every gateway node must see).
import type { Kysely } from 'kysely';
import { appendAuditEntry } from '../audit/index.js';
import { WardenError } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { requirePartner } from './partners.js';
import { newRecordId } from './secrets.js';
import { recordStateChange } from './state-changes.js';
import type { AccountLimits, AccountRecord, AccountStatus } from './types.js';
import {
  checkExternalId,
  checkLimits,
  checkName,
  isUniqueViolation,
  limitsText,
  parseLimitsText,
} from './validate.js';

export interface CreateAccountOptions {
  name: string;
  /** The partner (name or id) this account is an end customer of. */
  partner?: string;
  /** The partner's identifier of the end customer; defaults to `name` when a partner is given. */
  externalId?: string;
  limits?: AccountLimits;
  /** Who creates it, for the audit log (`cli`, `admin:<token id>`, …); default `system`. */
  actor?: string;
}

export interface ListAccountsOptions {
  partnerId?: string;
  status?: AccountStatus;
}

function accountQuery(db: Kysely<Database>) {
  return db
    .selectFrom('accounts')
    .leftJoin('partners', 'partners.id', 'accounts.partner_id')
    .select([
      'accounts.id',
      'accounts.name',
      'accounts.status',
      'accounts.status_reason',
      'accounts.status_actor',
      'accounts.partner_id',
      'partners.name as partner_name',
      'accounts.external_id',
      'accounts.limits',
      'accounts.open_case_id',
      'accounts.created_at',
      'accounts.updated_at',
    ]);
}

type AccountRow = Awaited<ReturnType<ReturnType<typeof accountQuery>['executeTakeFirstOrThrow']>>;

function toAccountRecord(row: AccountRow): AccountRecord {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    statusReason: row.status_reason,
    statusActor: row.status_actor ?? null,
    partnerId: row.partner_id,
    partner: row.partner_name ?? null,
    externalId: row.external_id,
    limits: parseLimitsText(row.limits),
    openCaseId: row.open_case_id ?? null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function createAccount(
  store: Store,
  { name, partner, externalId, limits, actor = 'system' }: CreateAccountOptions,
): Promise<AccountRecord> {
  checkName('account', name);
  const checkedLimits = checkLimits(limits);
  if (externalId !== undefined && partner === undefined) {
    throw new WardenError('ADMIN_INVALID', {
      detail: 'an external id belongs to a partner: give the partner too',
    });
  }
  const external = partner === undefined ? null : checkExternalId(externalId ?? name);
  const partnerRecord = partner === undefined ? null : await requirePartner(store, partner);
  if (await getAccount(store, name))
    throw new WardenError('ADMIN_CONFLICT', { detail: `account ${name} already exists` });
  if (partnerRecord && external && (await findEndCustomer(store, partnerRecord.id, external))) {
    throw new WardenError('ADMIN_CONFLICT', {
      detail: `partner ${partnerRecord.name} already has an end customer with external id ${external}`,
    });
  }
  const now = Date.now();
  const id = newRecordId('acct');
  try {
    // The state change lets gateways that cached "no such end customer" see the new account at once.
    await store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('accounts')
        .values({
          id,
          name,
          status: 'active',
          status_reason: null,
          partner_id: partnerRecord?.id ?? null,
          external_id: external,
          limits: limitsText(checkedLimits),
          allowed_uses: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await recordStateChange(trx, 'account', id, now);
      // Audited in the same transaction: an account never exists without its entry.
      await appendAuditEntry(trx, store.dialect, {
        actor,
        action: 'account.create',
        subject: `account:${id}`,
        details: { name, partner: partnerRecord?.id ?? null, external_id: external, limits: checkedLimits },
        ts: now,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new WardenError('ADMIN_CONFLICT', { detail: `account ${name} already exists` });
    throw error;
  }
  return (await getAccount(store, id)) as AccountRecord;
}

/** An account by id or name. */
export async function getAccount(store: Store, nameOrId: string): Promise<AccountRecord | null> {
  return getAccountIn(store.db, nameOrId);
}

export async function getAccountIn(db: Kysely<Database>, nameOrId: string): Promise<AccountRecord | null> {
  const row = await accountQuery(db)
    .where((eb) => eb.or([eb('accounts.id', '=', nameOrId), eb('accounts.name', '=', nameOrId)]))
    .executeTakeFirst();
  return row ? toAccountRecord(row) : null;
}

/** An account by id or name, or ADMIN_NOT_FOUND. */
export async function requireAccount(store: Store, nameOrId: string): Promise<AccountRecord> {
  const account = await getAccount(store, nameOrId);
  if (!account) throw new WardenError('ADMIN_NOT_FOUND', { what: 'account', id: nameOrId });
  return account;
}

export async function listAccounts(
  store: Store,
  { partnerId, status }: ListAccountsOptions = {},
): Promise<AccountRecord[]> {
  let query = accountQuery(store.db);
  if (partnerId !== undefined) query = query.where('accounts.partner_id', '=', partnerId);
  if (status !== undefined) query = query.where('accounts.status', '=', status);
  const rows = await query.orderBy('accounts.created_at').orderBy('accounts.name').execute();
  return rows.map(toAccountRecord);
}

/** The partner's end customer with this external id, or null (the partner may act only for these). */
export async function findEndCustomer(
  store: Store,
  partnerId: string,
  externalId: string,
): Promise<AccountRecord | null> {
  const row = await accountQuery(store.db)
    .where('accounts.partner_id', '=', partnerId)
    .where('accounts.external_id', '=', externalId)
    .executeTakeFirst();
  return row ? toAccountRecord(row) : null;
}

/**
 * Writes a status and feeds the state-change feed, on `db` (a Kysely handle or a transaction).
 * It does not check the transition: call transitionAccount (transitions.ts) unless you have.
 */
export async function setAccountStatus(
  db: Kysely<Database>,
  accountId: string,
  status: AccountStatus,
  reason: string,
  actor: string | null = null,
): Promise<void> {
  const now = Date.now();
  const result = await db
    .updateTable('accounts')
    .set({ status, status_reason: reason, status_actor: actor, updated_at: now })
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0)
    throw new WardenError('ADMIN_NOT_FOUND', { what: 'account', id: accountId });
  await recordStateChange(db, 'account', accountId, now);
}

/** Replaces an account's limits (the gateway re-reads them on the state change). */
export async function setAccountLimits(
  store: Store,
  nameOrId: string,
  limits: AccountLimits,
): Promise<AccountRecord> {
  const checked = checkLimits(limits);
  const account = await requireAccount(store, nameOrId);
  await store.db.transaction().execute(async (trx) => {
    const now = Date.now();
    await trx
      .updateTable('accounts')
      .set({ limits: limitsText(checked), updated_at: now })
      .where('id', '=', account.id)
      .execute();
    await recordStateChange(trx, 'account', account.id, now);
  });
  return (await getAccount(store, account.id)) as AccountRecord;
}
