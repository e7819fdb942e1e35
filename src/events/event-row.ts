// Mapping between UsageEvent and the `events` table row, shared by every event-log backend.
import type { StoredEvent, UsageEvent } from './usage-event.js';

/** Column order of an insert. */
export const EVENT_COLUMNS = [
  'id',
  'ts',
  'account_id',
  'key_id',
  'channel',
  'end_customer',
  'model',
  'endpoint',
  'stream',
  'status',
  'http_status',
  'error_code',
  'request_body',
  'output',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'latency_ms',
  'ttfb_ms',
  'client_ip',
  'upstream',
] as const;

export function eventValues(e: UsageEvent): unknown[] {
  return [
    e.id,
    e.ts,
    e.accountId,
    e.keyId,
    e.channel,
    e.endCustomer,
    e.model,
    e.endpoint,
    e.stream ? 1 : 0,
    e.status,
    e.httpStatus,
    e.errorCode,
    e.requestBody,
    e.output,
    e.promptTokens,
    e.completionTokens,
    e.totalTokens,
    e.latencyMs,
    e.ttfbMs,
    e.clientIp,
    e.upstream,
  ];
}

export function eventFromRow(row: Record<string, unknown>): StoredEvent {
  return {
    seq: Number(row.seq),
    id: row.id as string,
    ts: Number(row.ts),
    accountId: row.account_id as string,
    keyId: (row.key_id as string | null) ?? null,
    channel: row.channel as string,
    endCustomer: (row.end_customer as string | null) ?? null,
    model: row.model as string,
    endpoint: row.endpoint as string,
    stream: Number(row.stream) === 1,
    status: row.status as StoredEvent['status'],
    httpStatus: Number(row.http_status),
    errorCode: (row.error_code as string | null) ?? null,
    requestBody: row.request_body as string,
    output: (row.output as string | null) ?? null,
    promptTokens: row.prompt_tokens === null ? null : Number(row.prompt_tokens),
    completionTokens: row.completion_tokens === null ? null : Number(row.completion_tokens),
    totalTokens: row.total_tokens === null ? null : Number(row.total_tokens),
    latencyMs: Number(row.latency_ms),
    ttfbMs: row.ttfb_ms === null ? null : Number(row.ttfb_ms),
    clientIp: (row.client_ip as string | null) ?? null,
    upstream: (row.upstream as string | null) ?? null,
  };
}

export const READ_EVENTS_SQL = `SELECT seq, ${EVENT_COLUMNS.join(', ')} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`;
