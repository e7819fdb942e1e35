// Enforcement on accounts, through one path: suspend, reinstate and terminate go through
// accounts/transitions.ts `transitionAccount`, whose `within` hook writes the case, the timeline, the
// evidence floor, the webhook outbox row and the audit entry in the status change's own transaction.
// Review (an open case on an account that is still served) and throttling are enforced here too.
//
//   active ──review──► active + open case ──suspend──► suspended (case open)
//     │                        │                         │
//     └────────suspend─────────┘               decide: reinstate (conditions) → active, case closed
//                                              decide: terminate → terminated, case closed
//
// A partner acts on its own end customers only: its suspension opens (or joins) a case, its decision is
// kept beside the provider's on the case, and it lifts only a suspension it made itself.
import type { Kysely } from 'kysely';
import {
  type AccountLimits,
  type AccountRecord,
  type AccountStatus,
  getAccount,
  getAccountIn,
  partnerOfActor,
  recordStateChange,
  requireAccount,
  TRANSITION_TARGET,
  type TransitionAction,
  transitionAccount,
} from '../accounts/index.js';
import { checkLimits, checkReason, limitsText } from '../accounts/validate.js';
import { appendAuditEntry, auditedTransaction } from '../audit/index.js';
import { WardenError } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { DialectName, Store } from '../store/store.js';
import { addCaseEvent, type CaseDecision, closeCase, insertCase } from './cases.js';
import {
  type AssessmentEvidence,
  buildEvidenceSnapshot,
  type EvidenceSnapshot,
  evidenceSummary,
} from './evidence.js';
import { queueWebhook } from './webhooks/outbox.js';

/** Work to run in the same transaction as the action (e.g. recording the policy action that caused it). */
export type WithinHook = (
  trx: Kysely<Database>,
  result: { accountId: string; caseId: string | null },
) => Promise<void>;

export interface AccountActionOptions {
  /** Account name or id. */
  account: string;
  action: TransitionAction;
  /** `cli`, `admin:<token>`, `analyst:<token>`, `partner:<id>`, `policy:<rule>`. */
  actor: string;
  reason: string;
  /** Conditions attached to a reinstatement (kept on the case and in the audit entry). */
  conditions?: string[];
  /** The assessment behind a policy suspension (frozen into the case it opens). */
  assessment?: AssessmentEvidence;
  rule?: string;
  /** Close this case (default: the account's open case). */
  caseId?: string;
  within?: WithinHook;
}

export interface AccountActionResult {
  account: AccountRecord;
  from: AccountStatus;
  caseId: string | null;
}

function actorKind(actor: string): 'partner' | 'policy' | 'provider' {
  if (actor.startsWith('partner:')) return 'partner';
  if (actor.startsWith('policy:')) return 'policy';
  return 'provider';
}

export function checkConditions(conditions: unknown): string[] {
  if (conditions === undefined || conditions === null) return [];
  if (
    !Array.isArray(conditions) ||
    conditions.some((c) => typeof c !== 'string' || !c.trim() || c.length > 2000)
  )
    throw new WardenError('ADMIN_INVALID', { detail: 'conditions must be a list of non-empty texts' });
  if (conditions.length > 50) throw new WardenError('ADMIN_INVALID', { detail: 'at most 50 conditions' });
  return conditions.map((c: string) => c.trim());
}

/** Evidence before this time may no longer trigger a policy action on the account. */
export async function raiseEvidenceFloor(
  trx: Kysely<Database>,
  accountId: string,
  caseId: string | null,
  now: number = Date.now(),
): Promise<void> {
  await trx
    .insertInto('evidence_floors')
    .values({ account_id: accountId, floor_ts: now, case_id: caseId, updated_at: now })
    .onConflict((oc) =>
      oc.column('account_id').doUpdateSet({ floor_ts: now, case_id: caseId, updated_at: now }),
    )
    .execute();
}

async function setPartnerDecision(
  trx: Kysely<Database>,
  caseId: string,
  action: 'suspend' | 'reinstate',
  reason: string,
  actor: string,
  now: number,
): Promise<void> {
  await trx
    .updateTable('cases')
    .set({ partner_decision: JSON.stringify({ action, reason, actor, at: new Date(now).toISOString() }) })
    .where('id', '=', caseId)
    .execute();
  await addCaseEvent(trx, caseId, actor, `partner_${action}`, { reason }, now);
}

