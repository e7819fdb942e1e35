// The JSON shapes of accounts, keys and partners that the CLI (`--json`) and the admin API both print.
// One definition, so the two never drift; gateway/admin/schemas.ts declares the same fields as the
// response allow-list, and a test checks the two agree. No hash or secret is ever part of a view.
import type {
  AccountLimits,
  AccountRecord,
  AccountRisk,
  ApiKeyInfo,
  KeyLimits,
  PartnerRecord,
  UsageSummary,
} from './types.js';

export interface AccountView {
  id: string;
  name: string;
  status: string;
  status_reason: string | null;
  status_actor: string | null;
  partner: string | null;
  external_id: string | null;
  limits: AccountLimits;
  created_at: string;
  updated_at: string;
}

export interface RiskView {
  risk: number;
  verdict: string;
  requests: number;
  detected_after: number | null;
  signals: unknown;
  updated_at: string;
}

export interface AccountDetailView extends AccountView {
  /** The open case (`{ id }`) while one is open, else null; enforce/ fills in more. */
  case: { id: string } | null;
  usage: UsageSummary;
  risk: RiskView | null;
}

export interface KeyView {
  id: string;
  prefix: string;
  name: string | null;
  account_id: string | null;
  partner_id: string | null;
  limits: KeyLimits;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface PartnerView {
  id: string;
  name: string;
  status: string;
  webhook_url: string | null;
  has_webhook_secret: boolean;
  created_at: string;
}

function iso(ms: number): string;
function iso(ms: number | null): string | null;
function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function accountView(account: AccountRecord): AccountView {
  return {
    id: account.id,
    name: account.name,
    status: account.status,
    status_reason: account.statusReason,
    status_actor: account.statusActor,
    partner: account.partner,
    external_id: account.externalId,
    limits: account.limits,
    created_at: iso(account.createdAt),
    updated_at: iso(account.updatedAt),
  };
}

export function riskView(risk: AccountRisk): RiskView {
  return {
    risk: risk.risk,
    verdict: risk.verdict,
    requests: risk.requests,
    detected_after: risk.detectedAfter,
    signals: risk.signals,
    updated_at: iso(risk.updatedAt),
  };
}

export function accountDetailView(
  account: AccountRecord,
  usage: UsageSummary,
  risk: AccountRisk | null,
): AccountDetailView {
  return {
    ...accountView(account),
    case: account.openCaseId ? { id: account.openCaseId } : null,
    usage,
    risk: risk ? riskView(risk) : null,
  };
}

export function keyView(key: ApiKeyInfo): KeyView {
  return {
    id: key.id,
    prefix: key.prefix,
    name: key.name,
    account_id: key.accountId,
    partner_id: key.partnerId,
    limits: key.limits,
    created_at: iso(key.createdAt),
    revoked_at: iso(key.revokedAt),
    last_used_at: iso(key.lastUsedAt),
  };
}

export function partnerView(partner: PartnerRecord): PartnerView {
  return {
    id: partner.id,
    name: partner.name,
    status: partner.status,
    webhook_url: partner.webhookUrl,
    has_webhook_secret: partner.hasWebhookSecret,
    created_at: iso(partner.createdAt),
  };
}
