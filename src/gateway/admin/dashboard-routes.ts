// Read-only aggregates the dashboard needs that no other admin route gives: traffic and tokens over
// time, the accounts table with 24 h usage and risk, the latest actions, and a change feed the
// dashboard polls for live updates (polling with the Authorization header, not EventSource, because
// EventSource cannot send headers and the admin token must never travel in a URL).
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { WardenError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { AdminPluginFactory } from '../admin-plugin.js';
import { READ_ROLES } from './auth.js';
import { errorResponses, idParams } from './schemas.js';

const HOUR = 3_600_000;
/** Points per traffic series: enough for a smooth chart, few enough to send on every poll. */
const SERIES_POINTS = 60;

export interface TrafficPoint {
  /** Start of the bucket, epoch ms. */
  t: number;
  requests: number;
  tokens: number;
  refused: number;
}

export interface DashboardAccountRow {
  id: string;
  name: string;
  status: string;
  partner: string | null;
  channels: string[];
  risk: number | null;
  verdict: string | null;
  requests_24h: number;
  tokens_24h: number;
  open_case: string | null;
}

export interface LatestAction {
  ts: number;
  actor: string;
  action: string;
  subject: string;
  subject_name: string | null;
}

const hoursQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { hours: { type: 'integer', minimum: 1, maximum: 24 * 31 } },
} as const;

const trafficSchema = {
  type: 'object',
  required: ['from', 'bucket_ms', 'points'],
  properties: {
    from: { type: 'integer' },
    bucket_ms: { type: 'integer' },
    points: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          t: { type: 'integer' },
          requests: { type: 'integer' },
          tokens: { type: 'integer' },
          refused: { type: 'integer' },
        },
      },
    },
  },
} as const;

const accountRowSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string' },
    partner: { type: ['string', 'null'] },
    channels: { type: 'array', items: { type: 'string' } },
    risk: { type: ['number', 'null'] },
    verdict: { type: ['string', 'null'] },
    requests_24h: { type: 'integer' },
    tokens_24h: { type: 'integer' },
    open_case: { type: ['string', 'null'] },
  },
} as const;

const actionSchema = {
  type: 'object',
  properties: {
    ts: { type: 'integer' },
    actor: { type: 'string' },
    action: { type: 'string' },
    subject: { type: 'string' },
    subject_name: { type: ['string', 'null'] },
  },
} as const;

/** Requests and tokens per bucket over the last `hours`, for one account or all; empty buckets are filled. */
export async function trafficSeries(
  store: Store,
  { hours, accountId, now = Date.now() }: { hours: number; accountId?: string; now?: number },
): Promise<{ from: number; bucket_ms: number; points: TrafficPoint[] }> {
  const bucket = Math.max(60_000, Math.ceil((hours * HOUR) / SERIES_POINTS / 60_000) * 60_000);
  const from = Math.floor((now - hours * HOUR) / bucket) * bucket;
  const accountFilter = accountId ? sql`and account_id = ${accountId}` : sql``;
  const result = await sql<{
    b: number | string;
    requests: number | string;
    tokens: number | string;
    refused: number | string;
  }>`
    select (ts - (ts % ${bucket})) as b, count(*) as requests,
      coalesce(sum(total_tokens), 0) as tokens,
      sum(case when http_status >= 400 then 1 else 0 end) as refused
    from events where ts >= ${from} ${accountFilter}
    group by 1 order by 1`.execute(store.db);
  const byBucket = new Map(result.rows.map((r) => [Number(r.b), r]));
  const points: TrafficPoint[] = [];
  for (let t = from; t <= now; t += bucket) {
    const row = byBucket.get(t);
    points.push({
      t,
      requests: Number(row?.requests ?? 0),
      tokens: Number(row?.tokens ?? 0),
      refused: Number(row?.refused ?? 0),
    });
  }
  return { from, bucket_ms: bucket, points };
}

