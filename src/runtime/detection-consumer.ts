// The detection consumer: feeds usage events to the detection engine (non-durable: the engine's state
// is rebuilt from the start of the log on every start), writes `account_risk` for accounts whose
// assessment changed, and applies the policy's actions through enforce/ (cases, suspensions,
// throttles, dry runs). Runs in the consumer process (serve's worker thread, or `warden worker`).
//
// Fairness after a decision: every decision (reinstate, terminate, a closed case) raises the account's
// evidence floor to the decision's time. Events of an account older than its floor are never fed to
// the engine; when a floor rises while running, the engine is rebuilt from the log with the new floors
// (decisions are rare, replay runs at thousands of events a second). So a reinstated account starts
// from a clean slate and is acted on again only on requests made after the decision, and policy
// actions are keyed by the floor in the database so nothing acts twice on the same evidence.

import { createHash } from 'node:crypto';
import type { AccountLimits } from '../accounts/index.js';
import { canonicalJson } from '../audit/canonical-json.js';
import { appendAuditEntry, auditedTransaction } from '../audit/index.js';
import type { Config } from '../config/config.js';
import { createDetectionEngine, type DetectionEngine } from '../detect/engine.js';
import { applyPolicyActions } from '../enforce/policy-actions.js';
import { type RunningConsumer, startConsumer } from '../events/consumer.js';
import type { EventLog } from '../events/event-log.js';
import { eventToTrafficRecord } from '../events/traffic-record.js';
import type { StoredEvent } from '../events/usage-event.js';
import { DEFAULT_POLICY_PATH, loadPolicy, type Policy } from '../policy/index.js';
import type { Store } from '../store/store.js';

export interface DetectionConsumerOptions {
  store: Store;
  log: EventLog;
  /** The policy (default: config.detection.policy, else policies/default.yaml). */
  policy?: Policy;
  config?: Config;
  throttleLimits?: AccountLimits;
  pollMs?: number;
  batchSize?: number;
  onError?: (error: Error) => void;
}

export interface RunningDetectionConsumer extends RunningConsumer {
  /** How many times the engine was rebuilt because an evidence floor rose. */
  rebuilds(): number;
}

/** Events the engine reads: served requests (refused ones carry no model output to learn from). */
function detectable(event: StoredEvent): boolean {
  return event.status !== 'error';
}

