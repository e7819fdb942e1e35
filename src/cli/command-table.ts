// The command table: every `warden` command and the module that registers it. One module per
// command (a group of subcommands such as `accounts create|list|…` shares one module).
import type { Command } from 'commander';
import * as accounts from './commands/accounts.js';
import * as adminTokens from './commands/admin-tokens.js';
import * as audit from './commands/audit.js';
import * as auditModel from './commands/audit-model.js';
import * as cases from './commands/cases.js';
import * as demo from './commands/demo.js';
import * as detect from './commands/detect.js';
import * as keys from './commands/keys.js';
import * as partners from './commands/partners.js';
import * as registry from './commands/registry.js';
import * as replay from './commands/replay.js';
import * as serve from './commands/serve.js';
import * as trace from './commands/trace.js';
import * as worker from './commands/worker.js';

export interface CommandModule {
  register(program: Command): void;
}

export const COMMAND_TABLE: CommandModule[] = [
  serve,
  worker,
  accounts,
  keys,
  partners,
  adminTokens,
  cases,
  detect,
  replay,
  registry,
  trace,
  auditModel,
  audit,
  demo,
];