/** Every account with its partner, channels seen, risk and 24 h usage, riskiest first. */
export async function dashboardAccounts(store: Store, now = Date.now()): Promise<DashboardAccountRow[]> {
  const since = now - 24 * HOUR;
  const [accounts, usage, channels, risks] = await Promise.all([
    store.db
      .selectFrom('accounts')
      .leftJoin('partners', 'partners.id', 'accounts.partner_id')
      .select([
        'accounts.id',
        'accounts.name',
        'accounts.status',
        'accounts.open_case_id',
        'partners.name as partner',
      ])
      .execute(),
    sql<{ account_id: string; requests: number | string; tokens: number | string }>`
      select account_id, count(*) as requests, coalesce(sum(total_tokens), 0) as tokens
      from events where ts >= ${since} group by account_id`.execute(store.db),
    sql<{ account_id: string; channel: string }>`
      select distinct account_id, channel from events where ts >= ${since}`.execute(store.db),
    store.db.selectFrom('account_risk').select(['account_id', 'risk', 'verdict']).execute(),
  ]);
  const usageOf = new Map(usage.rows.map((r) => [r.account_id, r]));
  const riskOf = new Map(risks.map((r) => [r.account_id, r]));
  const channelsOf = new Map<string, string[]>();
  for (const row of channels.rows) {
    const list = channelsOf.get(row.account_id) ?? [];
    list.push(row.channel);
    channelsOf.set(row.account_id, list);
  }
  const rows = accounts.map((a) => {
    const u = usageOf.get(a.id);
    const r = riskOf.get(a.id);
    return {
      id: a.id,
      name: a.name,
      status: a.status,
      partner: a.partner ?? null,
      channels: (channelsOf.get(a.id) ?? []).sort(),
      risk: r ? Number(r.risk) : null,
      verdict: r?.verdict ?? null,
      requests_24h: Number(u?.requests ?? 0),
      tokens_24h: Number(u?.tokens ?? 0),
      open_case: a.open_case_id ?? null,
    };
  });
  return rows.sort((a, b) => (b.risk ?? -1) - (a.risk ?? -1) || a.name.localeCompare(b.name));
}

/** The latest audit log entries, with the account name when the subject is an account. */
export async function latestActions(store: Store, limit: number): Promise<LatestAction[]> {
  const rows = await store.db
    .selectFrom('audit_entries')
    .select(['ts', 'actor', 'action', 'subject'])
    .orderBy('entry_index', 'desc')
    .limit(limit)
    .execute();
  // Subjects are `<kind>:<id>` (account:acct_…, case:case_…); account subjects get their name.
  const accountId = (subject: string) => (subject.startsWith('account:') ? subject.slice(8) : subject);
  const ids = [...new Set(rows.map((r) => accountId(r.subject)))];
  const names =
    ids.length === 0
      ? []
      : await store.db.selectFrom('accounts').select(['id', 'name']).where('id', 'in', ids).execute();
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  return rows.map((r) => ({
    ts: Number(r.ts),
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    subject_name: nameOf.get(accountId(r.subject)) ?? null,
  }));
}

/** What changed since the client's cursor: status changes (feed seq) and new risk verdicts (time). */
export async function dashboardChanges(store: Store, afterSeq: number, sinceTs: number) {
  const [changes, risks] = await Promise.all([
    store.db
      .selectFrom('state_changes')
      .leftJoin('accounts', 'accounts.id', 'state_changes.subject_id')
      .select([
        'state_changes.seq',
        'state_changes.kind',
        'state_changes.subject_id',
        'state_changes.ts',
        'accounts.name',
        'accounts.status',
      ])
      .where('state_changes.seq', '>', afterSeq)
      .orderBy('state_changes.seq')
      .limit(200)
      .execute(),
    store.db
      .selectFrom('account_risk')
      .innerJoin('accounts', 'accounts.id', 'account_risk.account_id')
      .select([
        'account_risk.account_id',
        'accounts.name',
        'account_risk.risk',
        'account_risk.verdict',
        'account_risk.updated_at',
      ])
      .where('account_risk.updated_at', '>', sinceTs)
      .where('account_risk.verdict', '!=', 'ok')
      .orderBy('account_risk.updated_at')
      .limit(200)
      .execute(),
  ]);
  const lastSeq = changes.length > 0 ? Number(changes[changes.length - 1].seq) : afterSeq;
  const lastTs = risks.reduce((max, r) => Math.max(max, Number(r.updated_at)), sinceTs);
  return {
    seq: lastSeq,
    ts: lastTs,
    changes: changes.map((c) => ({
      seq: Number(c.seq),
      kind: c.kind,
      subject: c.subject_id,
      ts: Number(c.ts),
      name: c.name ?? null,
      status: c.status ?? null,
    })),
    flagged: risks.map((r) => ({
      account: r.account_id,
      name: r.name,
      risk: Number(r.risk),
      verdict: r.verdict,
      ts: Number(r.updated_at),
    })),
  };
}

