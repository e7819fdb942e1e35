// Row types of the gateway tables (migration 001-gateway).
import type { ColumnType, Generated } from 'kysely';

/** A nullable column that inserts may omit. */
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

export interface PartnersTable {
  id: string;
  name: string;
  status: string;
  webhook_url: string | null;
  /** Encrypted with the deployment secret (AES-256-GCM); the HMAC signer needs it back. */
  webhook_secret: string | null;
  created_at: number;
}

export interface AccountsTable {
  id: string;
  name: string;
  status: 'active' | 'suspended' | 'terminated';
  status_reason: string | null;
  /** Who made the last status change: `cli`, `admin:<token id>`, `partner:<partner id>`, `policy:<rule>`. */
  status_actor: Optional<string>;
  partner_id: string | null;
  external_id: string | null;
  limits: string | null;
  allowed_uses: string | null;
  /** The open case while the account is under review or suspended (set by enforce/). */
  open_case_id: Optional<string>;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  account_id: string | null;
  partner_id: string | null;
  prefix: string;
  hash: string;
  name: string | null;
  limits: string | null;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface AdminTokensTable {
  id: string;
  role: 'viewer' | 'analyst' | 'admin' | 'partner';
  prefix: string;
  hash: string;
  name: string | null;
  partner_id: string | null;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface EventsTable {
  seq: Generated<number>;
  id: string;
  ts: number;
  account_id: string;
  key_id: string | null;
  channel: string;
  end_customer: string | null;
  model: string;
  endpoint: string;
  stream: number;
  status: string;
  http_status: number;
  error_code: string | null;
  request_body: string;
  output: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  latency_ms: number;
  ttfb_ms: number | null;
  client_ip: string | null;
  upstream: string | null;
}

export interface UsageDailyTable {
  account_id: string;
  date: string;
  requests: number;
  tokens: number;
}

export interface ConsumerCursorsTable {
  name: string;
  position: number;
  updated_at: number;
}

export interface StateChangesTable {
  seq: Generated<number>;
  kind: string;
  subject_id: string;
  ts: number;
}

export interface AccountRiskTable {
  account_id: string;
  risk: number;
  verdict: string;
  requests: number;
  detected_after: number | null;
  signals: string;
  actor: string | null;
  updated_at: number;
}

export interface GatewayTables {
  partners: PartnersTable;
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  admin_tokens: AdminTokensTable;
  events: EventsTable;
  usage_daily: UsageDailyTable;
  consumer_cursors: ConsumerCursorsTable;
  state_changes: StateChangesTable;
  account_risk: AccountRiskTable;
}
