// `warden accounts create|list|show|suspend|reinstate|terminate` — accounts on the database directly
// (no server needed). Also exports the small store helpers the keys, partners and admin-tokens
// commands share.
import { type Command, InvalidArgumentError } from 'commander';
import {
  type AccountDetailView,
  type AccountLimits,
  type AccountView,
  accountView,
  createAccount,
  describeAccount,
  listAccounts,
  requireAccount,
  requirePartner,
  type TransitionAction,
} from '../../accounts/index.js';
import { checkExternalId, checkLimits, checkName, checkReason } from '../../accounts/validate.js';
import { changeAccountStatus } from '../../enforce/account-actions.js';
import { WardenError } from '../../errors.js';
import { openStore, resolveDbUrl } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import { EXIT_FAILURE, EXIT_USAGE, ExitError, usageError } from '../exit-error.js';
import { formatTable, printResult } from '../output.js';

export interface StoreOptions {
  /** `--db URL`; defaults through resolveDbUrl ($WARDEN_DB, then sqlite:./data/warden.db). */
  db?: string;
}

/** Opens the `--db` store, runs `work`, closes it; WardenErrors become one-line CLI errors. */
export async function withStore<T>(options: StoreOptions, work: (store: Store) => Promise<T>): Promise<T> {
  const url = resolveDbUrl(options.db);
  if (!/^(sqlite:.+|postgres(ql)?:\/\/)/.test(url)) {
    throw usageError(`unsupported database URL "${url}": use sqlite:PATH or postgres://…`);
  }
  const store = await openStore(url);
  try {
    return await work(store);
  } catch (error) {
    throw toExitError(error);
  } finally {
    await store.close();
  }
}

/** Bad input and unknown names are usage errors (exit 2); conflicts and refused moves are failures (1). */
export function toExitError(error: unknown): unknown {
  if (!(error instanceof WardenError)) return error;
  const usage = error.code === 'ADMIN_INVALID' || error.code === 'ADMIN_NOT_FOUND';
  return new ExitError(error.message, usage ? EXIT_USAGE : EXIT_FAILURE);
}

/** Runs a check from accounts/validate.ts before anything is opened, as a usage error. */
export function precheck(check: () => unknown): void {
  try {
    check();
  } catch (error) {
    throw toExitError(error);
  }
}

export function positiveInteger(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return Number(value);
}

export interface LimitFlags {
  rpm?: number;
  tpm?: number;
  dailyTokens?: number;
}

export function limitsFromFlags({ rpm, tpm, dailyTokens }: LimitFlags): AccountLimits {
  const limits: AccountLimits = {};
  if (rpm !== undefined) limits.rpm = rpm;
  if (tpm !== undefined) limits.tpm = tpm;
  if (dailyTokens !== undefined) limits.daily_tokens = dailyTokens;
  return limits;
}

export function addLimitFlags(command: Command): Command {
  return command
    .option('--rpm <n>', 'requests per minute', positiveInteger)
    .option('--tpm <n>', 'tokens per minute', positiveInteger)
    .option('--daily-tokens <n>', 'tokens per UTC day', positiveInteger);
}

export interface AccountsCreateOptions extends StoreOptions, LimitFlags {
  name: string;
  partner?: string;
  externalId?: string;
}

export async function accountsCreate(options: AccountsCreateOptions): Promise<AccountView> {
  const limits = limitsFromFlags(options);
  precheck(() => {
    checkName('account', options.name);
    checkLimits(limits);
    if (options.externalId !== undefined) {
      if (options.partner === undefined) throw usageError('--external-id needs --partner');
      checkExternalId(options.externalId);
    }
  });
  return withStore(options, async (store) => {
    const account = await createAccount(store, {
      name: options.name,
      partner: options.partner,
      externalId: options.externalId,
      limits,
      actor: 'cli',
    });
    return accountView(account);
  });
}

export interface AccountsListOptions extends StoreOptions {
  status?: 'active' | 'suspended' | 'terminated';
  partner?: string;
}

export async function accountsList(options: AccountsListOptions): Promise<{ accounts: AccountView[] }> {
  return withStore(options, async (store) => {
    const partnerId =
      options.partner === undefined ? undefined : (await requirePartner(store, options.partner)).id;
    const accounts = await listAccounts(store, { partnerId, status: options.status });
    return { accounts: accounts.map(accountView) };
  });
}

export interface AccountsShowOptions extends StoreOptions {
  name: string;
  days?: number;
}

export async function accountsShow(options: AccountsShowOptions): Promise<AccountDetailView> {
  return withStore(options, async (store) =>
    describeAccount(store, await requireAccount(store, options.name), { days: options.days }),
  );
}