/** Suspend, reinstate or terminate an account, with its case, timeline, audit entry and webhook. */
export async function changeAccountStatus(
  store: Store,
  options: AccountActionOptions,
): Promise<AccountActionResult> {
  const { account, action, actor, assessment, rule, within } = options;
  const reason = checkReason(options.reason);
  const conditions = checkConditions(options.conditions);
  const to = TRANSITION_TARGET[action];
  // The snapshot reads events and usage: done before the transaction, which must hold only the writes.
  let evidence: EvidenceSnapshot | null = null;
  if (action === 'suspend') {
    const current = await getAccount(store, account);
    if (current && !current.openCaseId) evidence = await buildEvidenceSnapshot(store, current.id, assessment);
  }
  let caseId: string | null = null;
  const result = await transitionAccount(store, {
    account,
    to,
    actor,
    reason,
    within: async (trx, change) => {
      const now = Date.now();
      const record = (await getAccountIn(trx, change.accountId)) as AccountRecord;
      const partnerActing = partnerOfActor(actor) !== null;
      let closedCase: string | null = null;
      if (action === 'suspend') {
        caseId = record.openCaseId;
        if (!caseId) {
          caseId = await insertCase(trx, store.dialect, {
            accountId: record.id,
            partnerId: record.partnerId,
            actor,
            reason,
            rule: rule ?? null,
            evidence: evidence ?? (await emptySnapshot()),
            now,
          });
        } else {
          await addCaseEvent(trx, caseId, actor, 'suspended', { reason, rule: rule ?? null }, now);
        }
        if (partnerActing) await setPartnerDecision(trx, caseId, 'suspend', reason, actor, now);
      } else {
        caseId = options.caseId ?? record.openCaseId;
        if (caseId) {
          const open = await trx
            .selectFrom('cases')
            .select(['status', 'opened_by'])
            .where('id', '=', caseId)
            .executeTakeFirst();
          if (!open) throw new WardenError('ADMIN_NOT_FOUND', { what: 'case', id: caseId });
          if (partnerActing) await setPartnerDecision(trx, caseId, 'reinstate', reason, actor, now);
          // A partner closes only the case its own suspension opened; the provider's stays open.
          const closes = open.status === 'open' && (!partnerActing || open.opened_by === actor);
          if (closes) {
            await closeCase(trx, store.dialect, caseId, {
              decision: action === 'terminate' ? 'terminate' : 'reinstate',
              reason,
              conditions,
              actor,
              now,
            });
            closedCase = caseId;
          }
        }
        await raiseEvidenceFloor(trx, record.id, caseId, now);
      }
      await appendAuditEntry(trx, store.dialect, {
        actor,
        action: `account.${action}`,
        subject: `account:${record.id}`,
        details: {
          account: record.name,
          from: change.from,
          to: change.to,
          reason,
          case: caseId,
          ...(conditions.length ? { conditions } : {}),
          ...(rule ? { rule } : {}),
          ...(evidence ? { evidence: evidenceSummary(evidence) } : {}),
        },
        ts: now,
      });
      const past = {
        suspend: 'account.suspended',
        reinstate: 'account.reinstated',
        terminate: 'account.terminated',
      } as const;
      await queueWebhook(
        trx,
        record.id,
        past[action],
        { case_id: caseId, reason, by: actorKind(actor), ...(conditions.length ? { conditions } : {}) },
        now,
      );
      if (closedCase && !partnerActing) {
        await queueWebhook(
          trx,
          record.id,
          'case.decided',
          {
            case_id: closedCase,
            decision: action === 'terminate' ? 'terminate' : 'reinstate',
            reason,
            conditions,
          },
          now,
        );
      }
      if (within) await within(trx, { accountId: record.id, caseId });
    },
  });
  return { account: result.account, from: result.from, caseId };
}

async function emptySnapshot(): Promise<EvidenceSnapshot> {
  return {
    taken_at: new Date().toISOString(),
    risk: null,
    verdict: null,
    requests_scored: null,
    detected_after: null,
    signals: [],
    templates: [],
    examples: [],
    usage: { requests: 0, tokens: 0, days: [] },
    linked_accounts: [],
  };
}

