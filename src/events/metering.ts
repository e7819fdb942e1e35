// Metering: usage per account per UTC day, folded from the event log. Tokens come from the upstream's
// `usage` when it reported one; otherwise they are counted here with gpt-tokenizer (o200k), off the
// request path. Exactly-once in effect: the sums and the cursor commit in one transaction.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { sql } from 'kysely';
import type { ConsumerWrite } from './consumer.js';
import type { StoredEvent } from './usage-event.js';

const MAX_COUNTED_CHARS = 200_000;

/** Tokens of an event: the upstream's figure, else a count of prompt and output text. */
export function eventTokens(event: StoredEvent): number {
  if (event.totalTokens !== null) return event.totalTokens;
  let text = event.output ?? '';
  try {
    const body = JSON.parse(event.requestBody) as {
      messages?: { content?: unknown }[];
      prompt?: unknown;
      input?: unknown;
    };
    if (Array.isArray(body.messages)) {
      for (const m of body.messages) if (typeof m?.content === 'string') text += `\n${m.content}`;
    }
    if (typeof body.prompt === 'string') text += `\n${body.prompt}`;
    if (typeof body.input === 'string') text += `\n${body.input}`;
  } catch {
    // An unparseable body still counts its output.
  }
  return text ? countTokens(text.slice(0, MAX_COUNTED_CHARS)) : 0;
}

export function utcDate(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** Folds a batch into per-(account, day) sums and returns the write that adds them. */
export function meterEvents(events: StoredEvent[]): ConsumerWrite | undefined {
  const sums = new Map<string, { account_id: string; date: string; requests: number; tokens: number }>();
  for (const event of events) {
    const date = utcDate(event.ts);
    const key = `${event.accountId}\u0000${date}`;
    let sum = sums.get(key);
    if (!sum) {
      sum = { account_id: event.accountId, date, requests: 0, tokens: 0 };
      sums.set(key, sum);
    }
    sum.requests++;
    sum.tokens += eventTokens(event);
  }
  if (sums.size === 0) return undefined;
  return async (trx) => {
    for (const sum of sums.values()) {
      await trx
        .insertInto('usage_daily')
        .values(sum)
        .onConflict((oc) =>
          oc.columns(['account_id', 'date']).doUpdateSet({
            requests: sql`usage_daily.requests + ${sum.requests}`,
            tokens: sql`usage_daily.tokens + ${sum.tokens}`,
          }),
        )
        .execute();
    }
  };
}
