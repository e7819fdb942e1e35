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