export interface OpenCaseOptions {
  account: string;
  actor: string;
  reason: string;
  rule?: string;
  assessment?: AssessmentEvidence;
  /** When the account already has an open case: return it (true, policy) or refuse with 409 (false). */
  reuseOpen?: boolean;
  within?: WithinHook;
}

/** Opens a review case on an account that stays served; returns the case id and whether it is new. */
export async function openReviewCase(
  store: Store,
  { account, actor, reason, rule, assessment, reuseOpen = false, within }: OpenCaseOptions,
): Promise<{ caseId: string; created: boolean; account: AccountRecord }> {
  const checked = checkReason(reason);
  const found = await requireAccount(store, account);
  const partner = partnerOfActor(actor);
  if (partner !== null && found.partnerId !== partner)
    throw new WardenError('ADMIN_NOT_FOUND', { what: 'account', id: account });
  // Built before the transaction (it reads through the store, which on SQLite is the connection the
  // transaction holds): cheap enough to build even when an open case turns out to exist.
  const evidence = await buildEvidenceSnapshot(store, found.id, assessment);
  const outcome = await auditedTransaction(store, async (trx) => {
    const record = (await getAccountIn(trx, found.id)) as AccountRecord;
    if (record.status === 'terminated')
      throw new WardenError('ACCOUNT_ILLEGAL_TRANSITION', {
        account: record.name,
        from: 'terminated',
        action: 'put under review',
      });
    if (record.openCaseId) {
      if (!reuseOpen)
        throw new WardenError('ADMIN_CONFLICT', {
          detail: `account ${record.name} already has open case ${record.openCaseId}`,
        });
      if (within) await within(trx, { accountId: record.id, caseId: record.openCaseId });
      return { caseId: record.openCaseId, created: false };
    }
    const now = Date.now();
    const caseId = await insertCase(trx, store.dialect, {
      accountId: record.id,
      partnerId: record.partnerId,
      actor,
      reason: checked,
      rule: rule ?? null,
      evidence,
      now,
    });
    await queueWebhook(
      trx,
      record.id,
      'account.flagged',
      { case_id: caseId, reason: checked, by: actorKind(actor) },
      now,
    );
    if (within) await within(trx, { accountId: record.id, caseId });
    return { caseId, created: true };
  });
  return { ...outcome, account: (await getAccount(store, found.id)) as AccountRecord };
}

export interface DecideCaseOptions {
  caseId: string;
  decision: CaseDecision;
  actor: string;
  reason: string;
  conditions?: string[];
}

/**
 * The provider's decision on a case: reinstate (with conditions) or terminate. A suspended account is
 * moved through changeAccountStatus; a review case on an active account is closed (reinstate = cleared).
 */
export async function decideCase(
  store: Store,
  { caseId, decision, actor, reason, conditions }: DecideCaseOptions,
): Promise<{ caseId: string; account: AccountRecord }> {
  if (decision !== 'reinstate' && decision !== 'terminate')
    throw new WardenError('ADMIN_INVALID', { detail: 'decision must be reinstate or terminate' });
  const checkedReason = checkReason(reason);
  const checkedConditions = checkConditions(conditions);
  const row = await store.db
    .selectFrom('cases')
    .select(['status', 'account_id'])
    .where('id', '=', caseId)
    .executeTakeFirst();
  if (!row) throw new WardenError('ADMIN_NOT_FOUND', { what: 'case', id: caseId });
  if (row.status !== 'open') throw new WardenError('CASE_CLOSED', { case_id: caseId });
  const account = await requireAccount(store, row.account_id);
  if (account.status === 'suspended' || decision === 'terminate') {
    const { account: updated } = await changeAccountStatus(store, {
      account: account.id,
      action: decision,
      actor,
      reason: checkedReason,
      conditions: checkedConditions,
      caseId,
    });
    return { caseId, account: updated };
  }
  if (account.status !== 'active')
    throw new WardenError('ACCOUNT_ILLEGAL_TRANSITION', {
      account: account.name,
      from: account.status,
      action: 'reinstated',
    });
  await auditedTransaction(store, async (trx) => {
    const now = Date.now();
    await closeCase(trx, store.dialect, caseId, {
      decision,
      reason: checkedReason,
      conditions: checkedConditions,
      actor,
      now,
    });
    await raiseEvidenceFloor(trx, account.id, caseId, now);
    await queueWebhook(
      trx,
      account.id,
      'case.decided',
      { case_id: caseId, decision, reason: checkedReason, conditions: checkedConditions },
      now,
    );
  });
  return { caseId, account: (await getAccount(store, account.id)) as AccountRecord };
}