export interface AccountsTransitionOptions extends StoreOptions {
  name: string;
  action: TransitionAction;
  reason: string;
  /** Conditions of a reinstatement (`--condition`, repeatable). */
  conditions?: string[];
}

/** suspend, reinstate or terminate through enforce/ (case, audit entry, webhook; actor `cli`). */
export async function accountsTransition(options: AccountsTransitionOptions): Promise<AccountView> {
  precheck(() => checkReason(options.reason));
  return withStore(options, async (store) => {
    const { account } = await changeAccountStatus(store, {
      account: options.name,
      action: options.action,
      actor: 'cli',
      reason: options.reason,
      conditions: options.conditions,
    });
    return accountView(account);
  });
}

function describeLimits(limits: AccountLimits): string {
  const parts = Object.entries(limits).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(' ') : 'none';
}

function humanAccount(a: AccountView): string {
  const partner = a.partner ? `, partner ${a.partner} (external id ${a.external_id})` : '';
  const reason = a.status_reason ? ` — ${a.status_reason}` : '';
  return `${a.name} (${a.id}): ${a.status}${reason}${partner}; limits ${describeLimits(a.limits)}`;
}

function humanDetail(a: AccountDetailView): string {
  const lines = [
    humanAccount(a),
    `case: ${a.case ? a.case.id : 'none'}`,
    `usage: ${a.usage.requests} requests, ${a.usage.tokens} tokens`,
  ];
  if (a.usage.days.length > 0) {
    lines.push(
      formatTable(
        ['date', 'requests', 'tokens'],
        a.usage.days.map((d) => [d.date, d.requests, d.tokens]),
      ),
    );
  }
  lines.push(a.risk ? `risk: ${a.risk.risk} (${a.risk.verdict})` : 'risk: not scored yet');
  return lines.join('\n');
}

interface JsonFlag {
  json?: boolean;
}

export function register(program: Command): void {
  const accounts = program
    .command('accounts')
    .description('create, list, show, suspend, reinstate, terminate accounts');

  addLimitFlags(
    accounts
      .command('create')
      .description('create an account (an end customer of a partner with --partner)')
      .argument('<name>', 'account name')
      .option('--partner <name>', 'the partner this account is an end customer of')
      .option('--external-id <id>', "the partner's id of the end customer (default: the name)"),
  )
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (name: string, options: Omit<AccountsCreateOptions, 'name'> & JsonFlag) => {
      printResult(await accountsCreate({ ...options, name }), options, (a) => `created ${humanAccount(a)}`);
    });

  accounts
    .command('list')
    .description('list accounts')
    .option('--status <status>', 'only accounts with this status')
    .option('--partner <name>', "only this partner's end customers")
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (options: AccountsListOptions & JsonFlag) => {
      if (options.status !== undefined && !['active', 'suspended', 'terminated'].includes(options.status)) {
        throw usageError(`unknown status "${options.status}": use active, suspended or terminated`);
      }
      printResult(await accountsList(options), options, ({ accounts: rows }) =>
        rows.length === 0
          ? 'no accounts'
          : formatTable(
              ['name', 'id', 'status', 'partner', 'external id', 'limits'],
              rows.map((a) => [a.name, a.id, a.status, a.partner, a.external_id, describeLimits(a.limits)]),
            ),
      );
    });

  accounts
    .command('show')
    .description('show an account with its status, open case, usage and risk')
    .argument('<name>', 'account name or id')
    .option('--days <n>', 'days of usage to list (default 30)', positiveInteger)
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (name: string, options: Omit<AccountsShowOptions, 'name'> & JsonFlag) => {
      printResult(await accountsShow({ ...options, name }), options, humanDetail);
    });

  for (const action of ['suspend', 'reinstate', 'terminate'] as const) {
    accounts
      .command(action)
      .description(`${action} an account (a reason is required)`)
      .argument('<name>', 'account name or id')
      .requiredOption('--reason <text>', 'why (recorded with the change)')
      .option(
        '--condition <text>',
        'a condition of the reinstatement (repeatable)',
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option('--db <url>', 'database URL')
      .option('--json', 'print JSON')
      .action(
        async (name: string, options: { reason: string; condition?: string[]; db?: string } & JsonFlag) => {
          const { condition, ...rest } = options;
          if (condition && action !== 'reinstate') throw usageError('--condition applies to reinstate only');
          printResult(
            await accountsTransition({ ...rest, name, action, conditions: condition }),
            options,
            humanAccount,
          );
        },
      );
  }
}
