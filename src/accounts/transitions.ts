// Account status transitions, in one place: every suspension, reinstatement and termination (CLI,
// admin API, partners, policies and case decisions) goes through transitionAccount, which checks the
// move is legal for this actor and writes it in one transaction. Callers use enforce/'s
// changeAccountStatus, which passes a `within` hook that writes the case, the evidence floor, the
// webhook outbox row and the audit entry in that same transaction.
//
//   active ──suspend──► suspended ──reinstate──► active
//     │                    │
//     └────terminate───────┴──terminate──► terminated (final)
//
// Actors: `cli`, `admin:<token id>`, `partner:<partner id>`, `policy:<rule id>`. A partner acts only on
// its own end customers, may not terminate, and may lift only a suspension it made itself: a
// provider's suspension pending investigation stays until the provider decides.
import type { Kysely } from 'kysely';
import { WardenError } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { getAccount, setAccountStatus } from './accounts.js';
import { ACCOUNT_STATUSES, type AccountRecord, type AccountStatus } from './types.js';
import { checkReason } from './validate.js';

export type TransitionAction = 'suspend' | 'reinstate' | 'terminate';

export const TRANSITION_TARGET: Record<TransitionAction, AccountStatus> = {
  suspend: 'suspended',
  reinstate: 'active',
  terminate: 'terminated',
};

const LEGAL: Record<AccountStatus, AccountStatus[]> = {
  active: ['suspended', 'terminated'],
  suspended: ['active', 'terminated'],
  terminated: [],
};

const PAST: Record<AccountStatus, string> = {
  active: 'reinstated',
  suspended: 'suspended',
  terminated: 'terminated',
};

export interface TransitionOptions {
  /** Account name or id. */
  account: string;
  to: AccountStatus;
  /** Who acts (see the forms above); stored as the account's status_actor. */
  actor: string;
  reason: string;
  /**
   * Runs inside the transaction after the status is written (enforce: case and audit rows). Database
   * work only: on SQLite the connection is shared with the rest of the process, so awaiting anything
   * else (network, timers) here would hold the transaction open across unrelated writes.
   */
  within?: (
    trx: Kysely<Database>,
    change: { accountId: string; from: AccountStatus; to: AccountStatus },
  ) => Promise<void>;
}

export interface TransitionResult {
  account: AccountRecord;
  from: AccountStatus;
}

/** The partner id of a `partner:<id>` actor, else null. */
export function partnerOfActor(actor: string): string | null {
  return actor.startsWith('partner:') ? actor.slice('partner:'.length) : null;
}

export async function transitionAccount(
  store: Store,
  { account, to, actor, reason, within }: TransitionOptions,
): Promise<TransitionResult> {
  const checkedReason = checkReason(reason);
  if (!ACCOUNT_STATUSES.includes(to))
    throw new WardenError('ADMIN_INVALID', { detail: `unknown status ${to}` });
  const actingPartner = partnerOfActor(actor);
  const from = await store.db.transaction().execute(async (trx) => {
    if (store.dialect === 'sqlite') {
      // Take SQLite's write lock first (a no-op write, waiting out busy_timeout): a deferred
      // transaction that read first would fail with SQLITE_BUSY_SNAPSHOT when another process (a
      // running `serve` appending events) committed between the read and the write.
      await trx
        .updateTable('accounts')
        .set((eb) => ({ updated_at: eb.ref('updated_at') }))
        .where((eb) => eb.or([eb('id', '=', account), eb('name', '=', account)]))
        .execute();
    }
    const row = await trx
      .selectFrom('accounts')
      .select(['id', 'name', 'status', 'status_actor', 'partner_id'])
      .where((eb) => eb.or([eb('id', '=', account), eb('name', '=', account)]))
      .$if(store.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    // A partner does not learn whether accounts outside its channel exist.
    if (!row || (actingPartner !== null && row.partner_id !== actingPartner)) {
      throw new WardenError('ADMIN_NOT_FOUND', { what: 'account', id: account });
    }
    if (!LEGAL[row.status].includes(to)) {
      throw new WardenError('ACCOUNT_ILLEGAL_TRANSITION', {
        account: row.name,
        from: row.status,
        action: PAST[to],
      });
    }
    if (actingPartner !== null && to === 'terminated') {
      throw new WardenError('ADMIN_FORBIDDEN', { role: 'partner', action: 'terminate an account' });
    }
    if (actingPartner !== null && to === 'active' && row.status_actor !== actor) {
      throw new WardenError('ADMIN_FORBIDDEN', {
        role: 'partner',
        action: 'lift a suspension it did not make (the provider decides that one)',
      });
    }
    await setAccountStatus(trx, row.id, to, checkedReason, actor);
    if (within) await within(trx, { accountId: row.id, from: row.status, to });
    return row.status;
  });
  const updated = await getAccount(store, account);
  return { account: updated as AccountRecord, from };
}
