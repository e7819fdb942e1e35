// Key routes: list and create an account's keys, create partner keys, revoke a key.
import type { FastifyInstance } from 'fastify';
import {
  createApiKey,
  type KeyLimits,
  keyView,
  listApiKeys,
  requireApiKey,
  requirePartner,
  revokeApiKey,
} from '../../accounts/index.js';
import { visibleAccount } from './accounts-routes.js';
import { ADMIN_ONLY, actorOf, adminIdentity, READ_ROLES } from './auth.js';
import type { AdminContext } from './index.js';
import { createdKeySchema, createKeyBody, errorResponses, idParams, keySchema } from './schemas.js';

const keyList = {
  type: 'object',
  required: ['keys'],
  properties: { keys: { type: 'array', items: keySchema } },
} as const;

export function registerKeyRoutes(app: FastifyInstance, context: AdminContext): void {
  const { store } = context;

  app.get<{ Params: { id: string } }>(
    '/accounts/:id/keys',
    {
      config: { allow: READ_ROLES },
      schema: { params: idParams, response: { 200: keyList, ...errorResponses } },
    },
    async (request) => {
      const account = await visibleAccount(context, request, request.params.id);
      return { keys: (await listApiKeys(store, { accountId: account.id })).map(keyView) };
    },
  );

  app.post<{ Params: { id: string }; Body: { name?: string; limits?: KeyLimits } | undefined }>(
    '/accounts/:id/keys',
    {
      config: { allow: ADMIN_ONLY },
      schema: {
        params: idParams,
        body: createKeyBody,
        response: { 201: createdKeySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const account = await visibleAccount(context, request, request.params.id);
      const created = await createApiKey(store, {
        account: account.id,
        name: request.body?.name,
        limits: request.body?.limits,
        actor: actorOf(adminIdentity(request)),
      });
      context.changed();
      return reply.code(201).send(created);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/partners/:id/keys',
    {
      config: { allow: READ_ROLES },
      schema: { params: idParams, response: { 200: keyList, ...errorResponses } },
    },
    async (request) => {
      const partner = await requirePartner(store, request.params.id);
      return { keys: (await listApiKeys(store, { partnerId: partner.id })).map(keyView) };
    },
  );

  app.post<{ Params: { id: string }; Body: { name?: string; limits?: KeyLimits } | undefined }>(
    '/partners/:id/keys',
    {
      config: { allow: ADMIN_ONLY },
      schema: {
        params: idParams,
        body: createKeyBody,
        response: { 201: createdKeySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const partner = await requirePartner(store, request.params.id);
      const created = await createApiKey(store, {
        partner: partner.id,
        name: request.body?.name,
        limits: request.body?.limits,
        actor: actorOf(adminIdentity(request)),
      });
      context.changed();
      return reply.code(201).send(created);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/keys/:id',
    {
      config: { allow: READ_ROLES },
      schema: { params: idParams, response: { 200: keySchema, ...errorResponses } },
    },
    async (request) => keyView(await requireApiKey(store, request.params.id)),
  );

  app.post<{ Params: { id: string } }>(
    '/keys/:id/revoke',
    {
      config: { allow: ADMIN_ONLY },
      schema: { params: idParams, response: { 200: keySchema, ...errorResponses } },
    },
    async (request) => {
      const revoked = await revokeApiKey(store, request.params.id, actorOf(adminIdentity(request)));
      context.changed();
      return keyView(revoked);
    },
  );
}
