// The webhook delivery loop: runs in the consumer process, picks due deliveries from the outbox,
// claims each (so two workers never send the same one at once), signs and sends it with safeFetch
// (no redirects, bounded time and size, private addresses refused unless allowed), and records every
// attempt (status code, latency, error). A non-2xx answer or a network error is retried with
// exponential backoff and full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter",
// 2015) up to `maxAttempts`; then the delivery is `failed` until an admin retries it.
// No transaction is held across the network call (the SQLite connection is shared with the event log).
import { getPartnerWebhookSecret } from '../../accounts/index.js';
import { appendAuditEntry, auditedTransaction } from '../../audit/index.js';
import type { DeploymentSecret } from '../../config/deployment-secret.js';
import { WardenError } from '../../errors.js';
import { type SafeFetchOptions, type SafeFetchResponse, safeFetch } from '../../outbound/index.js';
import type { Store } from '../../store/store.js';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signWebhookBody } from './signature.js';

export interface WebhookDeliveryOptions {
  store: Store;
  secret: DeploymentSecret;
  /** Allow private, loopback and link-local webhook targets (tests, private networks). Default false. */
  allowPrivate?: boolean;
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, capped at maxDelayMs, with full jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  pollMs?: number;
  /** How long a claimed delivery is held before another worker may take it. */
  leaseMs?: number;
  batchSize?: number;
  fetch?: (url: string, options: SafeFetchOptions) => Promise<SafeFetchResponse>;
  random?: () => number;
  onError?: (error: Error) => void;
}

export interface RunningWebhookDelivery {
  /** Sends everything due now; resolves when done (tests, and the loop itself). */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/** Delay before attempt `attempt + 1` after `attempt` failures: full jitter over an exponential cap. */
export function retryDelayMs(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(baseDelayMs / 2, Math.floor(cap * random()));
}

export function createWebhookDelivery({
  store,
  secret,
  allowPrivate = false,
  maxAttempts = 8,
  baseDelayMs = 2_000,
  maxDelayMs = 3_600_000,
  timeoutMs = 10_000,
  pollMs = 250,
  leaseMs = 60_000,
  batchSize = 20,
  fetch = safeFetch,
  random = Math.random,
  onError = () => {},
}: WebhookDeliveryOptions): RunningWebhookDelivery {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  async function sendOne(row: {
    id: string;
    partner_id: string;
    payload: string;
    event_type: string;
    attempts: number;
    next_attempt_at: number;
  }): Promise<void> {
    const now = Date.now();
    const claimed = await store.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: now + leaseMs })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '=', row.next_attempt_at)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) return;
    const partner = await store.db
      .selectFrom('partners')
      .select(['webhook_url'])
      .where('id', '=', row.partner_id)
      .executeTakeFirst();
    const attempt = Number(row.attempts) + 1;
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const url = partner?.webhook_url;
      const key = await getPartnerWebhookSecret(store, secret, row.partner_id);
      if (!url || !key) throw new Error('the partner has no webhook URL or secret any more');
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'warden-webhooks/1',
          [SIGNATURE_HEADER]: signWebhookBody(key, row.payload, Math.floor(Date.now() / 1000)),
          [EVENT_ID_HEADER]: row.id,
          [EVENT_TYPE_HEADER]: row.event_type,
        },
        body: row.payload,
        timeoutMs,
        maxBytes: 64 * 1024,
        allowPrivate,
      });
      statusCode = response.status;
      if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
    } catch (caught) {
      error = ((caught as Error).message ?? String(caught)).slice(0, 500);
    }
    const latency = Math.round((performance.now() - started) * 10) / 10;
    const done = Date.now();
    const delivered = error === null;
    const failed = !delivered && attempt >= maxAttempts;
    await store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: row.id,
          attempt,
          ts: done,
          status_code: statusCode,
          latency_ms: latency,
          error,
        })
        .execute();
      await trx
        .updateTable('webhook_deliveries')
        .set({
          attempts: attempt,
          status: delivered ? 'delivered' : failed ? 'failed' : 'pending',
          next_attempt_at:
            delivered || failed ? done : done + retryDelayMs(attempt, baseDelayMs, maxDelayMs, random),
          last_status_code: statusCode,
          last_error: error,
          delivered_at: delivered ? done : null,
        })
        .where('id', '=', row.id)
        .execute();
    });
  }

  async function runOnce(): Promise<number> {
    const due = await store.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'partner_id', 'payload', 'event_type', 'attempts', 'next_attempt_at'])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', Date.now())
      .orderBy('next_attempt_at')
      .limit(batchSize)
      .execute();
    for (const row of due) {
      if (stopped) break;
      await sendOne({ ...row, attempts: Number(row.attempts), next_attempt_at: Number(row.next_attempt_at) });
    }
    return due.length;
  }

  function loop(): void {
    if (stopped) return;
    running = runOnce()
      .catch((error) => onError(error as Error))
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(loop, pollMs);
      });
  }
  timer = setTimeout(loop, 0);

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
    },
  };
}

/** Makes a failed (or pending) delivery due now; its attempts keep counting, with one more allowed. */
export async function retryWebhookDelivery(store: Store, id: string, actor: string): Promise<void> {
  const row = await store.db
    .selectFrom('webhook_deliveries')
    .select(['status', 'attempts'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new WardenError('ADMIN_NOT_FOUND', { what: 'webhook delivery', id });
  if (row.status === 'delivered')
    throw new WardenError('ADMIN_CONFLICT', { detail: `webhook delivery ${id} was already delivered` });
  await auditedTransaction(store, async (trx) => {
    await trx
      .updateTable('webhook_deliveries')
      .set({
        status: 'pending',
        next_attempt_at: Date.now(),
        attempts: Math.max(0, Number(row.attempts) - 1),
      })
      .where('id', '=', id)
      .execute();
    await appendAuditEntry(trx, store.dialect, {
      actor,
      action: 'webhook.retry',
      subject: `webhook:${id}`,
      details: { previous_status: row.status, attempts: Number(row.attempts) },
    });
  });
}
