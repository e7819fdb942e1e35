// Applying the detection engine's policy actions to an account, exactly once per piece of evidence.
// Each action is keyed by (account, action, rule, dry run, evidence floor) — the floor being the time
// of the account's last decision — and the key is inserted in the same transaction as the action's
// effect, so a replay after a restart, a second worker, or a repeated assessment never acts twice,
// and an account reinstated by an admin is acted on again only once its floor has moved (new evidence).
import type { Kysely } from 'kysely';
import { type AccountLimits, getAccount } from '../accounts/index.js';
import { appendAuditEntry, auditedTransaction } from '../audit/index.js';
import { WardenError } from '../errors.js';
import type { PolicyAction } from '../policy/index.js';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { changeAccountStatus, openReviewCase, throttleAccount } from './account-actions.js';
import { addCaseEvent } from './cases.js';
import type { AssessmentEvidence } from './evidence.js';

export interface PolicyAssessment extends AssessmentEvidence {
  /** Account id. */
  account: string;
  actions: PolicyAction[];
}

export interface ApplyPolicyOptions {
  /** The account's evidence floor (epoch ms of its last decision, 0 if none). */
  epoch: number;
  /** The ceiling a `throttle` action applies (default rpm 10, tpm 20 000). */
  throttleLimits?: AccountLimits;
}

export interface AppliedPolicyAction {
  action: PolicyAction;
  outcome: string;
  caseId: string | null;
}

export const DEFAULT_THROTTLE_LIMITS: AccountLimits = { rpm: 10, tpm: 20_000 };

async function alreadyApplied(
  store: Store,
  accountId: string,
  action: PolicyAction,
  epoch: number,
): Promise<boolean> {
  const row = await store.db
    .selectFrom('policy_actions')
    .select('id')
    .where('account_id', '=', accountId)
    .where('action', '=', action.action)
    .where('rule', '=', action.rule)
    .where('dry_run', '=', action.dry_run ? 1 : 0)
    .where('epoch', '=', epoch)
    .executeTakeFirst();
  return row !== undefined;
}

function isUnique(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * Applies the assessment's actions (suspend first, then review, then throttle). Returns every action
 * that is settled — applied now, applied before (`already_applied`), or moot (`not_applicable`, e.g. a
 * terminated account); an action that lost a race with another change is left out, to be tried again.
 */
export async function applyPolicyActions(
  store: Store,
  assessment: PolicyAssessment,
  { epoch, throttleLimits = DEFAULT_THROTTLE_LIMITS }: ApplyPolicyOptions,
): Promise<AppliedPolicyAction[]> {
  const order = { suspend: 0, review: 1, throttle: 2 } as const;
  const actions = [...assessment.actions].sort((a, b) => order[a.action] - order[b.action]);
  const done: AppliedPolicyAction[] = [];
  for (const action of actions) {
    if (await alreadyApplied(store, assessment.account, action, epoch)) {
      done.push({ action, outcome: 'already_applied', caseId: null });
      continue;
    }
    const account = await getAccount(store, assessment.account);
    if (!account || account.status === 'terminated') {
      done.push({ action, outcome: 'not_applicable', caseId: null });
      continue;
    }
    const actor = `policy:${action.rule}`;
    let outcome = action.dry_run ? 'dry_run' : 'noted';
    const record = (caseId: string | null) => async (trx: Kysely<Database>) => {
      await trx
        .insertInto('policy_actions')
        .values({
          account_id: assessment.account,
          action: action.action,
          rule: action.rule,
          reason: action.reason,
          dry_run: action.dry_run ? 1 : 0,
          epoch,
          outcome,
          case_id: caseId,
          risk: assessment.risk,
          requests: assessment.requests,
          created_at: Date.now(),
        })
        .execute();
    };
    let caseId: string | null = account.openCaseId;
    try {
      if (action.dry_run || (action.action === 'suspend' && account.status === 'suspended')) {
        await auditedTransaction(store, async (trx) => {
          await record(caseId)(trx);
          if (caseId)
            await addCaseEvent(trx, caseId, actor, action.dry_run ? 'dry_run' : 'policy_action', {
              action: action.action,
              reason: action.reason,
              risk: assessment.risk,
            });
          await appendAuditEntry(trx, store.dialect, {
            actor,
            action: action.dry_run ? 'policy.dry_run' : 'policy.noted',
            subject: `account:${assessment.account}`,
            details: { would: action.action, reason: action.reason, risk: assessment.risk, case: caseId },
          });
        });
      } else if (action.action === 'suspend') {
        outcome = 'suspended';
        const result = await changeAccountStatus(store, {
          account: assessment.account,
          action: 'suspend',
          actor,
          reason: action.reason,
          rule: action.rule,
          assessment,
          within: async (trx, r) => record(r.caseId)(trx),
        });
        caseId = result.caseId;
      } else if (action.action === 'review') {
        const opened = await openReviewCase(store, {
          account: assessment.account,
          actor,
          reason: action.reason,
          rule: action.rule,
          assessment,
          reuseOpen: true,
          within: async (trx, r) => {
            outcome = r.caseId === account.openCaseId ? 'noted' : 'opened_case';
            await record(r.caseId)(trx);
          },
        });
        caseId = opened.caseId;
      } else {
        outcome = 'throttled';
        await throttleAccount(store, {
          account: assessment.account,
          actor,
          reason: action.reason,
          limits: throttleLimits,
          rule: action.rule,
          within: async (trx, r) => record(r.caseId)(trx),
        });
      }
    } catch (error) {
      // Another worker (or an earlier run) recorded this action first: nothing to do.
      if (isUnique(error)) {
        done.push({ action, outcome: 'already_applied', caseId: null });
        continue;
      }
      // The account moved meanwhile (e.g. an admin suspended it): the next assessment decides again.
      if (error instanceof WardenError && error.code === 'ACCOUNT_ILLEGAL_TRANSITION') continue;
      throw error;
    }
    done.push({ action, outcome, caseId });
  }
  return done;
}
