// The traffic-record contract (DESIGN.md "Traffic file"): what `warden detect` and `warden replay` read,
// and what the detection engine consumes inside `serve` (events are mapped to it).
import type { StoredEvent } from './usage-event.js';

export interface TrafficRecord {
  account: string;
  /** ISO 8601 time; absent lines are taken as "now" in file order. */
  ts?: string;
  channel?: string;
  endpoint?: string;
  request: Record<string, unknown>;
  response?: Record<string, unknown>;
  /** Gateway extras (not in the file contract): who sent it, from where. */
  endCustomer?: string | null;
  clientIp?: string | null;
  eventId?: string;
}

/** The detection view of a stored event. `account` is the account's id. */
export function eventToTrafficRecord(event: StoredEvent): TrafficRecord | null {
  let request: unknown;
  try {
    request = JSON.parse(event.requestBody);
  } catch {
    return null;
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return null;
  return {
    account: event.accountId,
    ts: new Date(event.ts).toISOString(),
    channel: event.channel,
    endpoint: event.endpoint,
    request: request as Record<string, unknown>,
    response:
      event.output === null
        ? undefined
        : { choices: [{ index: 0, message: { role: 'assistant', content: event.output } }] },
    endCustomer: event.endCustomer,
    clientIp: event.clientIp,
    eventId: event.id,
  };
}

/** A traffic record, or the reason the line is not one. */
export function parseTrafficLine(line: string): TrafficRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  if (typeof v.account !== 'string' || v.account === '') return '"account" must be a non-empty string';
  if (v.request === null || typeof v.request !== 'object' || Array.isArray(v.request))
    return '"request" must be an object';
  if (v.ts !== undefined && (typeof v.ts !== 'string' || Number.isNaN(Date.parse(v.ts))))
    return '"ts" must be an ISO 8601 time';
  for (const key of ['channel', 'endpoint', 'end_customer', 'endCustomer', 'client_ip', 'clientIp'])
    if (v[key] !== undefined && v[key] !== null && typeof v[key] !== 'string')
      return `"${key}" must be a string`;
  if (
    v.response !== undefined &&
    v.response !== null &&
    (typeof v.response !== 'object' || Array.isArray(v.response))
  )
    return '"response" must be an object';
  return {
    account: v.account,
    ts: v.ts as string | undefined,
    channel: v.channel as string | undefined,
    endpoint: v.endpoint as string | undefined,
    request: v.request as Record<string, unknown>,
    response: (v.response ?? undefined) as Record<string, unknown> | undefined,
    endCustomer: ((v.end_customer ?? v.endCustomer) as string | undefined) ?? null,
    clientIp: ((v.client_ip ?? v.clientIp) as string | undefined) ?? null,
  };
}
