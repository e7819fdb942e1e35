// The admin API, mounted by the gateway under /admin/v1: accounts, keys, partners and their end
// customers, usage, status changes. Every route declares its schemas and the roles it allows
// (viewer and analyst read; admin writes; a partner token sees and acts on its own end customers only).
// See docs/admin-api.md.
import type { FastifyInstance } from 'fastify';
import type { DeploymentSecret } from '../../config/deployment-secret.js';
import { WardenError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { registerAccountRoutes } from './accounts-routes.js';
import { installAdminErrors, unknownFields } from './admin-errors.js';
import { installAdminAuth } from './auth.js';
import { registerKeyRoutes } from './keys-routes.js';
import { registerPartnerRoutes } from './partners-routes.js';

export interface AdminRoutesOptions {
  store: Store;
  /** The deployment secret (webhook secrets of partners are stored encrypted under it). */
  secret: DeploymentSecret;
  /** Called after a change the gateway's caches must see (status, keys, new accounts). */
  onStateChange?: () => void;
}

export interface AdminContext {
  store: Store;
  secret: DeploymentSecret;
  changed: () => void;
}

export async function adminRoutes(app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const { store, secret, onStateChange } = options;
  const context: AdminContext = {
    store,
    secret,
    changed: () => {
      try {
        onStateChange?.();
      } catch {
        // A failed cache refresh must not fail the change; the gateway's poll catches up.
      }
    },
  };
  installAdminErrors(app);
  installAdminAuth(app, store);
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema;
    const bodySchema = schema?.body as { required?: string[] } | undefined;
    if (bodySchema && (request.body === undefined || request.body === null)) {
      // An empty body is an empty object where nothing is required (e.g. POST /accounts/:id/keys).
      if (bodySchema.required?.length) {
        throw new WardenError('ADMIN_INVALID', {
          detail: `send a JSON body with ${bodySchema.required.join(', ')}`,
        });
      }
      request.body = {};
    }
    const unknown = [
      ...unknownFields(schema?.body as never, request.body).map((f) => `body.${f}`),
      ...unknownFields(schema?.querystring as never, request.query).map((f) => `query.${f}`),
    ];
    if (unknown.length > 0) {
      throw new WardenError('ADMIN_INVALID', { detail: `unknown field ${unknown.join(', ')}` });
    }
  });
  registerAccountRoutes(app, context);
  registerKeyRoutes(app, context);
  registerPartnerRoutes(app, context);
}

export {
  ADMIN_AND_PARTNER,
  ADMIN_ONLY,
  actorOf,
  adminIdentity,
  READ_AND_PARTNER,
  READ_ROLES,
} from './auth.js';
