// Admin API routes of the layers above the gateway (enforcement, audit log, provenance, dashboard
// reads), mounted under /admin/v1. The accounts routes come with the gateway itself. Each concern
// exports a plugin factory from its own folder and is listed here once.
import { auditAdminRoutes, enforceAdminRoutes } from '../enforce/index.js';
import { dashboardAdminPlugin } from '../gateway/admin/dashboard-routes.js';
import type { AdminPluginContext, AdminPluginFactory } from '../gateway/admin-plugin.js';
import { provenanceAdminPlugin } from '../provenance/admin-routes.js';

export type { AdminPluginContext, AdminPluginFactory };

export const ADMIN_PLUGINS: AdminPluginFactory[] = [
  dashboardAdminPlugin,
  provenanceAdminPlugin,
  ({ store, secret, onStateChange }) => enforceAdminRoutes({ store, secret, onStateChange }),
  ({ store, secret }) => auditAdminRoutes({ store, secret }),
];
