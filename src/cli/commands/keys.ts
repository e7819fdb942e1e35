// `warden keys create|revoke|list` — API keys on the database directly. A key is printed once, at
// creation; only its hash is stored.
import type { Command } from 'commander';
import {
  createApiKey,
  type KeyView,
  keyView,
  listApiKeys,
  requireAccount,
  requirePartner,
  revokeApiKey,
} from '../../accounts/index.js';
import { checkLimits } from '../../accounts/validate.js';
import { usageError } from '../exit-error.js';
import { formatTable, printResult } from '../output.js';
import {
  addLimitFlags,
  type LimitFlags,
  limitsFromFlags,
  precheck,
  type StoreOptions,
  withStore,
} from './accounts.js';

export interface KeysCreateOptions extends StoreOptions, LimitFlags {
  account?: string;
  partner?: string;
  name?: string;
}

/** `{"id","key","prefix","account"}` (DESIGN.md contract); a partner key also names its `partner`. */
export type KeysCreateResult =
  | { id: string; key: string; prefix: string; account: string }
  | { id: string; key: string; prefix: string; account: null; partner: string };

export async function keysCreate(options: KeysCreateOptions): Promise<KeysCreateResult> {
  if ((options.account === undefined) === (options.partner === undefined)) {
    throw usageError('give exactly one of --account NAME or --partner NAME');
  }
  const limits = limitsFromFlags(options);
  precheck(() => checkLimits(limits));
  return withStore(options, async (store) => {
    const created = await createApiKey(store, {
      account: options.account,
      partner: options.partner,
      name: options.name,
      limits,
    });
    if (created.account !== null) {
      return { id: created.id, key: created.key, prefix: created.prefix, account: created.account };
    }
    return {
      id: created.id,
      key: created.key,
      prefix: created.prefix,
      account: null,
      partner: created.partner as string,
    };
  });
}

export interface KeysRevokeOptions extends StoreOptions {
  idOrPrefix: string;
}

export async function keysRevoke(options: KeysRevokeOptions): Promise<KeyView> {
  return withStore(options, async (store) => keyView(await revokeApiKey(store, options.idOrPrefix)));
}

export interface KeysListOptions extends StoreOptions {
  account?: string;
  partner?: string;
}

export async function keysList(options: KeysListOptions): Promise<{ keys: KeyView[] }> {
  return withStore(options, async (store) => {
    const accountId =
      options.account === undefined ? undefined : (await requireAccount(store, options.account)).id;
    const partnerId =
      options.partner === undefined ? undefined : (await requirePartner(store, options.partner)).id;
    return { keys: (await listApiKeys(store, { accountId, partnerId })).map(keyView) };
  });
}

interface JsonFlag {
  json?: boolean;
}

export function register(program: Command): void {
  const keys = program.command('keys').description('create, revoke and list API keys');

  addLimitFlags(
    keys
      .command('create')
      .description('create an API key for an account (or a partner key with --partner); shown once')
      .option('--account <name>', 'the account the key belongs to')
      .option('--partner <name>', 'make a partner key, acting for that partner’s end customers')
      .option('--name <label>', 'a label for the key'),
  )
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (options: KeysCreateOptions & JsonFlag) => {
      printResult(
        await keysCreate(options),
        options,
        (k) =>
          `${k.key}\n(key ${k.id} for ${k.account !== null ? `account ${k.account}` : `partner ${'partner' in k ? k.partner : ''}`}; store it now, it is not shown again)`,
      );
    });

  keys
    .command('revoke')
    .description('revoke an API key by id or prefix')
    .argument('<id-or-prefix>', 'key id (key_…) or its visible prefix')
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (idOrPrefix: string, options: StoreOptions & JsonFlag) => {
      printResult(
        await keysRevoke({ ...options, idOrPrefix }),
        options,
        (k) => `revoked key ${k.id} (${k.prefix})`,
      );
    });

  keys
    .command('list')
    .description('list API keys (never the keys themselves)')
    .option('--account <name>', "only this account's keys")
    .option('--partner <name>', "only this partner's keys")
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (options: KeysListOptions & JsonFlag) => {
      printResult(await keysList(options), options, ({ keys: rows }) =>
        rows.length === 0
          ? 'no keys'
          : formatTable(
              ['id', 'prefix', 'name', 'account', 'partner', 'revoked', 'last used'],
              rows.map((k) => [
                k.id,
                k.prefix,
                k.name,
                k.account_id,
                k.partner_id,
                k.revoked_at,
                k.last_used_at,
              ]),
            ),
      );
    });
}
