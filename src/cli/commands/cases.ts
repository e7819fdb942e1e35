// `warden cases list|show|open|note|assign|remediation|decide` — investigations on the database
// directly (actor `cli`), the same functions the admin API calls.
import type { Command } from 'commander';
import { requireAccount } from '../../accounts/index.js';
import {
  addCaseNote,
  assignCase,
  type CaseSummary,
  type CaseView,
  decideCase,
  listCases,
  openReviewCase,
  requireCase,
  requireRemediation,
} from '../../enforce/index.js';
import { usageError } from '../exit-error.js';
import { formatTable, printResult } from '../output.js';
import { positiveInteger, type StoreOptions, withStore } from './accounts.js';

interface JsonFlag {
  json?: boolean;
}

export interface CasesListOptions extends StoreOptions {
  status?: 'open' | 'closed';
  account?: string;
  limit?: number;
}

export async function casesList(options: CasesListOptions): Promise<{ cases: CaseSummary[] }> {
  if (options.status !== undefined && !['open', 'closed'].includes(options.status))
    throw usageError(`unknown status "${options.status}": use open or closed`);
  return withStore(options, async (store) => {
    const accountId =
      options.account === undefined ? undefined : (await requireAccount(store, options.account)).id;
    return { cases: await listCases(store, { status: options.status, accountId, limit: options.limit }) };
  });
}

export async function casesShow(options: StoreOptions & { id: string }): Promise<CaseView> {
  return withStore(options, (store) => requireCase(store, options.id));
}

export async function casesOpen(
  options: StoreOptions & { account: string; reason: string },
): Promise<CaseView> {
  if (!options.reason?.trim()) throw usageError('--reason is required');
  return withStore(options, async (store) => {
    const { caseId } = await openReviewCase(store, {
      account: options.account,
      actor: 'cli',
      reason: options.reason,
    });
    return requireCase(store, caseId);
  });
}

export async function casesNote(options: StoreOptions & { id: string; text: string }): Promise<CaseView> {
  if (!options.text?.trim()) throw usageError('the note text is required');
  return withStore(options, (store) => addCaseNote(store, options.id, 'cli', options.text));
}

export async function casesAssign(
  options: StoreOptions & { id: string; assignee: string },
): Promise<CaseView> {
  if (!options.assignee?.trim()) throw usageError('the assignee is required');
  return withStore(options, (store) => assignCase(store, options.id, 'cli', options.assignee));
}

export async function casesRemediation(
  options: StoreOptions & { id: string; text: string },
): Promise<CaseView> {
  if (!options.text?.trim()) throw usageError('the remediation text is required');
  return withStore(options, (store) => requireRemediation(store, options.id, 'cli', options.text));
}

export interface CasesDecideOptions extends StoreOptions {
  id: string;
  decision: string;
  reason: string;
  conditions?: string[];
}

export async function casesDecide(options: CasesDecideOptions): Promise<CaseView> {
  if (options.decision !== 'reinstate' && options.decision !== 'terminate')
    throw usageError(`unknown decision "${options.decision}": use reinstate or terminate`);
  if (!options.reason?.trim()) throw usageError('--reason is required');
  if (options.conditions && options.decision !== 'reinstate')
    throw usageError('--condition applies to reinstate only');
  return withStore(options, async (store) => {
    await decideCase(store, {
      caseId: options.id,
      decision: options.decision as 'reinstate' | 'terminate',
      reason: options.reason,
      conditions: options.conditions,
      actor: 'cli',
    });
    return requireCase(store, options.id);
  });
}

