// Admin API routes of the layers above the gateway (enforcement, audit log, provenance, dashboard
// reads), mounted under /admin/v1. The accounts routes come with the gateway itself. Each concern
// exports a plugin factory from its own folder and is listed here once.
import type { Config } from '../config/config.js';
import type { DeploymentSecret } from '../config/deployment-secret.js';
import { auditAdminRoutes, enforceAdminRoutes } from '../enforce/index.js';
import { dashboardAdminPlugin } from '../gateway/admin/dashboard-routes.js';
import { provenanceAdminPlugin } from '../gateway/admin/provenance-routes.js';
import type { AdminPlugin } from '../gateway/server.js';
import type { Store } from '../store/store.js';

export interface AdminPluginContext {
  store: Store;
  secret: DeploymentSecret;
  config: Config;
  /** Call after a change the gateway caches (account status, keys, limits). */
  onStateChange: () => void;
}

export type AdminPluginFactory = (context: AdminPluginContext) => AdminPlugin;

export const ADMIN_PLUGINS: AdminPluginFactory[] = [
  dashboardAdminPlugin,
  provenanceAdminPlugin,
  ({ store, secret, onStateChange }) => enforceAdminRoutes({ store, secret, onStateChange }),
  ({ store, secret }) => auditAdminRoutes({ store, secret }),
];