export function startDetectionConsumer({
  store,
  log,
  config,
  policy = loadPolicy(config?.detection.policy ?? DEFAULT_POLICY_PATH),
  throttleLimits,
  pollMs = 100,
  batchSize = 500,
  onError = () => {},
}: DetectionConsumerOptions): RunningDetectionConsumer {
  // Uses allowed per account (accounts.allowed_uses, a JSON array of the policy's use names).
  const allowed = new Map<string, string[]>();
  const newEngine = () =>
    createDetectionEngine({ policy, allowedUses: (account) => allowed.get(account) ?? [] });
  let engine: DetectionEngine = newEngine();
  const floors = new Map<string, number>();
  let floorsSeen = 0;
  let floorsLoaded = false;
  let lastSeq = 0;
  let rebuildCount = 0;
  const applied = new Set<string>();

  function feed(target: DetectionEngine, event: StoredEvent): void {
    if (!detectable(event)) return;
    if (event.ts < (floors.get(event.accountId) ?? 0)) return;
    const record = eventToTrafficRecord(event);
    // The gateway already resolved a partner's end customer to its own account (event.accountId), so
    // the account id alone names the subject; the engine would otherwise key it `<account>/<end customer>`.
    if (record) target.ingest({ ...record, endCustomer: null });
  }

  /** Reads floors changed since the last look; true when one rose (the engine must be rebuilt). */
  async function refreshFloors(): Promise<boolean> {
    const rows = await store.db
      .selectFrom('evidence_floors')
      .select(['account_id', 'floor_ts', 'updated_at'])
      .where('updated_at', '>=', floorsSeen)
      .execute();
    let rose = false;
    for (const row of rows) {
      const floor = Number(row.floor_ts);
      if (floor > (floors.get(row.account_id) ?? 0)) {
        floors.set(row.account_id, floor);
        rose = true;
      }
      floorsSeen = Math.max(floorsSeen, Number(row.updated_at));
    }
    return rose;
  }

  async function refreshAllowedUses(): Promise<void> {
    const rows = await store.db
      .selectFrom('accounts')
      .select(['id', 'allowed_uses'])
      .where('allowed_uses', 'is not', null)
      .execute();
    allowed.clear();
    for (const row of rows) {
      try {
        const uses = JSON.parse(row.allowed_uses as string) as unknown;
        if (Array.isArray(uses))
          allowed.set(
            row.id,
            uses.filter((u): u is string => typeof u === 'string'),
          );
      } catch {
        // A malformed value allows nothing.
      }
    }
  }

  async function rebuild(upTo: number): Promise<void> {
    const fresh = newEngine();
    let position = 0;
    while (position < upTo) {
      const events = await log.read(position, 2000);
      if (events.length === 0) break;
      for (const event of events) {
        if (event.seq > upTo) break;
        feed(fresh, event);
      }
      position = events[events.length - 1].seq;
    }
    engine = fresh;
    rebuildCount++;
  }

  const policyRecorded = recordActivePolicy(
    store,
    policy,
    config?.detection.policy ?? DEFAULT_POLICY_PATH,
  ).catch((error) => onError(error as Error));
  const consumer = startConsumer({
    store,
    log,
    name: 'detection',
    durable: false,
    batchSize,
    pollMs,
    onError,
    handle: async (events) => {
      // The first look loads the floors before anything is fed; later rises rebuild what was fed.
      const rose = await refreshFloors();
      await refreshAllowedUses();
      if (rose && floorsLoaded && lastSeq > 0) await rebuild(lastSeq);
      floorsLoaded = true;
      for (const event of events) feed(engine, event);
      lastSeq = events[events.length - 1].seq;
      const assessments = engine
        .takeChanged()
        .map((account) => engine.assess(account))
        .filter((a) => a.requests > 0);
      for (const assessment of assessments) {
        const epoch = floors.get(assessment.account) ?? 0;
        const pending = assessment.actions.filter(
          (a) => !applied.has(`${assessment.account}|${a.action}|${a.rule}|${a.dry_run}|${epoch}`),
        );
        if (pending.length === 0) continue;
        const settled = await applyPolicyActions(
          store,
          { ...assessment, actions: pending },
          { epoch, throttleLimits },
        );
        for (const { action: a } of settled)
          applied.add(`${assessment.account}|${a.action}|${a.rule}|${a.dry_run}|${epoch}`);
      }
      if (assessments.length === 0) return undefined;
      return async (trx) => {
        const now = Date.now();
        for (const a of assessments) {
          const values = {
            risk: a.risk,
            verdict: a.verdict,
            requests: a.requests,
            detected_after: a.detected_after,
            signals: JSON.stringify(a.signals),
            actor: a.actions.find((x) => !x.dry_run)?.rule ?? null,
            updated_at: now,
          };
          await trx
            .insertInto('account_risk')
            .values({ account_id: a.account, ...values })
            .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
            .execute();
        }
      };
    },
  });
  return {
    ...consumer,
    rebuilds: () => rebuildCount,
    async stop() {
      await consumer.stop();
      await policyRecorded;
    },
  };
}

/**
 * Audits the policy the consumer enforces when it differs from the last one recorded (a policy change
 * shows in the audit log as `policy.activate` with the file's path and the policy's SHA-256).
 */
export async function recordActivePolicy(store: Store, policy: Policy, path: string): Promise<boolean> {
  const digest = createHash('sha256')
    .update(canonicalJson(JSON.parse(JSON.stringify(policy))))
    .digest('hex');
  return auditedTransaction(store, async (trx) => {
    const last = await trx
      .selectFrom('audit_entries')
      .select('details')
      .where('subject', '=', 'policy:active')
      .orderBy('entry_index', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (last && (JSON.parse(last.details) as { sha256?: string }).sha256 === digest) return false;
    await appendAuditEntry(trx, store.dialect, {
      actor: 'system:detection',
      action: 'policy.activate',
      subject: 'policy:active',
      details: {
        path,
        sha256: digest,
        rules: policy.rules.map((r) => ({ name: r.name, verdict: r.verdict, dry_run: r.dry_run })),
      },
    });
    return true;
  });
}
