// Row types of the enforce tables (migration 002-enforce).
import type { ColumnType, Generated } from 'kysely';

type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** One investigation of one account. `status` is open until a decision closes it. */
export interface CasesTable {
  id: string;
  account_id: string;
  partner_id: Optional<string>;
  status: 'open' | 'closed';
  /** Actor that opened it (`policy:<rule>`, `admin:<token>`, `analyst:<token>`, `partner:<id>`, `cli`). */
  opened_by: string;
  opened_reason: string;
  rule: Optional<string>;
  /** JSON evidence snapshot, frozen when the case was opened. */
  evidence: string;
  assignee: Optional<string>;
  remediation: Optional<string>;
  decision: Optional<'reinstate' | 'terminate'>;
  decision_reason: Optional<string>;
  /** JSON array of conditions attached to a reinstatement. */
  conditions: Optional<string>;
  decided_by: Optional<string>;
  decided_at: Optional<number>;
  /** JSON of the partner's own latest decision on its end customer ({action, reason, actor, at}). */
  partner_decision: Optional<string>;
  created_at: number;
  updated_at: number;
}

/** The case timeline: opened, notes, assignments, actions, decisions. */
export interface CaseEventsTable {
  seq: Generated<number>;
  case_id: string;
  ts: number;
  actor: string;
  kind: string;
  /** JSON object. */
  details: string;
}

/** A policy action the detection consumer applied or (dry run) would have applied. */
export interface PolicyActionsTable {
  id: Generated<number>;
  account_id: string;
  action: 'review' | 'suspend' | 'throttle';
  rule: string;
  reason: string;
  dry_run: number;
  /** The account's evidence floor when it fired: one action per rule and floor, never twice. */
  epoch: number;
  /** What it did: `opened_case`, `suspended`, `throttled`, `noted` (already in that state), `dry_run`. */
  outcome: string;
  case_id: Optional<string>;
  risk: number;
  requests: number;
  created_at: number;
}

/** Evidence before `floor_ts` (the last decision) may not trigger a new policy action. */
export interface EvidenceFloorsTable {
  account_id: string;
  floor_ts: number;
  case_id: Optional<string>;
  updated_at: number;
}

/** The webhook outbox: written in the transaction of the change it reports. */
export interface WebhookDeliveriesTable {
  id: string;
  partner_id: string;
  event_type: string;
  account_id: Optional<string>;
  /** The exact JSON body that is signed and sent. */
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  last_status_code: Optional<number>;
  last_error: Optional<string>;
  created_at: number;
  delivered_at: Optional<number>;
}

export interface WebhookAttemptsTable {
  seq: Generated<number>;
  delivery_id: string;
  attempt: number;
  ts: number;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

export interface EnforceTables {
  cases: CasesTable;
  case_events: CaseEventsTable;
  policy_actions: PolicyActionsTable;
  evidence_floors: EvidenceFloorsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
