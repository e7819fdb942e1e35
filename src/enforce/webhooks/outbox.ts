// The webhook outbox: a delivery row written in the same transaction as the change it reports, so a
// committed suspension always gets its notification and a rolled-back one never does. The delivery
// loop (delivery.ts) sends them later, outside any transaction.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';

export type WebhookEventType =
  | 'account.flagged'
  | 'account.suspended'
  | 'account.reinstated'
  | 'account.terminated'
  | 'account.throttled'
  | 'case.decided';

export interface WebhookPayload {
  /** Unique event id: receivers remember these to drop replays. */
  id: string;
  type: WebhookEventType;
  created_at: string;
  data: Record<string, unknown>;
}

export function newWebhookEventId(): string {
  return `whevt_${Date.now().toString(36)}${randomBytes(8).toString('hex')}`;
}

/**
 * Queues a webhook to the account's partner, inside `trx`. Does nothing for a direct account or a
 * partner without a webhook URL. Returns the delivery id, or null.
 */
export async function queueWebhook(
  trx: Kysely<Database>,
  accountId: string,
  type: WebhookEventType,
  data: Record<string, unknown>,
  now: number = Date.now(),
): Promise<string | null> {
  const row = await trx
    .selectFrom('accounts')
    .innerJoin('partners', 'partners.id', 'accounts.partner_id')
    .select(['partners.id as partner_id', 'partners.webhook_url', 'accounts.external_id', 'accounts.name'])
    .where('accounts.id', '=', accountId)
    .executeTakeFirst();
  if (!row?.webhook_url) return null;
  const id = newWebhookEventId();
  const payload: WebhookPayload = {
    id,
    type,
    created_at: new Date(now).toISOString(),
    data: { account: { id: accountId, external_id: row.external_id, name: row.name }, ...data },
  };
  await trx
    .insertInto('webhook_deliveries')
    .values({
      id,
      partner_id: row.partner_id,
      event_type: type,
      account_id: accountId,
      payload: JSON.stringify(payload),
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    })
    .execute();
  return id;
}
