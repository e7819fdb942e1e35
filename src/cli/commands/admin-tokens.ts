// `warden admin-tokens create` — a token for the admin API, printed once; only its hash is stored.
import { type Command, Option } from 'commander';
import { ADMIN_ROLES, type AdminRole, createAdminToken } from '../../accounts/index.js';
import { usageError } from '../exit-error.js';
import { printResult } from '../output.js';
import { type StoreOptions, withStore } from './accounts.js';

export interface AdminTokensCreateOptions extends StoreOptions {
  role: AdminRole;
  partner?: string;
  name?: string;
}

/** `{"id","token","role"}` (DESIGN.md contract); a partner token also names its `partner`. */
export type AdminTokensCreateResult =
  | { id: string; token: string; role: AdminRole }
  | { id: string; token: string; role: 'partner'; partner: string };

export async function adminTokensCreate(options: AdminTokensCreateOptions): Promise<AdminTokensCreateResult> {
  if (!ADMIN_ROLES.includes(options.role)) {
    throw usageError(`unknown role "${options.role}": use ${ADMIN_ROLES.join(', ')}`);
  }
  if (options.role === 'partner' && options.partner === undefined)
    throw usageError('--role partner needs --partner NAME');
  if (options.role !== 'partner' && options.partner !== undefined)
    throw usageError('--partner goes with --role partner');
  return withStore(options, async (store) => {
    const created = await createAdminToken(store, {
      role: options.role,
      name: options.name,
      partner: options.partner,
    });
    if (created.role === 'partner') {
      return { id: created.id, token: created.token, role: 'partner', partner: created.partner as string };
    }
    return { id: created.id, token: created.token, role: created.role };
  });
}

interface JsonFlag {
  json?: boolean;
}

export function register(program: Command): void {
  const tokens = program.command('admin-tokens').description('create admin API tokens');
  tokens
    .command('create')
    .description('create an admin token (shown once)')
    .addOption(
      new Option('--role <role>', 'what the token may do').choices([...ADMIN_ROLES]).makeOptionMandatory(),
    )
    .option('--partner <name>', 'the partner a partner token acts for')
    .option('--name <label>', 'a label for the token')
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (options: AdminTokensCreateOptions & JsonFlag) => {
      printResult(
        await adminTokensCreate(options),
        options,
        (t) => `${t.token}\n(${t.role} token ${t.id}; store it now, it is not shown again)`,
      );
    });
}
