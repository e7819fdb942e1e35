// `warden partners create|list` — resellers on the database directly. A webhook secret is stored
// encrypted under the deployment secret (WARDEN_SECRET, or the file beside an SQLite database).
import type { Command } from 'commander';
import { createPartner, listPartners, type PartnerView, partnerView } from '../../accounts/index.js';
import { checkName, checkWebhookSecret, checkWebhookUrl } from '../../accounts/validate.js';
import { loadDeploymentSecret } from '../../config/deployment-secret.js';
import { resolveDbUrl } from '../../store/open-store.js';
import { usageError } from '../exit-error.js';
import { formatTable, printResult } from '../output.js';
import { precheck, type StoreOptions, withStore } from './accounts.js';

export interface PartnersCreateOptions extends StoreOptions {
  name: string;
  webhookUrl?: string;
  webhookSecret?: string;
}

export async function partnersCreate(options: PartnersCreateOptions): Promise<PartnerView> {
  precheck(() => {
    checkName('partner', options.name);
    if (options.webhookUrl !== undefined) {
      checkWebhookUrl(options.webhookUrl);
      if (options.webhookSecret === undefined)
        throw usageError('--webhook-url needs --webhook-secret to sign with');
    }
    if (options.webhookSecret !== undefined) checkWebhookSecret(options.webhookSecret);
  });
  const deploymentSecret =
    options.webhookSecret === undefined ? undefined : loadDeploymentSecret(resolveDbUrl(options.db));
  return withStore(options, async (store) =>
    partnerView(
      await createPartner(store, {
        name: options.name,
        webhookUrl: options.webhookUrl,
        webhookSecret: options.webhookSecret,
        deploymentSecret,
      }),
    ),
  );
}

export async function partnersList(options: StoreOptions): Promise<{ partners: PartnerView[] }> {
  return withStore(options, async (store) => ({ partners: (await listPartners(store)).map(partnerView) }));
}

interface JsonFlag {
  json?: boolean;
}

export function register(program: Command): void {
  const partners = program.command('partners').description('create and list partners (resellers)');

  partners
    .command('create')
    .description('create a partner')
    .argument('<name>', 'partner name')
    .option('--webhook-url <url>', 'where signed webhooks about its end customers are sent')
    .option('--webhook-secret <secret>', 'the HMAC secret webhooks are signed with (16-256 characters)')
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (name: string, options: Omit<PartnersCreateOptions, 'name'> & JsonFlag) => {
      printResult(
        await partnersCreate({ ...options, name }),
        options,
        (p) => `created partner ${p.name} (${p.id})${p.webhook_url ? `, webhooks to ${p.webhook_url}` : ''}`,
      );
    });

  partners
    .command('list')
    .description('list partners')
    .option('--db <url>', 'database URL')
    .option('--json', 'print JSON')
    .action(async (options: StoreOptions & JsonFlag) => {
      printResult(await partnersList(options), options, ({ partners: rows }) =>
        rows.length === 0
          ? 'no partners'
          : formatTable(
              ['name', 'id', 'status', 'webhook'],
              rows.map((p) => [p.name, p.id, p.status, p.webhook_url]),
            ),
      );
    });
}
