// Cases: one per investigation of one account. Opened by a policy action, an analyst or a suspension;
// closed by a decision (reinstate with conditions, or terminate). Each change is one transaction with
// its timeline event and its audit entry. The account's `open_case_id` points at the open case.
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { appendAuditEntry, auditedTransaction } from '../audit/index.js';
import { WardenError } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { DialectName, Store } from '../store/store.js';
import type { CasesTable, PolicyActionsTable } from '../store/tables/enforce.js';

type CaseRow = Selectable<CasesTable>;

import type { EvidenceSnapshot } from './evidence.js';

export type CaseDecision = 'reinstate' | 'terminate';

export interface PartnerDecision {
  action: 'suspend' | 'reinstate';
  reason: string;
  actor: string;
  at: string;
}

export interface CaseTimelineEntry {
  ts: string;
  actor: string;
  kind: string;
  details: Record<string, unknown>;
}

export interface CaseView {
  id: string;
  account: {
    id: string;
    name: string | null;
    partner: string | null;
    external_id: string | null;
    status: string | null;
  };
  status: 'open' | 'closed';
  opened_by: string;
  opened_reason: string;
  rule: string | null;
  evidence: EvidenceSnapshot | Record<string, unknown>;
  assignee: string | null;
  remediation: string | null;
  decision: {
    decision: CaseDecision;
    reason: string | null;
    conditions: string[];
    decided_by: string | null;
    decided_at: string | null;
  } | null;
  partner_decision: PartnerDecision | null;
  created_at: string;
  updated_at: string;
  timeline: CaseTimelineEntry[];
  policy_actions: PolicyActionView[];
}

export interface PolicyActionView {
  account_id: string;
  action: string;
  rule: string;
  reason: string;
  dry_run: boolean;
  outcome: string;
  case_id: string | null;
  risk: number;
  requests: number;
  evidence_floor: string | null;
  created_at: string;
}

