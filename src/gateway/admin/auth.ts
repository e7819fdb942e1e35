// Admin authentication and authorization: `Authorization: Bearer <admin token>` → an identity with a
// role, checked against the roles each route allows (route `config.allow`). Routes that declare no
// `allow` (e.g. added by another concern without thinking about it) are admin-only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type AdminRole,
  type AdminTokenIdentity,
  findAdminToken,
  touchAdminToken,
} from '../../accounts/index.js';
import { WardenError } from '../../errors.js';
import type { Store } from '../../store/store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin token's identity; set by the admin auth hook on every /admin/v1 request. */
    adminIdentity: AdminTokenIdentity | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed on an admin route; absent means admin only. */
    allow?: readonly AdminRole[];
  }
}

export const READ_ROLES: readonly AdminRole[] = ['viewer', 'analyst', 'admin'];
export const READ_AND_PARTNER: readonly AdminRole[] = ['viewer', 'analyst', 'admin', 'partner'];
export const ADMIN_ONLY: readonly AdminRole[] = ['admin'];
export const ADMIN_AND_PARTNER: readonly AdminRole[] = ['admin', 'partner'];

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const TOUCH_INTERVAL_MS = 60_000;

/** The identity of an authenticated admin request (routes run only after the hook has set it). */
export function adminIdentity(request: FastifyRequest): AdminTokenIdentity {
  if (!request.adminIdentity) throw new WardenError('ADMIN_UNAUTHORIZED');
  return request.adminIdentity;
}

/** The actor recorded for changes made through this request: `admin:<token id>` or `partner:<id>`. */
export function actorOf(identity: AdminTokenIdentity): string {
  return identity.role === 'partner' ? `partner:${identity.partnerId}` : `${identity.role}:${identity.id}`;
}

export function installAdminAuth(app: FastifyInstance, store: Store): void {
  const lastTouched = new Map<string, number>();
  app.decorateRequest('adminIdentity', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    const identity = match ? await findAdminToken(store, match[1]) : null;
    if (!identity) throw new WardenError('ADMIN_UNAUTHORIZED');
    request.adminIdentity = identity;
    const now = Date.now();
    if (now - (lastTouched.get(identity.id) ?? 0) > TOUCH_INTERVAL_MS) {
      lastTouched.set(identity.id, now);
      await touchAdminToken(store, identity.id, now);
    }
    if (request.is404) return;
    const allow = request.routeOptions.config.allow ?? ['admin'];
    if (!allow.includes(identity.role)) {
      throw new WardenError('ADMIN_FORBIDDEN', {
        role: identity.role,
        action: `${request.method} ${request.routeOptions.url ?? request.url}`,
      });
    }
  });
}