export interface ThrottleOptions {
  account: string;
  actor: string;
  reason: string;
  /** The ceiling: each limit becomes the lower of the account's current one and this. */
  limits: AccountLimits;
  rule?: string;
  within?: WithinHook;
}

/** Lowers an account's limits (never raises one), recorded on its open case, audited and notified. */
export async function throttleAccount(
  store: Store,
  { account, actor, reason, limits, rule, within }: ThrottleOptions,
): Promise<AccountRecord> {
  const checkedReason = checkReason(reason);
  const ceiling = checkLimits(limits);
  const found = await requireAccount(store, account);
  await auditedTransaction(store, async (trx) => {
    const record = (await getAccountIn(trx, found.id)) as AccountRecord;
    const before = record.limits;
    const after: AccountLimits = { ...before };
    for (const key of Object.keys(ceiling) as (keyof AccountLimits)[]) {
      const cap = ceiling[key] as number;
      after[key] = before[key] === undefined ? cap : Math.min(before[key] as number, cap);
    }
    const now = Date.now();
    await trx
      .updateTable('accounts')
      .set({ limits: limitsText(after), updated_at: now })
      .where('id', '=', record.id)
      .execute();
    await recordStateChange(trx, 'account', record.id, now);
    if (record.openCaseId)
      await addCaseEvent(
        trx,
        record.openCaseId,
        actor,
        'throttled',
        { reason: checkedReason, before, after },
        now,
      );
    await appendAuditEntry(trx, store.dialect, {
      actor,
      action: 'account.throttle',
      subject: `account:${record.id}`,
      details: { account: record.name, reason: checkedReason, before, after, ...(rule ? { rule } : {}) },
      ts: now,
    });
    await queueWebhook(
      trx,
      record.id,
      'account.throttled',
      { reason: checkedReason, limits: after, by: actorKind(actor), case_id: record.openCaseId },
      now,
    );
    if (within) await within(trx, { accountId: record.id, caseId: record.openCaseId });
  });
  return (await getAccount(store, found.id)) as AccountRecord;
}

export type { DialectName };

export interface PartnerDecisionOptions {
  caseId: string;
  /** The partner acting (its id); it must own the case's account. */
  partnerId: string;
  decision: 'suspend' | 'reinstate';
  reason: string;
}

/**
 * A partner's own decision on a case about its end customer, kept beside the provider's. It changes
 * the account only where the partner may: suspending an active account, or lifting a suspension the
 * partner made itself. Otherwise (the provider's suspension stands) it is recorded and audited only.
 */
export async function recordPartnerDecision(
  store: Store,
  { caseId, partnerId, decision, reason }: PartnerDecisionOptions,
): Promise<void> {
  const checked = checkReason(reason);
  if (decision !== 'suspend' && decision !== 'reinstate')
    throw new WardenError('ADMIN_INVALID', { detail: 'decision must be suspend or reinstate' });
  const actor = `partner:${partnerId}`;
  const row = await store.db
    .selectFrom('cases')
    .innerJoin('accounts', 'accounts.id', 'cases.account_id')
    .select(['cases.account_id', 'accounts.partner_id', 'accounts.status', 'accounts.status_actor'])
    .where('cases.id', '=', caseId)
    .executeTakeFirst();
  if (!row || row.partner_id !== partnerId)
    throw new WardenError('ADMIN_NOT_FOUND', { what: 'case', id: caseId });
  const moves =
    (decision === 'suspend' && row.status === 'active') ||
    (decision === 'reinstate' && row.status === 'suspended' && row.status_actor === actor);
  if (moves) {
    await changeAccountStatus(store, {
      account: row.account_id,
      action: decision,
      actor,
      reason: checked,
      caseId,
    });
    return;
  }
  await auditedTransaction(store, async (trx) => {
    const now = Date.now();
    await setPartnerDecision(trx, caseId, decision, checked, actor, now);
    await appendAuditEntry(trx, store.dialect, {
      actor,
      action: 'case.partner_decision',
      subject: `case:${caseId}`,
      details: { account: row.account_id, decision, reason: checked, account_status: row.status },
      ts: now,
    });
  });
}
