// Admin API of enforcement, mounted under /admin/v1 (docs/enforcement.md): cases (list, show, open,
// note, assign, remediation, decide), the policy actions applied or dry-run, and the partner webhook
// delivery log with manual retry. Roles: viewer reads; analyst also opens cases, notes and assigns;
// admin decides, sets remediation and retries webhooks; a partner reads its own end customers' cases.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { getAccount } from '../accounts/index.js';
import type { DeploymentSecret } from '../config/deployment-secret.js';
import { WardenError } from '../errors.js';
import { ADMIN_ONLY, actorOf, adminIdentity, READ_AND_PARTNER, READ_ROLES } from '../gateway/admin/auth.js';
import { errorResponses, idParams } from '../gateway/admin/schemas.js';
import type { Store } from '../store/store.js';
import { decideCase, openReviewCase, recordPartnerDecision } from './account-actions.js';
import {
  addCaseNote,
  assignCase,
  type CaseView,
  listCases,
  listPolicyActions,
  requireCase,
  requireRemediation,
} from './cases.js';
import { getWebhookDelivery, listWebhookDeliveries } from './webhooks/deliveries.js';
import { retryWebhookDelivery } from './webhooks/delivery.js';

export interface EnforceAdminOptions {
  store: Store;
  secret: DeploymentSecret;
  /** Call after a change the gateway caches (account status, limits). */
  onStateChange?: () => void;
}

const ANALYST_AND_ADMIN = ['analyst', 'admin'] as const;

const anyJson = {} as const;
const nullableString = { type: ['string', 'null'] } as const;

export const caseSummarySchema = {
  type: 'object',
  required: ['id', 'account_id', 'status'],
  properties: {
    id: { type: 'string' },
    account_id: { type: 'string' },
    account: nullableString,
    status: { type: 'string' },
    opened_by: { type: 'string' },
    opened_reason: { type: 'string' },
    assignee: nullableString,
    decision: nullableString,
    risk: { type: ['number', 'null'] },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;

export const caseSchema = {
  type: 'object',
  required: ['id', 'account', 'status', 'evidence', 'timeline'],
  properties: {
    id: { type: 'string' },
    account: anyJson,
    status: { type: 'string' },
    opened_by: { type: 'string' },
    opened_reason: { type: 'string' },
    rule: nullableString,
    evidence: anyJson,
    assignee: nullableString,
    remediation: nullableString,
    decision: anyJson,
    partner_decision: anyJson,
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    timeline: anyJson,
    policy_actions: anyJson,
  },
} as const;

const textBody = (field: string, max = 4000) =>
  ({
    type: 'object',
    required: [field],
    additionalProperties: false,
    properties: { [field]: { type: 'string', minLength: 1, maxLength: max } },
  }) as const;

const decideBody = {
  type: 'object',
  required: ['decision', 'reason'],
  additionalProperties: false,
  properties: {
    decision: { type: 'string', enum: ['reinstate', 'terminate'] },
    reason: { type: 'string', minLength: 1, maxLength: 2000 },
    conditions: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 2000 } },
  },
} as const;

const openCaseBody = {
  type: 'object',
  required: ['account', 'reason'],
  additionalProperties: false,
  properties: {
    account: { type: 'string', minLength: 1, maxLength: 200 },
    reason: { type: 'string', minLength: 1, maxLength: 2000 },
  },
} as const;

const listCasesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['open', 'closed'] },
    account: { type: 'string', minLength: 1, maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 5000 },
  },
} as const;

const deliveriesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    partner: { type: 'string', minLength: 1, maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
  },
} as const;

const deliverySchema = {
  type: 'object',
  required: ['id', 'partner_id', 'event_type', 'status', 'attempts'],
  properties: {
    id: { type: 'string' },
    partner_id: { type: 'string' },
    event_type: { type: 'string' },
    account_id: nullableString,
    status: { type: 'string' },
    attempts: { type: 'integer' },
    next_attempt_at: nullableString,
    last_status_code: { type: ['integer', 'null'] },
    last_error: nullableString,
    created_at: { type: 'string' },
    delivered_at: nullableString,
    payload: anyJson,
    log: anyJson,
  },
} as const;

