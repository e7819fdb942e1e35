// The usage event: one per request that reached an upstream (or was refused after auth), appended to
// the event log before the client sees the end of its response. Detection, metering, enforcement and
// provenance all read these, never the request path.

export type EventStatus = 'ok' | 'error' | 'aborted';

export interface UsageEvent {
  /** Globally unique, time-ordered id (`evt_…`); consumers are idempotent by it. */
  id: string;
  /** When the request arrived, epoch ms. */
  ts: number;
  accountId: string;
  keyId: string | null;
  /** `direct` or `partner:<name>`. */
  channel: string;
  /** The partner's identifier of its end customer, when the request came through a partner. */
  endCustomer: string | null;
  model: string;
  endpoint: string;
  stream: boolean;
  status: EventStatus;
  httpStatus: number;
  errorCode: string | null;
  /** The request body as the client sent it (JSON text). */
  requestBody: string;
  /** The generated text (all choices joined), or null when nothing was generated. */
  output: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  latencyMs: number;
  ttfbMs: number | null;
  clientIp: string | null;
  upstream: string | null;
}

export interface StoredEvent extends UsageEvent {
  /** Position in the log, strictly increasing in commit order per backend. */
  seq: number;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
let lastMs = 0;
let counter = 0;

/** A sortable unique id: 10 chars of time, 4 of a per-ms counter, 8 random. */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now === lastMs) counter++;
  else {
    lastMs = now;
    counter = 0;
  }
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let seq = '';
  let c = counter;
  for (let i = 0; i < 4; i++) {
    seq = ALPHABET[c % 32] + seq;
    c = Math.floor(c / 32);
  }
  let rand = '';
  for (let i = 0; i < 8; i++) rand += ALPHABET[Math.floor(Math.random() * 32)];
  return `${prefix}_${time}${seq}${rand}`;
}