export function registerDashboardRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: { hours?: number } }>(
    '/dashboard/overview',
    {
      config: { allow: READ_ROLES },
      schema: {
        querystring: hoursQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              traffic: trafficSchema,
              accounts: { type: 'array', items: accountRowSchema },
              statuses: {
                type: 'object',
                properties: {
                  active: { type: 'integer' },
                  suspended: { type: 'integer' },
                  terminated: { type: 'integer' },
                },
              },
              verdicts: {
                type: 'object',
                properties: {
                  ok: { type: 'integer' },
                  review: { type: 'integer' },
                  suspend: { type: 'integer' },
                  unscored: { type: 'integer' },
                },
              },
              open_cases: { type: 'integer' },
              latest_actions: { type: 'array', items: actionSchema },
              cursor: {
                type: 'object',
                properties: { seq: { type: 'integer' }, ts: { type: 'integer' } },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const now = Date.now();
      const [traffic, accounts, actions, seqRow] = await Promise.all([
        trafficSeries(store, { hours: request.query.hours ?? 24, now }),
        dashboardAccounts(store, now),
        latestActions(store, 12),
        store.db
          .selectFrom('state_changes')
          .select((eb) => eb.fn.max('seq').as('seq'))
          .executeTakeFirst(),
      ]);
      const statuses = { active: 0, suspended: 0, terminated: 0 };
      const verdicts = { ok: 0, review: 0, suspend: 0, unscored: 0 };
      for (const a of accounts) {
        if (a.status in statuses) statuses[a.status as keyof typeof statuses] += 1;
        const v = (a.verdict ?? 'unscored') as keyof typeof verdicts;
        if (v in verdicts) verdicts[v] += 1;
      }
      return {
        traffic,
        accounts: accounts.slice(0, 10),
        statuses,
        verdicts,
        open_cases: accounts.filter((a) => a.open_case !== null).length,
        latest_actions: actions,
        cursor: { seq: Number(seqRow?.seq ?? 0), ts: now },
      };
    },
  );

  app.get(
    '/dashboard/accounts',
    {
      config: { allow: READ_ROLES },
      schema: {
        response: {
          200: {
            type: 'object',
            properties: { accounts: { type: 'array', items: accountRowSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({ accounts: await dashboardAccounts(store) }),
  );

  app.get<{ Params: { id: string }; Querystring: { hours?: number } }>(
    '/dashboard/accounts/:id/traffic',
    {
      config: { allow: READ_ROLES },
      schema: {
        params: idParams,
        querystring: hoursQuery,
        response: { 200: trafficSchema, ...errorResponses },
      },
    },
    async (request) => {
      const account = await store.db
        .selectFrom('accounts')
        .select('id')
        .where((eb) => eb.or([eb('id', '=', request.params.id), eb('name', '=', request.params.id)]))
        .executeTakeFirst();
      if (!account) throw new WardenError('ADMIN_NOT_FOUND', { what: 'account', id: request.params.id });
      return trafficSeries(store, { hours: request.query.hours ?? 24, accountId: account.id });
    },
  );

  app.get<{ Querystring: { seq?: number; ts?: number } }>(
    '/dashboard/changes',
    {
      config: { allow: READ_ROLES },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { seq: { type: 'integer', minimum: 0 }, ts: { type: 'integer', minimum: 0 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              seq: { type: 'integer' },
              ts: { type: 'integer' },
              changes: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    seq: { type: 'integer' },
                    kind: { type: 'string' },
                    subject: { type: 'string' },
                    ts: { type: 'integer' },
                    name: { type: ['string', 'null'] },
                    status: { type: ['string', 'null'] },
                  },
                },
              },
              flagged: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    account: { type: 'string' },
                    name: { type: 'string' },
                    risk: { type: 'number' },
                    verdict: { type: 'string' },
                    ts: { type: 'integer' },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => dashboardChanges(store, request.query.seq ?? 0, request.query.ts ?? Date.now()),
  );
}

/** The admin plugin factory (listed in src/runtime/admin-plugins.ts). */
export const dashboardAdminPlugin: AdminPluginFactory = ({ store }) =>
  async function dashboardRoutes(app) {
    registerDashboardRoutes(app, store);
  };
