// /accounts routes: list, create, show (with usage and risk), usage, status changes.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type AccountLimits,
  type AccountRecord,
  type AccountStatus,
  type AdminRole,
  accountView,
  createAccount,
  describeAccount,
  getAccount,
  getPartner,
  getUsage,
  listAccounts,
  requirePartner,
  type TransitionAction,
} from '../../accounts/index.js';
import { changeAccountStatus } from '../../enforce/account-actions.js';
import { WardenError } from '../../errors.js';
import { ADMIN_AND_PARTNER, ADMIN_ONLY, actorOf, adminIdentity, READ_AND_PARTNER } from './auth.js';
import type { AdminContext } from './index.js';
import {
  accountDetailSchema,
  accountSchema,
  createAccountBody,
  errorResponses,
  idParams,
  listAccountsQuery,
  transitionBody,
  usageQuery,
  usageSchema,
} from './schemas.js';

/** The account a request names, if the caller may see it; another partner's account is "not found". */
export async function visibleAccount(
  context: AdminContext,
  request: FastifyRequest,
  idOrName: string,
): Promise<AccountRecord> {
  const identity = adminIdentity(request);
  const account = await getAccount(context.store, idOrName);
  if (!account || (identity.role === 'partner' && account.partnerId !== identity.partnerId)) {
    throw new WardenError('ADMIN_NOT_FOUND', { what: 'account', id: idOrName });
  }
  return account;
}

export function registerAccountRoutes(app: FastifyInstance, context: AdminContext): void {
  const { store } = context;

  app.get<{ Querystring: { status?: AccountStatus; partner?: string } }>(
    '/accounts',
    {
      config: { allow: READ_AND_PARTNER },
      schema: {
        querystring: listAccountsQuery,
        response: {
          200: {
            type: 'object',
            required: ['accounts'],
            properties: { accounts: { type: 'array', items: accountSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const identity = adminIdentity(request);
      let partnerId: string | undefined;
      if (identity.role === 'partner') {
        partnerId = identity.partnerId ?? '';
        if (request.query.partner !== undefined) {
          const asked = await getPartner(store, request.query.partner);
          if (asked?.id !== partnerId)
            throw new WardenError('ADMIN_NOT_FOUND', { what: 'partner', id: request.query.partner });
        }
      } else if (request.query.partner !== undefined) {
        partnerId = (await requirePartner(store, request.query.partner)).id;
      }
      const accounts = await listAccounts(store, { partnerId, status: request.query.status });
      return { accounts: accounts.map(accountView) };
    },
  );

  app.post<{ Body: { name?: string; partner?: string; external_id?: string; limits?: AccountLimits } }>(
    '/accounts',
    {
      config: { allow: ADMIN_AND_PARTNER },
      schema: { body: createAccountBody, response: { 201: accountSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const identity = adminIdentity(request);
      const body = request.body ?? {};
      let { name, partner } = body;
      if (identity.role === 'partner') {
        // A partner provisions only its own end customers, each named by its external id.
        const own = await requirePartner(store, identity.partnerId ?? '');
        if (partner !== undefined && partner !== own.name && partner !== own.id) {
          throw new WardenError('ADMIN_FORBIDDEN', {
            role: 'partner',
            action: "create another partner's accounts",
          });
        }
        if (body.external_id === undefined)
          throw new WardenError('ADMIN_INVALID', { detail: 'external_id is required' });
        partner = own.id;
        name ??= `${own.name}:${body.external_id}`;
      }
      if (name === undefined) throw new WardenError('ADMIN_INVALID', { detail: 'name is required' });
      const account = await createAccount(store, {
        name,
        partner,
        externalId: body.external_id,
        limits: body.limits,
        actor: actorOf(identity),
      });
      context.changed();
      return reply.code(201).send(accountView(account));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/accounts/:id',
    {
      config: { allow: READ_AND_PARTNER },
      schema: { params: idParams, response: { 200: accountDetailSchema, ...errorResponses } },
    },
    async (request) => describeAccount(store, await visibleAccount(context, request, request.params.id)),
  );

  app.get<{ Params: { id: string }; Querystring: { days?: number } }>(
    '/accounts/:id/usage',
    {
      config: { allow: READ_AND_PARTNER },
      schema: {
        params: idParams,
        querystring: usageQuery,
        response: { 200: usageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const account = await visibleAccount(context, request, request.params.id);
      return getUsage(store, account.id, { days: request.query.days });
    },
  );

  const transitions: [TransitionAction, readonly AdminRole[]][] = [
    ['suspend', ADMIN_AND_PARTNER],
    ['reinstate', ADMIN_AND_PARTNER],
    ['terminate', ADMIN_ONLY],
  ];
  for (const [action, allow] of transitions) {
    app.post<{ Params: { id: string }; Body: { reason: string; conditions?: string[] } }>(
      `/accounts/:id/${action}`,
      {
        config: { allow },
        schema: {
          params: idParams,
          body: transitionBody,
          response: { 200: accountSchema, ...errorResponses },
        },
      },
      async (request) => {
        const identity = adminIdentity(request);
        const account = await visibleAccount(context, request, request.params.id);
        // One path for every status change: enforce/ adds the case, audit entry and webhook.
        const { account: updated } = await changeAccountStatus(store, {
          account: account.id,
          action,
          actor: actorOf(identity),
          reason: request.body.reason,
          conditions: request.body.conditions,
        });
        context.changed();
        return accountView(updated);
      },
    );
  }
}
