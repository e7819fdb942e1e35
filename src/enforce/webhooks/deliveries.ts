// Reading the webhook outbox and its delivery log (admin API, CLI).
import type { Selectable } from 'kysely';
import { getPartner } from '../../accounts/index.js';
import type { Store } from '../../store/store.js';
import type { WebhookDeliveriesTable } from '../../store/tables/enforce.js';

export interface WebhookAttemptView {
  attempt: number;
  at: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

export interface WebhookDeliveryView {
  id: string;
  partner_id: string;
  event_type: string;
  account_id: string | null;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  payload: unknown;
  log?: WebhookAttemptView[];
}

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();

function toView(row: Selectable<WebhookDeliveriesTable>): WebhookDeliveryView {
  return {
    id: row.id,
    partner_id: row.partner_id,
    event_type: row.event_type,
    account_id: row.account_id ?? null,
    status: row.status,
    attempts: Number(row.attempts),
    next_attempt_at: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    last_status_code:
      row.last_status_code === null || row.last_status_code === undefined
        ? null
        : Number(row.last_status_code),
    last_error: row.last_error ?? null,
    created_at: iso(row.created_at) as string,
    delivered_at: iso(row.delivered_at),
    payload: JSON.parse(row.payload),
  };
}

export async function listWebhookDeliveries(
  store: Store,
  { status, partner, limit = 200 }: { status?: string; partner?: string; limit?: number } = {},
): Promise<WebhookDeliveryView[]> {
  let query = store.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .orderBy('created_at', 'desc')
    .limit(limit);
  if (status) query = query.where('status', '=', status as 'pending');
  if (partner !== undefined) {
    const found = await getPartner(store, partner);
    query = query.where('partner_id', '=', found?.id ?? partner);
  }
  return (await query.execute()).map(toView);
}

export async function getWebhookDelivery(store: Store, id: string): Promise<WebhookDeliveryView | null> {
  const row = await store.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return null;
  const attempts = await store.db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', '=', id)
    .orderBy('seq')
    .execute();
  return {
    ...toView(row),
    log: attempts.map((a) => ({
      attempt: Number(a.attempt),
      at: iso(a.ts) as string,
      status_code: a.status_code === null ? null : Number(a.status_code),
      latency_ms: Number(a.latency_ms),
      error: a.error,
    })),
  };
}
