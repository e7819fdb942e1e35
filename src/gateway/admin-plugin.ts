// The shape of admin routes that layers above the gateway (enforcement, audit, provenance, dashboard)
// mount under /admin/v1. src/runtime/admin-plugins.ts lists them.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import type { DeploymentSecret } from '../config/deployment-secret.js';
import type { Store } from '../store/store.js';

/** Admin routes registered under /admin/v1 after the accounts routes (authentication is inherited). */
export type AdminPlugin = (app: FastifyInstance) => Promise<void>;

export interface AdminPluginContext {
  store: Store;
  secret: DeploymentSecret;
  config: Config;
  /** Call after a change the gateway caches (account status, keys, limits). */
  onStateChange: () => void;
}

export type AdminPluginFactory = (context: AdminPluginContext) => AdminPlugin;
