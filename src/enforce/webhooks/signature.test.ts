import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './delivery.js';
import { signWebhookBody, verifyWebhookSignature } from './signature.js';

describe('webhook signatures', () => {
  const secret = 'whsec_unit_0123456789abcdef';
  const body = '{"id":"whevt_1","type":"account.suspended"}';

  it('verifies its own signature and refuses another secret, another body or an old timestamp', () => {
    const header = signWebhookBody(secret, body, 1_000_000);
    expect(header).toMatch(/^t=1000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, header, body, { now: 1_000_010 })).toEqual({
      ok: true,
      timestamp: 1_000_000,
    });
    expect(verifyWebhookSignature('whsec_other_0123456789', header, body, { now: 1_000_010 }).ok).toBe(false);
    expect(verifyWebhookSignature(secret, header, `${body} `, { now: 1_000_010 }).ok).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, { now: 1_000_301 })).toEqual({
      ok: false,
      reason: 'timestamp outside the tolerance',
    });
    // The timestamp is signed: moving it forward breaks the MAC.
    expect(
      verifyWebhookSignature(secret, header.replace('t=1000000', 't=1000290'), body, { now: 1_000_300 }).ok,
    ).toBe(false);
    expect(verifyWebhookSignature(secret, undefined, body).ok).toBe(false);
    expect(verifyWebhookSignature(secret, 'v1=abc', body).ok).toBe(false);
  });

  it('matches the HMAC-SHA256 of "<t>.<body>" (Stripe scheme), so other verifiers agree', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', secret).update(`42.${body}`).digest('hex');
    expect(signWebhookBody(secret, body, 42)).toBe(`t=42,v1=${expected}`);
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0.999)).toBe(999);
    expect(retryDelayMs(4, 1000, 60_000, () => 0.999)).toBe(7992);
    expect(retryDelayMs(30, 1000, 60_000, () => 0.999)).toBe(59_940);
    expect(retryDelayMs(3, 1000, 60_000, () => 0)).toBe(500);
  });
});
