// Shapes of the admin API answers the pages read (see docs/admin-api.md and docs/dashboard.md).
export interface TrafficPoint {
  t: number;
  requests: number;
  tokens: number;
  refused: number;
}

export interface Traffic {
  from: number;
  bucket_ms: number;
  points: TrafficPoint[];
}

export interface AccountRow {
  id: string;
  name: string;
  status: string;
  partner: string | null;
  channels: string[];
  risk: number | null;
  verdict: string | null;
  requests_24h: number;
  tokens_24h: number;
  open_case: string | null;
}

export interface LatestAction {
  ts: number;
  actor: string;
  action: string;
  subject: string;
  subject_name: string | null;
}

export interface Overview {
  traffic: Traffic;
  accounts: AccountRow[];
  statuses: { active: number; suspended: number; terminated: number };
  verdicts: { ok: number; review: number; suspend: number; unscored: number };
  open_cases: number;
  latest_actions: LatestAction[];
}

export interface Signal {
  id: string;
  score: number;
  evidence: Record<string, unknown>;
}

export interface Account {
  id: string;
  name: string;
  status: string;
  status_reason: string | null;
  status_actor: string | null;
  partner: string | null;
  external_id: string | null;
  limits: Record<string, number>;
  created_at: string;
  updated_at: string;
}

export interface AccountDetail extends Account {
  case: ({ id: string } & Record<string, unknown>) | null;
  usage: { requests: number; tokens: number; days: { date: string; requests: number; tokens: number }[] };
  risk: {
    risk: number;
    verdict: string;
    requests: number;
    detected_after: number | null;
    signals: Signal[] | unknown;
    updated_at: string;
  } | null;
}

export interface Key {
  id: string;
  prefix: string;
  name: string | null;
  account_id: string | null;
  partner_id: string | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface Partner {
  id: string;
  name: string;
  status: string;
  webhook_url: string | null;
  has_webhook_secret: boolean;
  created_at: string;
}
