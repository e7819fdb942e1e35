// The command table: every `warden` command and the module that registers it, loaded only when that
// command runs (or for --help), so a quick command does not pay for the whole program's imports.
import type { Command } from 'commander';

export interface CommandModule {
  register(program: Command): void;
}

export const COMMAND_TABLE: Record<string, () => Promise<CommandModule>> = {
  serve: () => import('./commands/serve.js'),
  worker: () => import('./commands/worker.js'),
  accounts: () => import('./commands/accounts.js'),
  keys: () => import('./commands/keys.js'),
  partners: () => import('./commands/partners.js'),
  'admin-tokens': () => import('./commands/admin-tokens.js'),
  cases: () => import('./commands/cases.js'),
  detect: () => import('./commands/detect.js'),
  replay: () => import('./commands/replay.js'),
  registry: () => import('./commands/registry.js'),
  trace: () => import('./commands/trace.js'),
  'audit-model': () => import('./commands/audit-model.js'),
  audit: () => import('./commands/audit.js'),
  demo: () => import('./commands/demo.js'),
};
