// Gateway tables: partners, accounts, keys, admin tokens, the usage-event log, metering, consumer
// cursors, the state-change feed that invalidates gateway caches, and per-account risk.
// Times are epoch milliseconds (bigint); JSON is stored as text in both dialects.
import type { Kysely } from 'kysely';
import type { DialectName } from '../store.js';
import { doubleType, serialType } from './column-types.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('partners')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('webhook_url', 'text')
    .addColumn('webhook_secret', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('status_reason', 'text')
    .addColumn('status_actor', 'text')
    .addColumn('partner_id', 'text', (c) => c.references('partners.id'))
    .addColumn('external_id', 'text')
    .addColumn('limits', 'text')
    .addColumn('allowed_uses', 'text')
    .addColumn('open_case_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('accounts_partner_external', ['partner_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id'))
    .addColumn('partner_id', 'text', (c) => c.references('partners.id'))
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('limits', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();

  await db.schema
    .createTable('admin_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('partner_id', 'text', (c) => c.references('partners.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('seq', serialType(dialect), (c) =>
      dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('end_customer', 'text')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('stream', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('http_status', 'integer', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('request_body', 'text', (c) => c.notNull())
    .addColumn('output', 'text')
    .addColumn('prompt_tokens', 'integer')
    .addColumn('completion_tokens', 'integer')
    .addColumn('total_tokens', 'integer')
    .addColumn('latency_ms', doubleType(dialect), (c) => c.notNull())
    .addColumn('ttfb_ms', doubleType(dialect))
    .addColumn('client_ip', 'text')
    .addColumn('upstream', 'text')
    .execute();
  await db.schema.createIndex('events_account_ts').on('events').columns(['account_id', 'ts']).execute();

  await db.schema
    .createTable('usage_daily')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('requests', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('usage_daily_pk', ['account_id', 'date'])
    .execute();

  await db.schema
    .createTable('consumer_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('state_changes')
    .addColumn('seq', serialType(dialect), (c) =>
      dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('account_risk')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('risk', doubleType(dialect), (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('requests', 'bigint', (c) => c.notNull())
    .addColumn('detected_after', 'bigint')
    .addColumn('signals', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