export function newCaseId(): string {
  return `case_${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}

function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
}

function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export async function addCaseEvent(
  trx: Kysely<Database>,
  caseId: string,
  actor: string,
  kind: string,
  details: Record<string, unknown> = {},
  now: number = Date.now(),
): Promise<void> {
  await trx
    .insertInto('case_events')
    .values({ case_id: caseId, ts: now, actor, kind, details: JSON.stringify(details) })
    .execute();
  await trx.updateTable('cases').set({ updated_at: now }).where('id', '=', caseId).execute();
}

export interface InsertCaseOptions {
  accountId: string;
  partnerId: string | null;
  actor: string;
  reason: string;
  rule?: string | null;
  evidence: EvidenceSnapshot;
  now?: number;
}

/** Inserts an open case and points the account at it (inside the caller's transaction). */
export async function insertCase(
  trx: Kysely<Database>,
  dialect: DialectName,
  { accountId, partnerId, actor, reason, rule = null, evidence, now = Date.now() }: InsertCaseOptions,
): Promise<string> {
  const id = newCaseId();
  await trx
    .insertInto('cases')
    .values({
      id,
      account_id: accountId,
      partner_id: partnerId,
      status: 'open',
      opened_by: actor,
      opened_reason: reason,
      rule,
      evidence: JSON.stringify(evidence),
      created_at: now,
      updated_at: now,
    })
    .execute();
  await trx.updateTable('accounts').set({ open_case_id: id }).where('id', '=', accountId).execute();
  await addCaseEvent(trx, id, actor, 'opened', { reason, rule }, now);
  await appendAuditEntry(trx, dialect, {
    actor,
    action: 'case.open',
    subject: `case:${id}`,
    details: {
      account: accountId,
      reason,
      rule,
      risk: evidence.risk,
      signals: evidence.signals.map((s) => ({ id: s.id, score: s.score })),
      examples: evidence.examples.map((e) => e.event_id),
    },
    ts: now,
  });
  return id;
}

/** Closes an open case with a decision (inside the caller's transaction); refuses a closed one. */
export async function closeCase(
  trx: Kysely<Database>,
  dialect: DialectName,
  caseId: string,
  {
    decision,
    reason,
    conditions = [],
    actor,
    now = Date.now(),
  }: {
    decision: CaseDecision;
    reason: string;
    conditions?: string[];
    actor: string;
    now?: number;
  },
): Promise<void> {
  const row = await trx
    .selectFrom('cases')
    .select(['status', 'account_id'])
    .where('id', '=', caseId)
    .executeTakeFirst();
  if (!row) throw new WardenError('ADMIN_NOT_FOUND', { what: 'case', id: caseId });
  if (row.status !== 'open') throw new WardenError('CASE_CLOSED', { case_id: caseId });
  await trx
    .updateTable('cases')
    .set({
      status: 'closed',
      decision,
      decision_reason: reason,
      conditions: JSON.stringify(conditions),
      decided_by: actor,
      decided_at: now,
      updated_at: now,
    })
    .where('id', '=', caseId)
    .execute();
  await trx
    .updateTable('accounts')
    .set({ open_case_id: null })
    .where('id', '=', row.account_id)
    .where('open_case_id', '=', caseId)
    .execute();
  await addCaseEvent(trx, caseId, actor, 'decided', { decision, reason, conditions }, now);
  await appendAuditEntry(trx, dialect, {
    actor,
    action: 'case.decide',
    subject: `case:${caseId}`,
    details: { account: row.account_id, decision, reason, conditions },
    ts: now,
  });
}

function toPolicyActionView(row: Selectable<PolicyActionsTable>): PolicyActionView {
  return {
    account_id: row.account_id,
    action: row.action,
    rule: row.rule,
    reason: row.reason,
    dry_run: Number(row.dry_run) === 1,
    outcome: row.outcome,
    case_id: row.case_id ?? null,
    risk: Number(row.risk),
    requests: Number(row.requests),
    evidence_floor: Number(row.epoch) > 0 ? iso(Number(row.epoch)) : null,
    created_at: iso(Number(row.created_at)) as string,
  };
}

export async function listPolicyActions(
  store: Store,
  { accountId, limit = 200 }: { accountId?: string; limit?: number } = {},
): Promise<PolicyActionView[]> {
  let query = store.db.selectFrom('policy_actions').selectAll().orderBy('id', 'desc').limit(limit);
  if (accountId !== undefined) query = query.where('account_id', '=', accountId);
  return (await query.execute()).map(toPolicyActionView);
}

async function caseView(store: Store, row: CaseRow): Promise<CaseView> {
  const account = await store.db
    .selectFrom('accounts')
    .leftJoin('partners', 'partners.id', 'accounts.partner_id')
    .select(['accounts.name', 'accounts.status', 'accounts.external_id', 'partners.name as partner'])
    .where('accounts.id', '=', row.account_id)
    .executeTakeFirst();
  const events = await store.db
    .selectFrom('case_events')
    .selectAll()
    .where('case_id', '=', row.id)
    .orderBy('seq')
    .execute();
  const actions = await store.db
    .selectFrom('policy_actions')
    .selectAll()
    .where('account_id', '=', row.account_id)
    .where('created_at', '>=', Number(row.created_at) - 60_000)
    .orderBy('id')
    .execute();
  return {
    id: row.id,
    account: {
      id: row.account_id,
      name: account?.name ?? null,
      partner: account?.partner ?? null,
      external_id: account?.external_id ?? null,
      status: account?.status ?? null,
    },
    status: row.status,
    opened_by: row.opened_by,
    opened_reason: row.opened_reason,
    rule: row.rule ?? null,
    evidence: parseJson(row.evidence, {}),
    assignee: row.assignee ?? null,
    remediation: row.remediation ?? null,
    decision: row.decision
      ? {
          decision: row.decision,
          reason: row.decision_reason ?? null,
          conditions: parseJson<string[]>(row.conditions, []),
          decided_by: row.decided_by ?? null,
          decided_at: iso(row.decided_at),
        }
      : null,
    partner_decision: parseJson<PartnerDecision | null>(row.partner_decision, null),
    created_at: iso(Number(row.created_at)) as string,
    updated_at: iso(Number(row.updated_at)) as string,
    timeline: events.map((e) => ({
      ts: iso(Number(e.ts)) as string,
      actor: e.actor,
      kind: e.kind,
      details: parseJson(e.details, {}),
    })),
    policy_actions: actions
      .filter((a) => a.case_id === row.id || Number(a.dry_run) === 1)
      .map(toPolicyActionView),
  };
}

export async function getCase(store: Store, caseId: string): Promise<CaseView | null> {
  const row = await store.db.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirst();
  return row ? caseView(store, row) : null;
}

export async function requireCase(store: Store, caseId: string): Promise<CaseView> {
  const found = await getCase(store, caseId);
  if (!found) throw new WardenError('ADMIN_NOT_FOUND', { what: 'case', id: caseId });
  return found;
}

export interface ListCasesOptions {
  status?: 'open' | 'closed';
  accountId?: string;
  partnerId?: string;
  limit?: number;
}

export interface CaseSummary {
  id: string;
  account_id: string;
  account: string | null;
  status: 'open' | 'closed';
  opened_by: string;
  opened_reason: string;
  assignee: string | null;
  decision: CaseDecision | null;
  risk: number | null;
  created_at: string;
  updated_at: string;
}

export async function listCases(
  store: Store,
  { status, accountId, partnerId, limit = 500 }: ListCasesOptions = {},
): Promise<CaseSummary[]> {
  let query = store.db
    .selectFrom('cases')
    .leftJoin('accounts', 'accounts.id', 'cases.account_id')
    .select([
      'cases.id',
      'cases.account_id',
      'accounts.name as account',
      'cases.status',
      'cases.opened_by',
      'cases.opened_reason',
      'cases.assignee',
      'cases.decision',
      'cases.evidence',
      'cases.created_at',
      'cases.updated_at',
    ])
    .orderBy('cases.created_at', 'desc')
    .limit(Math.max(1, Math.min(limit, 5000)));
  if (status) query = query.where('cases.status', '=', status);
  if (accountId) query = query.where('cases.account_id', '=', accountId);
  if (partnerId) query = query.where('accounts.partner_id', '=', partnerId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    account_id: r.account_id,
    account: r.account ?? null,
    status: r.status,
    opened_by: r.opened_by,
    opened_reason: r.opened_reason,
    assignee: r.assignee ?? null,
    decision: r.decision ?? null,
    risk: parseJson<{ risk?: number | null }>(r.evidence, {}).risk ?? null,
    created_at: iso(Number(r.created_at)) as string,
    updated_at: iso(Number(r.updated_at)) as string,
  }));
}

function checkText(what: string, value: unknown, max = 4000): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) throw new WardenError('ADMIN_INVALID', { detail: `${what} is required` });
  if (text.length > max)
    throw new WardenError('ADMIN_INVALID', { detail: `${what} is longer than ${max} characters` });
  return text;
}

/** Runs a change on an existing case: the case row is read inside the transaction. */
async function changeCase(
  store: Store,
  caseId: string,
  work: (trx: Kysely<Database>, row: CaseRow) => Promise<void>,
  { openOnly = false }: { openOnly?: boolean } = {},
): Promise<CaseView> {
  await auditedTransaction(store, async (trx) => {
    const row = await trx.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirst();
    if (!row) throw new WardenError('ADMIN_NOT_FOUND', { what: 'case', id: caseId });
    if (openOnly && row.status !== 'open') throw new WardenError('CASE_CLOSED', { case_id: caseId });
    await work(trx, row);
  });
  return requireCase(store, caseId);
}

export async function addCaseNote(
  store: Store,
  caseId: string,
  actor: string,
  text: unknown,
): Promise<CaseView> {
  const note = checkText('the note text', text);
  return changeCase(store, caseId, async (trx) => {
    await addCaseEvent(trx, caseId, actor, 'note', { text: note });
    await appendAuditEntry(trx, store.dialect, {
      actor,
      action: 'case.note',
      subject: `case:${caseId}`,
      details: { text: note },
    });
  });
}

export async function assignCase(
  store: Store,
  caseId: string,
  actor: string,
  assignee: unknown,
): Promise<CaseView> {
  const who = checkText('the assignee', assignee, 200);
  return changeCase(
    store,
    caseId,
    async (trx, row) => {
      await trx.updateTable('cases').set({ assignee: who }).where('id', '=', caseId).execute();
      await addCaseEvent(trx, caseId, actor, 'assigned', { assignee: who, previous: row.assignee ?? null });
      await appendAuditEntry(trx, store.dialect, {
        actor,
        action: 'case.assign',
        subject: `case:${caseId}`,
        details: { assignee: who, previous: row.assignee ?? null },
      });
    },
    { openOnly: true },
  );
}

/** Records what the account must change before it can be reinstated ("make changes"). */
export async function requireRemediation(
  store: Store,
  caseId: string,
  actor: string,
  remediation: unknown,
): Promise<CaseView> {
  const text = checkText('the remediation', remediation);
  return changeCase(
    store,
    caseId,
    async (trx, row) => {
      await trx.updateTable('cases').set({ remediation: text }).where('id', '=', caseId).execute();
      await addCaseEvent(trx, caseId, actor, 'remediation', { remediation: text });
      await appendAuditEntry(trx, store.dialect, {
        actor,
        action: 'case.remediation',
        subject: `case:${caseId}`,
        details: { account: row.account_id, remediation: text },
      });
    },
    { openOnly: true },
  );
}
