// Webhook signatures: HMAC-SHA256 over `<t>.<body>` with the partner's secret, sent as
// `X-Warden-Signature: t=<unix seconds>,v1=<hex>` — the scheme Stripe uses for its webhooks
// (https://stripe.com/docs/webhooks#verify-manually), so partners can reuse their verifiers. The
// timestamp is inside the signed bytes: a receiver rejects signatures older than its tolerance (5 min
// recommended) and remembers event ids (X-Warden-Event-Id) it has seen, which together stop replays.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-warden-signature';
export const EVENT_ID_HEADER = 'x-warden-event-id';
export const EVENT_TYPE_HEADER = 'x-warden-event-type';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhookBody(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export interface VerifyWebhookOptions {
  /** Largest accepted age of the signature's timestamp, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Now, in unix seconds (tests). */
  now?: number;
}

export type WebhookVerification = { ok: true; timestamp: number } | { ok: false; reason: string };

/** What a partner runs on receipt: checks the header's HMAC (constant time) and the timestamp's age. */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  {
    toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
    now = Math.floor(Date.now() / 1000),
  }: VerifyWebhookOptions = {},
): WebhookVerification {
  if (!header) return { ok: false, reason: 'no signature header' };
  const parts = new Map<string, string[]>();
  for (const piece of header.split(',')) {
    const [k, v] = piece.split('=', 2);
    if (!k || v === undefined) continue;
    parts.set(k.trim(), [...(parts.get(k.trim()) ?? []), v.trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isSafeInteger(t)) return { ok: false, reason: 'no timestamp in the signature header' };
  if (Math.abs(now - t) > toleranceSeconds) return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(signWebhookBody(secret, body, t).split('v1=')[1], 'hex');
  for (const candidate of parts.get('v1') ?? []) {
    if (!/^[0-9a-f]{64}$/.test(candidate)) continue;
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) return { ok: true, timestamp: t };
  }
  return { ok: false, reason: 'signature does not match' };
}