function humanCase(c: CaseView): string {
  const lines = [
    `${c.id}: ${c.status} — account ${c.account.name ?? c.account.id} (${c.account.status ?? 'unknown'})`,
    `opened by ${c.opened_by}: ${c.opened_reason}`,
    `assignee: ${c.assignee ?? 'none'}; remediation: ${c.remediation ?? 'none'}`,
  ];
  const evidence = c.evidence as { risk?: number | null; signals?: { id: string; score: number }[] };
  if (evidence.risk !== undefined && evidence.risk !== null) lines.push(`risk at opening: ${evidence.risk}`);
  for (const s of evidence.signals ?? []) lines.push(`  signal ${s.id} ${s.score}`);
  if (c.decision)
    lines.push(
      `decision: ${c.decision.decision} by ${c.decision.decided_by} — ${c.decision.reason}` +
        (c.decision.conditions.length ? ` (conditions: ${c.decision.conditions.join('; ')})` : ''),
    );
  if (c.partner_decision)
    lines.push(
      `partner decision: ${c.partner_decision.action} by ${c.partner_decision.actor} — ${c.partner_decision.reason}`,
    );
  lines.push('timeline:');
  for (const t of c.timeline) lines.push(`  ${t.ts} ${t.actor} ${t.kind} ${JSON.stringify(t.details)}`);
  return lines.join('\n');
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  const cases = program
    .command('cases')
    .description('investigations: list, show, open, note, assign, decide');

  cases
    .command('list')
    .description('list cases, newest first')
    .option('--status <status>', 'open or closed')
    .option('--account <name>', "only this account's cases")
    .option('--limit <n>', 'at most this many', positiveInteger)
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (options: CasesListOptions & JsonFlag) => {
      printResult(await casesList(options), options, ({ cases: rows }) =>
        rows.length === 0
          ? 'no cases'
          : formatTable(
              ['id', 'account', 'status', 'opened by', 'assignee', 'decision', 'risk'],
              rows.map((c) => [c.id, c.account, c.status, c.opened_by, c.assignee, c.decision, c.risk]),
            ),
      );
    });

  cases
    .command('show')
    .description('show a case: evidence, timeline, decisions')
    .argument('<id>', 'case id')
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (id: string, options: StoreOptions & JsonFlag) => {
      printResult(await casesShow({ ...options, id }), options, humanCase);
    });

  cases
    .command('open')
    .description('open a review case on an account (it stays served)')
    .argument('<account>', 'account name or id')
    .requiredOption('--reason <text>', 'why')
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (account: string, options: StoreOptions & { reason: string } & JsonFlag) => {
      printResult(await casesOpen({ ...options, account }), options, humanCase);
    });

  cases
    .command('note')
    .description('add a note to a case')
    .argument('<id>', 'case id')
    .argument('<text>', 'the note')
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (id: string, text: string, options: StoreOptions & JsonFlag) => {
      printResult(await casesNote({ ...options, id, text }), options, humanCase);
    });

  cases
    .command('assign')
    .description('assign a case to an investigator')
    .argument('<id>', 'case id')
    .argument('<assignee>', 'who investigates')
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (id: string, assignee: string, options: StoreOptions & JsonFlag) => {
      printResult(await casesAssign({ ...options, id, assignee }), options, humanCase);
    });

  cases
    .command('remediation')
    .description('record the changes the account must make before reinstatement')
    .argument('<id>', 'case id')
    .argument('<text>', 'what must change')
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (id: string, text: string, options: StoreOptions & JsonFlag) => {
      printResult(await casesRemediation({ ...options, id, text }), options, humanCase);
    });

  cases
    .command('decide')
    .description('decide a case: reinstate (with conditions) or terminate')
    .argument('<id>', 'case id')
    .argument('<decision>', 'reinstate or terminate')
    .requiredOption('--reason <text>', 'why')
    .option('--condition <text>', 'a condition of the reinstatement (repeatable)', collect)
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(
      async (
        id: string,
        decision: string,
        options: StoreOptions & { reason: string; condition?: string[] } & JsonFlag,
      ) => {
        const { condition, ...rest } = options;
        printResult(await casesDecide({ ...rest, id, decision, conditions: condition }), options, humanCase);
      },
    );
}