/** A partner sees only its own end customers' cases, without internal notes or other accounts. */
function partnerCaseView(view: CaseView): CaseView {
  const evidence = { ...(view.evidence as Record<string, unknown>) };
  delete evidence.linked_accounts;
  return {
    ...view,
    evidence,
    timeline: view.timeline.filter((t) => t.kind !== 'note' && t.kind !== 'assigned'),
    assignee: null,
  };
}

export function enforceAdminRoutes({ store, onStateChange = () => {} }: EnforceAdminOptions) {
  const changed = () => {
    try {
      onStateChange();
    } catch {
      // The gateway's poll catches up.
    }
  };

  async function visibleCase(request: FastifyRequest, id: string): Promise<CaseView> {
    const identity = adminIdentity(request);
    const found = await requireCase(store, id);
    if (identity.role !== 'partner') return found;
    const account = await getAccount(store, found.account.id);
    if (!account || account.partnerId !== identity.partnerId)
      throw new WardenError('ADMIN_NOT_FOUND', { what: 'case', id });
    return partnerCaseView(found);
  }

  return async function enforceRoutes(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: { status?: 'open' | 'closed'; account?: string; limit?: number } }>(
      '/cases',
      {
        config: { allow: READ_AND_PARTNER },
        schema: {
          querystring: listCasesQuery,
          response: {
            200: {
              type: 'object',
              required: ['cases'],
              properties: { cases: { type: 'array', items: caseSummarySchema } },
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const identity = adminIdentity(request);
        let accountId: string | undefined;
        if (request.query.account !== undefined) {
          const account = await getAccount(store, request.query.account);
          if (!account || (identity.role === 'partner' && account.partnerId !== identity.partnerId))
            throw new WardenError('ADMIN_NOT_FOUND', { what: 'account', id: request.query.account });
          accountId = account.id;
        }
        const cases = await listCases(store, {
          status: request.query.status,
          accountId,
          partnerId: identity.role === 'partner' ? (identity.partnerId ?? '') : undefined,
          limit: request.query.limit,
        });
        return { cases };
      },
    );

    app.post<{ Body: { account: string; reason: string } }>(
      '/cases',
      {
        config: { allow: ANALYST_AND_ADMIN },
        schema: { body: openCaseBody, response: { 201: caseSchema, ...errorResponses } },
      },
      async (request, reply) => {
        const { caseId } = await openReviewCase(store, {
          account: request.body.account,
          actor: actorOf(adminIdentity(request)),
          reason: request.body.reason,
        });
        return reply.code(201).send(await requireCase(store, caseId));
      },
    );

    app.get<{ Params: { id: string } }>(
      '/cases/:id',
      {
        config: { allow: READ_AND_PARTNER },
        schema: { params: idParams, response: { 200: caseSchema, ...errorResponses } },
      },
      async (request) => visibleCase(request, request.params.id),
    );

    app.post<{ Params: { id: string }; Body: { text: string } }>(
      '/cases/:id/notes',
      {
        config: { allow: ANALYST_AND_ADMIN },
        schema: {
          params: idParams,
          body: textBody('text'),
          response: { 200: caseSchema, ...errorResponses },
        },
      },
      async (request) =>
        addCaseNote(store, request.params.id, actorOf(adminIdentity(request)), request.body.text),
    );

    app.post<{ Params: { id: string }; Body: { assignee: string } }>(
      '/cases/:id/assign',
      {
        config: { allow: ANALYST_AND_ADMIN },
        schema: {
          params: idParams,
          body: textBody('assignee', 200),
          response: { 200: caseSchema, ...errorResponses },
        },
      },
      async (request) =>
        assignCase(store, request.params.id, actorOf(adminIdentity(request)), request.body.assignee),
    );

    app.post<{ Params: { id: string }; Body: { remediation: string } }>(
      '/cases/:id/remediation',
      {
        config: { allow: ADMIN_ONLY },
        schema: {
          params: idParams,
          body: textBody('remediation'),
          response: { 200: caseSchema, ...errorResponses },
        },
      },
      async (request) =>
        requireRemediation(
          store,
          request.params.id,
          actorOf(adminIdentity(request)),
          request.body.remediation,
        ),
    );

    app.post<{
      Params: { id: string };
      Body: { decision: 'reinstate' | 'terminate'; reason: string; conditions?: string[] };
    }>(
      '/cases/:id/decide',
      {
        config: { allow: ADMIN_ONLY },
        schema: { params: idParams, body: decideBody, response: { 200: caseSchema, ...errorResponses } },
      },
      async (request) => {
        await decideCase(store, {
          caseId: request.params.id,
          decision: request.body.decision,
          reason: request.body.reason,
          conditions: request.body.conditions,
          actor: actorOf(adminIdentity(request)),
        });
        changed();
        return requireCase(store, request.params.id);
      },
    );

    app.post<{ Params: { id: string }; Body: { decision: 'suspend' | 'reinstate'; reason: string } }>(
      '/cases/:id/partner-decision',
      {
        config: { allow: ['partner'] },
        schema: {
          params: idParams,
          body: {
            type: 'object',
            required: ['decision', 'reason'],
            additionalProperties: false,
            properties: {
              decision: { type: 'string', enum: ['suspend', 'reinstate'] },
              reason: { type: 'string', minLength: 1, maxLength: 2000 },
            },
          },
          response: { 200: caseSchema, ...errorResponses },
        },
      },
      async (request) => {
        const identity = adminIdentity(request);
        await recordPartnerDecision(store, {
          caseId: request.params.id,
          partnerId: identity.partnerId ?? '',
          decision: request.body.decision,
          reason: request.body.reason,
        });
        changed();
        return visibleCase(request, request.params.id);
      },
    );

    app.get<{ Querystring: { account?: string; limit?: number } }>(
      '/policy-actions',
      {
        config: { allow: READ_ROLES },
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              account: { type: 'string', minLength: 1, maxLength: 200 },
              limit: { type: 'integer', minimum: 1, maximum: 5000 },
            },
          },
          response: {
            200: { type: 'object', required: ['actions'], properties: { actions: anyJson } },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        let accountId: string | undefined;
        if (request.query.account !== undefined) {
          const account = await getAccount(store, request.query.account);
          if (!account)
            throw new WardenError('ADMIN_NOT_FOUND', { what: 'account', id: request.query.account });
          accountId = account.id;
        }
        return { actions: await listPolicyActions(store, { accountId, limit: request.query.limit }) };
      },
    );

    app.get<{
      Querystring: { status?: 'pending' | 'delivered' | 'failed'; partner?: string; limit?: number };
    }>(
      '/webhooks/deliveries',
      {
        config: { allow: ['admin', 'partner'] },
        schema: {
          querystring: deliveriesQuery,
          response: {
            200: {
              type: 'object',
              required: ['deliveries'],
              properties: { deliveries: { type: 'array', items: deliverySchema } },
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const identity = adminIdentity(request);
        const partner = identity.role === 'partner' ? (identity.partnerId ?? '') : request.query.partner;
        return {
          deliveries: await listWebhookDeliveries(store, {
            status: request.query.status,
            partner,
            limit: request.query.limit,
          }),
        };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/webhooks/deliveries/:id',
      {
        config: { allow: ['admin', 'partner'] },
        schema: { params: idParams, response: { 200: deliverySchema, ...errorResponses } },
      },
      async (request) => {
        const identity = adminIdentity(request);
        const delivery = await getWebhookDelivery(store, request.params.id);
        if (!delivery || (identity.role === 'partner' && delivery.partner_id !== identity.partnerId))
          throw new WardenError('ADMIN_NOT_FOUND', { what: 'webhook delivery', id: request.params.id });
        return delivery;
      },
    );

    app.post<{ Params: { id: string } }>(
      '/webhooks/deliveries/:id/retry',
      {
        config: { allow: ADMIN_ONLY },
        schema: { params: idParams, response: { 200: deliverySchema, ...errorResponses } },
      },
      async (request) => {
        await retryWebhookDelivery(store, request.params.id, actorOf(adminIdentity(request)));
        return getWebhookDelivery(store, request.params.id);
      },
    );
  };
}
