// Partner routes: list and create partners, list a partner's end customers, and who am I.
import type { FastifyInstance } from 'fastify';
import { recordAdminLogin } from '../../accounts/admin-tokens.js';
import {
  accountView,
  createPartner,
  getPartner,
  listAccounts,
  listPartners,
  partnerView,
} from '../../accounts/index.js';
import { WardenError } from '../../errors.js';
import { ADMIN_ONLY, actorOf, adminIdentity, READ_AND_PARTNER, READ_ROLES } from './auth.js';
import type { AdminContext } from './index.js';
import {
  accountSchema,
  createPartnerBody,
  errorResponses,
  idParams,
  partnerSchema,
  sessionSchema,
  whoamiSchema,
} from './schemas.js';

export function registerPartnerRoutes(app: FastifyInstance, context: AdminContext): void {
  const { store } = context;

  app.get(
    '/whoami',
    { config: { allow: READ_AND_PARTNER }, schema: { response: { 200: whoamiSchema, ...errorResponses } } },
    async (request) => {
      const identity = adminIdentity(request);
      const partner = identity.partnerId ? await getPartner(store, identity.partnerId) : null;
      return {
        id: identity.id,
        role: identity.role,
        partner: partner ? { id: partner.id, name: partner.name } : null,
      };
    },
  );

  // The dashboard calls this at sign-in: it checks the token (the auth hook did), audits the login.
  app.post(
    '/session',
    {
      config: { allow: READ_AND_PARTNER },
      schema: { response: { 200: sessionSchema, ...errorResponses } },
    },
    async (request) => {
      const identity = adminIdentity(request);
      const partner = identity.partnerId ? await getPartner(store, identity.partnerId) : null;
      await recordAdminLogin(store, identity, {
        ip: request.ip,
        user_agent: String(request.headers['user-agent'] ?? '').slice(0, 200),
      });
      return {
        role: identity.role,
        token_id: identity.id,
        partner: partner ? { id: partner.id, name: partner.name } : null,
      };
    },
  );

  app.get(
    '/partners',
    {
      config: { allow: READ_ROLES },
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['partners'],
            properties: { partners: { type: 'array', items: partnerSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({ partners: (await listPartners(store)).map(partnerView) }),
  );

  app.post<{ Body: { name: string; webhook_url?: string; webhook_secret?: string } }>(
    '/partners',
    {
      config: { allow: ADMIN_ONLY },
      schema: { body: createPartnerBody, response: { 201: partnerSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const partner = await createPartner(store, {
        name: request.body.name,
        webhookUrl: request.body.webhook_url,
        webhookSecret: request.body.webhook_secret,
        deploymentSecret: context.secret,
        actor: actorOf(adminIdentity(request)),
      });
      return reply.code(201).send(partnerView(partner));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/partners/:id/customers',
    {
      config: { allow: READ_AND_PARTNER },
      schema: {
        params: idParams,
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
      const partner = await getPartner(store, request.params.id);
      if (!partner || (identity.role === 'partner' && partner.id !== identity.partnerId)) {
        throw new WardenError('ADMIN_NOT_FOUND', { what: 'partner', id: request.params.id });
      }
      return { accounts: (await listAccounts(store, { partnerId: partner.id })).map(accountView) };
    },
  );
}
