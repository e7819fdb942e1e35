// The response allow-lists name exactly the fields of the shared views (accounts/views.ts): a field
// added to one without the other would be silently dropped from the admin API or leak into it.
import { describe, expect, it } from 'vitest';
import { accountDetailView, accountView, keyView, partnerView } from '../../accounts/index.js';
import { accountDetailSchema, accountSchema, keySchema, partnerSchema, riskSchema } from './schemas.js';

const account = {
  id: 'acct_1',
  name: 'acme',
  status: 'active' as const,
  statusReason: null,
  statusActor: null,
  partnerId: null,
  partner: null,
  externalId: null,
  limits: {},
  openCaseId: null,
  createdAt: 0,
  updatedAt: 0,
};

const keysOf = (o: object) => Object.keys(o).sort();

describe('admin response schemas', () => {
  it('match the account, detail, key and partner views field for field', () => {
    expect(keysOf(accountSchema.properties)).toEqual(keysOf(accountView(account)));
    const detail = accountDetailView(
      account,
      { requests: 0, tokens: 0, days: [] },
      {
        risk: 1,
        verdict: 'ok',
        requests: 1,
        detectedAfter: null,
        signals: [],
        actor: null,
        updatedAt: 0,
      },
    );
    expect(keysOf(accountDetailSchema.properties)).toEqual(keysOf(detail));
    expect(keysOf(riskSchema.properties)).toEqual(keysOf(detail.risk as object));
    const key = keyView({
      id: 'key_1',
      prefix: 'sk-wdn-abcde',
      name: null,
      accountId: 'acct_1',
      partnerId: null,
      limits: {},
      createdAt: 0,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(keysOf(keySchema.properties)).toEqual(keysOf(key));
    const partner = partnerView({
      id: 'ptr_1',
      name: 'p',
      status: 'active',
      webhookUrl: null,
      hasWebhookSecret: false,
      createdAt: 0,
    });
    expect(keysOf(partnerSchema.properties)).toEqual(keysOf(partner));
  });
});
