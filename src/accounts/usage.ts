// What the admin API and `accounts show` report next to an account: metered usage (usage_daily, kept
// by the metering consumer) and the latest risk the detection engine wrote (account_risk).
import type { Store } from '../store/store.js';
import type { AccountRisk, UsageSummary } from './types.js';

export interface UsageOptions {
  /** How many UTC days back `days` covers, today included (default 30, at most 366). */
  days?: number;
  /** "Today" for the window (tests); defaults to now. */
  now?: number;
}

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export async function getUsage(
  store: Store,
  accountId: string,
  { days = 30, now = Date.now() }: UsageOptions = {},
): Promise<UsageSummary> {
  const window = Math.min(Math.max(Math.trunc(days), 1), 366);
  const since = utcDate(now - (window - 1) * 86_400_000);
  const totals = await store.db
    .selectFrom('usage_daily')
    .select((eb) => [
      eb.fn.sum<number | string>('requests').as('requests'),
      eb.fn.sum<number | string>('tokens').as('tokens'),
    ])
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  const rows = await store.db
    .selectFrom('usage_daily')
    .select(['date', 'requests', 'tokens'])
    .where('account_id', '=', accountId)
    .where('date', '>=', since)
    .orderBy('date')
    .execute();
  return {
    // PostgreSQL sums bigints as numeric, which pg returns as text.
    requests: Number(totals?.requests ?? 0),
    tokens: Number(totals?.tokens ?? 0),
    days: rows.map((r) => ({ date: r.date, requests: Number(r.requests), tokens: Number(r.tokens) })),
  };
}

export async function getAccountRisk(store: Store, accountId: string): Promise<AccountRisk | null> {
  const row = await store.db
    .selectFrom('account_risk')
    .selectAll()
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) return null;
  let signals: unknown = [];
  try {
    signals = JSON.parse(row.signals);
  } catch {
    signals = [];
  }
  return {
    risk: Number(row.risk),
    verdict: row.verdict,
    requests: Number(row.requests),
    detectedAfter: row.detected_after === null ? null : Number(row.detected_after),
    signals,
    actor: row.actor,
    updatedAt: Number(row.updated_at),
  };
}
