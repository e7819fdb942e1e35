// Partners: resellers or clouds that provision end-customer accounts and send their traffic with a
// partner key plus the end customer's identity (docs/partners.md).

import { appendAuditEntry, auditedTransaction } from '../audit/index.js';
import type { DeploymentSecret } from '../config/deployment-secret.js';
import { WardenError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { PartnersTable } from '../store/tables/gateway.js';
import { newRecordId } from './secrets.js';
import type { PartnerRecord } from './types.js';
import { checkName, checkWebhookSecret, checkWebhookUrl, invalid, isUniqueViolation } from './validate.js';
import { decryptWebhookSecret, encryptWebhookSecret } from './webhook-secret.js';

export interface CreatePartnerOptions {
  name: string;
  webhookUrl?: string;
  /** The partner's HMAC secret for webhooks; stored encrypted, so `deploymentSecret` is then required. */
  webhookSecret?: string;
  deploymentSecret?: DeploymentSecret;
  /** Who creates it, for the audit log (default `cli`). */
  actor?: string;
}

function toPartnerRecord(row: PartnersTable): PartnerRecord {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    webhookUrl: row.webhook_url,
    hasWebhookSecret: row.webhook_secret !== null,
    createdAt: Number(row.created_at),
  };
}

export async function createPartner(
  store: Store,
  { name, webhookUrl, webhookSecret, deploymentSecret, actor = 'cli' }: CreatePartnerOptions,
): Promise<PartnerRecord> {
  checkName('partner', name);
  const url = webhookUrl === undefined ? null : checkWebhookUrl(webhookUrl);
  if (url && webhookSecret === undefined) throw invalid('a webhook URL needs a webhook secret to sign with');
  if (webhookSecret !== undefined) checkWebhookSecret(webhookSecret);
  if (webhookSecret !== undefined && !deploymentSecret) {
    throw new Error('createPartner: a webhook secret is stored encrypted; pass the deployment secret');
  }
  if (await getPartner(store, name))
    throw new WardenError('ADMIN_CONFLICT', { detail: `partner ${name} already exists` });
  const id = newRecordId('ptr');
  const row: PartnersTable = {
    id,
    name,
    status: 'active',
    webhook_url: url,
    webhook_secret:
      webhookSecret !== undefined && deploymentSecret
        ? encryptWebhookSecret(deploymentSecret, id, webhookSecret)
        : null,
    created_at: Date.now(),
  };
  try {
    await auditedTransaction(store, async (trx) => {
      await trx.insertInto('partners').values(row).execute();
      // The webhook secret itself never enters the log (it is kept forever): only whether one is set.
      await appendAuditEntry(trx, store.dialect, {
        actor,
        action: 'partner.create',
        subject: `partner:${id}`,
        details: { name, webhook_url: url, has_webhook_secret: row.webhook_secret !== null },
        ts: row.created_at,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new WardenError('ADMIN_CONFLICT', { detail: `partner ${name} already exists` });
    throw error;
  }
  return toPartnerRecord(row);
}

/** A partner by id or name. */
export async function getPartner(store: Store, nameOrId: string): Promise<PartnerRecord | null> {
  const row = await store.db
    .selectFrom('partners')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', nameOrId), eb('name', '=', nameOrId)]))
    .orderBy('created_at')
    .executeTakeFirst();
  return row ? toPartnerRecord(row) : null;
}

/** A partner by id or name, or ADMIN_NOT_FOUND. */
export async function requirePartner(store: Store, nameOrId: string): Promise<PartnerRecord> {
  const partner = await getPartner(store, nameOrId);
  if (!partner) throw new WardenError('ADMIN_NOT_FOUND', { what: 'partner', id: nameOrId });
  return partner;
}

export async function listPartners(store: Store): Promise<PartnerRecord[]> {
  const rows = await store.db
    .selectFrom('partners')
    .selectAll()
    .orderBy('created_at')
    .orderBy('name')
    .execute();
  return rows.map(toPartnerRecord);
}

/** The partner's webhook secret in clear (for the webhook signer), or null when none is set. */
export async function getPartnerWebhookSecret(
  store: Store,
  secret: DeploymentSecret,
  partnerId: string,
): Promise<string | null> {
  const row = await store.db
    .selectFrom('partners')
    .select(['id', 'webhook_secret'])
    .where('id', '=', partnerId)
    .executeTakeFirst();
  if (!row) throw new WardenError('ADMIN_NOT_FOUND', { what: 'partner', id: partnerId });
  return row.webhook_secret === null ? null : decryptWebhookSecret(secret, row.id, row.webhook_secret);
}
