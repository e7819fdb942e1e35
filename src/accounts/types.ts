// The records the accounts concern hands to the rest of Warden (gateway, admin API, CLI, enforce).
// Rows are parsed once here: limits from JSON text, times as epoch ms.

export type AccountStatus = 'active' | 'suspended' | 'terminated';
export type AdminRole = 'viewer' | 'analyst' | 'admin' | 'partner';

export const ACCOUNT_STATUSES: readonly AccountStatus[] = ['active', 'suspended', 'terminated'];
export const ADMIN_ROLES: readonly AdminRole[] = ['viewer', 'analyst', 'admin', 'partner'];

/** Per-account limits (requests/min, tokens/min, tokens per UTC day); absent means unlimited. */
export interface AccountLimits {
  rpm?: number;
  tpm?: number;
  daily_tokens?: number;
}

/** Per-key limits, applied on top of the account's. */
export type KeyLimits = AccountLimits;

export interface AccountRecord {
  id: string;
  name: string;
  status: AccountStatus;
  statusReason: string | null;
  /** Who made the last status change (see transitions.ts for the forms). */
  statusActor: string | null;
  /** The reseller this account is an end customer of, or null for a direct account. */
  partnerId: string | null;
  /** The partner's name (for the `partner:<name>` channel), or null. */
  partner: string | null;
  /** The partner's own identifier of this end customer (`X-Warden-End-Customer`). */
  externalId: string | null;
  limits: AccountLimits;
  /** The open case while under review or suspended (set by enforce/), or null. */
  openCaseId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface KeyRecord {
  id: string;
  prefix: string;
  /** Set for an account key; null for a partner key. */
  accountId: string | null;
  /** Set for a partner key (acts for the partner's end customers); null for an account key. */
  partnerId: string | null;
  revoked: boolean;
  limits: KeyLimits;
}

/** A key as listed (never with its hash or secret). */
export interface ApiKeyInfo {
  id: string;
  prefix: string;
  name: string | null;
  accountId: string | null;
  partnerId: string | null;
  limits: KeyLimits;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface PartnerRecord {
  id: string;
  name: string;
  status: string;
  webhookUrl: string | null;
  /** Whether a webhook secret is stored (the secret itself only through getPartnerWebhookSecret). */
  hasWebhookSecret: boolean;
  createdAt: number;
}

export interface AdminTokenIdentity {
  id: string;
  role: AdminRole;
  partnerId: string | null;
}

export interface UsageSummary {
  /** Every usage event of the account, whatever its status, over all time. */
  requests: number;
  tokens: number;
  /** The days of the window that have usage, oldest first (UTC dates, YYYY-MM-DD). */
  days: { date: string; requests: number; tokens: number }[];
}

export interface AccountRisk {
  risk: number;
  verdict: string;
  requests: number;
  detectedAfter: number | null;
  signals: unknown;
  actor: string | null;
  updatedAt: number;
}

export interface StateChange {
  seq: number;
  kind: string;
  subject_id: string;
}
