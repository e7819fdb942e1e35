// `warden registry add --account NAME FILE… [--db URL] [--json]`: backfills the provenance registry
// with outputs served to an account (text-file contract of DESIGN.md). Every file is parsed first;
// a malformed line fails the run (exit 2) with its line number and nothing is written.
import type { Command } from 'commander';
import { loadDeploymentSecret } from '../../config/deployment-secret.js';
import { openRegistry } from '../../provenance/index.js';
import { describeProblems, readTextFiles } from '../../provenance/text-file/index.js';
import { openStore, resolveDbUrl } from '../../store/open-store.js';
import { usageError } from '../exit-error.js';
import { printResult } from '../output.js';

export interface RegistryAddOptions {
  account: string;
  files: string[];
  db?: string;
  /** Days the raw texts are kept (default 30; 0 keeps none). */
  retentionDays?: number;
  /** Clock for the served-at time (epoch ms); defaults to now. */
  now?: number;
}

export interface RegistryAddResult {
  account: string;
  accountId: string;
  files: number;
  documents: number;
  /** Documents whose id was not registered before. */
  added: number;
}

const BATCH = 5_000;

export function register(program: Command): void {
  const registry = program.command('registry').description('The provenance registry of served outputs');
  registry
    .command('add')
    .description('Register documents as outputs served to an account (backfill)')
    .requiredOption('--account <name>', 'the account the outputs were served to')
    .argument(
      '<files...>',
      'JSONL ({id, text[, prompt]}, chat completions, {messages}, {instruction, output}), .json array or .txt',
    )
    .option('--db <url>', 'database URL (sqlite:PATH or postgres://…)')
    .option('--retention-days <days>', 'days to keep the raw texts (0: fingerprints only)', '30')
    .option('--json', 'print JSON')
    .action(
      async (
        files: string[],
        options: { account: string; db?: string; retentionDays: string; json?: boolean },
      ) => {
        const retentionDays = Number(options.retentionDays);
        if (!Number.isFinite(retentionDays) || retentionDays < 0) {
          throw usageError(
            `--retention-days must be a number of days (0 or more), got "${options.retentionDays}"`,
          );
        }
        const result = await registryAdd({ account: options.account, files, db: options.db, retentionDays });
        printResult(
          result,
          options,
          (r) =>
            `registered ${r.added} new output(s) of ${r.documents} from ${r.files} file(s) for account ${r.account}`,
        );
      },
    );
}

/** Fingerprints the documents of `files` as outputs served to `account`. */
export async function registryAdd(options: RegistryAddOptions): Promise<RegistryAddResult> {
  if (options.files.length === 0) throw usageError('name at least one file to register');
  const { documents, problems } = await readTextFiles(options.files);
  if (problems.length > 0) throw usageError(describeProblems(problems));
  const dbUrl = resolveDbUrl(options.db);
  const store = await openStore(dbUrl);
  try {
    const account = await store.db
      .selectFrom('accounts')
      .select(['id', 'name'])
      .where('name', '=', options.account)
      .executeTakeFirst();
    if (!account) {
      throw usageError(
        `no account named "${options.account}"; create it first with: warden accounts create ${options.account}`,
      );
    }
    let secret: ReturnType<typeof loadDeploymentSecret>;
    try {
      secret = loadDeploymentSecret(dbUrl);
    } catch (error) {
      throw usageError((error as Error).message);
    }
    const registry = await openRegistry(store, secret, { retentionDays: options.retentionDays });
    const before = await countOutputs(store);
    const ts = options.now ?? Date.now();
    try {
      for (let i = 0; i < documents.length; i += BATCH) {
        await registry.ingest(
          documents.slice(i, i + BATCH).map((d) => ({
            id: d.id,
            accountId: account.id,
            accountName: account.name,
            keyId: null,
            channel: 'backfill',
            endCustomer: null,
            ts,
            prompt: d.prompt,
            text: d.text,
          })),
        );
      }
    } finally {
      await registry.close();
    }
    const after = await countOutputs(store);
    return {
      account: account.name,
      accountId: account.id,
      files: options.files.length,
      documents: documents.length,
      added: after - before,
    };
  } finally {
    await store.close();
  }
}

async function countOutputs(store: Awaited<ReturnType<typeof openStore>>): Promise<number> {
  const row = await store.db
    .selectFrom('provenance_outputs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
